/*
 * One simulated copy. scn_run builds, for one config and run seed: a kernel,
 * a packet pool, the recorder, the link, per host an IPsec layer and a TCP
 * endpoint, and the SMB copy on top; it wires every host as
 *
 *   TCP -> ipsec_host_out_port -> [IPsec] -> link send port
 *   link delivers -> ipsec_host_in_port -> [IPsec] -> TCP input
 *
 * always (with policy none the IPsec layer passes through), runs the kernel
 * until the copy ends (the SMB layer reports completion or the first terminal
 * event at either host, and the kernel is stopped at once) or sim.max_time,
 * then turns the recorder into an out_result and frees everything. Nothing
 * here depends on the file size except the simulated time.
 *
 * With extra flows (flow.* keys, models/flow.h) each host's IPsec layer hands
 * up to the flows' demultiplexer instead, which passes the copy's packets to
 * its TCP; the flows send through the same IPsec out port as the copy. Their
 * events go to a recorder of their own with the same sinks, so the copy's
 * counters stay the copy's; its fingerprint is folded into the run's only
 * when there are flows, so runs without any keep their fingerprints.
 *
 * A restartable copy (copy.tool=robocopy-z, issue 15): when an attempt ends
 * with a failure (connect_timeout, tcp_abort, smb_timeout) and copy.retries
 * are not spent, the run goes on: both TCP endpoints are dropped at once (the
 * server's half is forgotten as if the client's reset reached it [I]), file
 * bytes of a READ/WRITE cut off mid-message are taken back from bytes_done,
 * and after copy.retry_wait a new TCP pair (new endpoints: fresh sequence
 * state, slow start, RTT estimate) and a new SMB session start on the same
 * hosts, link and IPsec layers, so IPsec decides again for the new SYN from
 * the state its record is in then. The new copy resumes at the offset up to
 * which the reader had every READ/WRITE complete (smb_done_offset), so each
 * file byte is counted once. Segments of a dead attempt still in a queue
 * (IPsec's hold queue, the link) are dropped when they reach a host: under
 * robocopy-z the copy's packets carry their attempt (pkt.copy_attempt) and
 * a port between IPsec and TCP lets through only the current one's. The
 * interruption episode open when an attempt died stays open through the wait
 * until the new connection's packets pass that host's IPsec again. With
 * explorer none of this is wired, so its runs are as before.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "models/flow.h"
#include "models/host.h"
#include "models/ipsec.h"
#include "models/core/record.h"
#include "sim/hash.h"
#include "models/core/params.h"
#include "models/scenario_int.h"
#include "models/smb.h"

#define FLOW_ID PKT_FLOW_COPY

/* tcp.ipsec_mss=handshake (KB 2524732): between a host's IPsec layer and
 * the link, the one place that sees both TCP flags and ESP, a watch tells
 * the host's TCP when its SYN or SYN-ACK leaves under ESP. Wired only under
 * that setting, so other runs pay nothing. */
typedef struct scn_esp_watch {
    tcp_conn *tcp;
    int64_t overhead_bytes;
    pkt_port link;
} scn_esp_watch;

static void esp_watch_fn(void *ctx, pkt *p)
{
    scn_esp_watch *w = ctx;
    if (p->esp && p->proto == PKT_TCP && (p->tcp_flags & TCP_SYN)) tcp_clamp_mss(w->tcp, w->overhead_bytes);
    pkt_port_send(&w->link, p);
}

typedef struct scn_sim {
    const prm_config *cfg;
    sim_kernel *k;
    pkt_pool *pp;
    rec_recorder rec;
    link_p2p *link;
    ipsec_host *ipsec[2];
    tcp_conn *tcp[2];
    tcp_host_params hp[2];
    smb_copy *smb;
    scn_esp_watch esp_watch[2]; /* tcp.ipsec_mss=handshake */
    flow_set *flows;            /* NULL when the config declares none */
    rec_recorder frec;          /* the extra flows' recorder */
    int frec_ready;
    int ended, failure, fail_host;
    sim_time_ns end_ns;
    const scn_tap *tap; /* the capture's observer, or NULL */
    /* issue 15: restartable copies (copy.tool=robocopy-z) */
    struct scn_copy_port {
        struct scn_sim *s;
        int host;
        pkt_port ipsec_out; /* what the current TCP endpoint sends into */
    } cport[2];
    uint32_t attempt;      /* the current connection attempt, 0 first */
    uint64_t n_restarts;   /* reconnects done */
    int restart_failure;   /* the failure that ended the previous attempt */
    sim_timer retry_timer; /* copy.retry_wait runs */
} scn_sim;

