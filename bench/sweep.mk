# bench/sweep (owned by its module)
