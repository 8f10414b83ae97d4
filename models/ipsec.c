/*
 * The IPsec layer's policy and SA record (see ipsec_int.h for the states),
 * and the per-packet path. Outbound TCP goes ESP under a hard SA (old or
 * new), clear under a soft SA or a Vista clear record, is held by XP/2003
 * when no SA exists (R2), sent in clear by Vista/2008 while IKE runs in
 * parallel (negotiation discovery, started only for flows the host opened:
 * R5), or dropped when blocked. Inbound clear traffic is accepted under a
 * soft SA or with "accept unsecured" (pass-through); Vista drops clear packets
 * of a flow it has secured, and every clear packet under a require policy.
 * Records carry the quick-mode lifetimes (R4) and a jittered rekey point; the
 * host that opened the flow renegotiates there (R1). Initiators fall back on
 * their timer; a responder waits for the peer's negotiation (R3), unless R3
 * lets it fall back too (responder_falls_back).
 *
 * Extra flows (models/flow.h) share the per-peer record with the copy; a
 * Vista/2008 host keeps per flow only the negotiation-discovery flags
 * (acquire, secure, opened: ipsec_flow) and starts IKE once for each new flow
 * it opened (R5) while no hard SA covers the peer, even when a clear record
 * exists. Such an exchange is tagged with its flow: a peer whose soft SA it
 * costs labels the copy's interruption `other_flow`. Interruption episodes
 * and the `blocked` mark concern the copy's packets only.
 *
 * Nothing here knows the KB 977526 scenario: the founding case emerges from
 * these rules with the preset's host settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include "sim/rng.h"
#include "models/ipsec_int.h"

static const char *const kind_names[] = {"none", "hard", "soft", "clear", "blocked"};

/* IKE message sizes on the wire (IP + UDP + ISAKMP payloads), rough but fixed. */
static uint32_t message_bytes(int kind)
{
    switch (kind) {
    case IKE_MM1:
    case IKE_MM2: return 200;
    case IKE_MM3:
    case IKE_MM4: return 320;
    case IKE_MM5:
    case IKE_MM6: return 1200;
    case IKE_QM1:
    case IKE_QM2: return 380;
    case IKE_AUTHIP_MM1: return 400;
    default: return 120;
    }
}

void ipsec__send_ike(ipsec_host *h, int kind, uint32_t id, unsigned aux)
{
    pkt *p = pkt_get(h->pp);
    if (!p) { /* out of memory: the run is an error, not a lost message */
        rec_out_of_memory(h->rec);
        return;
    }
    p->src = (uint8_t)h->self;
    p->dst = (uint8_t)h->peer;
    p->proto = PKT_UDP_IKE;
    p->ip_bytes = message_bytes(kind);
    p->ike_msg = (uint16_t)kind;
    p->ike_xchg = id;
    p->ike_aux = (uint16_t)aux;
    /* An exchange started for an extra flow carries that flow, so that the
     * link draws its losses from the flow's stream; the record's own carry 0. */
    p->flow = id == h->init.id ? h->init_flow : id == h->resp.id ? h->resp_flow : 0;
    p->sent_ns = sim_kernel_now(h->k);
    rec_emit(h->rec,
             &(ev_event){
                 .kind = EV_IKE_SEND, .host = (int8_t)h->self, .msg = kind, .detail = ike__msg_name(kind), .xchg = id});
    pkt_port_send(&h->down, p);
}

/* ---- the SA record ---------------------------------------------------- */

static void disarm_record(ipsec_host *h)
{
    sim_timer_disarm(h->k, &h->expire_timer);
    sim_timer_disarm(h->k, &h->rekey_timer);
    sim_timer_disarm(h->k, &h->idle_timer);
}

