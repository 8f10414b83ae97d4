# bench/hold (owned by its module)
