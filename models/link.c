/*
 * The path. Each direction has up to three transmitters (hop slots): the
 * source's access link (slot 0), the bottleneck (slot 1) and the
 * destination's access link (slot 2); an access slot is skipped while its
 * rate is 0. The first present slot belongs to the source host's NIC; the
 * others to a router's egress. Each transmitter keeps a FIFO ring `q` of the
 * packets still occupying it (waiting or being serialised): their departure
 * times and IP bytes. Entries at or before a time are popped lazily, so queue
 * lengths come from the clock and busy_until_ns, never from events.
 *
 * A packet's whole journey is computed when it enters the path: each hop
 * serialises it FIFO after the hop's previous packet, and the next hop sees
 * it arrive after the hop's delay. Within a direction every hop is fed by
 * exactly one upstream hop in FIFO order with a constant delay, so arrival
 * times at each hop never decrease from one packet to the next, and popping
 * a hop's ring at an arrival time in the future is exact: no later packet
 * arrives earlier. A router refuses a packet when its ring is at link.queue
 * packets or the packet would take it past link.queue_bytes; so its queue
 * never exceeds either limit. A host NIC never refuses: beyond host.nic_ring
 * packets the excess counts as backlogged (FIFO, so timing is unchanged).
 *
 * The packets that will arrive wait in `fl` with their arrival times, in
 * arrival order. One intrusive timer per direction is armed at the head's
 * arrival; it delivers every packet due and re-arms. So a packet costs one
 * kernel event, and packets lost or dropped cost none. Ring capacities are
 * powers of two that grow by doubling; they are bounded by the packets alive
 * at once, not by traffic.
 *
 * Taps: a packet is seen at the destination side when delivered. Transmission
 * starts and the bottleneck's far-end arrivals lie in the future when
 * computed, so a tap there keeps a copy of the packet header with its time in
 * a FIFO per stream (times never decrease within one). Before any tap call
 * the path first hands over every kept entry due by now, merged across the
 * streams by time, so the calls of all taps come in time order, each with
 * its own time; a kept entry is handed over at the path's next tap call or
 * delivery (or link_free), never by a kernel event of its own, so a capture
 * changes neither the run nor its event count (its fingerprint). Only a set
 * tap allocates anything.
 *
 * Rejected: a timer per tap stream calling at the exact time: the extra
 * kernel events would change the run's event count, so a capture would
 * move the fingerprint.
 *
 * Rejected: one kernel event per hop (a router model that forwards at
 * arrival): three times the events on a WAN path for the same timings.
 *
 * Fleets (issue 16, link_new_fleet with N > 1 clients). Towards the clients
 * the path is still a chain fed by one source (the server), up to the branch
 * router; there each client has its own egress queue and access link, so
 * arrivals at each client stay in order and each client has its own flight
 * list and timer: still one event per delivered packet. Towards the server
 * the clients' access links merge at the branch router, and a packet that
 * enters later can arrive there earlier (its access link was idle, the other
 * one's busy), so the journey past the merge cannot be computed at entry.
 * It is computed in arrival order by conservative lookahead: every packet
 * reaches the router at least L = access delay + the wire time of a 40-byte
 * packet (the smallest the models send: a bare TCP ACK) after it enters, so
 * when the clock is at NOW no packet still to enter can arrive before
 * NOW + L. Arrivals are kept in a min-heap by (arrival, entry order); all
 * those at or before NOW + L are taken through the rest of the path at once,
 * in that order, and one timer wakes at (earliest kept arrival - L) for the
 * rest. A bare ACK on an idle access link arrives exactly at NOW + L and
 * goes through at entry with no heap and no extra event; a larger packet
 * costs one more event (the timer) than on the two-host path. The result is
 * exact: the router serves packets in arrival order, ties by entry.
 *
 * Rejected: computing the merge at entry (FIFO in entry order): a client's
 * ACK would wait behind another client's packet still on its access link.
 * Rejected: an event per packet at the router: twice the events for every
 * packet towards the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "models/link.h"
#include "sim/rng.h"

enum { SLOT_SRC_ACCESS = 0, SLOT_BOTTLENECK = 1, SLOT_DST_ACCESS = 2, N_SLOTS = 3 };

typedef struct flight {
    pkt *p;
    sim_time_ns at_ns;
} flight;

typedef struct occ {
    sim_time_ns end_ns;
    uint32_t bytes;
} occ;

typedef struct hop {
    sim_time_ns busy_until_ns;
    occ *q;
    uint32_t cap, head, n;
    uint64_t q_bytes;
} hop;

/* Deferred calls of one tap: copies of packets with the time to show them. */
typedef struct tap_entry {
    pkt p;
    sim_time_ns at_ns;
} tap_entry;

typedef struct tap_q {
    pkt_tap tap;
    int outbound;
    tap_entry *e;
    uint32_t cap, head, n;
} tap_q;

/* Loss streams per direction: slot 0 (the copy, and IKE of the record's own
 * negotiations) is "link.loss.ab"; the extra flows' slots 1.. (models/flow.h,
 * PKT_FLOW_SLOT) have "link.loss.ab.flow<slot>", made at their first packet,
 * each with its own Gilbert-Elliott state. */
#define LINK_SLOTS 4

