# The SQLite results store and plotting.
noinst_LIBRARIES += libresults.a
libresults_a_SOURCES =
libresults_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS)
