# tests/sim (owned by its module)