typedef struct link_dir {
    link_p2p *l;
    int src, dst;
    hop hop[N_SLOTS];
    flight *fl;
    uint32_t fl_cap, fl_head, fl_n;
    sim_timer timer;
    gsl_rng *rng;
    int ge_bad;
    pkt_port deliver;
    gsl_rng *slot_rng[LINK_SLOTS]; /* [0] unused: slot 0 is rng */
    int slot_ge_bad[LINK_SLOTS];
    link_stats st;
    tap_q *tap_start; /* the source's tap: transmission starts at its first hop */
    tap_q *tap_bn;    /* the bottleneck tap: transmission starts onto the bottleneck */
    pkt_tap tap_deliver;
    /* Resolved from the config at the first send after link_new or link_set_tap: */
    int mode;             /* MODE_UNRESOLVED, MODE_ONE_HOP (no access link, no tap before delivery),
                             MODE_ONE_HOP_TAPPED (no access link, a tap at the start or bottleneck), MODE_PATH */
    uint64_t bn_rate_bps; /* the bottleneck's rate in this direction */
    int bn_lossy;         /* the bottleneck can lose packets: loss, Gilbert-Elliott or an outage */
} link_dir;

enum { MODE_UNRESOLVED = 0, MODE_ONE_HOP, MODE_ONE_HOP_TAPPED, MODE_PATH, MODE_FLEET };

/* Fleets: what each client has of its own. */
typedef struct fleet_client {
    hop up_nic;             /* its NIC onto its access link (towards the router) */
    hop down_q;             /* the branch router's egress onto its access link */
    pkt *fl_head, *fl_tail; /* packets on their way to it, in arrival order (linked by pkt.next) */
    sim_timer timer;
    gsl_rng *rng[2]; /* loss draws by direction (source host); made at the first draw */
    int ge_bad[2];
    pkt_port deliver[2]; /* by destination host */
    struct link_p2p *l;
    uint32_t index;
    struct pair_port { /* link_send_port_pair's contexts, by source host */
        struct fleet_client *f;
        int src;
    } send[2];
} fleet_client;

/* A packet kept until the merge may take it: arrival at the router, entry order. */
typedef struct merge_entry {
    sim_time_ns at_ns;
    uint64_t order;
    pkt *p;
} merge_entry;

struct link_p2p {
    sim_kernel *k;
    const prm_link *cfg;
    pkt_pool *pp;
    rec_recorder *rec;
    rec_recorder *const *recs; /* by client: where drops of its packets go (recs[0] == rec) */
    rec_recorder *rec_one;     /* recs of a path of one client */
    uint32_t n_clients;
    fleet_client *fc; /* n_clients > 1 */
    merge_entry *mh;  /* the merge's min-heap */
    uint32_t mh_n, mh_cap;
    uint64_t mh_order;
    sim_timer merge_timer;
    sim_time_ns lookahead_ns; /* merge_lookahead, fixed with the path's shape (resolve) */
    link_dir dir[2];
    tap_q taps[4];       /* by direction: [2 * src] start, [2 * src + 1] bottleneck */
    uint32_t n_tap_kept; /* entries in all of taps[] */
    uint64_t run_seed;   /* for the extra flows' streams */
};

static void deliver_due(sim_kernel *k, void *arg);
static void tap_flush(link_p2p *l, sim_time_ns upto_ns);
static void fleet_deliver_due(sim_kernel *k, void *arg);
static void merge_fire(sim_kernel *k, void *arg);
static int fleet_init(link_p2p *l, uint32_t n_clients);

link_p2p *link_new(sim_kernel *k, const prm_link *cfg, pkt_pool *pp, rec_recorder *rec, uint64_t run_seed)
{
    return link_new_fleet(k, cfg, pp, &rec, 1, run_seed);
}

link_p2p *link_new_fleet(sim_kernel *k, const prm_link *cfg, pkt_pool *pp, rec_recorder *const *recs,
                         uint32_t n_clients, uint64_t run_seed)
{
    link_p2p *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->k = k;
    l->cfg = cfg;
    l->pp = pp;
    l->rec = recs[0];
    l->rec_one = recs[0];
    l->recs = n_clients > 1 ? recs : &l->rec_one;
    l->n_clients = n_clients ? n_clients : 1;
    sim_timer_init(&l->merge_timer, merge_fire, l);
    for (int t = 0; t < 4; t++) l->taps[t].outbound = 1; /* starts of transmission, at a host or onto the bottleneck */
    l->run_seed = run_seed;
    for (int s = 0; s < 2; s++) {
        link_dir *d = &l->dir[s];
        d->l = l;
        d->src = s;
        d->dst = 1 - s;
        sim_timer_init(&d->timer, deliver_due, d);
        d->fl_cap = 64;
        d->fl = malloc(d->fl_cap * sizeof *d->fl);
        int bad = !d->fl;
        for (int h = 0; h < N_SLOTS; h++) {
            d->hop[h].cap = 64;
            d->hop[h].q = malloc(d->hop[h].cap * sizeof *d->hop[h].q);
            bad |= !d->hop[h].q;
        }
        d->rng = sim_rng_new(run_seed, s == PRM_CLIENT ? "link.loss.ab" : "link.loss.ba");
        if (bad || !d->rng) {
            link_free(l);
            return NULL;
        }
    }
    if (l->n_clients > 1 && fleet_init(l, l->n_clients) != 0) {
        link_free(l);
        return NULL;
    }
    return l;
}

