/*
 * The SMB1 copy. The TCP stream carries byte counts only, so each direction
 * has a FIFO of message records (length, kind, file bytes it carries, the
 * data length asked for): the sender pushes a record when it hands the
 * message to TCP; the receiver pops records as in-order bytes arrive and acts
 * on each complete message. File bytes are credited to rec->bytes_done as they
 * arrive, byte by byte within a message (its data follows its header). The
 * FIFOs hold at most the messages in flight, bounded by the request pipeline,
 * never by the file size.
 *
 * The client keeps the deadline of each unanswered request in a ring (the
 * server answers in order on one stream, so the oldest is answered first).
 * Under smb.timer=dynamic (KB 102067) a request's deadline is its send time
 * plus (its bytes + the data it expects back) / bytes per second, plus
 * SessTimeout (or ExtendedSessTimeout for a listed server); under static, send
 * time plus SessTimeout. With smb.timer_bytes=pipeline the bytes also count
 * every unanswered request ahead of it. The rate is the client's link rate
 * (nic) or TCP's estimate (tcp, falling back to nic before the first RTT
 * sample). Deadlines need not grow in send order, so one lazy timer is armed
 * at the earliest: a new earlier deadline re-arms it, a firing re-arms to the
 * earliest deadline still unanswered, or drops the connection (smb_timeout)
 * when that deadline has come.
 *
 * The server serves requests one at a time in arrival order (a disk queue):
 * each takes server.smb.latency plus its file bytes / server.smb.disk_rate
 * before its response goes to TCP. With both 0 the response goes at once.
 *
 * Message sizes (bytes on the stream, NetBIOS session header included) follow
 * the MS-CIFS layouts; the security blobs and strings of negotiate and
 * session setup are estimates [I]. No TREE_DISCONNECT or LOGOFF: the client
 * closes TCP after CLOSE.
 *
 * Session admission (issue 16, smb_set_admission): the server asks its hook
 * when the first SESSION_SETUP_ANDX arrives; a refused request is served as
 * any other (the same service time) but answered by an error response,
 * STATUS_REQUEST_NOT_ACCEPTED (0xC00000D0), which names that status as its
 * events' detail instead of the command. The client then closes TCP and the
 * copy ends with OUT_FAIL_REFUSED, at the server.
 *
 * Restartable copies (issue 15): smb_resume_at starts the READ/WRITE
 * pipeline at an offset instead of 0; done_offset follows the end of the
 * last READ response or WRITE request the reader has whole, which is where
 * the scenario's next connection resumes (models/scenario.c).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "models/host.h"
#include "models/smb.h"

enum kind { K_NEGOTIATE, K_SESSION1, K_SESSION2, K_TREE, K_CREATE, K_READ, K_WRITE, K_CLOSE, K_N };

static const char *const kind_name[K_N] = {"NEGOTIATE", "SESSION_SETUP", "SESSION_SETUP", "TREE_CONNECT",
                                           "NT_CREATE", "READ_ANDX",     "WRITE_ANDX",    "CLOSE"};
/* Fixed sizes of requests and responses; READ and WRITE add their data. */
static const uint32_t req_bytes[K_N] = {148, 197, 453, 94, 128, SMB_READ_REQ_BYTES, SMB_WRITE_REQ_HDR_BYTES, 45};
static const uint32_t resp_bytes[K_N] = {163, 327, 136, 67, 107, SMB_READ_RESP_HDR_BYTES, SMB_WRITE_RESP_BYTES, 39};

/* An SMB error response: header and empty WordCount and ByteCount (4 + 32 + 1
 * + 2); its status in the header, STATUS_REQUEST_NOT_ACCEPTED here. */
#define ERROR_RESP_BYTES 39u
static const char status_not_accepted[] = "STATUS_REQUEST_NOT_ACCEPTED"; /* 0xC00000D0 */

typedef struct msg {
    uint32_t len;        /* bytes on the stream */
    uint32_t file_bytes; /* file data at the end of the message */
    uint32_t arg;        /* READ/WRITE: data length of the operation */
    uint32_t consumed;   /* bytes of it received so far */
    uint8_t kind;
    uint8_t refused; /* the server: a refused SESSION_SETUP request; the stream: its error response */
} msg;