/* Installs a fresh record of KIND with new lifetimes and rekey point. */
static void install(ipsec_host *h, int kind)
{
    const prm_ipsec *ic = &h->cfg->ipsec;
    disarm_record(h);
    h->kind = kind;
    h->bytes[0] = h->bytes[1] = 0;
    h->rekey_started = 0;
    h->limit_bytes = h->rekey_bytes = 0;
    h->last_used_ns = sim_kernel_now(h->k);
    rec_emit(h->rec,
             &(ev_event){.kind = EV_SA_INSTALL, .host = (int8_t)h->self, .sa = kind, .detail = kind_names[kind]});
    if (kind == SA_BLOCKED || kind == SA_NONE) return;
    sim_timer_arm_in(h->k, &h->idle_timer, ic->idle_timeout_ns);
    if (kind != SA_HARD && ic->softlife_rule == PRM_SOFTLIFE_IDLE) return; /* R4 alternative */
    if (!h->rng && !(h->rng = sim_rng_new(h->run_seed, h->rng_name))) {
        rec_out_of_memory(h->rec);
        return;
    }
    double f = ic->rekey_fraction * gsl_ran_flat(h->rng, 1.0 - ic->rekey_jitter, 1.0 + ic->rekey_jitter);
    h->limit_bytes = ic->qm_lifetime_kb * 1024u;
    if (h->limit_bytes) h->rekey_bytes = (uint64_t)((double)h->limit_bytes * f);
    sim_timer_arm_in(h->k, &h->expire_timer, ic->qm_lifetime_ns);
    if (f < 1.0) sim_timer_arm_in(h->k, &h->rekey_timer, (sim_time_ns)((double)ic->qm_lifetime_ns * f));
}

/* The record is gone (expired, idle, or a soft SA dropped for a new
 * negotiation); CAUSE labels any hold or interruption it leads to. */
static void drop_record(ipsec_host *h, int cause)
{
    /* other_flow: which flow's negotiation it was (0 otherwise) */
    uint32_t flow = cause == OUT_CAUSE_OTHER_FLOW ? (h->resp_flow ? h->resp_flow : h->init_flow) : 0;
    rec_emit(h->rec, &(ev_event){.kind = EV_SA_DELETE,
                                 .host = (int8_t)h->self,
                                 .sa = h->kind,
                                 .detail = kind_names[h->kind],
                                 .count = flow,
                                 .cause = cause});
    disarm_record(h);
    h->kind = SA_NONE;
    h->hold_cause = cause;
}

static void trigger_rekey(ipsec_host *h)
{
    if (h->rekey_started || h->kind == SA_NONE || h->kind == SA_BLOCKED) return;
    h->rekey_started = 1;
    /* R1: only the host that opened the flow renegotiates at its rekey point,
     * unless the alternative rule lets both sides do so. */
    if (h->cfg->ipsec.rekey_rule == PRM_REKEY_OPENER && !h->opener) return;
    ike__start(h, 1, OUT_CAUSE_REKEY);
}

static void rekey_fire(sim_kernel *k, void *arg) { trigger_rekey(arg); }

static void expire_fire(sim_kernel *k, void *arg)
{
    /* A record that reaches its lifetime is gone; an old hard SA from the
     * previous generation may still cover traffic (old_hard). */
    drop_record(arg, OUT_CAUSE_EXPIRY);
}

static void idle_fire(sim_kernel *k, void *arg)
{
    ipsec_host *h = arg;
    sim_time_ns idle_at = h->last_used_ns + h->cfg->ipsec.idle_timeout_ns;
    if (sim_kernel_now(k) < idle_at) {
        sim_timer_arm_at(k, &h->idle_timer, idle_at); /* re-armed lazily, not per packet */
        return;
    }
    drop_record(h, OUT_CAUSE_IDLE);
}

static void old_fire(sim_kernel *k, void *arg)
{
    ipsec_host *h = arg;
    h->old_hard = 0;
    rec_emit(h->rec, &(ev_event){.kind = EV_SA_OLD_DELETE, .host = (int8_t)h->self, .sa = SA_HARD});
}

/* Counts BYTES of IP payload on the record in direction DIR (0 out, 1 in). */
static void count(ipsec_host *h, int dir, uint32_t ip_bytes)
{
    if (h->kind == SA_NONE || h->kind == SA_BLOCKED) return;
    uint64_t n = (h->bytes[dir] += ip_bytes - PKT_IP_HEADER_BYTES);
    h->last_used_ns = sim_kernel_now(h->k);
    if (h->rekey_bytes && n >= h->rekey_bytes) trigger_rekey(h);
    if (h->limit_bytes && n >= h->limit_bytes) drop_record(h, OUT_CAUSE_EXPIRY);
}

/* ---- the packet path ----------------------------------------------- */

static void send_down(ipsec_host *h, pkt *p, int esp)
{
    uint32_t bytes = p->ip_bytes;
    int copy = p->flow == PKT_FLOW_COPY;
    if (esp) {
        p->esp = 1;
        p->ip_bytes += (uint32_t)h->cfg->ipsec.esp_overhead_bytes;
    }
    if (copy) rec_traffic_flows(h->rec, h->self);
    pkt_port_send(&h->down, p);
    count(h, 0, bytes);
}

