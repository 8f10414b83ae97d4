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
#include "models/fleet.h"
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

struct scn_sim;

/* One client pair: a client host and the server's side of its session. A
 * run of one client is one pair; a fleet (fleet.clients = N) has N, sharing
 * the kernel, the packet pool and the path. */
typedef struct scn_pair {
    struct scn_sim *s;
    uint32_t index;        /* 0-based */
    const prm_config *cfg; /* the run's config, or &own when this client's certificate or OS differ */
    prm_config own;
    rec_recorder rec; /* this copy's recorder: its counters, episodes, fingerprint */
    int rec_ready;
    ipsec_host *ipsec[2]; /* the client's layer, and the server's layer towards this client */
    tcp_conn *tcp[2];
    tcp_host_params hp[2];
    smb_copy *smb;
    scn_esp_watch esp_watch[2]; /* tcp.ipsec_mss=handshake */
    int ended, failure, fail_host;
    sim_time_ns end_ns;
    sim_time_ns start_ns; /* when the copy starts (fleet.start) */
    sim_timer start_timer;
    /* issue 15: restartable copies (copy.tool=robocopy-z) */
    struct scn_copy_port {
        struct scn_pair *pr;
        int host;
        pkt_port ipsec_out; /* what the current TCP endpoint sends into */
    } cport[2];
    uint32_t attempt;      /* the current connection attempt, 0 first */
    uint64_t n_restarts;   /* reconnects done */
    int restart_failure;   /* the failure that ended the previous attempt */
    sim_timer retry_timer; /* copy.retry_wait runs */
    /* issue 16: the server's session slot */
    int holds_slot;
    sim_timer linger_timer;
} scn_pair;

typedef struct scn_sim {
    const prm_config *cfg;
    sim_kernel *k;
    pkt_pool *pp;
    link_p2p *link;
    scn_pair *pair;
    rec_recorder **recs; /* by pair, for the path */
    uint32_t n_pairs, n_ended;
    flow_set *flows;   /* NULL when the config declares none (only with one client) */
    rec_recorder frec; /* the extra flows' recorder */
    int frec_ready;
    const scn_tap *tap;   /* the capture's observer, or NULL */
    int64_t max_sessions; /* the server's limit (0 = none) */
    int64_t sessions;     /* slots held now */
} scn_sim;

static int restartable(const scn_pair *pr) { return pr->cfg->copy.tool == PRM_TOOL_ROBOCOPY_Z; }
static void retry_fire(sim_kernel *k, void *arg);

/* The session slot of a finished copy is freed after server.smb.session_linger. */
static void linger_fire(sim_kernel *k, void *arg)
{
    scn_pair *pr = arg;
    (void)k;
    if (pr->holds_slot) pr->s->sessions--;
    pr->holds_slot = 0;
}

/* smb_set_admission's hook: a client holds at most one slot (a reconnect
 * replaces its session, VcNumber 0), the others need a free one. */
static int admit(void *ctx)
{
    scn_pair *pr = ctx;
    scn_sim *s = pr->s;
    if (pr->holds_slot) return 1;
    if (s->sessions >= s->max_sessions) return 0;
    s->sessions++;
    pr->holds_slot = 1;
    return 1;
}

static void on_done(void *ctx, int failure, int host)
{
    scn_pair *pr = ctx;
    scn_sim *s = pr->s;
    if (pr->ended) return;
    if (failure != OUT_FAIL_NONE && restartable(pr) && pr->n_restarts < (uint64_t)pr->cfg->copy.retries) {
        /* robocopy /Z: this attempt is over, the next one comes after the wait. */
        for (int h = 0; h < 2; h++) tcp_drop(pr->tcp[h]);
        pr->rec.bytes_done = smb_done_offset(pr->smb);
        pr->restart_failure = failure;
        sim_timer_arm_in(s->k, &pr->retry_timer, pr->cfg->copy.retry_wait_ns);
        return;
    }
    pr->ended = 1;
    pr->failure = failure;
    pr->fail_host = failure == OUT_FAIL_NONE ? -1 : host;
    pr->end_ns = sim_kernel_now(s->k);
    rec_emit(
        &pr->rec,
        &(ev_event){.kind = EV_COPY_END, .host = (int8_t)host, .cause = failure, .detail = out_failure_name(failure)});
    if (s->n_pairs > 1) { /* the others go on; this one's endpoints are done */
        for (int h = 0; h < 2; h++) tcp_drop(pr->tcp[h]);
        if (pr->holds_slot) sim_timer_arm_in(s->k, &pr->linger_timer, pr->cfg->smb.session_linger_ns);
    }
    if (++s->n_ended == s->n_pairs) sim_kernel_stop(s->k);
}

