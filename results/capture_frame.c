/*
 * Frames of simulated packets: Ethernet II, IPv4 and what IPv4 carries.
 * Each builder writes every byte up to the length it returns; what follows
 * (file data, ciphertext) is zeros, written by the caller only when the
 * snap length keeps it.
 *
 * Where each field comes from (doc/design.md, "Packet captures"): the
 * addresses are fixed per host (client 10.1.0.10, server 10.2.0.20, MACs
 * 02:00:00:00:00:0a and :14); the IP identification counts up per sending
 * host in tap order; TTL is Windows' 128; DF is set on TCP and ESP (path MTU
 * discovery), not on IKE's UDP. TCP's sequence and acknowledgement numbers,
 * flags, window and payload length are the packet's own (pkt.seq, ack,
 * tcp_flags, wnd, len); the window field is pkt.wnd shifted by the scale
 * the sender offered on its SYN when both offered one; the SYN options are
 * what each OS sends (MSS, window scale, SACK permitted). The payload holds
 * the bytes of the SMB messages (capture_app.c) that fall inside the
 * segment; everything else is zeros, so checksums are computed over the
 * headers alone and are still those of the whole frame. A packet under ESP
 * (pkt.esp) shows SPI and sequence number and hides the rest, as on the wire.
 */
#include <string.h>
#include "results/capture_int.h"

enum { ETH_LEN = 14, IP_LEN = 20, UDP_LEN = 8, ESP_HDR_LEN = 8 };
enum { IPPROTO_ICMP_ = 1, IPPROTO_TCP_ = 6, IPPROTO_UDP_ = 17, IPPROTO_ESP_ = 50 };
/* The server port of connection FLOW: the copy (flow 1) is SMB over TCP 445;
 * other TCP flows (a second connection, issue "extra flows") go to 5001. */
#define CAP_SMB_FLOW 1u

static const uint8_t ip_addr[2][4] = {{10, 1, 0, 10}, {10, 2, 0, 20}};
static const uint8_t mac_addr[2][6] = {{2, 0, 0, 0, 0, 0x0a}, {2, 0, 0, 0, 0, 0x14}};

/* One's-complement sum of N bytes from B (an odd tail counts as its high
 * byte), four bytes at a time (RFC 1071: the 32-bit sum folds to the same
 * 16-bit one); the result is at most 0x1ffff. */
static uint32_t sum16(const uint8_t *b, size_t n, uint32_t acc)
{
    uint64_t a = acc;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint32_t w;
        memcpy(&w, b + i, 4);
        a += __builtin_bswap32(w);
#else
        a += (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3];
#endif
    }
    if (i + 2 <= n) a += (uint32_t)b[i] << 8 | b[i + 1], i += 2;
    if (i < n) a += (uint32_t)b[i] << 8;
    a = (a & 0xffffffffu) + (a >> 32);
    a = (a & 0xffffu) + (a >> 16);
    a = (a & 0xffffu) + (a >> 16);
    return (uint32_t)a;
}