static void drop_pkt(ipsec_host *h, pkt *p, int cause, const char *why)
{
    rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_DROP,
                                 .host = (int8_t)h->self,
                                 .seq = p->seq,
                                 .len = p->len,
                                 .cause = cause,
                                 .msg = p->proto == PKT_ICMP ? PKT_ICMP : 0, /* 0: TCP, as before */
                                 .detail = why});
    if (p->flow == PKT_FLOW_COPY) {
        if (cause == OUT_CAUSE_BLOCKED) h->rec->blocked = 1;
        rec_episode_begin(h->rec, h->self, cause);
    }
    pkt_put(h->pp, p);
}

static void hold(ipsec_host *h, pkt *p)
{
    if (h->n_held >= (uint64_t)h->cfg->ipsec.hold_queue_packets) {
        drop_pkt(h, p, h->hold_cause, "hold queue full");
        return;
    }
    rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_HOLD,
                                 .host = (int8_t)h->self,
                                 .seq = p->seq,
                                 .len = p->len,
                                 .count = h->n_held + 1,
                                 .msg = p->proto == PKT_ICMP ? PKT_ICMP : 0, /* 0: TCP, as before */
                                 .cause = h->hold_cause});
    p->next = NULL;
    if (h->held_tail)
        h->held_tail->next = p;
    else
        h->held_head = p;
    h->held_tail = p;
    h->n_held++;
    if (p->flow == PKT_FLOW_COPY) {
        h->rec->holding[h->self] = 1;
        rec_episode_begin(h->rec, h->self, h->hold_cause);
    }
}

static void route_record(ipsec_host *h, pkt *p);

static void release_held(ipsec_host *h)
{
    pkt *p = h->held_head;
    if (p) rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_RELEASE, .host = (int8_t)h->self, .count = h->n_held});
    h->held_head = h->held_tail = NULL;
    h->n_held = 0;
    h->rec->holding[h->self] = 0;
    while (p) {
        pkt *next = p->next;
        p->next = NULL;
        route_record(h, p); /* held only by hosts without per-flow state (route_out) */
        p = next;
    }
}

/* The record's decision for outbound packet P (every flow). */
static void route_record(ipsec_host *h, pkt *p)
{
    switch (h->kind) {
    case SA_HARD: send_down(h, p, 1); return;
    case SA_SOFT:
    case SA_CLEAR: send_down(h, p, 0); return;
    case SA_BLOCKED: drop_pkt(h, p, OUT_CAUSE_BLOCKED, "blocked after a failed negotiation"); return;
    default: break;
    }
    if (h->old_hard) {
        send_down(h, p, 1);
        return;
    }
    /* No new negotiation while one runs, while the host waits for the peer's
     * (R3), or while a failed one still awaits its fallback decision. */
    int may_start = h->init.role != IKE_INITIATOR && !h->waiting_peer && !sim_timer_is_armed(&h->fallback_timer);
    if (!h->legacy && h->hc->ipsec_policy == PRM_POLICY_NEGOTIATE) {
        /* Negotiation discovery: clear now, IKE in parallel (R5). An extra
         * flow's acquire is flow_acquire's. */
        int copy = p->flow == PKT_FLOW_COPY;
        send_down(h, p, 0);
        if (copy && may_start && (h->opener || h->cfg->ipsec.discovery_rule == PRM_DISCOVERY_ALL))
            ike__start(h, 0, h->hold_cause);
        return;
    }
    hold(h, p);
    if (may_start) ike__start(h, 0, h->hold_cause);
}

/* ---- extra flows (models/flow.h) ----------------------------------- */

