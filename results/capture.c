/*
 * The capture's lifecycle and its two inputs.
 *
 * The sink follows EV_SMB_SEND: each message the copy hands to TCP gets the
 * next stream offset of its direction (the sum of the lengths before it) and
 * its header bytes, built at once (cap__smb_message), so the SMB state
 * (MIDs, UID, TID, file offsets) advances in the order the copy acts. It
 * also counts hard SA installs per host (EV_SA_INSTALL), which start a new
 * ESP SPI.
 *
 * The tap builds each packet's frame (cap__frame) when the link reports it.
 * A packet is reported when it enters the transmitter with the time its
 * transmission will start, which can be later than packets reported after
 * it (those arriving at the other host meanwhile), so frames wait in a
 * min-heap on (time, tap order) and are written once no later report can
 * carry an earlier time: every later report is at or after the kernel's
 * clock, which the capture learns from the events and deliveries it sees.
 * The heap holds at most the packets queued in a transmitter.
 *
 * Invariant: the file receives frames in non-decreasing time; stream offsets
 * of cap_stream messages are contiguous from 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "models/host.h"
#include "models/link.h"
#include "results/capture_int.h"

/* Timestamps: simulated time 0 is 2009-12-01 00:00:00 UTC (KB 977526's year),
 * so tools that print dates print plausible ones. */
#define CAP_EPOCH_S INT64_C(1259625600)

static void set_err(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
    if (err && n) snprintf(err, n, fmt, a, b);
}

/* The window scale shift host H offers on its SYN: Vista/2008 always offer 8
 * (receive-window auto-tuning); XP/2003 only when their receive window does
 * not fit 16 bits (KB 224829, Tcp1323Opts), with the smallest shift that
 * makes it fit. */
static int window_scale(const prm_config *cfg, int h)
{
    int os = cfg->host[h].os;
    if (os == PRM_OS_VISTA || os == PRM_OS_2008) return 8;
    int autotune;
    uint64_t w = host_rcv_window(cfg, h, &autotune);
    int s = 0;
    while ((w >> s) > 65535 && s < 14) s++;
    return s ? s : -1;
}