/* The detail of M's events: its command, or the status of an error response. */
static const char *detail_of(const msg *m);

typedef struct fifo {
    msg *m;
    uint32_t cap, head, n;
} fifo;

/* One unanswered request: when it times out and the bytes its timer counted. */
typedef struct pending {
    sim_time_ns deadline;
    uint64_t bytes;
} pending;

struct smb_copy {
    sim_kernel *k;
    const prm_config *cfg;
    rec_recorder *rec;
    tcp_conn *tcp[2];
    fifo dir[2]; /* dir[h]: messages sent by host h */
    smb_done_fn done;
    void *done_ctx;
    int finished;
    int64_t limit; /* outstanding requests allowed during the copy */
    uint64_t next_offset;
    int64_t outstanding;
    int closing;
    pending *sent; /* unanswered requests, a ring */
    uint32_t sent_cap, sent_head, sent_n;
    sim_timer sess_timer;
    uint64_t read_size;      /* bytes per READ/WRITE (copy engine or smb.read_size) */
    uint64_t pending_bytes;  /* sum of bytes over the ring (smb.timer_bytes=pipeline) */
    fifo srv;                /* requests waiting at the server's disk, head in service */
    sim_timer disk_timer;    /* the head's service ends */
    uint64_t done_offset;    /* issue 15: end of the last complete READ/WRITE data at the reader */
    int (*admit)(void *ctx); /* issue 16: the server's session admission; NULL = every session */
    void *admit_ctx;
};

static void sess_fire(sim_kernel *k, void *arg);
static void disk_fire(sim_kernel *k, void *arg);
static void on_established(void *ctx);
static void on_client_data(void *ctx, uint64_t n);
static void on_server_data(void *ctx, uint64_t n);
static void on_server_peer_closed(void *ctx);
static void on_client_closed(void *ctx);
static void on_client_failed(void *ctx, int failure);
static void on_server_failed(void *ctx, int failure);

smb_copy *smb_new(sim_kernel *k, const prm_config *cfg, rec_recorder *rec, tcp_conn *client, tcp_conn *server,
                  smb_done_fn done, void *done_ctx)
{
    smb_copy *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->k = k;
    s->cfg = cfg;
    s->rec = rec;
    s->tcp[PRM_CLIENT] = client;
    s->tcp[PRM_SERVER] = server;
    s->done = done;
    s->done_ctx = done_ctx;
    s->read_size = host_smb_read_size(cfg);
    int64_t lim = host_smb_client_outstanding(cfg);
    int64_t cmax = host_smb_client_maxmpx(cfg, PRM_CLIENT), smax = host_smb_server_maxmpx(cfg, PRM_SERVER);
    if (cmax < lim) lim = cmax;
    if (smax < lim) lim = smax;
    s->limit = lim < 1 ? 1 : lim;
    s->sent_cap = 16;
    while (s->sent_cap < (uint64_t)s->limit + 2) s->sent_cap *= 2;
    s->sent = malloc(s->sent_cap * sizeof *s->sent);
    for (int h = 0; h < 2; h++) {
        s->dir[h].cap = s->sent_cap * 2;
        s->dir[h].m = malloc(s->dir[h].cap * sizeof(msg));
    }
    s->srv.cap = s->sent_cap * 2;
    s->srv.m = malloc(s->srv.cap * sizeof(msg));
    if (!s->sent || !s->dir[0].m || !s->dir[1].m || !s->srv.m) {
        smb_free(s);
        return NULL;
    }
    sim_timer_init(&s->sess_timer, sess_fire, s);
    sim_timer_init(&s->disk_timer, disk_fire, s);
    tcp_set_callbacks(client, (tcp_callbacks){.ctx = s,
                                              .established = on_established,
                                              .data = on_client_data,
                                              .closed = on_client_closed,
                                              .failed = on_client_failed});
    tcp_set_callbacks(server, (tcp_callbacks){.ctx = s,
                                              .data = on_server_data,
                                              .peer_closed = on_server_peer_closed,
                                              .failed = on_server_failed});
    return s;
}

