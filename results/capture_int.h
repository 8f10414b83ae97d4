#ifndef RESULTS_CAPTURE_INT_H
#define RESULTS_CAPTURE_INT_H
/*
 * Internals of the packet capture shared by results/capture.c (libpcap
 * output, reordering, the tap and the sink), results/capture_frame.c
 * (Ethernet, IPv4, TCP, UDP, ESP, ICMP headers) and results/capture_app.c
 * (NetBIOS + SMB1 messages, ISAKMP). Byte helpers write network order
 * (big-endian) or SMB's little-endian.
 */
#include <pcap/pcap.h>
#include "results/capture.h"

/* The non-data bytes of an SMB message (NetBIOS header to the end of its byte
 * block, file data excluded): the largest is SESSION_SETUP's second leg. */
#define CAP_SMB_HDR_MAX 512
/* The largest frame built: Ethernet + an IP packet of 64 KiB. */
#define CAP_FRAME_MAX (14 + 65536)
/* Every header byte of a frame lies in its first CAP_HDR_ZONE bytes:
 * Ethernet 14 + IP 20 + TCP 60 + an SMB message's non-data part. */
#define CAP_HDR_ZONE (14 + 20 + 60 + CAP_SMB_HDR_MAX + 64)

/* The record buffer: records are appended to out[] and written to the file
 * once CAP_OUT_SIZE bytes are waiting; the slack holds one more record of the
 * largest frame, so a record never straddles a write. */
#define CAP_OUT_SIZE (1u << 20)
#define CAP_OUT_SLACK (16u + CAP_FRAME_MAX)

/* Bytes of a TCP frame's template: Ethernet 14 + IPv4 20. */
#define CAP_TCP_TPL 34

/* One SMB message on the stream of one direction. */
typedef struct cap_msg {
    uint64_t start; /* stream offset of its first byte (0 = first byte after the SYN) */
    uint32_t len;   /* bytes on the stream */
    uint32_t hl;    /* bytes of hdr[] (the rest of the message is file data, zeros) */
    uint8_t hdr[CAP_SMB_HDR_MAX];
} cap_msg;

/* One direction of the SMB connection, by sending host. */
typedef struct cap_stream {
    int have_isn;
    uint32_t isn;        /* sequence number of the SYN */
    uint64_t max_off;    /* highest stream offset seen in a segment (for unwrapping) */
    uint64_t next_start; /* stream offset of the next message handed to TCP */
    uint64_t max_wnd;    /* largest window the peer advertised (bounds retransmissions) */
    cap_msg *m;          /* ring of messages, ordered by start */
    uint32_t cap, head, n;
    uint32_t cur;      /* index (from head) of the message a segment was last found in */
    uint64_t head_end; /* stream offset just past the oldest message (when n > 0) */
} cap_stream;

/* A built frame waiting for its timestamp to be final. */
typedef struct cap_frame {
    sim_time_ns t_ns;
    uint64_t order; /* tie-break: the order frames were tapped */
    uint32_t caplen, len;
    uint8_t *bytes;
    uint32_t room; /* bytes allocated */
} cap_frame;

typedef struct cap_spare {
    uint8_t *bytes;
    uint32_t room;
} cap_spare;

struct cap_capture {
    const prm_config *cfg;
    int where, snaplen;
    pcap_t *pd;
    pcap_dumper_t *dumper;
    int fd;       /* the dumper's file: libpcap writes its header, then records go in blocks from out[] */
    int io_errno; /* a write failed: cap_close reports it */
    uint8_t *out; /* CAP_OUT_SIZE + CAP_OUT_SLACK bytes: pcap records not yet written */
    size_t out_n;
    uint64_t file_off; /* bytes in the file */
    char *path, *tmp;
    int failed; /* out of memory while running: cap_close reports it */
    cap_counts counts;
    uint8_t *buf; /* CAP_FRAME_MAX scratch */

    /* hosts */
    uint16_t ip_id[2];
    /* TCP frames by [source][destination] host: Ethernet + IPv4 header with
     * length, identification and checksum zero, and the constant parts of the
     * IP header's and the pseudo-header's sums (cap__frame_init) */
    uint8_t tcp_tpl[2][2][CAP_TCP_TPL];
    uint32_t tcp_ip_sum[2][2], tcp_pseudo_sum[2][2];
    int ws[2]; /* window scale shift each host offers on its SYN, -1 none */
    int ws_on; /* both offered: windows are scaled after the handshake */
    uint16_t mss[2];
    uint16_t client_port_base;

    /* SMB (the copy's connection, flow 1) */
    cap_stream st[2];
    uint16_t mid, uid, tid, fid;
    uint16_t mids[256]; /* MIDs of unanswered requests, FIFO */
    uint32_t mid_head, mid_n;
    uint64_t read_offset; /* file offset of the next READ/WRITE request */

    /* ESP: generation of the hard SA each host sends under, and its counter */
    uint32_t sa_gen[2];
    uint32_t esp_seq[2];
    uint32_t esp_gen_seen[2];

    /* reordering: frames tapped at a future transmission start wait here */
    cap_frame *heap;
    size_t heap_n, heap_cap;
    uint64_t order;
    cap_spare *spare; /* recycled frame buffers */
    size_t n_spare, spare_cap;
    sim_time_ns now_ns; /* no later tap can carry an earlier time */
};

static inline void cap__be16(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}
static inline void cap__be32(uint8_t *b, uint32_t v)
{
    cap__be16(b, v >> 16);
    cap__be16(b + 2, v);
}
static inline void cap__le16(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void cap__le32(uint8_t *b, uint32_t v)
{
    cap__le16(b, v);
    cap__le16(b + 2, v >> 16);
}
static inline void cap__le64(uint8_t *b, uint64_t v)
{
    cap__le32(b, (uint32_t)v);
    cap__le32(b + 4, (uint32_t)(v >> 32));
}

/* Fills the frame templates of C (once, before any frame). */
void cap__frame_init(cap_capture *c);

/* Builds the frame of P into BUF, every byte up to the returned length:
 * returns the bytes of headers written (what a headers-only capture
 * stores) and sets *wire_len_out to the frame's length on the wire. */
uint32_t cap__frame(cap_capture *c, const pkt *p, uint8_t *buf, uint32_t *wire_len_out);

/* The non-data bytes of an SMB message of kind KIND (the msg field of
 * EV_SMB_SEND) from host FROM, LEN bytes on the stream, COUNT its READ/WRITE
 * data length, into OUT (CAP_SMB_HDR_MAX). Advances the SMB state (MIDs,
 * UID, TID, file offset). Returns the bytes written. */
uint32_t cap__smb_message(cap_capture *c, int from, int kind, uint32_t len, uint32_t count, uint8_t *out);

/* The ISAKMP message of P (UDP payload, ISAKMP_LEN bytes) into OUT. */
void cap__isakmp(const cap_capture *c, const pkt *p, uint8_t *out, uint32_t isakmp_len);

#endif
