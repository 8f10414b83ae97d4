/*
 * A TCP endpoint. Sequence numbers are kept internally as 64-bit offsets from
 * each side's initial sequence number (offset 0 is the SYN, data starts at 1,
 * the FIN follows the last data byte) and converted to 32-bit wire values at
 * the edge, so a transfer of any size wraps the wire space correctly while
 * comparisons inside stay plain integer comparisons.
 *
 * Send side invariants: snd_una <= snd_nxt <= snd_max; data exists up to
 * snd_end (exclusive); when fin_queued the FIN sits at offset snd_end and
 * counts as sent once snd_max > snd_end. Receive side: rcv_nxt is the next
 * offset expected; ooo[] holds disjoint, sorted, non-adjacent ranges above
 * rcv_nxt received out of order (bounded by the receive window).
 *
 * Timers are lazy: rtx_deadline_ns / delack_deadline_ns hold when each should
 * expire (SIM_TIME_MAX = not running); the kernel timer is armed no later
 * than the deadline and, when it fires early, re-armed to it. So an ACK that
 * restarts the retransmission timer costs one store, not a cancel and a
 * schedule. Rejected: cancelling and re-arming per ACK (two queue operations
 * per ACK, the dominant cost of a bulk copy).
 *
 * SACK (issue 12): a receiver with holes puts up to PKT_MAX_SACK blocks on
 * every ACK, the block holding the newest out-of-order arrival first, then
 * the blocks it reported most recently (recent[]: one offset inside each).
 * The sender keeps a scoreboard (models/tcp_sack.h) of the SACKed ranges
 * above snd_una. With sack_rfc3517 the recovery is RFC 3517's: every unSACKed
 * byte below lost_end is lost (IsLost), high_rxt marks how far this recovery
 * has retransmitted, and pipe = outstanding - SACKed - lost + retransmitted
 * governs what cwnd lets out, chosen by NextSeg (lost hole, new data, other
 * unSACKed data; no rescue retransmission). Otherwise the recovery is
 * NewReno's and SACK only keeps SACKed data from being sent again (also in
 * go-back-N after a timeout, for both variants). No D-SACK: a receiver never
 * reports duplicates, so nothing depends on it.
 *
 * F-RTO (RFC 5682, basic algorithm): after a first timeout only the head is
 * resent (frto_state 1); an ACK that advances lets two new segments out
 * (state 2) and a second advancing ACK declares the timeout spurious: no
 * go-back-N, cwnd = the halved ssthresh [I]. A duplicate ACK in either state
 * means the loss was real: go-back-N (cwnd 3 segments after state 2).
 *
 * Simplifications (documented, not hidden): no Nagle (SMB sets
 * TCP_NODELAY), no persist timer (receivers read at once, so the window never
 * closes), no RST, no TIME_WAIT (the run ends when the copy closes), one MSS
 * agreed by the scenario instead of an MSS option exchange.
 */
#include <stdlib.h>
#include <string.h>
#include "models/tcp.h"
#include "models/tcp_sack.h"

enum { ST_CLOSED = 0, ST_LISTEN, ST_SYN_SENT, ST_SYN_RCVD, ST_ESTABLISHED, ST_DONE };

#define SYN_IP_BYTES (PKT_IP_HEADER_BYTES + PKT_TCP_HEADER_BYTES + 4) /* MSS option */

typedef struct range {
    uint64_t start, end;
} range;

struct tcp_conn {
    sim_kernel *k;
    const prm_tcp *cfg;
    pkt_pool *pp;
    rec_recorder *rec;
    int self;
    uint32_t flow;
    pkt_port down;
    tcp_callbacks cb;
    int state;
    int in_input; /* inside tcp_input: output waits until the end */
    uint64_t mss;

    /* send side, offsets from iss */
    uint32_t iss;
    uint64_t snd_una, snd_nxt, snd_max, snd_end;
    int fin_queued, fin_acked;
    uint64_t snd_wnd, max_snd_wnd;
    uint64_t cwnd, ssthresh;
    int64_t dupacks;
    int in_recovery, partial_seen;
    uint64_t recover;
    int rtt_timing;
    uint64_t rtt_seq;
    sim_time_ns rtt_start_ns;
    int have_srtt;
    sim_time_ns srtt_ns, rttvar_ns, rto_ns;
    int64_t n_backoff; /* consecutive timeouts without progress */
    sim_timer rtx_timer;
    sim_time_ns rtx_deadline_ns;

    /* receive side, offsets from irs */
    uint32_t irs;
    uint64_t rcv_nxt, rcv_wnd, autotune_max;
    int autotune;
    sim_time_ns at_start_ns; /* auto-tuning: start of the current measurement */
    uint64_t at_start_seq;   /* and rcv_nxt then */
    int fin_seen, fin_received;
    uint64_t fin_off;
    range *ooo;
    uint32_t ooo_n, ooo_cap;
    int64_t ack_pending; /* in-order segments not yet acknowledged */
    int ack_now;
    sim_timer delack_timer;
    sim_time_ns delack_deadline_ns;

    /* SACK and loss recovery (issue 12) */
    int sack_permit, rfc3517, lt, frto; /* this host's settings (tcp_host_params) */
    int peer_sack, sack_ok;             /* the peer's SYN offered SACK; both did */
    tcp_sb sb;                          /* sender scoreboard */
    uint64_t high_rxt, lost_end;        /* RFC 3517 HighRxt; IsLost below lost_end */
    uint64_t recent[PKT_MAX_SACK];      /* receiver: an offset inside each recently reported block */
    uint32_t n_recent;
    uint64_t lt_extra; /* limited transmit: bytes allowed beyond cwnd */
    int frto_state;
    uint64_t frto_recover, frto_head_end;
    int mss_clamped; /* tcp_clamp_mss was applied */

