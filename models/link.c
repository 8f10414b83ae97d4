/*
 * The link. Each direction keeps two FIFO rings:
 *
 *  - dep: the times at which the packets still occupying the transmitter
 *    (waiting or being serialised) finish leaving it. Entries at or before
 *    now are popped lazily on the next send, so the queue length is derived
 *    from the clock and busy_until_ns, never maintained by events. Its length
 *    never exceeds link.queue.
 *  - fl: the packets that will arrive, with their arrival times, in arrival
 *    order (FIFO serialisation and a constant delay keep the order).
 *
 * One intrusive timer per direction is armed at the arrival time of the head
 * of fl; it delivers every packet due and re-arms for the next. So a packet
 * costs one kernel event, and packets lost on the wire cost none (they still
 * occupy the transmitter). Ring capacities are powers of two that grow by
 * doubling; they are bounded by the packets alive at once, not by traffic.
 *
 * Rejected: one pooled event per packet carrying the packet as its argument;
 * the handler would also need the direction, which a packet cannot carry.
 */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "models/link.h"
#include "sim/rng.h"

typedef struct flight {
    pkt *p;
    sim_time_ns at_ns;
} flight;

typedef struct link_dir {
    link_p2p *l;
    int src, dst;
    sim_time_ns busy_until_ns;
    sim_time_ns *dep;
    uint32_t dep_cap, dep_head, dep_n;
    flight *fl;
    uint32_t fl_cap, fl_head, fl_n;
    sim_timer timer;
    gsl_rng *rng;
    int ge_bad;
    pkt_port deliver;
    link_stats st;
    pkt_tap tap_tx, tap_rx; /* observers at the start of transmission and at delivery */
} link_dir;

struct link_p2p {
    sim_kernel *k;
    const prm_link *cfg;
    pkt_pool *pp;
    rec_recorder *rec;
    link_dir dir[2];
};

static void deliver_due(sim_kernel *k, void *arg);

link_p2p *link_new(sim_kernel *k, const prm_link *cfg, pkt_pool *pp, rec_recorder *rec, uint64_t run_seed)
{
    link_p2p *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->k = k;
    l->cfg = cfg;
    l->pp = pp;
    l->rec = rec;
    for (int s = 0; s < 2; s++) {
        link_dir *d = &l->dir[s];
        d->l = l;
        d->src = s;
        d->dst = 1 - s;
        sim_timer_init(&d->timer, deliver_due, d);
        d->dep_cap = 64;
        d->fl_cap = 64;
        d->dep = malloc(d->dep_cap * sizeof *d->dep);
        d->fl = malloc(d->fl_cap * sizeof *d->fl);
        d->rng = sim_rng_new(run_seed, s == PRM_CLIENT ? "link.loss.ab" : "link.loss.ba");
        if (!d->dep || !d->fl || !d->rng) {
            link_free(l);
            return NULL;
        }
    }
    return l;
}