static void pair_teardown(scn_pair *pr, sim_kernel *k)
{
    if (k) {
        sim_timer_disarm(k, &pr->retry_timer);
        sim_timer_disarm(k, &pr->start_timer);
        sim_timer_disarm(k, &pr->linger_timer);
    }
    smb_free(pr->smb);
    for (int h = 0; h < 2; h++) {
        tcp_free(pr->tcp[h]);
        ipsec_host_free(pr->ipsec[h]);
    }
}

static void teardown(scn_sim *s, scn_probe *probe)
{
    scn_pair *p0 = s->pair;
    if (probe && p0) {
        for (int h = 0; h < 2; h++) {
            if (s->link) probe->link[h] = link_get_stats(s->link, h);
            if (p0->tcp[h]) probe->tcp[h] = tcp_get_stats(p0->tcp[h]);
        }
        probe->smb_limit = p0->smb ? smb_max_outstanding(p0->smb) : 0;
        probe->mss_bytes = p0->hp[0].mss_bytes;
        probe->fail_host = p0->fail_host;
        probe->end_s = sim_time_to_s(s->k ? sim_kernel_now(s->k) : 0);
    }
    flow_set_free(s->flows);
    if (s->frec_ready) rec_fini(&s->frec);
    for (uint32_t i = 0; s->pair && i < s->n_pairs; i++) pair_teardown(&s->pair[i], s->k);
    link_free(s->link);
    if (probe && s->pp) probe->pkts_outstanding = pkt_pool_outstanding(s->pp);
    pkt_pool_free(s->pp);
    for (uint32_t i = 0; s->pair && i < s->n_pairs; i++)
        if (s->pair[i].rec_ready) rec_fini(&s->pair[i].rec);
    free(s->pair);
    free(s->recs);
    sim_kernel_free(s->k);
}

/* Both endpoints use the smaller of the two hosts' MSS (what the SYN's MSS
 * options would settle on). */
static void endpoint_params(scn_pair *pr)
{
    const prm_config *cfg = pr->cfg;
    int64_t mss = host_mss(cfg, PRM_CLIENT);
    if (host_mss(cfg, PRM_SERVER) < mss) mss = host_mss(cfg, PRM_SERVER);
    for (int h = 0; h < 2; h++) {
        pr->hp[h].mss_bytes = mss;
        pr->hp[h].rcv_window_bytes = host_rcv_window(cfg, h, &pr->hp[h].autotune);
        /* TCP loss recovery (issue 12) */
        pr->hp[h].sack = host_tcp_sack(cfg, h);
        pr->hp[h].sack_rfc3517 = host_tcp_sack_recovery(cfg, h) == PRM_SACKREC_RFC3517;
        pr->hp[h].limited_transmit = host_tcp_limited_transmit(cfg, h);
        pr->hp[h].frto = host_tcp_frto(cfg, h);
    }
}

/* ---- restartable copies (issue 15) ---- */

/* Between a host's TCP and its IPsec layer: stamps the copy's segments
 * with the attempt that sent them. */
static void copy_out_fn(void *ctx, pkt *p)
{
    struct scn_copy_port *cp = ctx;
    p->copy_attempt = cp->pr->attempt;
    pkt_port_send(&cp->ipsec_out, p);
}

static pkt_port copy_out_port(struct scn_copy_port *cp) { return (pkt_port){copy_out_fn, cp}; }

/* Between a host's IPsec layer and its TCP: the current attempt's segments
 * go to its endpoint; a dead attempt's are dropped (the host has no such
 * connection any more). */