    tcp_stats st;
};

static void rtx_fire(sim_kernel *k, void *arg);
static void delack_fire(sim_kernel *k, void *arg);
static void output(tcp_conn *c);

tcp_conn *tcp_new(sim_kernel *k, const prm_tcp *cfg, const tcp_host_params *hp, int self, uint32_t flow, pkt_pool *pp,
                  rec_recorder *rec)
{
    tcp_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->k = k;
    c->cfg = cfg;
    c->pp = pp;
    c->rec = rec;
    c->self = self;
    c->flow = flow;
    c->mss = (uint64_t)hp->mss_bytes;
    c->rcv_wnd = hp->rcv_window_bytes;
    c->autotune = hp->autotune;
    c->autotune_max = cfg->autotune_max_bytes > c->rcv_wnd ? cfg->autotune_max_bytes : c->rcv_wnd;
    /* Fixed initial sequence numbers; the server's sits just below 2^32 so
     * every run exercises wrap-around of the wire sequence space. */
    c->iss = self == PRM_CLIENT ? 0x1000u : 0xFFFF0000u;
    c->rto_ns = cfg->rto_initial_ns;
    c->rtx_deadline_ns = SIM_TIME_MAX;
    c->delack_deadline_ns = SIM_TIME_MAX;
    c->ssthresh = UINT64_MAX / 4;
    c->snd_end = 1;
    c->sack_permit = hp->sack;
    c->rfc3517 = hp->sack_rfc3517;
    c->lt = hp->limited_transmit;
    c->frto = hp->frto;
    tcp_sb_init(&c->sb);
    sim_timer_init(&c->rtx_timer, rtx_fire, c);
    sim_timer_init(&c->delack_timer, delack_fire, c);
    return c;
}

void tcp_free(tcp_conn *c)
{
    if (!c) return;
    sim_timer_disarm(c->k, &c->rtx_timer);
    sim_timer_disarm(c->k, &c->delack_timer);
    free(c->ooo);
    tcp_sb_fini(&c->sb);
    free(c);
}

void tcp_wire(tcp_conn *c, pkt_port down) { c->down = down; }
void tcp_set_callbacks(tcp_conn *c, tcp_callbacks cb) { c->cb = cb; }

static void input_port_fn(void *ctx, pkt *p) { tcp_input(ctx, p); }
pkt_port tcp_input_port(tcp_conn *c) { return (pkt_port){input_port_fn, c}; }

tcp_stats tcp_get_stats(const tcp_conn *c)
{
    tcp_stats s = c->st;
    s.rcv_window_bytes = c->rcv_wnd;
    s.srtt_ns = c->srtt_ns;
    s.rto_ns = c->rto_ns;
    s.sack_ok = c->sack_ok;
    s.mss_bytes = (int64_t)c->mss;
    return s;
}

void tcp_clamp_mss(tcp_conn *c, int64_t overhead_bytes)
{
    if (c->mss_clamped || c->state == ST_ESTABLISHED || c->state == ST_DONE) return;
    c->mss_clamped = 1;
    c->mss = c->mss > (uint64_t)overhead_bytes + 64 ? c->mss - (uint64_t)overhead_bytes : 64;
}

uint64_t tcp_unacked_bytes(const tcp_conn *c) { return c->snd_end > c->snd_una ? c->snd_end - c->snd_una : 0; }

/* ---- timers ---- */

static void timer_aim(sim_kernel *k, sim_timer *t, sim_time_ns deadline)
{
    if (deadline != SIM_TIME_MAX && sim_timer_when(t) > deadline) sim_timer_arm_at(k, t, deadline);
}

static void rtx_restart(tcp_conn *c)
{
    c->rtx_deadline_ns = sim_kernel_now(c->k) + c->rto_ns;
    timer_aim(c->k, &c->rtx_timer, c->rtx_deadline_ns);
}

static void rtx_stop(tcp_conn *c) { c->rtx_deadline_ns = SIM_TIME_MAX; }

static void fail(tcp_conn *c, int failure)
{
    c->state = ST_CLOSED;
    c->rtx_deadline_ns = SIM_TIME_MAX;
    c->delack_deadline_ns = SIM_TIME_MAX;
    if (c->cb.failed) c->cb.failed(c->cb.ctx, failure);
}

void tcp_drop(tcp_conn *c)
{
    c->state = ST_CLOSED;
    rtx_stop(c);
    c->delack_deadline_ns = SIM_TIME_MAX;
    sim_timer_disarm(c->k, &c->rtx_timer);
    sim_timer_disarm(c->k, &c->delack_timer);
}

/* ---- RTT estimation (RFC 6298, with the Windows floor and cap) ---- */

static void rtt_sample(tcp_conn *c, sim_time_ns r)
{
    if (!c->have_srtt) {
        c->srtt_ns = r;
        c->rttvar_ns = r / 2;
        c->have_srtt = 1;
    } else {
        sim_time_ns err = r > c->srtt_ns ? r - c->srtt_ns : c->srtt_ns - r;
        c->rttvar_ns += (err - c->rttvar_ns) / 4;
        c->srtt_ns += (r - c->srtt_ns) / 8;
    }
    sim_time_ns rto = c->srtt_ns + 4 * c->rttvar_ns;
    if (rto < c->cfg->rto_min_ns) rto = c->cfg->rto_min_ns;
    if (rto > c->cfg->rto_max_ns) rto = c->cfg->rto_max_ns;
    c->rto_ns = rto;
}