void link_free(link_p2p *l)
{
    if (!l) return;
    for (int s = 0; s < 2; s++) {
        link_dir *d = &l->dir[s];
        sim_timer_disarm(l->k, &d->timer);
        for (uint32_t i = 0; i < d->fl_n; i++) pkt_put(l->pp, d->fl[(d->fl_head + i) & (d->fl_cap - 1)].p);
        free(d->dep);
        free(d->fl);
        sim_rng_free(d->rng);
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

void link_set_tap(link_p2p *l, int where, pkt_tap tap)
{
    /* This link has one wire: the client and bottleneck taps see to-server
     * packets at the same instant (transmission start at the client). */
    if (where == LINK_TAP_CLIENT || where == LINK_TAP_BOTTLENECK) l->dir[PRM_CLIENT].tap_tx = tap;
    if (where == LINK_TAP_SERVER || where == LINK_TAP_BOTTLENECK) l->dir[PRM_SERVER].tap_tx = tap;
    if (where == LINK_TAP_CLIENT) l->dir[PRM_SERVER].tap_rx = tap; /* deliveries to the client */
    if (where == LINK_TAP_SERVER) l->dir[PRM_CLIENT].tap_rx = tap;
}

static void pop_departed(link_dir *d, sim_time_ns now)
{
    while (d->dep_n && d->dep[d->dep_head] <= now) {
        d->dep_head = (d->dep_head + 1) & (d->dep_cap - 1);
        d->dep_n--;
    }
}

uint64_t link_queue_length(link_p2p *l, int src)
{
    link_dir *d = &l->dir[src];
    pop_departed(d, sim_kernel_now(l->k));
    return d->dep_n;
}

sim_time_ns link_tx_time(const link_p2p *l, uint32_t ip_bytes)
{
    const prm_link *c = l->cfg;
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
    return (sim_time_ns)((bits_ns + c->rate_bps - 1) / c->rate_bps);
}

/* Grows a power-of-two ring to twice its size, unwrapping it. */
static int grow_ring(void **ring, uint32_t *cap, uint32_t *head, uint32_t n, size_t elem)
{
    uint32_t ncap = *cap * 2;
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

/* Whether the wire loses the next packet of D (draws from D's stream). */
static int lost(link_dir *d)
{
    const prm_link *c = d->l->cfg;
    if (c->loss_model == PRM_LOSS_GILBERT) {
        double u = gsl_rng_uniform(d->rng);
        if (d->ge_bad)
            d->ge_bad = !(u < c->ge_p_bad_good);
        else
            d->ge_bad = u < c->ge_p_good_bad;
        double pl = d->ge_bad ? c->ge_loss_bad : c->loss;
        return pl > 0 && gsl_rng_uniform(d->rng) < pl;
    }
    return c->loss > 0 && gsl_rng_uniform(d->rng) < c->loss;
}

static void drop(link_dir *d, pkt *p, uint64_t *counter, const char *why)
{
    (*counter)++;
    rec_emit(d->l->rec, &(ev_event){.kind = EV_LINK_DROP,
                                    .host = -1,
                                    .detail = why,
                                    .flags = (uint8_t)d->src,
                                    .msg = p->proto,
                                    .bytes = p->ip_bytes,
                                    .seq = p->seq,
                                    .len = p->len});
    pkt_put(d->l->pp, p);
}

void link_send(link_p2p *l, int src, pkt *p)
{
    link_dir *d = &l->dir[src];
    const prm_link *c = l->cfg;
    sim_time_ns now = sim_kernel_now(l->k);
    pop_departed(d, now);
    if (d->dep_n >= (uint64_t)c->queue_packets) {
        drop(d, p, &d->st.n_drops_queue, "queue");
        return;
    }
    if (d->dep_n == d->dep_cap && grow_ring((void **)&d->dep, &d->dep_cap, &d->dep_head, d->dep_n, sizeof *d->dep)) {
        pkt_put(l->pp, p);
        rec_out_of_memory(l->rec);
        return;
    }
    sim_time_ns start = d->busy_until_ns > now ? d->busy_until_ns : now;
    sim_time_ns end = start + link_tx_time(l, p->ip_bytes);
    d->busy_until_ns = end;
    d->dep[(d->dep_head + d->dep_n++) & (d->dep_cap - 1)] = end;
    d->st.n_packets++;
    d->st.n_bytes += p->ip_bytes;
    if (d->tap_tx.fn) d->tap_tx.fn(d->tap_tx.ctx, p, start, 1);
    /* The outage loses what the transmitter starts sending inside the window
     * (packets queued before it and sent during it included). */
    if (c->outage_duration_ns > 0 && start >= c->outage_start_ns &&
        start - c->outage_start_ns < c->outage_duration_ns) {
        drop(d, p, &d->st.n_drops_outage, "outage");
        return;
    }
    if (lost(d)) {
        drop(d, p, &d->st.n_drops_loss, "loss");
        return;
    }
    if (d->fl_n == d->fl_cap && grow_ring((void **)&d->fl, &d->fl_cap, &d->fl_head, d->fl_n, sizeof *d->fl)) {
        drop(d, p, &d->st.n_drops_queue, "flight-oom");
        return;
    }
    sim_time_ns at = end + c->delay_ns;
    d->fl[(d->fl_head + d->fl_n++) & (d->fl_cap - 1)] = (flight){p, at};
    /* Inside deliver_due the timer is disarmed while older packets wait: aim at the head. */
    if (!sim_timer_is_armed(&d->timer)) sim_timer_arm_at(l->k, &d->timer, d->fl[d->fl_head].at_ns);
}

static void deliver_due(sim_kernel *k, void *arg)
{
    link_dir *d = arg;
    sim_time_ns now = sim_kernel_now(k);
    while (d->fl_n && d->fl[d->fl_head].at_ns <= now) {
        pkt *p = d->fl[d->fl_head].p;
        d->fl_head = (d->fl_head + 1) & (d->fl_cap - 1);
        d->fl_n--;
        d->st.n_delivered++;
        if (d->tap_rx.fn) d->tap_rx.fn(d->tap_rx.ctx, p, now, 0);
        pkt_port_send(&d->deliver, p);
    }
    if (d->fl_n && sim_timer_when(&d->timer) != d->fl[d->fl_head].at_ns)
        sim_timer_arm_at(k, &d->timer, d->fl[d->fl_head].at_ns);
}