static void copy_in_fn(void *ctx, pkt *p)
{
    struct scn_copy_port *cp = ctx;
    if (p->copy_attempt != cp->pr->attempt) {
        pkt_put(cp->pr->s->pp, p);
        return;
    }
    tcp_input(cp->pr->tcp[cp->host], p);
}

/* The SMB copy of pair PR on its current endpoints, with the server's
 * admission when a session limit is in force. */
static smb_copy *pair_smb(scn_pair *pr)
{
    smb_copy *c = smb_new(pr->s->k, pr->cfg, &pr->rec, pr->tcp[PRM_CLIENT], pr->tcp[PRM_SERVER], on_done, pr);
    if (c && pr->s->max_sessions > 0) smb_set_admission(c, admit, pr);
    return c;
}

/* copy.retry_wait is over: a new TCP pair and SMB session resume the copy. */
static void retry_fire(sim_kernel *k, void *arg)
{
    scn_pair *pr = arg;
    (void)k;
    uint64_t offset = smb_done_offset(pr->smb);
    smb_free(pr->smb);
    pr->smb = NULL;
    pr->attempt++;
    pr->n_restarts++;
    for (int h = 0; h < 2; h++) {
        tcp_free(pr->tcp[h]);
        pr->tcp[h] = tcp_new(pr->s->k, &pr->cfg->tcp, &pr->hp[h], h, FLOW_ID, pr->s->pp, &pr->rec);
        if (!pr->tcp[h]) {
            rec_out_of_memory(&pr->rec);
            return;
        }
        tcp_wire(pr->tcp[h], copy_out_port(&pr->cport[h]));
        pr->esp_watch[h].tcp = pr->tcp[h];
    }
    pr->smb = pair_smb(pr);
    if (!pr->smb) {
        rec_out_of_memory(&pr->rec);
        return;
    }
    smb_resume_at(pr->smb, offset);
    rec_emit(&pr->rec, &(ev_event){.kind = EV_COPY_RESTART,
                                   .host = PRM_CLIENT,
                                   .count = pr->n_restarts,
                                   .bytes = offset,
                                   .cause = pr->restart_failure});
    smb_start(pr->smb);
}

static void start_fire(sim_kernel *k, void *arg)
{
    scn_pair *pr = arg;
    (void)k;
    smb_start(pr->smb);
}

/* The models of pair PR (its recorder is ready). */
static int build_pair(scn_sim *s, scn_pair *pr, uint64_t run_seed)
{
    char prefix[32];
    pkt_client_stream_prefix(pr->index, prefix, sizeof prefix);
    sim_timer_init(&pr->retry_timer, retry_fire, pr);
    sim_timer_init(&pr->start_timer, start_fire, pr);
    sim_timer_init(&pr->linger_timer, linger_fire, pr);
    pr->fail_host = -1;
    endpoint_params(pr);
    for (int h = 0; h < 2; h++) {
        pr->ipsec[h] = ipsec_host_new_named(s->k, pr->cfg, h, s->pp, &pr->rec, run_seed, prefix);
        pr->tcp[h] = tcp_new(s->k, &pr->cfg->tcp, &pr->hp[h], h, FLOW_ID, s->pp, &pr->rec);
        if (!pr->ipsec[h] || !pr->tcp[h]) return -1;
    }
    return 0;
}

static void wire_pair(scn_sim *s, scn_pair *pr)
{
    for (int h = 0; h < 2; h++) {
        pr->cport[h] = (struct scn_copy_port){pr, h, ipsec_host_out_port(pr->ipsec[h])};
        tcp_wire(pr->tcp[h], restartable(pr) ? copy_out_port(&pr->cport[h]) : ipsec_host_out_port(pr->ipsec[h]));
        pkt_port down = link_send_port_pair(s->link, h, pr->index);
        if (pr->cfg->tcp.ipsec_mss == PRM_IPSEC_MSS_HANDSHAKE) {
            pr->esp_watch[h] = (scn_esp_watch){pr->tcp[h], pr->cfg->ipsec.esp_overhead_bytes, down};
            down = (pkt_port){esp_watch_fn, &pr->esp_watch[h]};
        }
        pkt_port up = restartable(pr) ? (pkt_port){copy_in_fn, &pr->cport[h]} : tcp_input_port(pr->tcp[h]);
        if (s->flows) {
            flow_set_wire(s->flows, h, ipsec_host_out_port(pr->ipsec[h]), up);
            up = flow_set_up_port(s->flows, h);
        }
        ipsec_host_wire(pr->ipsec[h], down, up);
        link_wire_pair(s->link, h, pr->index, ipsec_host_in_port(pr->ipsec[h]));
    }
}