static void backoff(tcp_conn *c)
{
    c->n_backoff++;
    c->rto_ns = c->rto_ns > c->cfg->rto_max_ns / 2 ? c->cfg->rto_max_ns : 2 * c->rto_ns;
}

/* ---- sending ---- */

/* The out-of-order range holding offset X, or NULL. */
static const range *ooo_find(const tcp_conn *c, uint64_t x)
{
    for (uint32_t i = 0; i < c->ooo_n; i++)
        if (c->ooo[i].start <= x && x < c->ooo[i].end) return &c->ooo[i];
    return NULL;
}

/* Receiver: SACK blocks for P, newest first (RFC 2018 section 4), as wire
 * sequence numbers, and their option bytes (2 NOPs, kind, length, 8 per block). */
static void fill_sack(tcp_conn *c, pkt *p)
{
    uint32_t n = 0, keep = 0;
    const range *used[PKT_MAX_SACK];
    for (uint32_t i = 0; i < c->n_recent; i++) {
        const range *r = c->recent[i] >= c->rcv_nxt ? ooo_find(c, c->recent[i]) : NULL;
        int dup = 0;
        for (uint32_t j = 0; j < n; j++) dup |= used[j] == r;
        if (!r || dup) continue;
        c->recent[keep++] = c->recent[i];
        used[n] = r;
        p->sack[n][0] = c->irs + (uint32_t)r->start;
        p->sack[n][1] = c->irs + (uint32_t)r->end;
        n++;
    }
    c->n_recent = keep;
    p->n_sack = (uint8_t)n;
    if (n) p->ip_bytes += 4 + 8 * n;
}

/* Receiver: the segment starting at X arrived out of order; its block is now the newest. */
static void recent_push(tcp_conn *c, uint64_t x)
{
    const range *r = ooo_find(c, x);
    uint32_t keep = 0;
    uint64_t old[PKT_MAX_SACK];
    memcpy(old, c->recent, sizeof old);
    uint32_t n_old = c->n_recent;
    c->recent[keep++] = x;
    for (uint32_t i = 0; i < n_old && keep < PKT_MAX_SACK; i++)
        if (!r || old[i] < r->start || old[i] >= r->end) c->recent[keep++] = old[i];
    c->n_recent = keep;
}

/* Flag letters for traces: S(YN) F(IN) R(ST) A(CK), or "-" for none. */
/* Sends one segment at offset SEQ with LEN payload bytes and FLAGS (ACK is
 * added once the peer's sequence is known). */
static void send_segment(tcp_conn *c, uint64_t seq, uint32_t len, uint8_t flags)
{
    pkt *p = pkt_get(c->pp);
    if (!p) { /* out of memory: the run is an error, not a loss */
        rec_out_of_memory(c->rec);
        return;
    }
    sim_time_ns now = sim_kernel_now(c->k);
    int has_ack = c->state != ST_SYN_SENT;
    p->src = (uint8_t)c->self;
    p->dst = (uint8_t)(1 - c->self);
    p->proto = PKT_TCP;
    p->flow = c->flow;
    p->tcp_flags = flags | (has_ack ? TCP_ACK : 0);
    p->seq = c->iss + (uint32_t)seq;
    p->ack = has_ack ? c->irs + (uint32_t)c->rcv_nxt : 0;
    p->wnd = (uint32_t)c->rcv_wnd;
    p->len = len;
    p->ip_bytes = (flags & TCP_SYN ? SYN_IP_BYTES : PKT_IP_HEADER_BYTES + PKT_TCP_HEADER_BYTES) + len;
    if ((flags & TCP_SYN) && c->sack_permit && (c->state == ST_SYN_SENT || c->peer_sack)) {
        p->sack_permitted = 1;
        p->ip_bytes += 4; /* NOP, NOP, SACK-permitted */
    }
    if (c->ooo_n && c->sack_ok && has_ack) fill_sack(c, p);
    p->sent_ns = now;
    c->ack_pending = 0;
    c->ack_now = 0;
    c->delack_deadline_ns = SIM_TIME_MAX;
    c->st.n_segs_sent++;
    int rexmit = len > 0 && seq < c->snd_max;
    if (len > 0) {
        c->st.n_data_segs_sent++;
        if (rexmit) {
            c->st.n_retransmits++;
            c->rec->n_retransmits++;
            if (c->rtt_timing && c->rtt_seq > seq) c->rtt_timing = 0; /* Karn */
        }
    }
    uint64_t end = seq + len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    if (end > c->snd_max) {
        if (!c->rtt_timing && seq == c->snd_max) {
            c->rtt_timing = 1;
            c->rtt_seq = end;
            c->rtt_start_ns = now;
        }
        c->snd_max = end;
    }
    if (end > seq && c->rtx_deadline_ns == SIM_TIME_MAX) rtx_restart(c);
    rec_emit_tcp(c->rec, rexmit ? EV_TCP_RESEND : EV_TCP_SEND, c->self, p->tcp_flags, seq, c->rcv_nxt, len, p->wnd,
                 c->cwnd);
    pkt_port_send(&c->down, p);
}

/* Resends up to one segment of already-sent data from S, ending at LIM at the
 * latest (a SACKed range starts there). Returns the sequence space it covers
 * (0 if nothing could be sent). */