static inline uint16_t fold(uint32_t acc)
{
    acc = (acc & 0xffff) + (acc >> 16); /* at most 0x1fffe */
    acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* The two 16-bit words of V, summed: what V adds to a checksum. */
static inline uint32_t words32(uint32_t v) { return (v >> 16) + (v & 0xffff); }

/* What host H's address adds to a checksum (IP header, pseudo-header). */
static inline uint32_t addr_words(int h)
{
    const uint8_t *a = ip_addr[h];
    return ((uint32_t)a[0] << 8 | a[1]) + ((uint32_t)a[2] << 8 | a[3]);
}

/* The TCP/UDP checksum: pseudo-header, then the NONZERO bytes of the segment
 * (the rest of its LEN bytes are zeros, which add nothing). */
static uint16_t l4_checksum(const uint8_t *ip, uint8_t proto, const uint8_t *seg, size_t nonzero, uint32_t len)
{
    uint32_t acc = sum16(ip + 12, 8, 0) + proto + len;
    return fold(sum16(seg, nonzero, acc));
}

static void ethernet(uint8_t *b, int src, int dst)
{
    memcpy(b, mac_addr[dst], 6);
    memcpy(b + 6, mac_addr[src], 6);
    cap__be16(b + 12, 0x0800);
}

static void ipv4(cap_capture *c, uint8_t *ip, const pkt *p, uint8_t proto, uint32_t total, int df)
{
    ip[0] = 0x45;
    ip[1] = 0;
    cap__be16(ip + 2, total);
    cap__be16(ip + 4, c->ip_id[p->src & 1]++);
    cap__be16(ip + 6, df ? 0x4000 : 0);
    ip[8] = 128;
    ip[9] = proto;
    memcpy(ip + 12, ip_addr[p->src & 1], 4);
    memcpy(ip + 16, ip_addr[p->dst & 1], 4);
    /* The header's checksum from its fields (the sum of its 16-bit words,
     * the checksum field zero), not from its bytes. */
    uint32_t sum = 0x4500u + (total & 0xffff) + ((uint32_t)ip[4] << 8 | ip[5]) + (df ? 0x4000u : 0) +
                   (128u << 8 | proto) + addr_words(p->src & 1) + addr_words(p->dst & 1);
    cap__be16(ip + 10, fold(sum));
}

/* TCP options of P into O; returns their length (a multiple of 4). */
__attribute__((noinline)) static uint32_t tcp_options(const cap_capture *c, const pkt *p, uint8_t *o)
{
    uint32_t n = 0;
    int h = p->src & 1;
    if (p->tcp_flags & TCP_SYN) {
        /* Windows' order: MSS, NOP + window scale, NOP NOP + SACK permitted. A
         * SYN-ACK offers window scale only when the SYN did (RFC 7323). */
        int syn_ack = (p->tcp_flags & TCP_ACK) != 0;
        o[n++] = 2, o[n++] = 4;
        cap__be16(o + n, c->mss[h]);
        n += 2;
        if (c->ws[h] >= 0 && (!syn_ack || c->ws_on)) o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = (uint8_t)c->ws[h];
        if (p->sack_permitted) o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
    }
    /* SACK blocks (RFC 2018), as the model's receiver sent them: NOP NOP,
     * kind 5, length 2 + 8 n, then each left and right edge (wire sequence
     * numbers, block 0 the most recent). */
    if (p->n_sack) {
        uint32_t nb = p->n_sack > PKT_MAX_SACK ? PKT_MAX_SACK : p->n_sack;
        o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = (uint8_t)(2 + 8 * nb);
        for (uint32_t i = 0; i < nb; i++) {
            cap__be32(o + n, p->sack[i][0]);
            cap__be32(o + n + 4, p->sack[i][1]);
            n += 8;
        }
    }
    while (n & 3) o[n++] = 1;
    return n;
}

static uint16_t tcp_window(const cap_capture *c, const pkt *p)
{
    uint64_t w = p->wnd;
    if (!(p->tcp_flags & TCP_SYN) && c->ws_on) w >>= c->ws[p->src & 1];
    return (uint16_t)(w > 65535 ? 65535 : w);
}

/* The SMB bytes of stream S in [off, off + len) into PAYLOAD; returns the end
 * of the last one written (0: none). Messages that can no longer be sent
 * again are dropped on the way. */
static uint32_t smb_bytes(cap_stream *s, uint64_t off, uint32_t len, uint8_t *payload)
{
    /* A sender never resends below its oldest unacknowledged byte, and never
     * has more unacknowledged than the largest window its peer granted (which
     * this tap saw: the sender can only use windows it received). So messages
     * ending more than that below the highest byte seen are done with. */
    uint64_t keep = 2 * s->max_wnd + (UINT64_C(64) << 10);
    while (s->n && s->head_end + keep < s->max_off) {
        s->head = (s->head + 1) & (s->cap - 1);
        s->n--;
        if (s->cur) s->cur--;
        if (s->n) s->head_end = s->m[s->head].start + s->m[s->head].len;
    }
    /* First message that ends after OFF: the one found last time or the next
     * (segments mostly follow each other), else a binary search on the ring.
     * Messages are contiguous, so a message that starts at or before OFF and
     * ends after it is that first one. */
    uint32_t lo = 0, hi = s->n, cur = s->cur;
    for (int step = 0; step < 2 && cur < s->n; step++, cur++) {
        const cap_msg *m = &s->m[(s->head + cur) & (s->cap - 1)];
        if (m->start + m->len <= off) continue;
        if (m->start <= off || cur == 0) lo = hi = cur;
        break;
    }
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        const cap_msg *m = &s->m[(s->head + mid) & (s->cap - 1)];
        if (m->start + m->len <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n) {
        s->cur = lo;
        const cap_msg *m = &s->m[(s->head + lo) & (s->cap - 1)];
        if (off >= m->start + m->hl && off + len <= m->start + m->len) return 0; /* inside its file data */
    }
    uint32_t end = 0; /* PAYLOAD is written (zeros or header bytes) up to here */
    for (uint32_t i = lo; i < s->n; i++) {
        const cap_msg *m = &s->m[(s->head + i) & (s->cap - 1)];
        if (m->start >= off + len) break;
        uint64_t a = m->start > off ? m->start : off;
        uint64_t b = m->start + m->hl < off + len ? m->start + m->hl : off + len;
        if (a < b) {
            memset(payload + end, 0, (size_t)(a - off - end)); /* file data before it */
            memcpy(payload + (a - off), m->hdr + (a - m->start), (size_t)(b - a));
            end = (uint32_t)(b - off);
        }
    }
    return end;
}

void cap__frame_init(cap_capture *c)
{
    for (int h = 0; h < 2; h++)
        for (int d = 0; d < 2; d++) {
            uint8_t *b = c->tcp_tpl[h][d];
            memset(b, 0, CAP_TCP_TPL);
            ethernet(b, h, d);
            uint8_t *ip = b + ETH_LEN;
            ip[0] = 0x45;
            cap__be16(ip + 6, 0x4000); /* DF */
            ip[8] = 128;
            ip[9] = IPPROTO_TCP_;
            memcpy(ip + 12, ip_addr[h], 4);
            memcpy(ip + 16, ip_addr[d], 4);
            c->tcp_ip_sum[h][d] = 0x4500u + 0x4000u + (128u << 8 | IPPROTO_TCP_) + addr_words(h) + addr_words(d);
            c->tcp_pseudo_sum[h][d] = addr_words(h) + addr_words(d) + IPPROTO_TCP_;
        }
}

/* A TCP frame: Ethernet and IPv4 from the template of its host pair (what
 * ethernet() and ipv4() write), then the fields that change; the checksums
 * from the template's constant sums plus the words of those fields and the
 * bytes of the options and of the SMB headers in the payload: the same sums
 * as over the bytes (RFC 1071), the pseudo-header's length unfolded. */
static uint32_t tcp_frame(cap_capture *c, const pkt *p, uint8_t *b, uint32_t *wire)
{
    uint8_t *ip = b + ETH_LEN, *t = ip + IP_LEN;
    int h = p->src & 1, d = p->dst & 1, client_src = p->src == PRM_CLIENT;
    uint32_t olen = p->tcp_flags & TCP_SYN || p->n_sack ? tcp_options(c, p, t + 20) : 0, thl = 20 + olen;
    uint32_t sport = (uint16_t)(c->client_port_base + p->flow);
    uint32_t dport = p->flow == CAP_SMB_FLOW ? 445 : 5001;
    uint32_t offflags = (thl / 4 << 12) | p->tcp_flags, win = tcp_window(c, p);
    uint32_t nonzero = thl;
    if (p->flow == CAP_SMB_FLOW) {
        cap_stream *s = &c->st[h], *r = &c->st[1 - h];
        if (p->tcp_flags & TCP_SYN) {
            s->have_isn = 1;
            s->isn = p->seq;
        }
        if (p->wnd > r->max_wnd) r->max_wnd = p->wnd; /* the window H grants the other stream */
        if (s->have_isn && p->len) {
            uint32_t rel = p->seq - s->isn - 1;
            uint64_t off = s->max_off + (uint64_t)(int64_t)(int32_t)(rel - (uint32_t)s->max_off);
            if (off + p->len > s->max_off) s->max_off = off + p->len;
            uint32_t e = smb_bytes(s, off, p->len, t + thl);
            if (e) nonzero = thl + e;
        }
    }
    uint32_t total = IP_LEN + thl + p->len, id = c->ip_id[h]++;
    memcpy(b, c->tcp_tpl[h][d], CAP_TCP_TPL);
    cap__be16(ip + 2, total);
    cap__be16(ip + 4, id);
    cap__be16(ip + 10, fold(c->tcp_ip_sum[h][d] + (total & 0xffff) + id));
    cap__be16(t, client_src ? sport : dport);
    cap__be16(t + 2, client_src ? dport : sport);
    cap__be32(t + 4, p->seq);
    cap__be32(t + 8, p->ack);
    cap__be16(t + 12, offflags);
    cap__be16(t + 14, win);
    uint32_t acc =
        c->tcp_pseudo_sum[h][d] + (thl + p->len) + sport + dport + words32(p->seq) + words32(p->ack) + offflags + win;
    if (olen) acc = sum16(t + 20, olen, acc);
    if (nonzero > thl) acc = sum16(t + thl, nonzero - thl, acc);
    cap__be16(t + 16, fold(acc));
    cap__be16(t + 18, 0); /* urgent pointer */
    *wire = ETH_LEN + total;
    return ETH_LEN + IP_LEN + nonzero;
}

__attribute__((noinline)) static uint32_t esp_frame(cap_capture *c, const pkt *p, uint8_t *b, uint32_t *wire)
{
    uint8_t *ip = b + ETH_LEN, *e = ip + IP_LEN;
    int h = p->src & 1;
    if (c->esp_gen_seen[h] != c->sa_gen[h]) { /* a new hard SA: new SPI, counter from 1 */
        c->esp_gen_seen[h] = c->sa_gen[h];
        c->esp_seq[h] = 0;
    }
    cap__be32(e, 0x10000000u * (uint32_t)(h + 1) + c->sa_gen[h]);
    cap__be32(e + 4, ++c->esp_seq[h]);
    uint32_t total = p->ip_bytes < IP_LEN + ESP_HDR_LEN ? IP_LEN + ESP_HDR_LEN : p->ip_bytes;
    ipv4(c, ip, p, IPPROTO_ESP_, total, 1);
    *wire = ETH_LEN + total;
    return ETH_LEN + IP_LEN + ESP_HDR_LEN;
}

__attribute__((noinline)) static uint32_t ike_frame(cap_capture *c, const pkt *p, uint8_t *b, uint32_t *wire)
{
    uint8_t *ip = b + ETH_LEN, *u = ip + IP_LEN;
    uint32_t total = p->ip_bytes < IP_LEN + UDP_LEN + 28 ? IP_LEN + UDP_LEN + 28 : p->ip_bytes;
    if (total > CAP_FRAME_MAX - ETH_LEN) total = CAP_FRAME_MAX - ETH_LEN;
    uint32_t ulen = total - IP_LEN;
    memset(u, 0, ulen); /* the caller zeroed only the header zone */
    cap__be16(u, 500);
    cap__be16(u + 2, 500);
    cap__be16(u + 4, ulen);
    cap__isakmp(c, p, u + UDP_LEN, ulen - UDP_LEN);
    ipv4(c, ip, p, IPPROTO_UDP_, total, 0);
    uint16_t ck = l4_checksum(ip, IPPROTO_UDP_, u, ulen, ulen);
    cap__be16(u + 6, ck ? ck : 0xffff);
    *wire = ETH_LEN + total;
    return *wire; /* IKE is rare: its frames are kept whole */
}

/* ICMP echo, the pings of the extra flows (models/flow.h): type from
 * pkt.icmp_type (8 request, 0 reply), identifier the low 16 bits of the
 * echo's flow id, sequence number pkt.seq, checksum over the header and the
 * zero payload. */
__attribute__((noinline)) static uint32_t icmp_frame(cap_capture *c, const pkt *p, uint8_t *b, uint32_t *wire,
                                                     int request)
{
    uint8_t *ip = b + ETH_LEN, *m = ip + IP_LEN;
    uint32_t total = p->ip_bytes < IP_LEN + 8 ? IP_LEN + 8 : p->ip_bytes;
    memset(m, 0, 8);
    m[0] = request ? 8 : 0;
    cap__be16(m + 4, p->flow);
    cap__be16(m + 6, p->seq);
    cap__be16(m + 2, fold(sum16(m, 8, 0)));
    ipv4(c, ip, p, IPPROTO_ICMP_, total, 0);
    *wire = ETH_LEN + total;
    return ETH_LEN + IP_LEN + 8;
}

uint32_t cap__frame(cap_capture *c, const pkt *p, uint8_t *b, uint32_t *wire_len_out)
{
    if (!p->esp && p->proto == PKT_TCP) return tcp_frame(c, p, b, wire_len_out);
    ethernet(b, p->src & 1, p->dst & 1);
    if (p->esp) return esp_frame(c, p, b, wire_len_out);
    switch (p->proto) {
    case PKT_UDP_IKE: return ike_frame(c, p, b, wire_len_out);
    case PKT_ICMP: return icmp_frame(c, p, b, wire_len_out, p->icmp_type == ICMP_ECHO_REQUEST);
    }
    /* An unknown protocol: an IP header and opaque bytes. */
    uint32_t total = p->ip_bytes < IP_LEN ? IP_LEN : p->ip_bytes;
    ipv4(c, b + ETH_LEN, p, p->proto, total, 0);
    *wire_len_out = ETH_LEN + total;
    return ETH_LEN + IP_LEN;
}