void link_free(link_p2p *l)
{
    if (!l) return;
    tap_flush(l, sim_kernel_now(l->k));
    for (int s = 0; s < 2; s++) {
        link_dir *d = &l->dir[s];
        sim_timer_disarm(l->k, &d->timer);
        for (uint32_t i = 0; i < d->fl_n; i++) pkt_put(l->pp, d->fl[(d->fl_head + i) & (d->fl_cap - 1)].p);
        free(d->fl);
        for (int h = 0; h < N_SLOTS; h++) free(d->hop[h].q);
        sim_rng_free(d->rng);
        for (int i = 1; i < LINK_SLOTS; i++) sim_rng_free(d->slot_rng[i]);
    }
    for (int t = 0; t < 4; t++) free(l->taps[t].e);
    sim_timer_disarm(l->k, &l->merge_timer);
    for (uint32_t i = 0; i < l->mh_n; i++) pkt_put(l->pp, l->mh[i].p);
    free(l->mh);
    if (l->fc) {
        for (uint32_t c = 0; c < l->n_clients; c++) {
            fleet_client *f = &l->fc[c];
            sim_timer_disarm(l->k, &f->timer);
            for (pkt *p = f->fl_head; p;) {
                pkt *next = p->next;
                pkt_put(l->pp, p);
                p = next;
            }
            free(f->up_nic.q);
            free(f->down_q.q);
            for (int s = 0; s < 2; s++) sim_rng_free(f->rng[s]);
        }
        free(l->fc);
    }
    free(l);
}

void link_wire(link_p2p *l, int dst, pkt_port deliver) { l->dir[1 - dst].deliver = deliver; }

static void send_port_fn(void *ctx, pkt *p)
{
    link_dir *d = ctx;
    link_send(d->l, d->src, p);
}

pkt_port link_send_port(link_p2p *l, int src) { return (pkt_port){send_port_fn, &l->dir[src]}; }

link_stats link_get_stats(const link_p2p *l, int src) { return l->dir[src].st; }

static void pop_departed(hop *h, sim_time_ns t)
{
    while (h->n && h->q[h->head].end_ns <= t) {
        h->q_bytes -= h->q[h->head].bytes;
        h->head = (h->head + 1) & (h->cap - 1);
        h->n--;
    }
}

/* Whether slot SLOT of direction SRC exists. */
static int slot_present(const prm_link *c, int src, int slot)
{
    if (slot == SLOT_BOTTLENECK) return 1;
    return c->access_rate_bps[slot == SLOT_SRC_ACCESS ? src : 1 - src] != 0;
}

static uint64_t slot_rate(const prm_link *c, int src, int slot)
{
    if (slot == SLOT_SRC_ACCESS) return c->access_rate_bps[src];
    if (slot == SLOT_DST_ACCESS) return c->access_rate_bps[1 - src];
    return src == PRM_SERVER && c->rate_to_client_bps ? c->rate_to_client_bps : c->rate_bps;
}

static sim_time_ns slot_delay(const prm_link *c, int src, int slot)
{
    if (slot == SLOT_SRC_ACCESS) return c->access_delay_ns[src];
    if (slot == SLOT_DST_ACCESS) return c->access_delay_ns[1 - src];
    return c->delay_ns;
}

uint64_t link_queue_length(link_p2p *l, int src)
{
    link_dir *d = &l->dir[src];
    hop *h = &d->hop[slot_present(l->cfg, src, SLOT_SRC_ACCESS) ? SLOT_SRC_ACCESS : SLOT_BOTTLENECK];
    pop_departed(h, sim_kernel_now(l->k));
    return h->n;
}

/* Wire time in ns of an IP packet of IP_BYTES at RATE_BPS (framing, fragments). */
static sim_time_ns tx_time(const prm_link *c, uint64_t rate_bps, uint32_t ip_bytes)
{
    uint64_t wire;
    if (ip_bytes <= (uint64_t)c->mtu_bytes) {
        wire = ip_bytes + (uint64_t)c->overhead_bytes;
    } else {
        /* IPv4 fragments: payload in multiples of 8 bytes, each with its own IP header and framing. */
        uint64_t payload = ip_bytes - PKT_IP_HEADER_BYTES;
        uint64_t per = (uint64_t)(c->mtu_bytes - PKT_IP_HEADER_BYTES) & ~(uint64_t)7;
        uint64_t n = (payload + per - 1) / per;
        wire = payload + n * (PKT_IP_HEADER_BYTES + (uint64_t)c->overhead_bytes);
    }
    uint64_t bits_ns = wire * 8 * (uint64_t)SIM_NS_PER_S;
    return (sim_time_ns)((bits_ns + rate_bps - 1) / rate_bps);
}

sim_time_ns link_tx_time(const link_p2p *l, uint32_t ip_bytes) { return tx_time(l->cfg, l->cfg->rate_bps, ip_bytes); }