static int restartable(const scn_sim *s) { return s->cfg->copy.tool == PRM_TOOL_ROBOCOPY_Z; }
static void retry_fire(sim_kernel *k, void *arg);

static void on_done(void *ctx, int failure, int host)
{
    scn_sim *s = ctx;
    if (s->ended) return;
    if (failure != OUT_FAIL_NONE && restartable(s) && s->n_restarts < (uint64_t)s->cfg->copy.retries) {
        /* robocopy /Z: this attempt is over, the next one comes after the wait. */
        for (int h = 0; h < 2; h++) tcp_drop(s->tcp[h]);
        s->rec.bytes_done = smb_done_offset(s->smb);
        s->restart_failure = failure;
        sim_timer_arm_in(s->k, &s->retry_timer, s->cfg->copy.retry_wait_ns);
        return;
    }
    s->ended = 1;
    s->failure = failure;
    s->fail_host = failure == OUT_FAIL_NONE ? -1 : host;
    s->end_ns = sim_kernel_now(s->k);
    rec_emit(
        &s->rec,
        &(ev_event){.kind = EV_COPY_END, .host = (int8_t)host, .cause = failure, .detail = out_failure_name(failure)});
    sim_kernel_stop(s->k);
}

static void teardown(scn_sim *s, scn_probe *probe)
{
    if (probe) {
        for (int h = 0; h < 2; h++) {
            if (s->link) probe->link[h] = link_get_stats(s->link, h);
            if (s->tcp[h]) probe->tcp[h] = tcp_get_stats(s->tcp[h]);
        }
        probe->smb_limit = s->smb ? smb_max_outstanding(s->smb) : 0;
        probe->mss_bytes = s->hp[0].mss_bytes;
        probe->fail_host = s->fail_host;
        probe->end_s = sim_time_to_s(s->end_ns);
    }
    if (s->k) sim_timer_disarm(s->k, &s->retry_timer);
    smb_free(s->smb);
    flow_set_free(s->flows);
    if (s->frec_ready) rec_fini(&s->frec);
    for (int h = 0; h < 2; h++) {
        tcp_free(s->tcp[h]);
        ipsec_host_free(s->ipsec[h]);
    }
    link_free(s->link);
    if (probe && s->pp) probe->pkts_outstanding = pkt_pool_outstanding(s->pp);
    pkt_pool_free(s->pp);
    rec_fini(&s->rec);
    sim_kernel_free(s->k);
}

/* Both endpoints use the smaller of the two hosts' MSS (what the SYN's MSS
 * options would settle on). */
static void endpoint_params(scn_sim *s)
{
    int64_t mss = host_mss(s->cfg, PRM_CLIENT);
    if (host_mss(s->cfg, PRM_SERVER) < mss) mss = host_mss(s->cfg, PRM_SERVER);
    for (int h = 0; h < 2; h++) {
        s->hp[h].mss_bytes = mss;
        s->hp[h].rcv_window_bytes = host_rcv_window(s->cfg, h, &s->hp[h].autotune);
        /* TCP loss recovery (issue 12) */
        s->hp[h].sack = host_tcp_sack(s->cfg, h);
        s->hp[h].sack_rfc3517 = host_tcp_sack_recovery(s->cfg, h) == PRM_SACKREC_RFC3517;
        s->hp[h].limited_transmit = host_tcp_limited_transmit(s->cfg, h);
        s->hp[h].frto = host_tcp_frto(s->cfg, h);
    }
}

/* ---- restartable copies (issue 15) ---- */

/* Between a host's TCP and its IPsec layer: stamps the copy's segments
 * with the attempt that sent them. */
static void copy_out_fn(void *ctx, pkt *p)
{
    struct scn_copy_port *cp = ctx;
    p->copy_attempt = cp->s->attempt;
    pkt_port_send(&cp->ipsec_out, p);
}

static pkt_port copy_out_port(struct scn_copy_port *cp) { return (pkt_port){copy_out_fn, cp}; }

/* Between a host's IPsec layer and its TCP: the current attempt's segments
 * go to its endpoint; a dead attempt's are dropped (the host has no such
 * connection any more). */
static void copy_in_fn(void *ctx, pkt *p)
{
    struct scn_copy_port *cp = ctx;
    if (p->copy_attempt != cp->s->attempt) {
        pkt_put(cp->s->pp, p);
        return;
    }
    tcp_input(cp->s->tcp[cp->host], p);
}