static uint64_t resend_range(tcp_conn *c, uint64_t s, uint64_t lim)
{
    if (s < c->snd_end) {
        uint64_t len = c->snd_end - s;
        if (len > c->mss) len = c->mss;
        if (s + len > lim) len = lim - s;
        if (len == 0) return 0;
        uint8_t fl =
            c->fin_queued && s + len == c->snd_end && c->snd_max > c->snd_end && lim > c->snd_end ? TCP_FIN : 0;
        send_segment(c, s, (uint32_t)len, fl);
        return len + (fl ? 1 : 0);
    }
    if (c->fin_queued && c->snd_max > c->snd_end && s == c->snd_end) {
        send_segment(c, c->snd_end, 0, TCP_FIN);
        return 1;
    }
    return 0;
}

/* Resends the first unacknowledged segment (fast retransmit, partial ACK,
 * timeout); returns the sequence space it covers. */
static uint64_t resend_head(tcp_conn *c)
{
    uint64_t lim = c->sb.n ? tcp_sb_hole_end(&c->sb, c->snd_una) : UINT64_MAX;
    return resend_range(c, c->snd_una, lim);
}

/* Sends one new (never sent) segment if the peer's window allows, ignoring
 * cwnd (RFC 3517 NextSeg rule 2, F-RTO step 2b). Returns 1 if it sent. */
static int send_new_one(tcp_conn *c)
{
    if (c->snd_nxt != c->snd_max) return 0;
    if (c->snd_nxt < c->snd_end) {
        uint64_t len = c->snd_end - c->snd_nxt;
        if (len > c->mss) len = c->mss;
        if (c->snd_nxt + len > c->snd_una + c->snd_wnd) return 0;
        uint8_t fl = c->fin_queued && c->snd_nxt + len == c->snd_end ? TCP_FIN : 0;
        uint64_t seq = c->snd_nxt;
        c->snd_nxt += len + (fl ? 1 : 0);
        send_segment(c, seq, (uint32_t)len, fl);
        return 1;
    }
    if (c->fin_queued && c->snd_nxt == c->snd_end) {
        c->snd_nxt++;
        send_segment(c, c->snd_end, 0, TCP_FIN);
        return 1;
    }
    return 0;
}

/* RFC 3517 SetPipe: outstanding bytes, less the SACKed and the lost ones,
 * plus those retransmitted in this recovery and not SACKed since. */
static uint64_t sack_pipe(const tcp_conn *c)
{
    uint64_t una = c->snd_una, pipe = c->snd_max - una - c->sb.sacked_bytes;
    if (c->lost_end > una) pipe -= (c->lost_end - una) - tcp_sb_sacked_below(&c->sb, c->lost_end);
    if (c->high_rxt > una) pipe += (c->high_rxt - una) - tcp_sb_sacked_below(&c->sb, c->high_rxt);
    return pipe;
}

/* RFC 3517 section 5 step (C): while cwnd - pipe >= 1 SMSS, send NextSeg. */
static void sack_recovery_send(tcp_conn *c)
{
    uint64_t thresh = (uint64_t)c->cfg->dupack_threshold;
    c->lost_end = tcp_sb_lost_end(&c->sb, c->snd_una, (uint32_t)thresh, thresh * c->mss);
    if (c->high_rxt < c->snd_una) c->high_rxt = c->snd_una;
    for (;;) {
        if (c->cwnd < sack_pipe(c) + c->mss) break;
        uint64_t s = tcp_sb_next_unsacked(&c->sb, c->high_rxt), he = tcp_sb_hole_end(&c->sb, s);
        if (s < c->lost_end) { /* rule 1: a lost hole */
            uint64_t used = resend_range(c, s, he < c->lost_end ? he : c->lost_end);
            if (!used) break;
            c->high_rxt = s + used;
        } else if (send_new_one(c)) { /* rule 2: new data */
        } else if (c->sb.n && s < c->sb.r[c->sb.n - 1].end) {
            /* rule 3: unSACKed data below the highest SACKed byte, not yet deemed lost */
            uint64_t used = resend_range(c, s, he);
            if (!used) break;
            c->high_rxt = s + used;
        } else {
            break;
        }
    }
}

/* Sends what the windows allow, then a pure ACK if one is owed. */
static void output(tcp_conn *c)
{
    if (c->state != ST_ESTABLISHED) return;
    /* RFC 3517 recovery sends only through sack_recovery_send. */
    int data = !(c->in_recovery && c->sack_ok && c->rfc3517);
    /* After a timeout (until what was outstanding then is acknowledged)
     * go-back-N skips what the peer SACKed. The skipped data still counts as
     * in flight (snd_nxt - snd_una): a duplicate ACK whose blocks cover more
     * data then lets no further retransmission out, since that data may be
     * in flight too. Rejected: not counting SACKed data, which after a
     * spurious timeout at RTT ~ the 300 ms floor resent, per duplicate ACK,
     * segments still in flight (40 % of the retransmissions at 2 % loss and
     * 300 ms were spurious). */
    int skip = c->sb.n && !c->in_recovery && c->snd_una <= c->recover;
    uint64_t cw = c->cwnd + c->lt_extra; /* limited transmit: lt_extra beyond cwnd */
    uint64_t wnd = cw < c->snd_wnd ? cw : c->snd_wnd;
    while (data) {
        uint64_t he = UINT64_MAX;
        if (skip && c->snd_nxt < c->snd_max) {
            c->snd_nxt = tcp_sb_next_unsacked(&c->sb, c->snd_nxt);
            he = tcp_sb_hole_end(&c->sb, c->snd_nxt);
        }
        uint64_t flight = c->snd_nxt - c->snd_una;
        uint64_t room = wnd > flight ? wnd - flight : 0;
        if (c->snd_nxt < c->snd_end) {
            uint64_t avail = c->snd_end - c->snd_nxt;
            uint64_t len = avail < c->mss ? avail : c->mss;
            if (len > room) len = room;
            if (len == 0) break;
            /* Sender silly-window avoidance: a window-limited short segment waits
             * unless it is at least half the largest window the peer offered. */
            if (len < c->mss && len < avail && len < c->max_snd_wnd / 2 && flight > 0) break;
            if (c->snd_nxt + len > he) len = he - c->snd_nxt;
            uint8_t fl = c->fin_queued && c->snd_nxt + len == c->snd_end ? TCP_FIN : 0;
            uint64_t seq = c->snd_nxt;
            c->snd_nxt += len + (fl ? 1 : 0);
            send_segment(c, seq, (uint32_t)len, fl);
        } else if (c->fin_queued && c->snd_nxt == c->snd_end) {
            c->snd_nxt++;
            send_segment(c, c->snd_end, 0, TCP_FIN);
        } else {
            break;
        }
    }
    if (c->ack_now) send_segment(c, c->snd_nxt, 0, 0);
}