/* Grows a power-of-two ring to twice its size, unwrapping it. */
static int grow_ring(void **ring, uint32_t *cap, uint32_t *head, uint32_t n, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 16;
    char *r = malloc((size_t)ncap * elem);
    if (!r) return -1;
    for (uint32_t i = 0; i < n; i++)
        memcpy(r + (size_t)i * elem, (char *)*ring + (size_t)((*head + i) & (*cap - 1)) * elem, elem);
    free(*ring);
    *ring = r;
    *cap = ncap;
    *head = 0;
    return 0;
}

/* The loss probability of the bottleneck in direction SRC. */
static double dir_loss(const prm_link *c, int src)
{
    double dl = src == PRM_CLIENT ? c->loss_to_server : c->loss_to_client;
    return dl >= 0 ? dl : c->loss;
}

/* Whether the wire loses P in D. The draw comes from the stream of P's flow
 * slot, so that adding an extra flow leaves the copy's draws as they were.
 * Returns -1 when a new stream cannot be made (out of memory). */
static int lost(link_dir *d, const pkt *p)
{
    const prm_link *c = d->l->cfg;
    double loss = dir_loss(c, d->src);
    uint32_t slot = PKT_FLOW_SLOT(p->flow);
    gsl_rng *rng = d->rng;
    int *bad = &d->ge_bad;
    if (d->l->fc) { /* a fleet: the stream of the packet's client (no extra flows in fleets) */
        fleet_client *f = &d->l->fc[p->client];
        if (!f->rng[d->src]) {
            char name[48];
            pkt_client_stream_prefix(f->index, name, sizeof name);
            strcat(name, d->src == PRM_CLIENT ? "link.loss.ab" : "link.loss.ba");
            f->rng[d->src] = sim_rng_new(d->l->run_seed, name);
            if (!f->rng[d->src]) return -1;
        }
        rng = f->rng[d->src];
        bad = &f->ge_bad[d->src];
    } else if (slot) {
        if (slot >= LINK_SLOTS) slot = LINK_SLOTS - 1;
        if (!d->slot_rng[slot]) {
            char name[32];
            snprintf(name, sizeof name, "%s.flow%u", d->src == PRM_CLIENT ? "link.loss.ab" : "link.loss.ba", slot);
            d->slot_rng[slot] = sim_rng_new(d->l->run_seed, name);
            if (!d->slot_rng[slot]) return -1;
        }
        rng = d->slot_rng[slot];
        bad = &d->slot_ge_bad[slot];
    }
    if (c->loss_model == PRM_LOSS_GILBERT) {
        double u = gsl_rng_uniform(rng);
        if (*bad)
            *bad = !(u < c->ge_p_bad_good);
        else
            *bad = u < c->ge_p_good_bad;
        double pl = *bad ? c->ge_loss_bad : loss;
        return pl > 0 && gsl_rng_uniform(rng) < pl;
    }
    return loss > 0 && gsl_rng_uniform(rng) < loss; /* no draw without loss */
}

static void drop(link_dir *d, pkt *p, uint64_t *counter, const char *why)
{
    (*counter)++;
    rec_emit(d->l->recs[p->client], &(ev_event){.kind = EV_LINK_DROP,
                                                .host = -1,
                                                .detail = why,
                                                .flags = (uint8_t)d->src,
                                                .msg = p->proto,
                                                .bytes = p->ip_bytes,
                                                .seq = p->seq,
                                                .len = p->len});
    pkt_put(d->l->pp, p);
}

/* Hands every kept tap entry due by UPTO_NS to its tap, earliest first. */
static void tap_flush(link_p2p *l, sim_time_ns upto_ns)
{
    while (l->n_tap_kept) {
        tap_q *best = NULL;
        for (int i = 0; i < 4; i++) {
            tap_q *t = &l->taps[i];
            if (t->n && t->e[t->head].at_ns <= upto_ns && (!best || t->e[t->head].at_ns < best->e[best->head].at_ns))
                best = t;
        }
        if (!best) return;
        tap_entry *e = &best->e[best->head];
        best->head = (best->head + 1) & (best->cap - 1);
        best->n--;
        l->n_tap_kept--;
        if (best->tap.fn) best->tap.fn(best->tap.ctx, &e->p, e->at_ns, best->outbound);
    }
}

/* Shows P to tap stream T at AT_NS: at once when due, else kept. */
static void tap_show(link_p2p *l, tap_q *t, const pkt *p, sim_time_ns at_ns)
{
    sim_time_ns now = sim_kernel_now(l->k);
    if (l->n_tap_kept) tap_flush(l, now);
    if (at_ns <= now && t->n == 0) {
        t->tap.fn(t->tap.ctx, p, at_ns, t->outbound);
        return;
    }
    if (t->n == t->cap && grow_ring((void **)&t->e, &t->cap, &t->head, t->n, sizeof *t->e)) {
        rec_out_of_memory(l->rec);
        return;
    }
    t->e[(t->head + t->n++) & (t->cap - 1)] = (tap_entry){*p, at_ns};
    l->n_tap_kept++;
}

