# The IPsec negotiation layer (policy, SA database, IKE, fallback to clear).
libmodels_a_SOURCES += %D%/ipsec.h %D%/ipsec_int.h %D%/ipsec.c %D%/ike.c
