/*
 * IKE exchanges of one host: at most one as initiator (h->init) and one as
 * responder (h->resp) at a time. Messages are real packets on the link (UDP
 * 500) and can be lost. Main mode is MM1..MM6 (3 round trips, certificates
 * checked at MM5 by the responder and at MM6 by the initiator), quick mode
 * QM1..QM3; a rekey of a hard SA under a live main-mode SA is quick mode
 * only. Initiators retransmit their last message with a doubling timeout up
 * to ike.retrans_max times; responders never retransmit on a timer, they only
 * answer a retransmitted request again (MS-IKEE, MS-AIPS). A responder whose
 * exchange did not succeed gives up ike.responder_timeout after it began.
 * Vista/2008 initiators also send an AuthIP MM1, which XP/2003 ignore; a
 * Vista/2008 responder that got it marks its replies AuthIP, and from then
 * on the exchange uses AuthIP's retransmission timer (IKEv1's until then).
 * XP/2003 initiators mark MM1/QM1 (and their retransmissions) with
 * IKE_AUX_LEGACY, the model's vendor ID version; responders keep it in
 * resp.peer_legacy for R3.
 * One exchange is counted per main mode, by its initiator.
 *
 * Policy consequences (holding, fallback, SA installs) are decided in
 * ipsec.c through the ipsec__* callbacks; this file only runs the protocol.
 */
#include "models/ipsec_int.h"