void link_set_tap(link_p2p *l, int where, pkt_tap tap)
{
    if (where == LINK_TAP_CLIENT || where == LINK_TAP_SERVER) {
        l->taps[2 * where].tap = tap;
        l->dir[where].tap_start = tap.fn ? &l->taps[2 * where] : NULL;
        l->dir[1 - where].tap_deliver = tap;
    } else if (where == LINK_TAP_BOTTLENECK) {
        for (int s = 0; s < 2; s++) {
            l->taps[2 * s + 1].tap = tap;
            l->dir[s].tap_bn = tap.fn ? &l->taps[2 * s + 1] : NULL;
        }
    }
    l->dir[0].mode = l->dir[1].mode = MODE_UNRESOLVED;
}

/* Admits P at router hop H arriving at T_NS, or drops it. Returns 0 or -1. */
static int router_admit(link_dir *d, hop *h, pkt *p, sim_time_ns t_ns, int slot)
{
    const prm_link *c = d->l->cfg;
    pop_departed(h, t_ns);
    if (h->n >= (uint64_t)c->queue_packets || (c->queue_bytes && h->q_bytes + p->ip_bytes > c->queue_bytes)) {
        d->st.n_drops_queue++;
        drop(d, p, slot == SLOT_BOTTLENECK ? &d->st.n_drops_queue_bottleneck : &d->st.n_drops_queue_access,
             slot == SLOT_BOTTLENECK ? "queue" : "queue-access");
        return -1;
    }
    return 0;
}

/* Occupies hop H with P until END_NS. Returns 0, or -1 (P freed) when out of memory. */
static int occupy(link_dir *d, hop *h, pkt *p, sim_time_ns end_ns)
{
    if (h->n == h->cap && grow_ring((void **)&h->q, &h->cap, &h->head, h->n, sizeof *h->q)) {
        pkt_put(d->l->pp, p);
        rec_out_of_memory(d->l->rec);
        return -1;
    }
    h->busy_until_ns = end_ns;
    h->q[(h->head + h->n++) & (h->cap - 1)] = (occ){end_ns, p->ip_bytes};
    h->q_bytes += p->ip_bytes;
    return 0;
}

/* The bottleneck's wire: the outage window and random loss. Returns 0, or -1 (P dropped). */
static int wire_loses(link_dir *d, pkt *p, sim_time_ns start_ns)
{
    const prm_link *c = d->l->cfg;
    /* The outage loses what the transmitter starts sending inside the window
     * (packets queued before it and sent during it included). */
    if (c->outage_duration_ns > 0 && start_ns >= c->outage_start_ns &&
        start_ns - c->outage_start_ns < c->outage_duration_ns) {
        drop(d, p, &d->st.n_drops_outage, "outage");
        return -1;
    }
    int is_lost = lost(d, p);
    if (is_lost < 0) {
        pkt_put(d->l->pp, p);
        rec_out_of_memory(d->l->rec);
        return -1;
    }
    if (is_lost) {
        drop(d, p, &d->st.n_drops_loss, "loss");
        return -1;
    }
    return 0;
}

/* Queues P for delivery at AT_NS (arrival order is sending order). */
static void fly(link_dir *d, pkt *p, sim_time_ns at_ns)
{
    if (d->fl_n == d->fl_cap && grow_ring((void **)&d->fl, &d->fl_cap, &d->fl_head, d->fl_n, sizeof *d->fl)) {
        drop(d, p, &d->st.n_drops_queue, "flight-oom");
        return;
    }
    d->fl[(d->fl_head + d->fl_n++) & (d->fl_cap - 1)] = (flight){p, at_ns};
    /* Inside deliver_due the timer is disarmed while older packets wait: aim at the head. */
    if (!sim_timer_is_armed(&d->timer)) sim_timer_arm_at(d->l->k, &d->timer, d->fl[d->fl_head].at_ns);
}

/* The host's NIC counters after it took a packet into a ring of N. */
static void count_backlog(link_dir *d, const prm_link *c, uint32_t n)
{
    if (n > (uint64_t)c->nic_ring_packets) {
        uint64_t waiting = n - (uint64_t)c->nic_ring_packets;
        d->st.n_backlogged++;
        if (waiting > d->st.peak_backlog) d->st.peak_backlog = waiting;
    }
}

static sim_time_ns merge_lookahead(const prm_link *c);

/* Fixes D's mode and bottleneck settings from C (read once: the contract
 * says changes before traffic apply). */
static void resolve(link_dir *d, const prm_link *c)
{
    int one = !c->access_rate_bps[PRM_CLIENT] && !c->access_rate_bps[PRM_SERVER];
    d->mode = d->l->fc ? MODE_FLEET : !one ? MODE_PATH : d->tap_start || d->tap_bn ? MODE_ONE_HOP_TAPPED : MODE_ONE_HOP;
    d->bn_rate_bps = slot_rate(c, d->src, SLOT_BOTTLENECK);
    d->bn_lossy = c->outage_duration_ns > 0 || c->loss_model != PRM_LOSS_BERNOULLI || dir_loss(c, d->src) > 0;
    if (d->l->fc) d->l->lookahead_ns = merge_lookahead(c);
}