/* Whether P is the first packet of a flow its sender opens. */
static int opens_flow(const pkt *p)
{
    if (p->proto == PKT_ICMP) return p->icmp_type == ICMP_ECHO_REQUEST;
    return (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

/* The discovery state of extra flow ID, created (OPENED as given) when it is
 * new; the least recently used entry makes room. */
static ipsec_flow *flow_entry(ipsec_host *h, uint32_t id, int opened)
{
    ipsec_flow *lru = &h->flows[0];
    for (int i = 0; i < IPSEC_FLOWS; i++) {
        ipsec_flow *f = &h->flows[i];
        if (f->id == id) {
            f->last_ns = sim_kernel_now(h->k);
            return f;
        }
        if (f->id == 0 || (lru->id != 0 && f->last_ns < lru->last_ns)) lru = f;
    }
    *lru = (ipsec_flow){.id = id, .opened = (uint8_t)opened, .last_ns = sim_kernel_now(h->k)};
    return lru;
}

/* Whether the IPsec policy lets P (ICMP) bypass the layer (flow.ping.ipsec). */
static int exempt(const ipsec_host *h, const pkt *p)
{
    return p->proto == PKT_ICMP && h->cfg->flow.ping_ipsec == PRM_PING_EXEMPT;
}

/* Negotiation discovery for an extra flow (MS-IKEE 3.7): a Vista/2008 host
 * under a negotiate policy triggers IKE once per flow, for the flows it opened
 * (R5 opened) or for all (R5 all), unless a hard SA already covers the peer.
 * The acquire is spent even when an exchange is under way (the flow joins
 * it). XP/2003 have no such state: the record covers every flow. */
static void flow_acquire(ipsec_host *h, ipsec_flow *f)
{
    if (f->acquired) return;
    if (!f->opened && h->cfg->ipsec.discovery_rule != PRM_DISCOVERY_ALL) return;
    f->acquired = 1;
    if (h->kind == SA_HARD || h->old_hard || h->kind == SA_BLOCKED || h->init.role == IKE_INITIATOR) return;
    h->start_flow = f->id;
    ike__start(h, 0, OUT_CAUSE_OTHER_FLOW);
}

/* An extra flow's outbound packet (kept out of line: the copy's packets,
 * the hot path, never come here). */
__attribute__((noinline)) static void route_out(ipsec_host *h, pkt *p)
{
    if (exempt(h, p)) {
        pkt_port_send(&h->down, p);
        return;
    }
    if (h->legacy || h->hc->ipsec_policy != PRM_POLICY_NEGOTIATE) {
        route_record(h, p);
        return;
    }
    ipsec_flow *f = flow_entry(h, p->flow, opens_flow(p));
    route_record(h, p);
    flow_acquire(h, f);
}

static void outbound_fn(void *ctx, pkt *p)
{
    ipsec_host *h = ctx;
    if (!h->active) {
        pkt_port_send(&h->down, p);
        return;
    }
    if (__builtin_expect(p->flow == PKT_FLOW_COPY, 1)) {
        if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) h->opener = 1;
        route_record(h, p);
        return;
    }
    route_out(h, p);
}

static void in_fn(void *ctx, pkt *p)
{
    ipsec_host *h = ctx;
    if (p->proto == PKT_UDP_IKE) {
        h->in_flow = p->flow; /* read by ipsec__negotiation_started */
        if (h->active)
            ike__input(h, p);
        else
            pkt_put(h->pp, p); /* not IPsec-aware: IKE goes unanswered */
        return;
    }
    if (!h->active || (exempt(h, p) && !p->esp)) {
        if (p->esp)
            pkt_put(h->pp, p);
        else
            pkt_port_send(&h->up, p);
        return;
    }
    int copy = p->flow == PKT_FLOW_COPY;
    ipsec_flow *f = copy || h->legacy ? NULL : flow_entry(h, p->flow, 0); /* the peer opened a new one */
    if (p->esp) {
        if (h->kind != SA_HARD && !h->old_hard) {
            pkt_put(h->pp, p); /* no SA to decrypt it */
            return;
        }
        p->esp = 0;
        p->ip_bytes -= (uint32_t)h->cfg->ipsec.esp_overhead_bytes;
        if (f)
            f->secured = 1;
        else
            h->flow_secured = 1;
        count(h, 1, p->ip_bytes);
        pkt_port_send(&h->up, p);
        return;
    }
    int accept;
    if (!h->legacy) /* secure-flow rule; a require policy takes no clear packet at all */
        accept = h->hc->ipsec_policy != PRM_POLICY_REQUIRE &&
                 !((f ? f->secured : h->flow_secured) && (h->kind == SA_HARD || h->old_hard));
    else
        accept = h->kind == SA_SOFT || h->hc->ipsec_inbound_clear;
    if (!accept) {
        if (copy) {
            h->rec->blocked = 1; /* a policy decision, like a block, dropped the copy's packet */
            rec_episode_begin(h->rec, h->self, OUT_CAUSE_BLOCKED);
        }
        pkt_put(h->pp, p);
        return;
    }
    count(h, 1, p->ip_bytes);
    pkt_port_send(&h->up, p);
}

/* ---- negotiation outcomes (called from ike.c) ------------------------- */

/* R3 on the responder side: may a host that waits for the peer's
 * negotiation (its soft SA gone, R2) fall back to clear on its own timer?
 * `both`: always (with fallback allowed). `legacy-peer`: only with the
 * Simple Policy Update and 0x14, and only when the initiator is XP/2003: the
 * update's fallback after a failed negotiation (KB 914841) then runs on both
 * ends of the pair, each within 500 ms of the exchange's first message,
 * which is what lets two XP/2003 hosts that cannot authenticate each other
 * communicate. A Vista/2008 initiator (its vendor ID says version 5) does
 * not take part: the XP/2003 responder waits, as in KB 977526. */
static int responder_falls_back(const ipsec_host *h)
{
    if (h->hc->ipsec_policy != PRM_POLICY_NEGOTIATE || !h->hc->ipsec_fallback) return 0;
    switch (h->cfg->ipsec.fallback_rule) {
    case PRM_FALLBACK_BOTH: return 1;
    case PRM_FALLBACK_LEGACY_PEER: return h->update_on && h->resp.peer_legacy;
    default: return 0;
    }
}

void ipsec__negotiation_started(ipsec_host *h, int as_initiator, int peer_rekey)
{
    /* The flow the exchange was started for (extra flows only; 0 otherwise). */
    if (as_initiator) {
        h->init_flow = h->start_flow;
        h->start_flow = 0;
    } else {
        h->resp_flow = h->in_flow != PKT_FLOW_COPY ? h->in_flow : 0;
    }
    /* R2: an XP/2003 host drops its soft SA when a negotiation with the peer
     * starts (a soft SA would block the hard SA, KB 313236). */
    if (!h->legacy || h->kind != SA_SOFT || h->cfg->ipsec.hold_rule != PRM_HOLD_DROP_SOFT) return;
    int cause = as_initiator ? h->init_cause : (peer_rekey ? OUT_CAUSE_REKEY : OUT_CAUSE_PEER_NEGOTIATION);
    if (!as_initiator && h->resp_flow) cause = OUT_CAUSE_OTHER_FLOW; /* the peer negotiates for another flow */
    drop_record(h, cause);
    if (!as_initiator) {
        /* R3: it starts none of its own until the peer's negotiation succeeds
         * or the responder time-out expires. */
        h->waiting_peer = 1;
        rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_WAIT_PEER, .host = (int8_t)h->self});
        if (responder_falls_back(h)) {
            sim_time_ns fb = h->update_on ? h->cfg->ipsec.fallback_update_ns : h->cfg->ipsec.fallback_legacy_ns;
            sim_timer_arm_in(h->k, &h->fallback_timer, fb);
        }
    }
}