static const char *const msg_names[] = {
    "?", "MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "QM1", "QM2", "QM3", "NOTIFY(auth-failed)", "AuthIP-MM1"};

static void retrans_fire(sim_kernel *k, void *arg);
static void responder_give_up(sim_kernel *k, void *arg);

void ike__init(ipsec_host *h)
{
    h->init = (ike_xchg){0};
    h->resp = (ike_xchg){0};
    sim_timer_init(&h->init.retrans_timer, retrans_fire, h);
    sim_timer_init(&h->resp.retrans_timer, responder_give_up, h);
}

void ike__fini(ipsec_host *h)
{
    sim_timer_disarm(h->k, &h->init.retrans_timer);
    sim_timer_disarm(h->k, &h->resp.retrans_timer);
}

/* The retransmission timer of the protocol the exchange runs: AuthIP once
 * the peer has answered as AuthIP (or the main-mode SA under a quick-mode
 * rekey was AuthIP), IKEv1 otherwise, including before any answer. What the
 * configuration says about the peer's OS plays no part: only what came back
 * on the wire does. */
static sim_time_ns first_retrans(const ipsec_host *h)
{
    return h->init.authip ? h->cfg->ipsec.ike_authip_retrans_ns : h->cfg->ipsec.ike_retrans_ns;
}

/* Sends KIND as initiator and (re)starts its retransmission schedule. */
static void init_send(ipsec_host *h, int kind, unsigned aux)
{
    ike_xchg *x = &h->init;
    x->last_sent = kind;
    x->last_aux = aux;
    x->n_retrans = 0;
    x->retrans_ns = first_retrans(h);
    ipsec__send_ike(h, kind, x->id, aux);
    sim_timer_arm_in(h->k, &x->retrans_timer, x->retrans_ns);
}

static void init_done(ipsec_host *h, int ok, const char *why)
{
    ike_xchg *x = &h->init;
    sim_timer_disarm(h->k, &x->retrans_timer);
    x->role = IKE_IDLE;
    if (ok) {
        rec_emit(h->rec, &(ev_event){.kind = EV_IKE_SUCCEEDED, .host = (int8_t)h->self, .xchg = x->id});
        ipsec__negotiation_succeeded(h);
        return;
    }
    x->failed = 1;
    h->rec->n_negotiation_failures++;
    rec_emit(h->rec, &(ev_event){.kind = EV_IKE_FAILED, .host = (int8_t)h->self, .xchg = x->id, .detail = why});
    ipsec__initiator_failed(h);
}

void ike__start(ipsec_host *h, int rekey, int cause)
{
    ike_xchg *x = &h->init;
    if (x->role == IKE_INITIATOR) return;
    sim_time_ns now = sim_kernel_now(h->k);
    x->role = IKE_INITIATOR;
    x->id = ((uint32_t)(h->self + 1) << 24) | ++h->next_xchg;
    x->quick_only = h->kind == SA_HARD && h->mm_until_ns > now;
    x->got_reply = 0;
    x->failed = 0;
    x->rekey = rekey;
    x->authip = x->quick_only && h->mm_authip;
    h->init_cause = cause;
    if (!x->quick_only) h->rec->n_negotiations++;
    if (rekey) h->rec->n_rekeys++;
    rec_emit(h->rec, &(ev_event){.kind = EV_IKE_START,
                                 .host = (int8_t)h->self,
                                 .xchg = x->id,
                                 .cause = cause,
                                 .flags = (uint8_t)((x->quick_only ? EV_IKE_QUICK : 0) | (rekey ? EV_IKE_REKEY : 0))});
    ipsec__negotiation_started(h, 1, rekey);
    if (h->legacy) {
        /* The fallback timer runs from the initiator's first IKE message (R3). */
        sim_time_ns fb = h->update_on ? h->cfg->ipsec.fallback_update_ns : h->cfg->ipsec.fallback_legacy_ns;
        h->fallback_pending_fail = 0;
        sim_timer_arm_in(h->k, &h->fallback_timer, fb);
    } else if (!x->quick_only) {
        ipsec__send_ike(h, IKE_AUTHIP_MM1, x->id, 0);
    }
    init_send(h, x->quick_only ? IKE_QM1 : IKE_MM1, (rekey ? IKE_AUX_REKEY : 0) | (h->legacy ? IKE_AUX_LEGACY : 0));
}

static void retrans_fire(sim_kernel *k, void *arg)
{
    ipsec_host *h = arg;
    ike_xchg *x = &h->init;
    if (x->role != IKE_INITIATOR) return;
    if (x->n_retrans >= h->cfg->ipsec.ike_retrans_max) {
        init_done(h, 0, x->got_reply ? "peer stopped answering" : "no reply from peer");
        return;
    }
    x->n_retrans++;
    x->retrans_ns *= 2;
    rec_emit(h->rec, &(ev_event){.kind = EV_IKE_RETRANSMIT,
                                 .host = (int8_t)h->self,
                                 .msg = x->last_sent,
                                 .detail = msg_names[x->last_sent],
                                 .count = (uint64_t)x->n_retrans,
                                 .xchg = x->id});
    ipsec__send_ike(h, x->last_sent, x->id, x->last_aux);
    sim_timer_arm_in(k, &x->retrans_timer, x->retrans_ns);
}

static void responder_give_up(sim_kernel *k, void *arg)
{
    ipsec_host *h = arg;
    if (h->resp.role != IKE_RESPONDER) return;
    h->resp.role = IKE_IDLE;
    rec_emit(h->rec, &(ev_event){.kind = EV_IKE_RESPONDER_GIVE_UP, .host = (int8_t)h->self, .xchg = h->resp.id});
    ipsec__responder_gave_up(h);
}

static void resp_reply(ipsec_host *h, int kind)
{
    h->resp.last_sent = kind;
    ipsec__send_ike(h, kind, h->resp.id, h->resp.authip ? IKE_AUX_AUTHIP : 0);
}

static void resp_succeeded(ipsec_host *h)
{
    h->resp.role = IKE_IDLE;
    sim_timer_disarm(h->k, &h->resp.retrans_timer);
    rec_emit(h->rec, &(ev_event){.kind = EV_IKE_RESPONDER_SUCCEEDED, .host = (int8_t)h->self, .xchg = h->resp.id});
    ipsec__negotiation_succeeded(h);
}

/* A request from the peer's initiator (MM1, MM3, MM5, QM1, QM3). */
static void responder_input(ipsec_host *h, const pkt *p)
{
    ike_xchg *x = &h->resp;
    int kind = p->ike_msg;
    sim_time_ns now = sim_kernel_now(h->k);
    if (kind == IKE_MM1 || (kind == IKE_QM1 && p->ike_xchg != x->id)) {
        if (x->role == IKE_RESPONDER && x->id == p->ike_xchg) {
            resp_reply(h, x->last_sent); /* a retransmitted request: answer again */
            return;
        }
        x->role = IKE_RESPONDER;
        x->id = p->ike_xchg;
        x->failed = 0;
        x->quick_only = kind == IKE_QM1;
        x->authip = kind == IKE_MM1 ? h->authip_xchg == x->id : h->mm_authip;
        x->peer_legacy = (p->ike_aux & IKE_AUX_LEGACY) != 0;
        x->n_retrans = 0;
        sim_timer_arm_in(h->k, &x->retrans_timer, h->cfg->ipsec.ike_responder_timeout_ns);
        rec_emit(h->rec, &(ev_event){.kind = EV_IKE_RESPONDER_JOIN,
                                     .host = (int8_t)h->self,
                                     .xchg = x->id,
                                     .flags = x->quick_only ? EV_IKE_QUICK : 0});
        ipsec__negotiation_started(h, 0, (p->ike_aux & IKE_AUX_REKEY) != 0);
        if (kind == IKE_MM1) {
            resp_reply(h, IKE_MM2);
        } else if (h->mm_until_ns > now) {
            resp_reply(h, IKE_QM2);
            resp_succeeded(h);
        } else {
            x->failed = 1;
            resp_reply(h, IKE_NOTIFY_FAIL);
        }
        return;
    }
    if (p->ike_xchg == x->id && x->role == IKE_IDLE && kind == IKE_QM1 && x->last_sent == IKE_QM2) {
        resp_reply(h, IKE_QM2); /* our QM2 was lost after we installed the SA */
        return;
    }
    if (p->ike_xchg != x->id || x->role != IKE_RESPONDER) return; /* stale or unknown */
    if (kind <= x->last_sent - 1 && kind != IKE_QM1) {
        resp_reply(h, x->last_sent); /* retransmitted request */
        return;
    }
    if (x->failed) {
        resp_reply(h, IKE_NOTIFY_FAIL);
        return;
    }
    switch (kind) {
    case IKE_MM3: resp_reply(h, IKE_MM4); break;
    case IKE_MM5:
        if (h->peer_hc->cert != PRM_CERT_VALID || h->hc->cert != PRM_CERT_VALID) {
            x->failed = 1;
            rec_emit(h->rec, &(ev_event){.kind = EV_IKE_AUTH_FAIL,
                                         .host = (int8_t)h->self,
                                         .xchg = x->id,
                                         .flags = h->hc->cert != PRM_CERT_VALID});
            resp_reply(h, IKE_NOTIFY_FAIL);
        } else {
            h->mm_until_ns = now + h->cfg->ipsec.mm_lifetime_ns;
            h->mm_authip = x->authip;
            resp_reply(h, IKE_MM6);
        }
        break;
    case IKE_QM1:
        resp_reply(h, IKE_QM2);
        resp_succeeded(h);
        break;
    default: break;
    }
}

/* A reply to this host's initiator (MM2, MM4, MM6, QM2, NOTIFY). */
static void initiator_input(ipsec_host *h, const pkt *p)
{
    ike_xchg *x = &h->init;
    int kind = p->ike_msg;
    if (x->role != IKE_INITIATOR || p->ike_xchg != x->id) return;
    x->got_reply = 1;
    if (p->ike_aux & IKE_AUX_AUTHIP) x->authip = 1; /* the peer runs it as AuthIP */
    if (kind == IKE_NOTIFY_FAIL) {
        init_done(h, 0, "peer reports authentication failure");
        return;
    }
    if (kind != x->last_sent + 1) return; /* duplicate or out of order */
    switch (kind) {
    case IKE_MM2: init_send(h, IKE_MM3, 0); break;
    case IKE_MM4: init_send(h, IKE_MM5, 0); break;
    case IKE_MM6:
        if (h->peer_hc->cert != PRM_CERT_VALID) {
            init_done(h, 0, "peer's certificate is not valid");
            return;
        }
        h->mm_until_ns = sim_kernel_now(h->k) + h->cfg->ipsec.mm_lifetime_ns;
        h->mm_authip = x->authip;
        init_send(h, IKE_QM1, 0);
        break;
    case IKE_QM2:
        ipsec__send_ike(h, IKE_QM3, x->id, 0);
        init_done(h, 1, NULL);
        break;
    default: break;
    }
}

void ike__input(ipsec_host *h, pkt *p)
{
    int kind = p->ike_msg;
    if (kind > 0 && kind <= IKE_AUTHIP_MM1)
        rec_emit(h->rec, &(ev_event){.kind = EV_IKE_RECV,
                                     .host = (int8_t)h->self,
                                     .msg = kind,
                                     .detail = msg_names[kind],
                                     .xchg = p->ike_xchg});
    if (kind == IKE_AUTHIP_MM1) {
        /* XP/2003 do not speak AuthIP and ignore it. Vista/2008 note that the
         * exchange is AuthIP and answer its parallel MM1 as such (the model
         * carries one message sequence for both protocols). */
        if (!h->legacy) h->authip_xchg = p->ike_xchg;
    } else if (kind == IKE_MM1 || kind == IKE_MM3 || kind == IKE_MM5 || kind == IKE_QM1 || kind == IKE_QM3) {
        responder_input(h, p);
    } else {
        initiator_input(h, p);
    }
    pkt_put(h->pp, p);
}

const char *ike__msg_name(int kind) { return kind > 0 && kind <= IKE_AUTHIP_MM1 ? msg_names[kind] : "?"; }