/* The one-hop path (the default LAN): the host's NIC is the bottleneck's
 * transmitter. The same as the general loop below, written out so that the
 * LAN case costs what the one-hop link did (about 100 instructions fewer per
 * packet than the loop with its helpers). TAPPED is a constant: the version
 * without taps (send_one_hop) has no tap code at all, and a capture at a host
 * or the bottleneck of a one-hop path (send_one_hop_tapped) costs its tap
 * calls, not the general loop. On one hop the source's first transmitter is
 * the bottleneck, so both tap points see the same transmission start, in the
 * order send_path shows them. */
static inline __attribute__((always_inline)) void one_hop(link_dir *d, const prm_link *c, pkt *p, int tapped)
{
    sim_time_ns now = sim_kernel_now(d->l->k);
    hop *h = &d->hop[SLOT_BOTTLENECK];
    pop_departed(h, now);
    if (h->n == h->cap && grow_ring((void **)&h->q, &h->cap, &h->head, h->n, sizeof *h->q)) {
        pkt_put(d->l->pp, p);
        rec_out_of_memory(d->l->rec);
        return;
    }
    sim_time_ns start = h->busy_until_ns > now ? h->busy_until_ns : now;
    sim_time_ns end = start + tx_time(c, d->bn_rate_bps, p->ip_bytes);
    h->busy_until_ns = end;
    h->q[(h->head + h->n++) & (h->cap - 1)] = (occ){end, p->ip_bytes};
    h->q_bytes += p->ip_bytes;
    if (h->n > d->st.peak_queue_packets) d->st.peak_queue_packets = h->n;
    if (h->q_bytes > d->st.peak_queue_bytes) d->st.peak_queue_bytes = h->q_bytes;
    if (h->n > (uint64_t)c->nic_ring_packets) count_backlog(d, c, h->n);
    if (tapped && d->tap_start) tap_show(d->l, d->tap_start, p, start);
    d->st.n_packets++;
    d->st.n_bytes += p->ip_bytes;
    if (tapped && d->tap_bn) tap_show(d->l, d->tap_bn, p, start);
    if (d->bn_lossy && wire_loses(d, p, start) != 0) return;
    if (d->fl_n == d->fl_cap && grow_ring((void **)&d->fl, &d->fl_cap, &d->fl_head, d->fl_n, sizeof *d->fl)) {
        drop(d, p, &d->st.n_drops_queue, "flight-oom");
        return;
    }
    d->fl[(d->fl_head + d->fl_n++) & (d->fl_cap - 1)] = (flight){p, end + c->delay_ns};
    if (!sim_timer_is_armed(&d->timer)) sim_timer_arm_at(d->l->k, &d->timer, d->fl[d->fl_head].at_ns);
}

__attribute__((noinline)) static void send_one_hop(link_dir *d, const prm_link *c, pkt *p) { one_hop(d, c, p, 0); }

__attribute__((noinline)) static void send_one_hop_tapped(link_dir *d, const prm_link *c, pkt *p)
{
    one_hop(d, c, p, 1);
}

/* Takes P through the present slots FROM..TO of D from time T: when FIRST
 * the first of them is the source's NIC (never drops; its tap), the others
 * router egresses (drop-tail); the bottleneck counts, taps and loses.
 * Returns when P reaches what follows TO, or -1 when P was dropped (and
 * handed back). Shared by the two-host path and the fleet's. */
static inline sim_time_ns through(link_dir *d, const prm_link *c, pkt *p, sim_time_ns t, int from, int to, int first)
{
    link_p2p *l = d->l;
    int src = d->src;
    for (int slot = from; slot <= to; slot++) {
        if (!slot_present(c, src, slot)) continue;
        hop *h = &d->hop[slot];
        if (first)
            pop_departed(h, t);
        else if (router_admit(d, h, p, t, slot) != 0)
            return -1;
        sim_time_ns start = h->busy_until_ns > t ? h->busy_until_ns : t;
        sim_time_ns end = start + tx_time(c, slot_rate(c, src, slot), p->ip_bytes);
        if (occupy(d, h, p, end) != 0) return -1;
        if (first) {
            count_backlog(d, c, h->n);
            if (d->tap_start) tap_show(l, d->tap_start, p, start);
            first = 0;
        }
        if (slot == SLOT_BOTTLENECK) {
            if (h->n > d->st.peak_queue_packets) d->st.peak_queue_packets = h->n;
            if (h->q_bytes > d->st.peak_queue_bytes) d->st.peak_queue_bytes = h->q_bytes;
            d->st.n_packets++;
            d->st.n_bytes += p->ip_bytes;
            if (d->tap_bn) tap_show(l, d->tap_bn, p, start);
            if (d->bn_lossy && wire_loses(d, p, start) != 0) return -1;
        }
        t = end + slot_delay(c, src, slot);
    }
    return t;
}

/* The general path: up to three hops, taps. */
__attribute__((noinline)) static void send_path(link_dir *d, const prm_link *c, pkt *p)
{
    sim_time_ns t = through(d, c, p, sim_kernel_now(d->l->k), SLOT_SRC_ACCESS, N_SLOTS - 1, 1);
    if (t >= 0) fly(d, p, t);
}

/* ---- fleets ---- */

/* A client's access link: its rate (the bottleneck's when client.access.rate
 * is 0: a switch port) and one-way delay. */
static uint64_t fleet_access_rate(const prm_link *c)
{
    return c->access_rate_bps[PRM_CLIENT] ? c->access_rate_bps[PRM_CLIENT] : c->rate_bps;
}

