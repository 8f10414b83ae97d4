#ifndef MODELS_HOST_H
#define MODELS_HOST_H
/*
 * Host profiles: what each Windows version brings by default (receive window
 * and its auto-tuning, SMB outstanding-request limits, AuthIP) and the
 * per-host values the scenario derives from a config, where a host setting of
 * 0 means "the OS default". Pure functions of the config; no state.
 */
#include <stdint.h>
#include "models/core/params.h"

typedef struct host_profile {
    const char *name;          /* registry choice name: "xp", "2003", "vista", "2008" */
    int autotune;              /* receive-window auto-tuning (Vista/2008) */
    uint64_t rcv_window_bytes; /* fixed default window before rounding to whole segments */
    int64_t smb_server_maxmpx; /* MaxMpxCount announced as an SMB server */
    int64_t smb_client_maxmpx; /* redirector's own cap on outstanding requests */
    int authip;                /* speaks AuthIP besides IKEv1 (Vista/2008) */
    /* issue 12: SMB client */
    int smb_copy_engine; /* file copy engine as an SMB client: prm_copy_engine */
    /* TCP loss recovery (issue 12): the values tcp.* = os selects */
    int sack;             /* offers SACK-permitted (all four: KB 224829, Vista notes) */
    int sack_recovery;    /* PRM_SACKREC_RFC3517 or PRM_SACKREC_NEWRENO */
    int limited_transmit; /* RFC 3042 */
    int frto;             /* RFC 5682 spurious RTO detection */
} host_profile;

/* The profile of OS (prm_os); borrowed static data. */
const host_profile *host_profile_of(int os);

/* The TCP maximum segment size of host ROLE: tcp.mss, lowered so that a
 * segment with IP and TCP headers fits link.mtu, and by the ESP overhead when
 * the host has an IPsec policy only under tcp.ipsec_mss=policy (by default an
 * ESP segment is simply larger and the link fragments it). */
int64_t host_mss(const prm_config *cfg, int role);

/* The receive window host ROLE advertises at the start, in bytes, and whether
 * it auto-tunes (*autotune_out, 0 or 1). An explicit ROLE.tcp.window is used
 * as given and never auto-tuned. */
uint64_t host_rcv_window(const prm_config *cfg, int role, int *autotune_out);

/* The SMB outstanding-request limit of host ROLE acting as server (its
 * MaxMpxCount) or as client (its redirector's cap). */
int64_t host_smb_server_maxmpx(const prm_config *cfg, int role);
int64_t host_smb_client_maxmpx(const prm_config *cfg, int role);

/* issue 16: the concurrent inbound SMB sessions host ROLE accepts as a
 * server (server.smb.max_connections, or its OS's: XP 10 per KB 314882,
 * Vista 10 [I], 2003 and 2008 none); 0 = no limit. */
int64_t host_smb_max_connections(const prm_config *cfg, int role);
/* issue 12. The client's copy engine (client.copy_engine, or its OS's under
 * auto), the bytes per READ_ANDX / WRITE_ANDX (smb.read_size when set, else
 * the engine's) and its parallel I/Os (smb.client_outstanding when set, else
 * the engine's; the hosts' smb.maxmpx still bound it, models/smb.c). */
int host_smb_copy_engine(const prm_config *cfg);
uint64_t host_smb_read_size(const prm_config *cfg);
int64_t host_smb_client_outstanding(const prm_config *cfg);
/* TCP loss recovery of host ROLE (issue 12): the tcp.* key when it is not
 * "os", else the OS profile's value. host_tcp_sack, host_tcp_limited_transmit
 * and host_tcp_frto return 0 or 1; host_tcp_sack_recovery returns
 * PRM_SACKREC_RFC3517 or PRM_SACKREC_NEWRENO. */
int host_tcp_sack(const prm_config *cfg, int role);
int host_tcp_sack_recovery(const prm_config *cfg, int role);
int host_tcp_limited_transmit(const prm_config *cfg, int role);
int host_tcp_frto(const prm_config *cfg, int role);

#endif
