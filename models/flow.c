/*
 * The extra flows (see flow.h). Each extra TCP connection is a pair of
 * tcp_conn endpoints on a list; a connection whose opener has finished is
 * freed at a later schedule tick (FLOW_LINGER after it ended, so the last
 * FIN and ACK can still arrive), never inside its own callbacks. At most
 * FLOW_MAX_CONNS are alive at once; a tick that finds that many opens none
 * (and says so in the trace).
 */
#include <stdlib.h>
#include "models/flow.h"

#define FLOW_MAX_CONNS 1024
#define FLOW_LINGER_NS ((sim_time_ns)30 * SIM_NS_PER_S)
#define PING_PAYLOAD_BYTES 32 /* Windows ping's default echo data */

typedef struct flow_conn {
    struct flow_conn *next;
    flow_set *fs;
    uint32_t id;
    int opener;
    tcp_conn *end[2];
    int done; /* the opener's side closed or failed */
    sim_time_ns opened_ns, done_ns;
} flow_conn;

typedef struct flow_demux {
    flow_set *fs;
    int host;
} flow_demux;

struct flow_set {
    sim_kernel *k;
    const prm_config *cfg;
    const tcp_host_params *hp;
    pkt_pool *pp;
    rec_recorder *rec;
    pkt_port down[2], copy_in[2];
    flow_demux demux[2];
    sim_timer ping_timer, tcp_timer;
    uint64_t ping_seq;
    uint64_t n_tcp;
    flow_conn *conns;
    uint64_t n_conns;
    flow_stats st;
};

int flow_any(const prm_config *cfg)
{
    return cfg->flow.ping_from != PRM_FROM_NONE || cfg->flow.tcp_from != PRM_FROM_NONE;
}

/* ---- pings ---------------------------------------------------------- */

static void send_icmp(flow_set *fs, int host, int type, uint32_t flow, uint64_t seq)
{
    pkt *p = pkt_get(fs->pp);
    if (!p) {
        rec_out_of_memory(fs->rec);
        return;
    }
    p->src = (uint8_t)host;
    p->dst = (uint8_t)(1 - host);
    p->proto = PKT_ICMP;
    p->ip_bytes = PKT_IP_HEADER_BYTES + PKT_ICMP_HEADER_BYTES + PING_PAYLOAD_BYTES;
    p->flow = flow;
    p->seq = (uint32_t)seq;
    p->icmp_type = (uint8_t)type;
    p->sent_ns = sim_kernel_now(fs->k);
    rec_emit(
        fs->rec,
        &(ev_event){.kind = EV_ICMP_SEND, .host = (int8_t)host, .count = flow, .seq = seq, .flags = (uint8_t)type});
    pkt_port_send(&fs->down[host], p);
}

static void ping_fire(sim_kernel *k, void *arg)
{
    flow_set *fs = arg;
    const prm_flow *c = &fs->cfg->flow;
    uint64_t seq = ++fs->ping_seq;
    /* each echo its own flow (n = 1..65535, wrapping), or one flow for all */
    uint32_t n = c->ping_flows == PRM_PING_FLOW_EACH ? (uint32_t)((seq - 1) % 0xffff + 1) : 1u;
    fs->st.pings_sent++;
    send_icmp(fs, c->ping_from == PRM_FROM_CLIENT ? PRM_CLIENT : PRM_SERVER, ICMP_ECHO_REQUEST,
              FLOW_SLOT_PING << 16 | n, seq);
    sim_timer_arm_in(k, &fs->ping_timer, c->ping_every_ns);
}

static void icmp_input(flow_set *fs, int host, pkt *p)
{
    int type = p->icmp_type;
    uint32_t flow = p->flow;
    uint64_t seq = p->seq;
    pkt_put(fs->pp, p);
    rec_emit(
        fs->rec,
        &(ev_event){.kind = EV_ICMP_RECV, .host = (int8_t)host, .count = flow, .seq = seq, .flags = (uint8_t)type});
    if (type == ICMP_ECHO_REQUEST)
        send_icmp(fs, host, ICMP_ECHO_REPLY, flow, seq);
    else if (type == ICMP_ECHO_REPLY)
        fs->st.pings_answered++;
}

/* ---- TCP connections ------------------------------------------------ */

static void conn_done(flow_conn *fc, const char *how, int failed)
{
    if (fc->done) return;
    flow_set *fs = fc->fs;
    fc->done = 1;
    fc->done_ns = sim_kernel_now(fs->k);
    if (failed)
        fs->st.tcp_failed++;
    else
        fs->st.tcp_closed++;
    rec_emit(fs->rec, &(ev_event){.kind = EV_FLOW_DONE,
                                  .host = (int8_t)fc->opener,
                                  .count = fc->id,
                                  .detail = how,
                                  .value = sim_time_to_s(fc->done_ns - fc->opened_ns)});
}

static void opener_established(void *ctx)
{
    flow_conn *fc = ctx;
    tcp_send(fc->end[fc->opener], fc->fs->cfg->flow.tcp_bytes);
    tcp_close(fc->end[fc->opener]);
}

static void opener_closed(void *ctx) { conn_done(ctx, "closed", 0); }

static void opener_failed(void *ctx, int failure) { conn_done(ctx, out_failure_name(failure), 1); }

static void listener_peer_closed(void *ctx)
{
    flow_conn *fc = ctx;
    tcp_close(fc->end[1 - fc->opener]);
}

static void conn_free(flow_conn *fc)
{
    tcp_free(fc->end[0]);
    tcp_free(fc->end[1]);
    free(fc);
}