static sim_time_ns fleet_access_delay(const prm_link *c)
{
    return c->access_rate_bps[PRM_CLIENT] ? c->access_delay_ns[PRM_CLIENT] : 0;
}

/* The merge's lookahead: no packet entering from now on reaches the branch
 * router sooner than this. */
static sim_time_ns merge_lookahead(const prm_link *c)
{
    return fleet_access_delay(c) + tx_time(c, fleet_access_rate(c), PKT_IP_HEADER_BYTES + PKT_TCP_HEADER_BYTES);
}

static int merge_less(const merge_entry *a, const merge_entry *b)
{
    return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->order < b->order);
}

static int merge_push(link_p2p *l, merge_entry e)
{
    if (l->mh_n == l->mh_cap) {
        uint32_t ncap = l->mh_cap ? l->mh_cap * 2 : 64;
        merge_entry *m = realloc(l->mh, (size_t)ncap * sizeof *m);
        if (!m) return -1;
        l->mh = m;
        l->mh_cap = ncap;
    }
    uint32_t i = l->mh_n++;
    while (i > 0 && merge_less(&e, &l->mh[(i - 1) / 2])) {
        l->mh[i] = l->mh[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->mh[i] = e;
    return 0;
}

static merge_entry merge_pop(link_p2p *l)
{
    merge_entry top = l->mh[0], last = l->mh[--l->mh_n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= l->mh_n) break;
        if (c + 1 < l->mh_n && merge_less(&l->mh[c + 1], &l->mh[c])) c++;
        if (!merge_less(&l->mh[c], &last)) break;
        l->mh[i] = l->mh[c];
        i = c;
    }
    if (l->mh_n) l->mh[i] = last;
    return top;
}

/* Towards the server, from the branch router on: P reaches the router at T. */
static void fleet_after_merge(link_dir *d, const prm_link *c, pkt *p, sim_time_ns t)
{
    t = through(d, c, p, t, SLOT_BOTTLENECK, N_SLOTS - 1, 0);
    if (t >= 0) fly(d, p, t);
}

/* Takes every kept packet that reaches the router by NOW + lookahead on, in
 * arrival order, and sets the timer for the rest. */
static void merge_release(link_p2p *l, sim_time_ns now)
{
    const prm_link *c = l->cfg;
    sim_time_ns horizon = now + l->lookahead_ns;
    while (l->mh_n && l->mh[0].at_ns <= horizon) {
        merge_entry e = merge_pop(l);
        fleet_after_merge(&l->dir[PRM_CLIENT], c, e.p, e.at_ns);
    }
    if (l->mh_n) {
        sim_time_ns wake = l->mh[0].at_ns - l->lookahead_ns;
        if (!sim_timer_is_armed(&l->merge_timer) || sim_timer_when(&l->merge_timer) != wake)
            sim_timer_arm_at(l->k, &l->merge_timer, wake);
    } else if (sim_timer_is_armed(&l->merge_timer)) {
        sim_timer_disarm(l->k, &l->merge_timer);
    }
}

static void merge_fire(sim_kernel *k, void *arg) { merge_release(arg, sim_kernel_now(k)); }

/* A client's packet towards the server: its own NIC and access link, then the merge. */
__attribute__((noinline)) static void send_fleet_up(link_dir *d, const prm_link *c, pkt *p)
{
    link_p2p *l = d->l;
    fleet_client *f = &l->fc[p->client];
    sim_time_ns now = sim_kernel_now(l->k);
    hop *h = &f->up_nic;
    pop_departed(h, now);
    sim_time_ns start = h->busy_until_ns > now ? h->busy_until_ns : now;
    sim_time_ns end = start + tx_time(c, fleet_access_rate(c), p->ip_bytes);
    if (occupy(d, h, p, end) != 0) return;
    count_backlog(d, c, h->n);
    sim_time_ns at = end + fleet_access_delay(c);
    if (l->mh_n == 0 && at <= now + l->lookahead_ns) { /* nothing can overtake it: on at once */
        fleet_after_merge(d, c, p, at);
        return;
    }
    if (merge_push(l, (merge_entry){at, l->mh_order++, p}) != 0) {
        pkt_put(l->pp, p);
        rec_out_of_memory(l->rec);
        return;
    }
    merge_release(l, now);
}

/* Queues P for client F at AT_NS (arrivals at one client never decrease).
 * The list runs through the packets themselves (pkt.next, pkt.at_ns): with
 * many clients a ring per client would be one more cold line per packet. */
static void fly_client(link_dir *d, fleet_client *f, pkt *p, sim_time_ns at_ns)
{
    p->next = NULL;
    p->at_ns = at_ns;
    if (f->fl_tail)
        f->fl_tail->next = p;
    else
        f->fl_head = p;
    f->fl_tail = p;
    if (!sim_timer_is_armed(&f->timer)) sim_timer_arm_at(d->l->k, &f->timer, f->fl_head->at_ns);
}

/* The server's packet towards a client: its NIC (and access link), the
 * bottleneck, then the branch router's queue onto the client's access link. */
__attribute__((noinline)) static void send_fleet_down(link_dir *d, const prm_link *c, pkt *p)
{
    link_p2p *l = d->l;
    fleet_client *f = &l->fc[p->client];
    sim_time_ns t = through(d, c, p, sim_kernel_now(l->k), SLOT_SRC_ACCESS, SLOT_BOTTLENECK, 1);
    if (t < 0) return;
    hop *h = &f->down_q;
    if (router_admit(d, h, p, t, SLOT_DST_ACCESS) != 0) return;
    sim_time_ns start = h->busy_until_ns > t ? h->busy_until_ns : t;
    sim_time_ns end = start + tx_time(c, fleet_access_rate(c), p->ip_bytes);
    if (occupy(d, h, p, end) != 0) return;
    fly_client(d, f, p, end + fleet_access_delay(c));
}

static void fleet_deliver_due(sim_kernel *k, void *arg)
{
    fleet_client *f = arg;
    link_dir *d = &f->l->dir[PRM_SERVER];
    sim_time_ns now = sim_kernel_now(k);
    while (f->fl_head && f->fl_head->at_ns <= now) {
        pkt *p = f->fl_head;
        f->fl_head = p->next;
        if (!f->fl_head) f->fl_tail = NULL;
        d->st.n_delivered++;
        p->next = NULL;
        pkt_port_send(&f->deliver[PRM_CLIENT], p);
    }
    if (f->fl_head && sim_timer_when(&f->timer) != f->fl_head->at_ns) sim_timer_arm_at(k, &f->timer, f->fl_head->at_ns);
}

/* Towards the server every client's packets share one flight list: hand
 * each to the server's endpoint of its client. */
static void fleet_server_demux(void *ctx, pkt *p)
{
    link_p2p *l = ctx;
    pkt_port_send(&l->fc[p->client].deliver[PRM_SERVER], p);
}

static int fleet_init(link_p2p *l, uint32_t n_clients)
{
    l->fc = calloc(n_clients, sizeof *l->fc);
    if (!l->fc) return -1;
    for (uint32_t c = 0; c < n_clients; c++) {
        fleet_client *f = &l->fc[c];
        f->l = l;
        f->index = c;
        for (int src = 0; src < 2; src++) f->send[src] = (struct pair_port){f, src};
        sim_timer_init(&f->timer, fleet_deliver_due, f);
        f->up_nic.cap = f->down_q.cap = 16;
        f->up_nic.q = malloc(f->up_nic.cap * sizeof *f->up_nic.q);
        f->down_q.q = malloc(f->down_q.cap * sizeof *f->down_q.q);
        if (!f->up_nic.q || !f->down_q.q) return -1;
    }
    l->dir[PRM_CLIENT].deliver = (pkt_port){fleet_server_demux, l};
    return 0;
}

void link_wire_pair(link_p2p *l, int dst, uint32_t client, pkt_port deliver)
{
    if (!l->fc) {
        link_wire(l, dst, deliver);
        return;
    }
    l->fc[client].deliver[dst] = deliver;
}

static void pair_send_fn(void *ctx, pkt *p)
{
    const struct pair_port *pp = ctx;
    p->client = (uint16_t)pp->f->index;
    link_send(pp->f->l, pp->src, p);
}

pkt_port link_send_port_pair(link_p2p *l, int src, uint32_t client)
{
    if (!l->fc) return link_send_port(l, src);
    return (pkt_port){pair_send_fn, &l->fc[client].send[src]};
}

/* Every path but the untapped one-hop one, out of line so that link_send's
 * common case stays as short as it was. */
__attribute__((noinline)) static void send_other(link_dir *d, const prm_link *c, pkt *p)
{
    if (d->mode == MODE_UNRESOLVED) resolve(d, c);
    if (d->mode == MODE_FLEET) {
        if (d->src == PRM_CLIENT)
            send_fleet_up(d, c, p);
        else
            send_fleet_down(d, c, p);
    } else if (d->mode == MODE_ONE_HOP)
        send_one_hop(d, c, p);
    else if (d->mode == MODE_ONE_HOP_TAPPED)
        send_one_hop_tapped(d, c, p);
    else
        send_path(d, c, p);
}

void link_send(link_p2p *l, int src, pkt *p)
{
    link_dir *d = &l->dir[src];
    if (d->mode != MODE_ONE_HOP) {
        send_other(d, l->cfg, p);
        return;
    }
    send_one_hop(d, l->cfg, p);
}

static void deliver_due(sim_kernel *k, void *arg)
{
    link_dir *d = arg;
    sim_time_ns now = sim_kernel_now(k);
    if (d->l->n_tap_kept) tap_flush(d->l, now);
    while (d->fl_n && d->fl[d->fl_head].at_ns <= now) {
        pkt *p = d->fl[d->fl_head].p;
        d->fl_head = (d->fl_head + 1) & (d->fl_cap - 1);
        d->fl_n--;
        d->st.n_delivered++;
        if (d->tap_deliver.fn) d->tap_deliver.fn(d->tap_deliver.ctx, p, now, 0);
        pkt_port_send(&d->deliver, p);
    }
    if (d->fl_n && sim_timer_when(&d->timer) != d->fl[d->fl_head].at_ns)
        sim_timer_arm_at(k, &d->timer, d->fl[d->fl_head].at_ns);
}