int cap_new(const char *path, const prm_config *cfg, int where, int snaplen, char *err, size_t errlen,
            cap_capture **cap_out)
{
    if (where < LINK_TAP_CLIENT || where > LINK_TAP_BOTTLENECK ||
        (snaplen != CAP_SNAPLEN_HEADERS && (snaplen < CAP_SNAPLEN_MIN || snaplen > CAP_SNAPLEN_MAX))) {
        set_err(err, errlen, "invalid capture point or snap length%s%s", "", "");
        return CAP_EINPUT;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        set_err(err, errlen, "cannot write the capture file %s: %s", path, "it is a directory");
        return CAP_EINPUT;
    }
    cap_capture *c = calloc(1, sizeof *c);
    if (!c) return CAP_ENOMEM;
    c->cfg = cfg;
    c->where = where;
    c->snaplen = snaplen;
    c->path = strdup(path);
    c->tmp = malloc(strlen(path) + 16);
    c->buf = malloc(CAP_FRAME_MAX);
    c->out = malloc(CAP_OUT_SIZE + CAP_OUT_SLACK);
    c->fd = -1;
    if (!c->path || !c->tmp || !c->buf || !c->out) goto nomem;
    /* The temporary sits in PATH's directory, so the final rename stays on one
     * file system and an unwritable directory fails here, before the run. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    sprintf(c->tmp, "%.*s.%sXXXXXX", (int)dirlen, path, slash ? slash + 1 : path);
    if (strlen(c->tmp) > strlen(path) + 15) goto nomem;
    int fd = mkstemp(c->tmp);
    if (fd < 0) {
        set_err(err, errlen, "cannot write the capture file %s: %s", path, strerror(errno));
        free(c->tmp);
        c->tmp = NULL;
        cap_close(c, 0, NULL, 0);
        return CAP_EINPUT;
    }
    FILE *f = fdopen(fd, "wb");
    c->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, CAP_SNAPLEN_MAX, PCAP_TSTAMP_PRECISION_NANO);
    if (!f || !c->pd) {
        if (f)
            fclose(f);
        else
            close(fd);
        goto nomem;
    }
    c->dumper = pcap_dump_fopen(c->pd, f);
    if (!c->dumper) {
        set_err(err, errlen, "cannot start the capture file %s: %s", path, pcap_geterr(c->pd));
        fclose(f);
        cap_close(c, 0, NULL, 0);
        return CAP_EIO;
    }
    /* libpcap writes the file header; the records (a frame is ~90 bytes) are
     * built in out[] and written to the descriptor in blocks of a MiB, past
     * stdio (whose buffer glibc keeps at a page whatever setvbuf asks). */
    if (pcap_dump_flush(c->dumper) != 0) {
        set_err(err, errlen, "cannot start the capture file %s: %s", path, strerror(errno));
        cap_close(c, 0, NULL, 0);
        return CAP_EIO;
    }
    c->fd = fd;
    c->file_off = (uint64_t)lseek(fd, 0, SEEK_CUR);
    /* mkstemp makes the file 0600; a capture is an ordinary output file. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    for (int h = 0; h < 2; h++) {
        c->ws[h] = window_scale(cfg, h);
        c->mss[h] = (uint16_t)host_mss(cfg, h);
        c->ip_id[h] = (uint16_t)(0x1000 * (h + 1));
    }
    c->ws_on = c->ws[0] >= 0 && c->ws[1] >= 0;
    cap__frame_init(c);
    /* Ephemeral ports: XP/2003 take them from 1025, Vista/2008 from 49152. */
    int cos = cfg->host[PRM_CLIENT].os;
    c->client_port_base = cos == PRM_OS_VISTA || cos == PRM_OS_2008 ? 49152 : 1025;
    c->fid = 0x4001;
    *cap_out = c;
    return 0;
nomem:
    cap_close(c, 0, NULL, 0);
    return CAP_ENOMEM;
}

cap_counts cap_get_counts(const cap_capture *c) { return c->counts; }

/* ---- the reorder heap ---- */

/* Frame buffers are recycled through a free list (the heap holds at most a
 * transmitter queue of frames), so a waiting frame costs a copy, not a
 * malloc. */
static uint8_t *take_buffer(cap_capture *c, uint32_t n, uint32_t *room_out)
{
    if (c->n_spare) {
        cap_spare s = c->spare[--c->n_spare];
        if (s.room >= n) {
            *room_out = s.room;
            return s.bytes;
        }
        free(s.bytes);
    }
    uint32_t room = n < 256 ? 256 : n;
    *room_out = room;
    return malloc(room);
}

static void give_buffer(cap_capture *c, uint8_t *b, uint32_t room)
{
    if (c->n_spare == c->spare_cap) {
        size_t ncap = c->spare_cap ? 2 * c->spare_cap : 64;
        cap_spare *r = realloc(c->spare, ncap * sizeof *r);
        if (!r) {
            free(b);
            return;
        }
        c->spare = r;
        c->spare_cap = ncap;
    }
    c->spare[c->n_spare++] = (cap_spare){b, room};
}

static int frame_before(const cap_frame *a, const cap_frame *b)
{
    return a->t_ns < b->t_ns || (a->t_ns == b->t_ns && a->order < b->order);
}

static void heap_push(cap_capture *c, cap_frame f)
{
    if (c->heap_n == c->heap_cap) {
        size_t ncap = c->heap_cap ? 2 * c->heap_cap : 64;
        cap_frame *h = realloc(c->heap, ncap * sizeof *h);
        if (!h) {
            free(f.bytes);
            c->failed = 1;
            return;
        }
        c->heap = h;
        c->heap_cap = ncap;
    }
    size_t i = c->heap_n++;
    while (i > 0 && frame_before(&f, &c->heap[(i - 1) / 2])) {
        c->heap[i] = c->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    c->heap[i] = f;
}

static cap_frame heap_pop(cap_capture *c)
{
    cap_frame top = c->heap[0], last = c->heap[--c->heap_n];
    size_t i = 0;
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= c->heap_n) break;
        if (k + 1 < c->heap_n && frame_before(&c->heap[k + 1], &c->heap[k])) k++;
        if (!frame_before(&c->heap[k], &last)) break;
        c->heap[i] = c->heap[k];
        i = k;
    }
    if (c->heap_n) c->heap[i] = last;
    return top;
}