/* Frees the connections whose opener finished at least FLOW_LINGER ago. */
static void reap(flow_set *fs)
{
    sim_time_ns now = sim_kernel_now(fs->k);
    for (flow_conn **pp = &fs->conns; *pp;) {
        flow_conn *fc = *pp;
        if (fc->done && now - fc->done_ns >= FLOW_LINGER_NS) {
            *pp = fc->next;
            conn_free(fc);
            fs->n_conns--;
        } else {
            pp = &fc->next;
        }
    }
}

static void open_conn(flow_set *fs)
{
    const prm_flow *c = &fs->cfg->flow;
    int opener = c->tcp_from == PRM_FROM_CLIENT ? PRM_CLIENT : PRM_SERVER;
    reap(fs);
    if (fs->n_conns >= FLOW_MAX_CONNS) {
        rec_emit(fs->rec, &(ev_event){.kind = EV_FLOW_DONE, .host = (int8_t)opener, .detail = "not opened: too many"});
        return;
    }
    flow_conn *fc = calloc(1, sizeof *fc);
    if (!fc) {
        rec_out_of_memory(fs->rec);
        return;
    }
    fc->fs = fs;
    fc->opener = opener;
    fc->id = FLOW_SLOT_TCP << 16 | (uint32_t)(fs->n_tcp++ % 0xffff + 1); /* n = 1..65535, wrapping */
    fc->opened_ns = sim_kernel_now(fs->k);
    for (int h = 0; h < 2; h++) {
        fc->end[h] = tcp_new(fs->k, &fs->cfg->tcp, &fs->hp[h], h, fc->id, fs->pp, fs->rec);
        if (!fc->end[h]) {
            conn_free(fc);
            rec_out_of_memory(fs->rec);
            return;
        }
        tcp_wire(fc->end[h], fs->down[h]);
    }
    fc->next = fs->conns;
    fs->conns = fc;
    fs->n_conns++;
    fs->st.tcp_opened++;
    tcp_set_callbacks(fc->end[opener], (tcp_callbacks){.ctx = fc,
                                                       .established = opener_established,
                                                       .closed = opener_closed,
                                                       .failed = opener_failed});
    tcp_set_callbacks(fc->end[1 - opener], (tcp_callbacks){.ctx = fc, .peer_closed = listener_peer_closed});
    rec_emit(
        fs->rec,
        &(ev_event){
            .kind = EV_FLOW_OPEN, .host = (int8_t)opener, .count = fc->id, .bytes = c->tcp_bytes, .detail = "tcp"});
    tcp_listen(fc->end[1 - opener]);
    tcp_connect(fc->end[opener]);
}

static void tcp_fire(sim_kernel *k, void *arg)
{
    flow_set *fs = arg;
    if (fs->cfg->flow.tcp_every_ns > 0) sim_timer_arm_in(k, &fs->tcp_timer, fs->cfg->flow.tcp_every_ns);
    open_conn(fs);
}

/* ---- the demultiplexer ---------------------------------------------- */

static void demux_fn(void *ctx, pkt *p)
{
    flow_demux *d = ctx;
    flow_set *fs = d->fs;
    if (p->proto == PKT_TCP && p->flow == PKT_FLOW_COPY) {
        pkt_port_send(&fs->copy_in[d->host], p);
        return;
    }
    if (p->proto == PKT_ICMP) {
        icmp_input(fs, d->host, p);
        return;
    }
    if (p->proto == PKT_TCP)
        for (flow_conn *fc = fs->conns; fc; fc = fc->next)
            if (fc->id == p->flow) {
                tcp_input(fc->end[d->host], p);
                return;
            }
    pkt_put(fs->pp, p); /* a connection already forgotten */
}

/* ---- lifecycle ------------------------------------------------------ */

flow_set *flow_set_new(sim_kernel *k, const prm_config *cfg, const tcp_host_params hp[2], pkt_pool *pp,
                       rec_recorder *rec)
{
    flow_set *fs = calloc(1, sizeof *fs);
    if (!fs) return NULL;
    fs->k = k;
    fs->cfg = cfg;
    fs->hp = hp;
    fs->pp = pp;
    fs->rec = rec;
    for (int h = 0; h < 2; h++) fs->demux[h] = (flow_demux){fs, h};
    sim_timer_init(&fs->ping_timer, ping_fire, fs);
    sim_timer_init(&fs->tcp_timer, tcp_fire, fs);
    return fs;
}

void flow_set_free(flow_set *fs)
{
    if (!fs) return;
    sim_timer_disarm(fs->k, &fs->ping_timer);
    sim_timer_disarm(fs->k, &fs->tcp_timer);
    for (flow_conn *fc = fs->conns; fc;) {
        flow_conn *next = fc->next;
        conn_free(fc);
        fc = next;
    }
    free(fs);
}

void flow_set_wire(flow_set *fs, int host, pkt_port down, pkt_port copy_in)
{
    fs->down[host] = down;
    fs->copy_in[host] = copy_in;
}

pkt_port flow_set_up_port(flow_set *fs, int host) { return (pkt_port){demux_fn, &fs->demux[host]}; }

void flow_set_start(flow_set *fs)
{
    const prm_flow *c = &fs->cfg->flow;
    if (c->ping_from != PRM_FROM_NONE) sim_timer_arm_in(fs->k, &fs->ping_timer, c->ping_every_ns);
    if (c->tcp_from != PRM_FROM_NONE) sim_timer_arm_in(fs->k, &fs->tcp_timer, c->tcp_at_ns);
}

flow_stats flow_set_stats(const flow_set *fs) { return fs->st; }