void ipsec__negotiation_succeeded(ipsec_host *h)
{
    if (h->kind == SA_HARD) {
        h->old_hard = 1;
        sim_timer_arm_in(h->k, &h->old_timer, h->cfg->ipsec.old_sa_overlap_ns);
    }
    install(h, SA_HARD);
    h->waiting_peer = 0;
    h->fallback_pending_fail = 0;
    sim_timer_disarm(h->k, &h->fallback_timer);
    release_held(h);
}

int ipsec__fallback_allowed(const ipsec_host *h)
{
    if (h->hc->ipsec_policy != PRM_POLICY_NEGOTIATE || !h->hc->ipsec_fallback) return 0;
    /* Before the update only a peer that never answered allows fallback. */
    return h->update_on || !h->init.got_reply;
}

static void fall_back(ipsec_host *h)
{
    h->rec->n_fallbacks++;
    h->waiting_peer = 0;
    h->fallback_pending_fail = 0;
    rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_FALLBACK, .host = (int8_t)h->self});
    install(h, SA_SOFT);
    release_held(h);
}

static void block(ipsec_host *h)
{
    rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_BLOCK, .host = (int8_t)h->self});
    h->fallback_pending_fail = 0;
    install(h, SA_BLOCKED);
    release_held(h); /* every held packet is dropped as blocked */
}

void ipsec__initiator_failed(ipsec_host *h)
{
    if (!h->legacy) {
        /* An extra flow's failed acquire leaves a clear record as it was: the
         * flow stays clear, the copy's lifetimes and rekey point keep running. */
        if (h->init_flow && h->kind == SA_CLEAR) return;
        /* Vista/2008: the failed discovery leaves a clear record (R1), unless
         * the policy requires security. */
        install(h, h->hc->ipsec_policy == PRM_POLICY_REQUIRE ? SA_BLOCKED : SA_CLEAR);
        return;
    }
    if (h->kind == SA_HARD) return; /* a failed rekey: the hard SA stays until it expires */
    if (sim_timer_is_armed(&h->fallback_timer)) {
        h->fallback_pending_fail = 1; /* a failure known early falls back when the timer fires */
        return;
    }
    if (ipsec__fallback_allowed(h))
        fall_back(h);
    else
        block(h);
}