static int build(scn_sim *s, uint64_t run_seed, const rec_sink *sinks, int n_sinks)
{
    s->k = sim_kernel_new();
    s->pp = pkt_pool_new();
    s->n_pairs = fleet_n_clients(s->cfg);
    s->pair = calloc(s->n_pairs, sizeof *s->pair);
    s->recs = calloc(s->n_pairs, sizeof *s->recs);
    if (!s->k || !s->pp || !s->pair || !s->recs) return -1;
    for (uint32_t i = 0; i < s->n_pairs; i++) {
        scn_pair *pr = &s->pair[i];
        pr->s = s;
        pr->index = i;
        fleet_client_config(s->cfg, i, &pr->own);
        /* Clients as configured share the run's config: one copy in cache, not N. */
        pr->cfg = memcmp(&pr->own, s->cfg, sizeof pr->own) == 0 ? s->cfg : &pr->own;
        rec_init(&pr->rec, s->k);
        pr->rec_ready = 1;
        pr->rec.copy = s->n_pairs > 1 ? (uint16_t)(i + 1) : 0;
        for (int j = 0; j < n_sinks; j++)
            if (rec_add_sink(&pr->rec, sinks[j]) != 0) return -1;
        s->recs[i] = &pr->rec;
    }
    s->link = s->n_pairs > 1 ? link_new_fleet(s->k, &s->cfg->link, s->pp, s->recs, s->n_pairs, run_seed)
                             : link_new(s->k, &s->cfg->link, s->pp, &s->pair[0].rec, run_seed);
    if (!s->link) return -1;
    if (s->tap) link_set_tap(s->link, s->tap->where, s->tap->tap);
    for (uint32_t i = 0; i < s->n_pairs; i++)
        if (build_pair(s, &s->pair[i], run_seed) != 0) return -1;
    if (flow_any(s->cfg)) {
        rec_init(&s->frec, s->k);
        s->frec_ready = 1;
        for (int i = 0; i < n_sinks; i++)
            if (rec_add_sink(&s->frec, sinks[i]) != 0) return -1;
        s->flows = flow_set_new(s->k, s->cfg, s->pair[0].hp, s->pp, &s->frec);
        if (!s->flows) return -1;
    }
    s->max_sessions = host_smb_max_connections(s->cfg, PRM_SERVER);
    for (uint32_t i = 0; i < s->n_pairs; i++) {
        wire_pair(s, &s->pair[i]);
        s->pair[i].smb = pair_smb(&s->pair[i]);
        if (!s->pair[i].smb) return -1;
    }
    if (s->n_pairs > 1) {
        sim_time_ns *starts = malloc(s->n_pairs * sizeof *starts);
        if (!starts) return -1;
        int rc = fleet_start_times(s->cfg, run_seed, starts, s->n_pairs);
        for (uint32_t i = 0; i < s->n_pairs; i++) s->pair[i].start_ns = starts[i];
        free(starts);
        if (rc != 0) return -1;
    }
    return 0;
}