void smb_free(smb_copy *s)
{
    if (!s) return;
    sim_timer_disarm(s->k, &s->sess_timer);
    sim_timer_disarm(s->k, &s->disk_timer);
    free(s->sent);
    free(s->dir[0].m);
    free(s->dir[1].m);
    free(s->srv.m);
    free(s);
}

int64_t smb_max_outstanding(const smb_copy *s) { return s->limit; }

void smb_resume_at(smb_copy *s, uint64_t offset)
{
    s->next_offset = offset;
    s->done_offset = offset;
}

uint64_t smb_done_offset(const smb_copy *s) { return s->done_offset; }

void smb_set_admission(smb_copy *s, int (*admit)(void *ctx), void *ctx)
{
    s->admit = admit;
    s->admit_ctx = ctx;
}

void smb_start(smb_copy *s)
{
    tcp_listen(s->tcp[PRM_SERVER]);
    tcp_connect(s->tcp[PRM_CLIENT]);
}

static void finish(smb_copy *s, int failure, int host)
{
    if (s->finished) return;
    s->finished = 1;
    sim_timer_disarm(s->k, &s->sess_timer);
    sim_timer_disarm(s->k, &s->disk_timer);
    if (s->done) s->done(s->done_ctx, failure, host);
}

/* ---- message FIFOs ---- */

static int fifo_push(fifo *f, msg m)
{
    if (f->n == f->cap) {
        msg *r = malloc(2 * f->cap * sizeof *r);
        if (!r) return -1;
        for (uint32_t i = 0; i < f->n; i++) r[i] = f->m[(f->head + i) & (f->cap - 1)];
        free(f->m);
        f->m = r;
        f->cap *= 2;
        f->head = 0;
    }
    f->m[(f->head + f->n++) & (f->cap - 1)] = m;
    return 0;
}

/* Hands message M from host FROM to its TCP. */
static void send_msg(smb_copy *s, int from, msg m)
{
    if (fifo_push(&s->dir[from], m) != 0) { /* out of memory: the run is an error, not an outcome */
        rec_out_of_memory(s->rec);
        return;
    }
    rec_emit(s->rec, &(ev_event){.kind = EV_SMB_SEND,
                                 .host = (int8_t)from,
                                 .detail = detail_of(&m),
                                 .msg = m.kind,
                                 .len = m.len,
                                 .bytes = m.file_bytes,
                                 .count = m.arg});
    tcp_send(s->tcp[from], m.len);
}

static void fifo_pop(fifo *f)
{
    f->head = (f->head + 1) & (f->cap - 1);
    f->n--;
}

static const char *detail_of(const msg *m) { return m->refused ? status_not_accepted : kind_name[m->kind]; }

/* ---- client ---- */

/* The bytes per second the redirector's dynamic timer divides by. */
static double timer_bytes_per_s(const smb_copy *s)
{
    /* The client's local link rate: its access link when the path has one,
     * else the bottleneck it sits on (its sending rate, link.rate). */
    uint64_t nic_bps =
        s->cfg->link.access_rate_bps[PRM_CLIENT] ? s->cfg->link.access_rate_bps[PRM_CLIENT] : s->cfg->link.rate_bps;
    uint64_t bps = nic_bps;
    if (s->cfg->smb.timer_rate == PRM_SMB_RATE_TCP) {
        uint64_t est = tcp_rate_estimate_bps(s->tcp[PRM_CLIENT]);
        if (est) bps = est;
    }
    return (double)(bps ? bps : 1) / 8.0;
}

/* The time-out of a request of BYTES (its SMB and data sent, plus the data
 * expected back), sent now. */
static sim_time_ns request_timeout(const smb_copy *s, uint64_t bytes)
{
    const prm_smb *c = &s->cfg->smb;
    sim_time_ns t = c->server_extended ? c->extended_timeout_ns : c->session_timeout_ns;
    if (c->timer == PRM_SMB_TIMER_STATIC) return t;
    if (c->timer_bytes == PRM_SMB_BYTES_PIPELINE) bytes += s->pending_bytes;
    return t + (sim_time_ns)llround((double)bytes / timer_bytes_per_s(s) * 1e9);
}