/* copy.retry_wait is over: a new TCP pair and SMB session resume the copy. */
static void retry_fire(sim_kernel *k, void *arg)
{
    scn_sim *s = arg;
    (void)k;
    uint64_t offset = smb_done_offset(s->smb);
    smb_free(s->smb);
    s->smb = NULL;
    s->attempt++;
    s->n_restarts++;
    for (int h = 0; h < 2; h++) {
        tcp_free(s->tcp[h]);
        s->tcp[h] = tcp_new(s->k, &s->cfg->tcp, &s->hp[h], h, FLOW_ID, s->pp, &s->rec);
        if (!s->tcp[h]) {
            rec_out_of_memory(&s->rec);
            return;
        }
        tcp_wire(s->tcp[h], copy_out_port(&s->cport[h]));
        s->esp_watch[h].tcp = s->tcp[h];
    }
    s->smb = smb_new(s->k, s->cfg, &s->rec, s->tcp[PRM_CLIENT], s->tcp[PRM_SERVER], on_done, s);
    if (!s->smb) {
        rec_out_of_memory(&s->rec);
        return;
    }
    smb_resume_at(s->smb, offset);
    rec_emit(&s->rec, &(ev_event){.kind = EV_COPY_RESTART,
                                  .host = PRM_CLIENT,
                                  .count = s->n_restarts,
                                  .bytes = offset,
                                  .cause = s->restart_failure});
    smb_start(s->smb);
}