void ipsec__fallback_fired(ipsec_host *h)
{
    if (h->kind == SA_HARD || h->kind == SA_SOFT) return;
    if (h->init.role == IKE_INITIATOR) {
        if (!ipsec__fallback_allowed(h)) return; /* legacy with a replying peer: wait for the result */
        sim_timer_disarm(h->k, &h->init.retrans_timer);
        h->init.role = IKE_IDLE;
        fall_back(h);
        return;
    }
    if (h->fallback_pending_fail) {
        if (ipsec__fallback_allowed(h))
            fall_back(h);
        else
            block(h);
        return;
    }
    if (h->waiting_peer && responder_falls_back(h)) fall_back(h); /* R3: the responder falls back too */
}

static void fallback_fire(sim_kernel *k, void *arg) { ipsec__fallback_fired(arg); }

void ipsec__responder_gave_up(ipsec_host *h)
{
    if (!h->waiting_peer) return;
    h->waiting_peer = 0;
    rec_emit(h->rec, &(ev_event){.kind = EV_IPSEC_STOP_WAIT, .host = (int8_t)h->self});
    if (h->kind == SA_NONE && h->n_held > 0) ike__start(h, 0, h->hold_cause);
}

/* ---- lifecycle ------------------------------------------------------ */

ipsec_host *ipsec_host_new(sim_kernel *k, const prm_config *cfg, int self, pkt_pool *pp, rec_recorder *rec,
                           uint64_t run_seed)
{
    return ipsec_host_new_named(k, cfg, self, pp, rec, run_seed, "");
}

ipsec_host *ipsec_host_new_named(sim_kernel *k, const prm_config *cfg, int self, pkt_pool *pp, rec_recorder *rec,
                                 uint64_t run_seed, const char *prefix)
{
    ipsec_host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    /* The stream is seeded by its name, so making it at its first draw
     * changes no draw. */
    snprintf(h->rng_name, sizeof h->rng_name, "%sipsec.rekey.%s", prefix ? prefix : "",
             self == PRM_CLIENT ? "client" : "server");
    h->run_seed = run_seed;
    h->k = k;
    h->cfg = cfg;
    h->self = self;
    h->peer = 1 - self;
    h->hc = &cfg->host[self];
    h->peer_hc = &cfg->host[h->peer];
    h->legacy = h->hc->os == PRM_OS_XP || h->hc->os == PRM_OS_2003;
    h->update_on = h->hc->ipsec_update && (h->hc->ipsec_ikeflags & 0x14) == 0x14;
    h->active = h->hc->ipsec_policy != PRM_POLICY_NONE;
    h->pp = pp;
    h->rec = rec;
    h->hold_cause = OUT_CAUSE_INITIAL; /* until a record goes: the flow's first negotiation */
    sim_timer_init(&h->expire_timer, expire_fire, h);
    sim_timer_init(&h->rekey_timer, rekey_fire, h);
    sim_timer_init(&h->idle_timer, idle_fire, h);
    sim_timer_init(&h->old_timer, old_fire, h);
    sim_timer_init(&h->fallback_timer, fallback_fire, h);
    ike__init(h);
    return h;
}

void ipsec_host_free(ipsec_host *h)
{
    if (!h) return;
    /* The kernel may outlive the layer: nothing of it may stay armed. */
    disarm_record(h);
    sim_timer_disarm(h->k, &h->old_timer);
    sim_timer_disarm(h->k, &h->fallback_timer);
    ike__fini(h);
    for (pkt *p = h->held_head; p;) {
        pkt *next = p->next;
        pkt_put(h->pp, p);
        p = next;
    }
    sim_rng_free(h->rng);
    free(h);
}

void ipsec_host_wire(ipsec_host *h, pkt_port down, pkt_port up)
{
    h->down = down;
    h->up = up;
}

pkt_port ipsec_host_out_port(ipsec_host *h) { return (pkt_port){outbound_fn, h}; }
pkt_port ipsec_host_in_port(ipsec_host *h) { return (pkt_port){in_fn, h}; }