static void request(smb_copy *s, int kind, uint32_t data_len)
{
    uint32_t fb = kind == K_WRITE ? data_len : 0;
    uint32_t len = req_bytes[kind] + fb;
    uint64_t bytes = len + (kind == K_READ ? data_len : 0);
    sim_time_ns deadline = sim_kernel_now(s->k) + request_timeout(s, bytes);
    /* At most the pipeline limit plus CLOSE are ever unanswered; the ring holds more. */
    assert(s->sent_n < s->sent_cap);
    s->sent[(s->sent_head + s->sent_n++) & (s->sent_cap - 1)] = (pending){deadline, bytes};
    s->pending_bytes += bytes;
    if (sim_timer_when(&s->sess_timer) > deadline) sim_timer_arm_at(s->k, &s->sess_timer, deadline);
    send_msg(s, PRM_CLIENT, (msg){.len = len, .file_bytes = fb, .arg = data_len, .kind = (uint8_t)kind});
}

static void sess_fire(sim_kernel *k, void *arg)
{
    smb_copy *s = arg;
    if (s->sent_n == 0 || s->finished) return;
    sim_time_ns deadline = SIM_TIME_MAX;
    for (uint32_t i = 0; i < s->sent_n; i++) {
        sim_time_ns d = s->sent[(s->sent_head + i) & (s->sent_cap - 1)].deadline;
        if (d < deadline) deadline = d;
    }
    if (sim_kernel_now(k) < deadline) {
        sim_timer_arm_at(k, &s->sess_timer, deadline);
        return;
    }
    rec_emit(s->rec, &(ev_event){.kind = EV_SMB_TIMEOUT, .host = PRM_CLIENT});
    tcp_drop(s->tcp[PRM_CLIENT]);
    finish(s, OUT_FAIL_SMB_TIMEOUT, PRM_CLIENT);
}

/* Keeps the pipeline full; sends CLOSE when every byte has been moved. */
static void issue(smb_copy *s)
{
    uint64_t size = s->cfg->file_size_bytes;
    while (s->outstanding < s->limit && s->next_offset < size) {
        uint64_t n = size - s->next_offset;
        if (n > s->read_size) n = s->read_size;
        s->next_offset += n;
        s->outstanding++;
        request(s, s->cfg->direction == PRM_COPY_WRITE ? K_WRITE : K_READ, (uint32_t)n);
    }
    if (s->next_offset >= size && s->outstanding == 0 && !s->closing) {
        s->closing = 1;
        request(s, K_CLOSE, 0);
    }
}

static void client_response(smb_copy *s, const msg *m)
{
    if (s->sent_n) {
        s->pending_bytes -= s->sent[s->sent_head].bytes;
        s->sent_head = (s->sent_head + 1) & (s->sent_cap - 1);
        s->sent_n--;
    }
    if (m->refused) { /* the server refused the session (system error 71): give up, close the connection */
        tcp_close(s->tcp[PRM_CLIENT]);
        finish(s, OUT_FAIL_REFUSED, PRM_SERVER);
        return;
    }
    switch (m->kind) {
    case K_NEGOTIATE: request(s, K_SESSION1, 0); break;
    case K_SESSION1: request(s, K_SESSION2, 0); break;
    case K_SESSION2: request(s, K_TREE, 0); break;
    case K_TREE: request(s, K_CREATE, 0); break;
    case K_CREATE: issue(s); break;
    case K_READ:
    case K_WRITE:
        s->outstanding--;
        issue(s);
        break;
    case K_CLOSE: tcp_close(s->tcp[PRM_CLIENT]); break;
    }
}

static void on_established(void *ctx)
{
    smb_copy *s = ctx;
    rec_established(s->rec);
    request(s, K_NEGOTIATE, 0);
}

/* ---- server ---- */