void tcp_send(tcp_conn *c, uint64_t n_bytes)
{
    if (c->fin_queued || c->state == ST_CLOSED || c->state == ST_DONE) return;
    c->snd_end += n_bytes;
    if (!c->in_input) output(c);
}

void tcp_close(tcp_conn *c)
{
    if (c->fin_queued || c->state == ST_CLOSED || c->state == ST_DONE) return;
    c->fin_queued = 1;
    if (!c->in_input) output(c);
}

void tcp_connect(tcp_conn *c)
{
    c->state = ST_SYN_SENT;
    rec_start(c->rec);
    send_segment(c, 0, 0, TCP_SYN);
}

void tcp_listen(tcp_conn *c) { c->state = ST_LISTEN; }

/* ---- timers firing ---- */

static void rtx_fire(sim_kernel *k, void *arg)
{
    tcp_conn *c = arg;
    if (c->rtx_deadline_ns == SIM_TIME_MAX) return;
    if (sim_kernel_now(k) < c->rtx_deadline_ns) {
        sim_timer_arm_at(k, &c->rtx_timer, c->rtx_deadline_ns);
        return;
    }
    c->rtx_deadline_ns = SIM_TIME_MAX;
    c->st.n_timeouts++;
    int handshake = c->state == ST_SYN_SENT || c->state == ST_SYN_RCVD;
    int64_t limit = handshake ? c->cfg->syn_retries : c->cfg->data_retries;
    rec_emit(c->rec, &(ev_event){.kind = EV_TCP_TIMEOUT,
                                 .host = (int8_t)c->self,
                                 .value = sim_time_to_s(c->rto_ns),
                                 .count = (uint64_t)c->n_backoff,
                                 .seq = c->snd_una});
    if (c->n_backoff >= limit) {
        if (c->state == ST_SYN_RCVD) { /* a half-open connection is forgotten silently */
            c->state = ST_LISTEN;
            c->snd_una = c->snd_nxt = c->snd_max = 0;
            c->n_backoff = 0;
            c->rto_ns = c->cfg->rto_initial_ns;
            return;
        }
        rec_emit(c->rec,
                 &(ev_event){.kind = handshake ? EV_TCP_CONNECT_TIMEOUT : EV_TCP_ABORT, .host = (int8_t)c->self});
        fail(c, handshake ? OUT_FAIL_CONNECT_TIMEOUT : OUT_FAIL_TCP_ABORT);
        return;
    }
    int first = c->n_backoff == 0;
    backoff(c);
    c->rtt_timing = 0;
    if (handshake) {
        send_segment(c, 0, 0, TCP_SYN);
        return;
    }
    /* Loss window and go-back-N from the first unacknowledged byte (RFC 5681 3.1). */
    uint64_t flight = c->snd_max - c->snd_una;
    c->ssthresh = flight / 2 > 2 * c->mss ? flight / 2 : 2 * c->mss;
    c->cwnd = c->mss;
    c->in_recovery = 0;
    c->recover = c->snd_max;
    c->dupacks = 0;
    c->lt_extra = 0;
    c->high_rxt = c->lost_end = c->snd_una;
    c->frto_state = 0;
    if (c->frto && first && c->snd_una < c->snd_end) {
        /* F-RTO step 1: resend the head only; snd_nxt stays at snd_max. */
        c->frto_state = 1;
        c->frto_recover = c->snd_max;
        c->frto_head_end = c->snd_una + resend_head(c);
    } else {
        c->snd_nxt = c->snd_una;
        output(c);
    }
    if (c->rtx_deadline_ns == SIM_TIME_MAX && c->snd_una < c->snd_max) rtx_restart(c);
}

static void delack_fire(sim_kernel *k, void *arg)
{
    tcp_conn *c = arg;
    if (c->delack_deadline_ns == SIM_TIME_MAX || c->ack_pending == 0) return;
    if (sim_kernel_now(k) < c->delack_deadline_ns) {
        sim_timer_arm_at(k, &c->delack_timer, c->delack_deadline_ns);
        return;
    }
    c->ack_now = 1;
    output(c);
}

/* ---- receiving ---- */

/* Sender: the SACK blocks of P (acknowledging up to ACK) into the scoreboard.
 * Blocks outside (ACK, snd_max] are ignored (no D-SACK). */
static void sack_input(tcp_conn *c, const pkt *p, uint64_t ack)
{
    if (c->sb.n) tcp_sb_trim(&c->sb, ack);
    for (uint32_t i = 0; i < p->n_sack && i < PKT_MAX_SACK; i++) {
        uint32_t base = c->iss + (uint32_t)ack;
        uint64_t s = ack + (uint64_t)(int64_t)(int32_t)(p->sack[i][0] - base);
        uint64_t e = ack + (uint64_t)(int64_t)(int32_t)(p->sack[i][1] - base);
        if ((int32_t)(p->sack[i][0] - base) < 0 || e <= s || e > c->snd_max) continue;
        if (tcp_sb_add(&c->sb, s, e) != 0) rec_out_of_memory(c->rec);
    }
}

