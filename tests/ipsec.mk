# tests/ipsec (owned by its module)