/* Writes the waiting records to the file: all of them when ALL, else the
 * bytes up to the next CAP_OUT_SIZE boundary of the file, so that the writes
 * after the first are whole aligned blocks (the rest moves to the front). */
static void out_flush(cap_capture *c, int all)
{
    size_t n = all ? c->out_n : CAP_OUT_SIZE - (size_t)(c->file_off % CAP_OUT_SIZE), done = 0;
    while (done < n && !c->io_errno) {
        ssize_t w = write(c->fd, c->out + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            c->io_errno = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    c->file_off += n;
    memmove(c->out, c->out + n, c->out_n - n);
    c->out_n -= n;
}

/* Room for one record of up to CAP_FRAME_MAX frame bytes: its 16-byte header
 * then the frame. */
static inline uint8_t *out_record(cap_capture *c) { return c->out + c->out_n; }

/* Completes the record at out_record(c) of a frame of CAPLEN bytes stored of
 * LEN on the wire, at T: the header as libpcap's pcap_dump writes it (host
 * byte order; the seconds as 32 bits, the nanoseconds the file's magic
 * announces). */
static inline void out_commit(cap_capture *c, sim_time_ns t, uint32_t caplen, uint32_t len)
{
    uint32_t h[4] = {(uint32_t)(CAP_EPOCH_S + t / SIM_NS_PER_S), (uint32_t)(t % SIM_NS_PER_S), caplen, len};
    memcpy(c->out + c->out_n, h, sizeof h);
    c->out_n += sizeof h + caplen;
    c->counts.n_frames++;
    c->counts.n_bytes_captured += caplen;
    c->counts.n_bytes_wire += len;
    if (c->out_n >= CAP_OUT_SIZE) out_flush(c, 0);
}

static void write_frame(cap_capture *c, const cap_frame *f)
{
    memcpy(out_record(c) + 16, f->bytes, f->caplen);
    out_commit(c, f->t_ns, f->caplen, f->len);
}

/* Writes every waiting frame not later than UNTIL. */
static void flush_until(cap_capture *c, sim_time_ns until)
{
    while (c->heap_n && c->heap[0].t_ns <= until) {
        cap_frame f = heap_pop(c);
        write_frame(c, &f);
        give_buffer(c, f.bytes, f.room);
    }
}

static void advance(cap_capture *c, sim_time_ns now)
{
    if (now > c->now_ns) c->now_ns = now;
    if (c->heap_n && c->heap[0].t_ns <= c->now_ns) flush_until(c, c->now_ns);
}

/* ---- the tap ---- */

static void on_packet(void *ctx, const pkt *p, sim_time_ns t_ns, int outbound)
{
    cap_capture *c = ctx;
    if (!outbound) advance(c, t_ns); /* a delivery happens now */
    /* Due now and nothing waiting: the frame is built in its record. */
    int direct = t_ns <= c->now_ns && c->heap_n == 0;
    uint8_t *b = direct ? out_record(c) + 16 : c->buf;
    uint32_t wire;
    uint32_t hdr = cap__frame(c, p, b, &wire);
    if (wire > CAP_FRAME_MAX) wire = CAP_FRAME_MAX;
    uint32_t caplen = c->snaplen ? (wire < (uint32_t)c->snaplen ? wire : (uint32_t)c->snaplen) : hdr;
    if (caplen > wire) caplen = wire;
    if (caplen > hdr) memset(b + hdr, 0, caplen - hdr); /* data: zeros */
    cap_frame f = {.t_ns = t_ns, .order = c->order++, .caplen = caplen, .len = wire, .bytes = c->buf};
    if (direct) {
        out_commit(c, t_ns, caplen, wire);
        return;
    }
    f.bytes = take_buffer(c, caplen, &f.room);
    if (!f.bytes) {
        c->failed = 1;
        return;
    }
    memcpy(f.bytes, c->buf, caplen);
    heap_push(c, f);
}

pkt_tap cap_tap(cap_capture *c) { return (pkt_tap){on_packet, c}; }

/* ---- the sink ---- */

static void on_smb_send(cap_capture *c, const ev_event *e)
{
    int from = e->host == PRM_SERVER ? PRM_SERVER : PRM_CLIENT;
    cap_stream *s = &c->st[from];
    if (s->n == s->cap) {
        uint32_t ncap = s->cap ? 2 * s->cap : 16;
        cap_msg *r = malloc((size_t)ncap * sizeof *r);
        if (!r) {
            c->failed = 1;
            return;
        }
        for (uint32_t i = 0; i < s->n; i++) r[i] = s->m[(s->head + i) & (s->cap - 1)];
        free(s->m);
        s->m = r;
        s->cap = ncap;
        s->head = 0;
    }
    cap_msg *m = &s->m[(s->head + s->n++) & (s->cap - 1)];
    m->start = s->next_start;
    m->len = (uint32_t)e->len;
    if (s->n == 1) s->head_end = m->start + m->len;
    s->next_start += e->len;
    m->hl = cap__smb_message(c, from, e->msg, (uint32_t)e->len, (uint32_t)e->count, m->hdr);
    if (m->hl > m->len) m->hl = m->len;
}

static void on_event(void *ctx, const ev_event *e)
{
    cap_capture *c = ctx;
    advance(c, e->t_ns);
    if (e->kind == EV_SMB_SEND)
        on_smb_send(c, e);
    else if (e->kind == EV_SA_INSTALL && e->sa == EV_SA_HARD && e->host >= 0 && e->host <= 1)
        c->sa_gen[e->host]++;
}

/* The capture reads SMB and SA events only: the per-segment TCP events are
 * not built for it. */
rec_sink cap_sink(cap_capture *c) { return (rec_sink){on_event, c, 1}; }

/* ---- closing ---- */

int cap_close(cap_capture *c, int keep, char *err, size_t errlen)
{
    if (!c) return 0;
    int rc = 0;
    if (c->dumper) {
        flush_until(c, SIM_TIME_MAX);
        if (c->fd >= 0) out_flush(c, 1);
        int e = c->io_errno; /* the first failure is the one reported */
        if (pcap_dump_flush(c->dumper) != 0 && !e) e = errno;
        FILE *f = pcap_dump_file(c->dumper);
        if (ferror(f) && !e) e = errno ? errno : EIO;
        pcap_dump_close(c->dumper);
        if (e) {
            rc = CAP_EIO;
            errno = e;
        }
    }
    if (c->failed && rc == 0) rc = CAP_ENOMEM;
    if (rc == CAP_EIO) set_err(err, errlen, "writing the capture file %s failed: %s", c->path, strerror(errno));
    if (rc == CAP_ENOMEM) set_err(err, errlen, "out of memory while capturing %s%s", c->path, "");
    if (c->tmp) {
        if (keep && rc == 0) {
            if (rename(c->tmp, c->path) != 0) {
                set_err(err, errlen, "cannot write the capture file %s: %s", c->path, strerror(errno));
                rc = CAP_EIO;
            }
        }
        if (!keep || rc != 0) unlink(c->tmp);
    }
    while (c->heap_n) free(c->heap[--c->heap_n].bytes);
    free(c->heap);
    while (c->n_spare) free(c->spare[--c->n_spare].bytes);
    free(c->spare);
    if (c->pd) pcap_close(c->pd);
    free(c->st[0].m);
    free(c->st[1].m);
    free(c->buf);
    free(c->out);
    free(c->tmp);
    free(c->path);
    free(c);
    return rc;
}