static int build(scn_sim *s, uint64_t run_seed, const rec_sink *sinks, int n_sinks)
{
    sim_timer_init(&s->retry_timer, retry_fire, s);
    s->k = sim_kernel_new();
    s->pp = pkt_pool_new();
    if (!s->k || !s->pp) return -1;
    rec_init(&s->rec, s->k);
    for (int i = 0; i < n_sinks; i++)
        if (rec_add_sink(&s->rec, sinks[i]) != 0) return -1;
    s->link = link_new(s->k, &s->cfg->link, s->pp, &s->rec, run_seed);
    if (!s->link) return -1;
    if (s->tap) link_set_tap(s->link, s->tap->where, s->tap->tap);
    endpoint_params(s);
    for (int h = 0; h < 2; h++) {
        s->ipsec[h] = ipsec_host_new(s->k, s->cfg, h, s->pp, &s->rec, run_seed);
        s->tcp[h] = tcp_new(s->k, &s->cfg->tcp, &s->hp[h], h, FLOW_ID, s->pp, &s->rec);
        if (!s->ipsec[h] || !s->tcp[h]) return -1;
    }
    if (flow_any(s->cfg)) {
        rec_init(&s->frec, s->k);
        s->frec_ready = 1;
        for (int i = 0; i < n_sinks; i++)
            if (rec_add_sink(&s->frec, sinks[i]) != 0) return -1;
        s->flows = flow_set_new(s->k, s->cfg, s->hp, s->pp, &s->frec);
        if (!s->flows) return -1;
    }
    for (int h = 0; h < 2; h++) {
        s->cport[h] = (struct scn_copy_port){s, h, ipsec_host_out_port(s->ipsec[h])};
        tcp_wire(s->tcp[h], restartable(s) ? copy_out_port(&s->cport[h]) : ipsec_host_out_port(s->ipsec[h]));
        pkt_port down = link_send_port(s->link, h);
        if (s->cfg->tcp.ipsec_mss == PRM_IPSEC_MSS_HANDSHAKE) {
            s->esp_watch[h] = (scn_esp_watch){s->tcp[h], s->cfg->ipsec.esp_overhead_bytes, down};
            down = (pkt_port){esp_watch_fn, &s->esp_watch[h]};
        }
        pkt_port up = restartable(s) ? (pkt_port){copy_in_fn, &s->cport[h]} : tcp_input_port(s->tcp[h]);
        if (s->flows) {
            flow_set_wire(s->flows, h, ipsec_host_out_port(s->ipsec[h]), up);
            up = flow_set_up_port(s->flows, h);
        }
        ipsec_host_wire(s->ipsec[h], down, up);
        link_wire(s->link, h, ipsec_host_in_port(s->ipsec[h]));
    }
    s->smb = smb_new(s->k, s->cfg, &s->rec, s->tcp[PRM_CLIENT], s->tcp[PRM_SERVER], on_done, s);
    return s->smb ? 0 : -1;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int fill_result(scn_sim *s, uint64_t run_seed, double wall_s, out_result *out)
{
    const rec_recorder *r = &s->rec;
    out_result res = {0};
    res.failure = s->failure;
    /* A handshake that IPsec dropped by a block decision, or still held when
     * the connect gave up, failed because of IPsec, not the network. */
    if (res.failure == OUT_FAIL_CONNECT_TIMEOUT && (r->blocked || r->holding[0] || r->holding[1]))
        res.failure = OUT_FAIL_BLOCKED;
    res.bytes_done = r->bytes_done;
    res.completed = res.failure == OUT_FAIL_NONE && r->bytes_done >= s->cfg->file_size_bytes;
    res.setup_s = r->established ? sim_time_to_s(r->established_ns - r->t0_ns) : NAN;
    res.duration_s = r->started ? sim_time_to_s(s->end_ns - r->t0_ns) : 0.0;
    res.n_interruptions = r->n_eps;
    res.first_interruption_s = r->n_eps ? r->eps[0].start_s : NAN;
    res.first_interruption_bytes = r->n_eps ? (double)r->eps[0].bytes_at_start : NAN;
    res.n_negotiations = r->n_negotiations;
    res.n_negotiation_failures = r->n_negotiation_failures;
    res.n_fallbacks = r->n_fallbacks;
    res.n_rekeys = r->n_rekeys;
    res.n_retransmits = r->n_retransmits;
    res.n_restarts = s->n_restarts;
    sim_counters kc = sim_kernel_counters(s->k);
    res.events = kc.n_executed;
    res.peak_pending = kc.peak_pending;
    res.wall_s = wall_s;
    res.events_per_s = wall_s > 0 ? (double)res.events / wall_s : 0.0;
    res.seed = run_seed;
    /* The trajectory's hash, closed with the outcome itself, so that two runs
     * with the same events but a different ending still differ. */
    uint64_t fp = r->fingerprint;
    if (s->flows) fp = sim_hash_mix64(fp ^ s->frec.fingerprint);
    fp = sim_hash_mix64(fp ^ (uint64_t)res.failure);
    fp = sim_hash_mix64(fp ^ res.bytes_done);
    fp = sim_hash_mix64(fp ^ (uint64_t)sim_kernel_now(s->k));
    fp = sim_hash_mix64(fp ^ res.events);
    res.fingerprint = fp;
    if (r->n_eps) {
        res.interruptions = malloc(r->n_eps * sizeof *res.interruptions);
        if (!res.interruptions) return SCN_ENOMEM;
        memcpy(res.interruptions, r->eps, r->n_eps * sizeof *res.interruptions);
    }
    *out = res;
    return 0;
}

static int run_tapped_probe(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks,
                            const scn_tap *tap, out_result *out, scn_probe *probe)
{
    char err[256];
    if (prm_check(cfg, err, sizeof err) != 0) return SCN_ECONFIG;
    scn_sim s = {.cfg = cfg, .fail_host = -1, .tap = tap};
    if (build(&s, run_seed, sinks, n_sinks) != 0) {
        teardown(&s, NULL);
        return SCN_ENOMEM;
    }
    double t0 = wall_now();
    smb_start(s.smb);
    if (s.flows) flow_set_start(s.flows);
    sim_kernel_run_until(s.k, cfg->max_sim_ns);
    double wall = wall_now() - t0;
    if (!s.ended) {
        s.failure = OUT_FAIL_SIM_LIMIT;
        s.end_ns = sim_kernel_now(s.k);
        rec_emit(&s.rec, &(ev_event){.kind = EV_SIM_LIMIT, .host = -1});
    }
    int rc = s.rec.oom || (s.frec_ready && s.frec.oom) ? SCN_ENOMEM : fill_result(&s, run_seed, wall, out);
    if (probe) memset(probe, 0, sizeof *probe);
    teardown(&s, probe);
    return rc;
}

int scn__run_probe(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks, out_result *out,
                   scn_probe *probe)
{
    return run_tapped_probe(cfg, run_seed, sinks, n_sinks, NULL, out, probe);
}

int scn_run_tapped(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks, const scn_tap *tap,
                   out_result *out)
{
    return run_tapped_probe(cfg, run_seed, sinks, n_sinks, tap, out, NULL);
}

int scn_run(const prm_config *cfg, uint64_t run_seed, FILE *trace, out_result *out)
{
    rec_sink text = {rec_sink_text, trace, 0};
    return scn__run_probe(cfg, run_seed, &text, trace ? 1 : 0, out, NULL);
}

int scn_run_sinks(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks, out_result *out)
{
    return scn__run_probe(cfg, run_seed, sinks, n_sinks, out, NULL);
}

const char *scn_strerror(int code)
{
    switch (code) {
    case 0: return "no error";
    case SCN_ENOMEM: return "out of memory";
    case SCN_ECONFIG: return "the configuration is invalid (see prm_check)";
    }
    return "unknown scenario error";
}