/* Starts every copy: at once, or at its fleet start. */
static void start_copies(scn_sim *s)
{
    for (uint32_t i = 0; i < s->n_pairs; i++) {
        scn_pair *pr = &s->pair[i];
        if (pr->start_ns > 0)
            sim_timer_arm_at(s->k, &pr->start_timer, pr->start_ns);
        else
            smb_start(pr->smb);
    }
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The outcome of pair PR, its times from its own first attempt to send. In
 * a run of one copy (ONE) its fingerprint also folds the extra flows' and
 * the kernel's event count, so that it is the run's, as in earlier rounds. */
static void fill_copy(const scn_sim *s, const scn_pair *pr, int one, out_result *out)
{
    const rec_recorder *r = &pr->rec;
    out_result res = {0};
    res.failure = pr->failure;
    /* A handshake that IPsec dropped by a block decision, or still held when
     * the connect gave up, failed because of IPsec, not the network. */
    if (res.failure == OUT_FAIL_CONNECT_TIMEOUT && (r->blocked || r->holding[0] || r->holding[1]))
        res.failure = OUT_FAIL_BLOCKED;
    res.bytes_done = r->bytes_done;
    res.completed = res.failure == OUT_FAIL_NONE && r->bytes_done >= pr->cfg->file_size_bytes;
    res.setup_s = r->established ? sim_time_to_s(r->established_ns - r->t0_ns) : NAN;
    res.duration_s = r->started ? sim_time_to_s(pr->end_ns - r->t0_ns) : 0.0;
    res.n_interruptions = r->n_eps;
    res.first_interruption_s = r->n_eps ? r->eps[0].start_s : NAN;
    res.first_interruption_bytes = r->n_eps ? (double)r->eps[0].bytes_at_start : NAN;
    res.n_negotiations = r->n_negotiations;
    res.n_negotiation_failures = r->n_negotiation_failures;
    res.n_fallbacks = r->n_fallbacks;
    res.n_rekeys = r->n_rekeys;
    res.n_retransmits = r->n_retransmits;
    res.n_restarts = pr->n_restarts;
    /* The trajectory's hash, closed with the outcome itself, so that two runs
     * with the same events but a different ending still differ. */
    uint64_t fp = r->fingerprint;
    if (one && s->flows) fp = sim_hash_mix64(fp ^ s->frec.fingerprint);
    fp = sim_hash_mix64(fp ^ (uint64_t)res.failure);
    fp = sim_hash_mix64(fp ^ res.bytes_done);
    fp = sim_hash_mix64(fp ^ (uint64_t)(one ? sim_kernel_now(s->k) : pr->end_ns));
    if (one) fp = sim_hash_mix64(fp ^ sim_kernel_counters(s->k).n_executed);
    res.fingerprint = fp;
    *out = res;
}

/* When pair PR started: its first attempt to send, or its planned start if it never began. */
static sim_time_ns pair_t0(const scn_pair *pr) { return pr->rec.started ? pr->rec.t0_ns : pr->start_ns; }

/* The run's per-copy fields from its copies (doc/design.md section 5): the
 * copy itself for one; for a fleet, completed when all did, the first
 * failure by index, sums, the longest set-up, the makespan, the earliest
 * interruption. */
static void summarise(const scn_sim *s, const out_copy *c, uint32_t n, out_result *res)
{
    if (n == 1) {
        *res = c[0].r;
        res->makespan_s = res->duration_s;
        res->n_copies = 1;
        res->n_completed = (uint64_t)res->completed;
        return;
    }
    out_result a = {0};
    a.completed = 1;
    a.setup_s = NAN;
    a.first_interruption_s = a.first_interruption_bytes = NAN;
    uint64_t fp = REC_FINGERPRINT_SEED;
    double end = 0;
    for (uint32_t i = 0; i < n; i++) {
        const out_result *r = &c[i].r;
        a.completed &= r->completed;
        a.n_completed += (uint64_t)r->completed;
        if (a.failure == OUT_FAIL_NONE && r->failure != OUT_FAIL_NONE) a.failure = r->failure;
        a.bytes_done += r->bytes_done;
        if (!isnan(r->setup_s) && (isnan(a.setup_s) || r->setup_s > a.setup_s)) a.setup_s = r->setup_s;
        a.n_interruptions += r->n_interruptions;
        if (!isnan(r->first_interruption_s)) {
            double at = c[i].start_s + r->first_interruption_s;
            if (isnan(a.first_interruption_s) || at < a.first_interruption_s) {
                a.first_interruption_s = at;
                a.first_interruption_bytes = r->first_interruption_bytes;
            }
        }
        a.n_negotiations += r->n_negotiations;
        a.n_negotiation_failures += r->n_negotiation_failures;
        a.n_fallbacks += r->n_fallbacks;
        a.n_rekeys += r->n_rekeys;
        a.n_retransmits += r->n_retransmits;
        a.n_restarts += r->n_restarts;
        if (c[i].start_s + r->duration_s > end) end = c[i].start_s + r->duration_s;
        fp = sim_hash_mix64(fp ^ r->fingerprint);
    }
    a.makespan_s = a.duration_s = end;
    a.n_copies = n;
    fp = sim_hash_mix64(fp ^ a.n_completed);
    fp = sim_hash_mix64(fp ^ a.bytes_done);
    fp = sim_hash_mix64(fp ^ (uint64_t)sim_kernel_now(s->k));
    a.fingerprint = sim_hash_mix64(fp ^ sim_kernel_counters(s->k).n_executed);
    *res = a;
}

static int fill_result(scn_sim *s, uint64_t run_seed, double wall_s, out_result *out)
{
    uint32_t n = s->n_pairs;
    out_copy *c = calloc(n, sizeof *c);
    if (!c) return SCN_ENOMEM;
    sim_time_ns first = pair_t0(&s->pair[0]);
    uint64_t n_eps = 0;
    for (uint32_t i = 1; i < n; i++)
        if (pair_t0(&s->pair[i]) < first) first = pair_t0(&s->pair[i]);
    for (uint32_t i = 0; i < n; i++) {
        const scn_pair *pr = &s->pair[i];
        c[i].index = i + 1;
        c[i].client_os = pr->cfg->host[PRM_CLIENT].os;
        c[i].client_cert = pr->cfg->host[PRM_CLIENT].cert;
        c[i].start_s = sim_time_to_s(pair_t0(pr) - first);
        fill_copy(s, pr, n == 1, &c[i].r);
        n_eps += pr->rec.n_eps;
    }
    out_result res;
    summarise(s, c, n, &res);
    sim_counters kc = sim_kernel_counters(s->k);
    res.events = kc.n_executed;
    res.peak_pending = kc.peak_pending;
    res.wall_s = wall_s;
    res.events_per_s = wall_s > 0 ? (double)res.events / wall_s : 0.0;
    res.seed = run_seed;
    res.copies = c;
    res.interruptions = NULL;
    if (n_eps) {
        res.interruptions = malloc(n_eps * sizeof *res.interruptions);
        if (!res.interruptions) {
            free(c);
            return SCN_ENOMEM;
        }
        uint64_t j = 0;
        for (uint32_t i = 0; i < n; i++)
            for (uint64_t e = 0; e < s->pair[i].rec.n_eps; e++) {
                res.interruptions[j] = s->pair[i].rec.eps[e];
                res.interruptions[j++].copy = i + 1;
            }
    }
    *out = res;
    return 0;
}

static int run_tapped_probe(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks,
                            const scn_tap *tap, out_result *out, scn_probe *probe)
{
    char err[256];
    if (prm_check(cfg, err, sizeof err) != 0) return SCN_ECONFIG;
    scn_sim s = {.cfg = cfg, .tap = tap};
    if (build(&s, run_seed, sinks, n_sinks) != 0) {
        teardown(&s, NULL);
        return SCN_ENOMEM;
    }
    double t0 = wall_now();
    start_copies(&s);
    if (s.flows) flow_set_start(s.flows);
    sim_kernel_run_until(s.k, cfg->max_sim_ns);
    double wall = wall_now() - t0;
    int oom = s.frec_ready && s.frec.oom;
    for (uint32_t i = 0; i < s.n_pairs; i++) {
        scn_pair *pr = &s.pair[i];
        if (!pr->ended) {
            pr->failure = OUT_FAIL_SIM_LIMIT;
            pr->end_ns = sim_kernel_now(s.k);
            rec_emit(&pr->rec, &(ev_event){.kind = EV_SIM_LIMIT, .host = -1});
        }
        oom |= pr->rec.oom;
    }
    int rc = oom ? SCN_ENOMEM : fill_result(&s, run_seed, wall, out);
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
