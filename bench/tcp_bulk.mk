# bench/tcp_bulk (owned by its module)