/* F-RTO (RFC 5682) on an ACK that advanced snd_una to ACK. */
static void frto_ack(tcp_conn *c, uint64_t ack)
{
    if (ack >= c->frto_recover) {
        c->frto_state = 0; /* everything outstanding at the timeout arrived */
        if (c->snd_nxt < ack) c->snd_nxt = ack;
        return;
    }
    if (c->frto_state == 1) { /* step 2b: two new segments test the timeout */
        int sent = send_new_one(c);
        if (sent) send_new_one(c);
        if (sent) {
            c->frto_state = 2;
        } else { /* nothing new to send: conventional recovery */
            c->frto_state = 0;
            c->snd_nxt = c->frto_head_end > ack ? c->frto_head_end : ack;
        }
        return;
    }
    /* step 3b: a second advancing ACK: the timeout was spurious */
    c->frto_state = 0;
    c->st.n_spurious_rtos++;
    c->cwnd = c->ssthresh;
}

/* F-RTO on a duplicate ACK: the loss was real; go back to conventional recovery. */
static void frto_dupack(tcp_conn *c)
{
    if (c->frto_state == 2) c->cwnd = 3 * c->mss;
    c->frto_state = 0;
    c->snd_nxt = c->frto_head_end > c->snd_una ? c->frto_head_end : c->snd_una;
}

static void ack_input(tcp_conn *c, const pkt *p)
{
    uint64_t ack = c->snd_una + (uint64_t)(int64_t)(int32_t)(p->ack - (c->iss + (uint32_t)c->snd_una));
    if (ack > c->snd_max) return; /* acknowledges something never sent */
    if (c->sack_ok && (p->n_sack || c->sb.n)) sack_input(c, p, ack > c->snd_una ? ack : c->snd_una);
    c->snd_wnd = p->wnd;
    if (c->snd_wnd > c->max_snd_wnd) c->max_snd_wnd = c->snd_wnd;
    if (ack > c->snd_una) {
        uint64_t acked = ack - c->snd_una;
        if (c->rtt_timing && ack >= c->rtt_seq) {
            rtt_sample(c, sim_kernel_now(c->k) - c->rtt_start_ns);
            c->rtt_timing = 0;
        }
        c->n_backoff = 0;
        c->snd_una = ack;
        c->lt_extra = 0;
        if (c->snd_nxt < ack) c->snd_nxt = ack;
        if (c->in_recovery && c->sack_ok && c->rfc3517) {
            if (ack >= c->recover) {
                uint64_t flight = c->snd_max - c->snd_una;
                c->cwnd = c->ssthresh < flight + c->mss ? c->ssthresh : flight + c->mss;
                c->in_recovery = 0;
                c->dupacks = 0;
            } else { /* partial ACK: RFC 3517 (C), no deflation */
                sack_recovery_send(c);
            }
        } else if (c->in_recovery) {
            if (ack >= c->recover) {
                uint64_t flight = c->snd_max - c->snd_una;
                c->cwnd = c->ssthresh < flight + c->mss ? c->ssthresh : flight + c->mss;
                c->in_recovery = 0;
                c->dupacks = 0;
            } else { /* partial ACK (RFC 6582): resend the next hole, deflate */
                resend_head(c);
                c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
                if (acked >= c->mss) c->cwnd += c->mss;
                if (!c->partial_seen) rtx_restart(c);
                c->partial_seen = 1;
            }
        } else {
            c->dupacks = 0;
            if (c->cwnd < c->ssthresh)
                c->cwnd += acked < c->mss ? acked : c->mss;
            else
                c->cwnd += c->mss * c->mss / c->cwnd > 0 ? c->mss * c->mss / c->cwnd : 1;
        }
        if (c->frto_state) frto_ack(c, ack);
        if (c->fin_queued && c->snd_una > c->snd_end) c->fin_acked = 1;
        if (c->snd_una == c->snd_max)
            rtx_stop(c);
        else if (!c->in_recovery || ack >= c->recover || (c->sack_ok && c->rfc3517))
            rtx_restart(c);
        return;
    }
    if (ack == c->snd_una && p->len == 0 && !(p->tcp_flags & (TCP_SYN | TCP_FIN)) && c->snd_max > c->snd_una) {
        c->dupacks++;
        if (c->frto_state) {
            frto_dupack(c);
        } else if (c->in_recovery && c->sack_ok && c->rfc3517) {
            sack_recovery_send(c);
        } else if (c->in_recovery) {
            c->cwnd += c->mss;
        } else if (c->dupacks < c->cfg->dupack_threshold && c->lt && c->snd_una > c->recover) {
            c->lt_extra = (uint64_t)c->dupacks * c->mss; /* RFC 3042 */
        } else if (c->dupacks == c->cfg->dupack_threshold && c->snd_una > c->recover) {
            uint64_t flight = c->snd_max - c->snd_una;
            c->ssthresh = flight / 2 > 2 * c->mss ? flight / 2 : 2 * c->mss;
            c->recover = c->snd_max;
            c->in_recovery = 1;
            c->partial_seen = 0;
            c->st.n_fast_retransmits++;
            rec_emit(c->rec, &(ev_event){.kind = EV_TCP_FAST_RETRANSMIT,
                                         .host = (int8_t)c->self,
                                         .seq = c->snd_una,
                                         .bytes = c->ssthresh});
            c->rtt_timing = 0;
            c->lt_extra = 0;
            if (c->sack_ok && c->rfc3517) { /* RFC 3517 section 5 steps 3-4 */
                c->cwnd = c->ssthresh;
                c->high_rxt = c->snd_una;
                c->high_rxt += resend_head(c);
                sack_recovery_send(c);
            } else {
                resend_head(c);
                c->cwnd = c->ssthresh + (uint64_t)c->cfg->dupack_threshold * c->mss;
            }
        }
    }
}

