/*
 * The OS profile table, indexed by prm_os. Sources: receive windows KB 224829
 * and the Vista TCP/IP notes (auto-tuning starts at 64 KiB, scale factor 8);
 * MaxMpxCount KB 926646 (XP Professional serves 10 commands) and MS-CIFS <79>
 * (servers 50); the redirector's cap of 50 KB 271148. Vista and XP are client
 * SKUs (10 as servers), 2003 and 2008 server SKUs (50) [I for Vista/2008].
 * Copy engines (issue 12): Russinovich, "Inside Vista SP1 File Copy
 * Improvements": Vista RTM issues 60 KB I/Os, SP1 32 KB [S]; Server 2008
 * shipped with the SP1 code [S]; "vista" is taken as RTM [I]; XP's engine
 * reads through the cache and the redirector asks for MS-CIFS <92>'s 61,440 B
 * [I]. Parallel I/Os: 8 for every engine, no source [?].
 *
 * TCP loss recovery (issue 12, doc/domain.md section 5): SACK on for all four
 * (KB 224829 SackOpts=1; the Vista resource kit); RFC 3517 recovery and F-RTO
 * on Vista/2008 (TechNet "Next Generation TCP/IP"); XP/2003's use of SACK
 * blocks in recovery is undocumented [?]: NewReno that never resends SACKed
 * data is the model's choice; limited transmit is listed for no OS [I].
 *
 * Inbound SMB sessions (issue 16, doc/domain.md "Fleets"): XP Professional
 * accepts 10 concurrent inbound connections, Server 2003 has no such limit
 * (KB 314882) [S]; Vista's EULA carries the same client-OS limit of 10 [I];
 * Server 2008 none [I].
 */
#include "models/host.h"
#include "models/core/pkt.h"

#define AUTOTUNE_START_BYTES 65536

static const host_profile profiles[] = {
    [PRM_OS_XP] = {"xp", 0, 16384, 10, 50, 0, PRM_ENGINE_XP, 1, PRM_SACKREC_NEWRENO, 0, 0},
    [PRM_OS_2003] = {"2003", 0, 16384, 50, 50, 0, PRM_ENGINE_XP, 1, PRM_SACKREC_NEWRENO, 0, 0},
    [PRM_OS_VISTA] = {"vista", 1, AUTOTUNE_START_BYTES, 10, 50, 1, PRM_ENGINE_RTM, 1, PRM_SACKREC_RFC3517, 0, 1},
    [PRM_OS_2008] = {"2008", 1, AUTOTUNE_START_BYTES, 50, 50, 1, PRM_ENGINE_SP1, 1, PRM_SACKREC_RFC3517, 0, 1},
};

const host_profile *host_profile_of(int os)
{
    if (os < PRM_OS_XP || os > PRM_OS_2008) os = PRM_OS_XP;
    return &profiles[os];
}

int64_t host_mss(const prm_config *cfg, int role)
{
    int64_t room = cfg->link.mtu_bytes - PKT_IP_HEADER_BYTES - PKT_TCP_HEADER_BYTES;
    if (cfg->tcp.ipsec_mss == PRM_IPSEC_MSS_POLICY && cfg->host[role].ipsec_policy != PRM_POLICY_NONE)
        room -= cfg->ipsec.esp_overhead_bytes;
    int64_t mss = cfg->tcp.mss_bytes < room ? cfg->tcp.mss_bytes : room;
    return mss < 64 ? 64 : mss;
}

uint64_t host_rcv_window(const prm_config *cfg, int role, int *autotune_out)
{
    const prm_host *h = &cfg->host[role];
    const host_profile *p = host_profile_of(h->os);
    if (h->tcp_window_bytes) {
        *autotune_out = 0;
        return h->tcp_window_bytes;
    }
    *autotune_out = p->autotune;
    if (p->autotune) return p->rcv_window_bytes;
    /* XP/2003: 16 KiB rounded up to whole segments (17,520 B at MSS 1460). */
    uint64_t mss = (uint64_t)host_mss(cfg, role);
    return (p->rcv_window_bytes + mss - 1) / mss * mss;
}

int64_t host_smb_server_maxmpx(const prm_config *cfg, int role)
{
    const prm_host *h = &cfg->host[role];
    return h->smb_maxmpx ? h->smb_maxmpx : host_profile_of(h->os)->smb_server_maxmpx;
}

int64_t host_smb_client_maxmpx(const prm_config *cfg, int role)
{
    const prm_host *h = &cfg->host[role];
    return h->smb_maxmpx ? h->smb_maxmpx : host_profile_of(h->os)->smb_client_maxmpx;
}

/* issue 16: concurrent inbound SMB sessions each OS accepts as a server; 0 = no limit. */
static const int64_t max_connections[] = {
    [PRM_OS_XP] = 10,    /* KB 314882 [S] (XP Home 5, not an OS of the model) */
    [PRM_OS_2003] = 0,   /* KB 314882: no limit [S] */
    [PRM_OS_VISTA] = 10, /* [I] the client-OS limit of Vista's EULA */
    [PRM_OS_2008] = 0,   /* [I] a server SKU, as 2003 */
};

int64_t host_smb_max_connections(const prm_config *cfg, int role)
{
    int64_t v = cfg->smb.server_max_connections;
    if (v < 0) return 0;
    if (v > 0) return v;
    return max_connections[host_profile_of(cfg->host[role].os) - profiles];
}

/* ---- issue 12: the SMB client's copy engine ---- */

static const struct {
    uint64_t read_size_bytes;
    int64_t outstanding;
} engines[] = {
    [PRM_ENGINE_XP] = {61440, 8},
    [PRM_ENGINE_RTM] = {61440, 8},
    [PRM_ENGINE_SP1] = {32768, 8},
};

int host_smb_copy_engine(const prm_config *cfg)
{
    int e = cfg->smb.copy_engine;
    if (e < PRM_ENGINE_XP || e > PRM_ENGINE_SP1) e = host_profile_of(cfg->host[PRM_CLIENT].os)->smb_copy_engine;
    return e;
}

uint64_t host_smb_read_size(const prm_config *cfg)
{
    if (cfg->smb.read_size_bytes) return cfg->smb.read_size_bytes;
    return engines[host_smb_copy_engine(cfg)].read_size_bytes;
}

int64_t host_smb_client_outstanding(const prm_config *cfg)
{
    if (cfg->smb.client_outstanding) return cfg->smb.client_outstanding;
    return engines[host_smb_copy_engine(cfg)].outstanding;
}

static int tri(int key, int os_value) { return key == PRM_TRI_OS ? os_value : key == PRM_TRI_ON; }

int host_tcp_sack(const prm_config *cfg, int role)
{
    return tri(cfg->tcp.sack, host_profile_of(cfg->host[role].os)->sack);
}

int host_tcp_sack_recovery(const prm_config *cfg, int role)
{
    int k = cfg->tcp.sack_recovery;
    return k == PRM_SACKREC_OS ? host_profile_of(cfg->host[role].os)->sack_recovery : k;
}

int host_tcp_limited_transmit(const prm_config *cfg, int role)
{
    return tri(cfg->tcp.limited_transmit, host_profile_of(cfg->host[role].os)->limited_transmit);
}

int host_tcp_frto(const prm_config *cfg, int role)
{
    return tri(cfg->tcp.frto, host_profile_of(cfg->host[role].os)->frto);
}
