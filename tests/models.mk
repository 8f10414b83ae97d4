# tests/models (owned by its module)