/* Stores [start, end) received out of order; merges neighbours. */
static void ooo_add(tcp_conn *c, uint64_t start, uint64_t end)
{
    uint32_t i = 0;
    while (i < c->ooo_n && c->ooo[i].end < start) i++;
    if (i < c->ooo_n && c->ooo[i].start <= end) { /* overlaps or touches range i */
        if (start < c->ooo[i].start) c->ooo[i].start = start;
        if (end > c->ooo[i].end) c->ooo[i].end = end;
        while (i + 1 < c->ooo_n && c->ooo[i + 1].start <= c->ooo[i].end) {
            if (c->ooo[i + 1].end > c->ooo[i].end) c->ooo[i].end = c->ooo[i + 1].end;
            memmove(&c->ooo[i + 1], &c->ooo[i + 2], (c->ooo_n - i - 2) * sizeof *c->ooo);
            c->ooo_n--;
        }
        return;
    }
    if (c->ooo_n == c->ooo_cap) {
        uint32_t cap = c->ooo_cap ? 2 * c->ooo_cap : 8;
        range *r = realloc(c->ooo, cap * sizeof *r);
        if (!r) { /* out of memory: the run is an error */
            rec_out_of_memory(c->rec);
            return;
        }
        c->ooo = r;
        c->ooo_cap = cap;
    }
    memmove(&c->ooo[i + 1], &c->ooo[i], (c->ooo_n - i) * sizeof *c->ooo);
    c->ooo[i] = (range){start, end};
    c->ooo_n++;
}

static void maybe_closed(tcp_conn *c)
{
    if (c->state == ST_ESTABLISHED && c->fin_acked && c->fin_received) {
        c->state = ST_DONE;
        rtx_stop(c);
        rec_emit(c->rec, &(ev_event){.kind = EV_TCP_CLOSED, .host = (int8_t)c->self});
        if (c->cb.closed) c->cb.closed(c->cb.ctx);
    }
}

/* Vista auto-tuning model: once per smoothed round trip (the receiver's own
 * estimate; the floor tcp.rto.min before it has one) the receiver compares
 * the bytes that arrived in that interval with its window; when they reach
 * 3/4 of it, the sender is window-limited and the window doubles, up to
 * tcp.autotune_max. Rejected: checking how close a segment comes to the
 * advertised edge, which stays about a window ahead whatever the sender does. */
static void autotune(tcp_conn *c)
{
    sim_time_ns now = sim_kernel_now(c->k);
    sim_time_ns period = c->have_srtt ? c->srtt_ns : c->cfg->rto_min_ns;
    if (now - c->at_start_ns < period) return;
    if (c->rcv_nxt - c->at_start_seq >= c->rcv_wnd / 4 * 3) {
        c->rcv_wnd = 2 * c->rcv_wnd < c->autotune_max ? 2 * c->rcv_wnd : c->autotune_max;
        rec_emit(c->rec, &(ev_event){.kind = EV_TCP_AUTOTUNE, .host = (int8_t)c->self, .win = c->rcv_wnd});
        if (c->rcv_wnd == c->autotune_max) c->autotune = 0;
    }
    c->at_start_ns = now;
    c->at_start_seq = c->rcv_nxt;
}

static void data_input(tcp_conn *c, const pkt *p)
{
    int fin = (p->tcp_flags & TCP_FIN) != 0;
    if (p->len == 0 && !fin) return;
    uint64_t seq = c->rcv_nxt + (uint64_t)(int64_t)(int32_t)(p->seq - (c->irs + (uint32_t)c->rcv_nxt));
    uint64_t end = seq + p->len;
    if (fin && !c->fin_seen) {
        c->fin_seen = 1;
        c->fin_off = end;
    }
    if (end < c->rcv_nxt || (end == c->rcv_nxt && (!fin || c->fin_received))) {
        if (p->len) c->st.n_dup_data_received++;
        c->ack_now = 1; /* a duplicate: tell the sender where we are */
        return;
    }
    if (seq > c->rcv_nxt) {
        const range *r = ooo_find(c, seq);
        if (r && end <= r->end) c->st.n_dup_data_received++;
        uint64_t lim = c->rcv_nxt + c->rcv_wnd;
        if (end > lim) end = lim;
        if (end > seq) {
            ooo_add(c, seq, end);
            if (c->sack_ok) recent_push(c, seq);
        }
        c->ack_now = 1; /* out of order: duplicate ACK at once */
        return;
    }
    uint64_t before = c->rcv_nxt;
    int had_holes = c->ooo_n > 0;
    c->rcv_nxt = end;
    while (c->ooo_n && c->ooo[0].start <= c->rcv_nxt) {
        if (c->ooo[0].end > c->rcv_nxt) c->rcv_nxt = c->ooo[0].end;
        memmove(&c->ooo[0], &c->ooo[1], (c->ooo_n - 1) * sizeof *c->ooo);
        c->ooo_n--;
    }
    uint64_t n = c->rcv_nxt - before;
    if (c->autotune) autotune(c);
    int fin_now = c->fin_seen && !c->fin_received && c->rcv_nxt == c->fin_off;
    if (fin_now) {
        c->fin_received = 1;
        c->rcv_nxt++;
        c->ack_now = 1;
    }
    if (had_holes)
        c->ack_now = 1;
    else if (!c->ack_now && n > 0 && ++c->ack_pending >= c->cfg->ack_frequency)
        c->ack_now = 1;
    else if (!c->ack_now && c->delack_deadline_ns == SIM_TIME_MAX) {
        c->delack_deadline_ns = sim_kernel_now(c->k) + c->cfg->delack_ns;
        timer_aim(c->k, &c->delack_timer, c->delack_deadline_ns);
    }
    if (n > 0) {
        c->st.n_bytes_received += n;
        if (c->cb.data) c->cb.data(c->cb.ctx, n);
    }
    if (fin_now) {
        rec_emit(c->rec, &(ev_event){.kind = EV_TCP_PEER_CLOSED, .host = (int8_t)c->self});
        if (c->cb.peer_closed) c->cb.peer_closed(c->cb.ctx);
    }
}