static void respond(smb_copy *s, const msg *m)
{
    if (m->refused) {
        send_msg(s, PRM_SERVER, (msg){.len = ERROR_RESP_BYTES, .kind = m->kind, .refused = 1});
        return;
    }
    uint32_t fb = m->kind == K_READ ? m->arg : 0;
    send_msg(s, PRM_SERVER, (msg){.len = resp_bytes[m->kind] + fb, .file_bytes = fb, .arg = m->arg, .kind = m->kind});
}

/* Service time of request M at the server: latency plus its file bytes at the disk rate. */
static sim_time_ns service_ns(const smb_copy *s, const msg *m)
{
    sim_time_ns t = s->cfg->smb.server_latency_ns;
    uint64_t rate = s->cfg->smb.server_disk_rate_bps;
    if (rate && (m->kind == K_READ || m->kind == K_WRITE))
        t += (sim_time_ns)llround((double)m->arg * 8.0 * 1e9 / (double)rate);
    return t;
}

static void server_request(smb_copy *s, const msg *req)
{
    msg admitted = *req;
    const msg *m = &admitted;
    if (req->kind == K_SESSION1 && s->admit) admitted.refused = !s->admit(s->admit_ctx);
    if (s->srv.n == 0 && service_ns(s, m) == 0) { /* instant service: answer at once */
        respond(s, m);
        return;
    }
    if (fifo_push(&s->srv, *m) != 0) {
        rec_out_of_memory(s->rec);
        return;
    }
    if (s->srv.n == 1) sim_timer_arm_in(s->k, &s->disk_timer, service_ns(s, m));
}

/* The request in service is done: its response goes, the next one starts. */
static void disk_fire(sim_kernel *k, void *arg)
{
    smb_copy *s = arg;
    if (s->finished || s->srv.n == 0) return;
    msg m = s->srv.m[s->srv.head];
    fifo_pop(&s->srv);
    respond(s, &m);
    if (s->finished) return;
    if (s->srv.n) sim_timer_arm_in(k, &s->disk_timer, service_ns(s, &s->srv.m[s->srv.head]));
}

/* ---- receiving ---- */

/* N in-order bytes sent by host FROM arrived at the other host. */
static void consume(smb_copy *s, int from, uint64_t n)
{
    fifo *f = &s->dir[from];
    while (n > 0 && f->n > 0) {
        msg *m = &f->m[f->head];
        uint32_t take = m->len - m->consumed;
        if (take > n) take = (uint32_t)n;
        if (m->file_bytes) {
            uint32_t hdr = m->len - m->file_bytes;
            uint32_t before = m->consumed > hdr ? m->consumed - hdr : 0;
            uint32_t after = m->consumed + take > hdr ? m->consumed + take - hdr : 0;
            s->rec->bytes_done += after - before;
        }
        m->consumed += take;
        n -= take;
        if (m->consumed < m->len) break;
        msg done = *m;
        f->head = (f->head + 1) & (f->cap - 1);
        f->n--;
        s->done_offset += done.file_bytes; /* only READ responses and WRITE requests carry file bytes */
        rec_emit(s->rec, &(ev_event){.kind = EV_SMB_DONE,
                                     .host = (int8_t)(1 - from),
                                     .detail = detail_of(&done),
                                     .msg = done.kind,
                                     .bytes = s->rec->bytes_done});
        if (from == PRM_CLIENT)
            server_request(s, &done);
        else
            client_response(s, &done);
        if (s->finished) return;
    }
}

static void on_client_data(void *ctx, uint64_t n) { consume(ctx, PRM_SERVER, n); }
static void on_server_data(void *ctx, uint64_t n) { consume(ctx, PRM_CLIENT, n); }

static void on_server_peer_closed(void *ctx)
{
    smb_copy *s = ctx;
    tcp_close(s->tcp[PRM_SERVER]);
}

static void on_client_closed(void *ctx)
{
    smb_copy *s = ctx;
    finish(s, OUT_FAIL_NONE, PRM_CLIENT);
}

static void on_client_failed(void *ctx, int failure) { finish(ctx, failure, PRM_CLIENT); }
static void on_server_failed(void *ctx, int failure) { finish(ctx, failure, PRM_SERVER); }
