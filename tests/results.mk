# tests/results (owned by its module)