static void establish(tcp_conn *c)
{
    c->state = ST_ESTABLISHED;
    c->snd_una = c->snd_nxt = 1;
    c->n_backoff = 0;
    c->cwnd = (uint64_t)c->cfg->init_cwnd_segments * c->mss;
    c->rtx_deadline_ns = SIM_TIME_MAX;
    rec_emit(c->rec, &(ev_event){.kind = EV_TCP_ESTABLISHED, .host = (int8_t)c->self});
    if (c->cb.established) c->cb.established(c->cb.ctx);
}

/* The handshake states; returns 1 when P should go on to ACK and data processing. */
static int handshake_input(tcp_conn *c, const pkt *p)
{
    uint8_t f = p->tcp_flags;
    if (c->state == ST_LISTEN) {
        if (!(f & TCP_SYN) || (f & TCP_ACK)) return 0;
        c->irs = p->seq;
        c->rcv_nxt = 1;
        c->snd_wnd = c->max_snd_wnd = p->wnd;
        c->peer_sack = p->sack_permitted;
        c->sack_ok = c->sack_permit && c->peer_sack;
        c->state = ST_SYN_RCVD;
        c->rto_ns = c->cfg->rto_initial_ns;
        send_segment(c, 0, 0, TCP_SYN);
        return 0;
    }
    if (c->state == ST_SYN_SENT) {
        if ((f & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) || p->ack != c->iss + 1) return 0;
        c->irs = p->seq;
        c->rcv_nxt = 1;
        c->peer_sack = p->sack_permitted;
        c->sack_ok = c->sack_permit && c->peer_sack;
        if (c->rtt_timing) rtt_sample(c, sim_kernel_now(c->k) - c->rtt_start_ns);
        c->rtt_timing = 0;
        c->snd_wnd = c->max_snd_wnd = p->wnd;
        c->ack_now = 1;
        establish(c);
        return 0;
    }
    /* ST_SYN_RCVD */
    if (f & TCP_SYN) { /* the client resent its SYN: our SYN-ACK was lost */
        if (p->seq == c->irs) send_segment(c, 0, 0, TCP_SYN);
        return 0;
    }
    /* The ACK of our SYN-ACK (or any later one, when data follows) completes the handshake. */
    if (!(f & TCP_ACK) || (int32_t)(p->ack - (c->iss + 1)) < 0) return 0;
    if (c->rtt_timing) rtt_sample(c, sim_kernel_now(c->k) - c->rtt_start_ns);
    c->rtt_timing = 0;
    establish(c);
    return 1;
}

void tcp_input(tcp_conn *c, pkt *p)
{
    c->st.n_segs_received++;
    {
        /* Sequence numbers relative to the sender's ISN once it is known, raw before. */
        uint32_t base = c->state == ST_LISTEN || c->state == ST_SYN_SENT ? 0 : c->irs;
        rec_emit_tcp(c->rec, EV_TCP_RECV, c->self, p->tcp_flags, (uint32_t)(p->seq - base), (uint32_t)(p->ack - c->iss),
                     p->len, p->wnd, 0);
    }
    if (c->state == ST_CLOSED || c->state == ST_DONE) {
        pkt_put(c->pp, p);
        return;
    }
    c->in_input = 1;
    int go_on = 1;
    if (c->state != ST_ESTABLISHED)
        go_on = handshake_input(c, p);
    else if ((p->tcp_flags & TCP_SYN)) {
        c->ack_now = 1; /* a resent SYN-ACK: our ACK was lost */
        go_on = 0;
    }
    if (go_on) {
        if (p->tcp_flags & TCP_ACK) ack_input(c, p);
        if (c->state == ST_ESTABLISHED) data_input(c, p);
    }
    pkt_put(c->pp, p);
    c->in_input = 0;
    output(c);
    maybe_closed(c);
}

/* issue 12: the rate the SMB redirector's dynamic timer may see (smb.timer_rate=tcp).
 * Window over smoothed RTT: the larger of what this endpoint may have in
 * flight (min of cwnd and the peer's window) and what it lets the peer have in
 * flight (its receive window), divided by srtt. By Little's law that is the
 * throughput of a window-limited connection, queueing delay included. */
uint64_t tcp_rate_estimate_bps(const tcp_conn *c)
{
    if (!c->have_srtt || c->srtt_ns <= 0) return 0;
    uint64_t snd = c->cwnd < c->snd_wnd ? c->cwnd : c->snd_wnd;
    uint64_t w = snd > c->rcv_wnd ? snd : c->rcv_wnd;
    double bps = (double)w * 8.0 * 1e9 / (double)c->srtt_ns;
    return bps >= 1.8e19 ? UINT64_MAX : (uint64_t)bps;
}
