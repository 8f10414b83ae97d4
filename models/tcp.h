#ifndef MODELS_TCP_H
#define MODELS_TCP_H
/*
 * One TCP endpoint of Windows XP/2003/Vista (DOMAIN.md section 4) at segment
 * level: real 32-bit sequence numbers and windows, the three-way handshake
 * with SYN retransmissions, RFC 6298 RTT estimation with a floor and a cap,
 * exponential backoff and abort after tcp.data_retries, slow start and
 * congestion avoidance, fast retransmit and NewReno recovery, SACK (RFC 2018)
 * negotiated on the SYN with RFC 3517 or NewReno-style recovery, limited
 * transmit (RFC 3042), F-RTO (RFC 5682), delayed ACKs, Vista receive-window
 * auto-tuning, FIN close. The byte stream carries no
 * data: the application appends byte counts and is told how many in-order
 * bytes arrived. Packets go down through a pkt_port; packets come up through
 * tcp_input (or its port).
 */
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"

typedef struct tcp_conn tcp_conn;

/* What the application is told. Every function may be NULL. Callbacks run
 * inside tcp_input or a timer; they may call tcp_send and tcp_close. */
typedef struct tcp_callbacks {
    void *ctx;
    void (*established)(void *ctx);
    void (*data)(void *ctx, uint64_t n_bytes); /* in-order bytes arrived */
    void (*peer_closed)(void *ctx);            /* the peer's FIN arrived in order */
    void (*closed)(void *ctx);                 /* our FIN acknowledged and the peer's received */
    void (*failed)(void *ctx, int failure);    /* OUT_FAIL_CONNECT_TIMEOUT or OUT_FAIL_TCP_ABORT */
} tcp_callbacks;

/* Per-host settings the scenario derives from the OS profile (models/host.h). */
typedef struct tcp_host_params {
    int64_t mss_bytes;
    uint64_t rcv_window_bytes; /* initial advertised receive window */
    int autotune;              /* grow the window up to cfg->autotune_max_bytes */
    /* Loss recovery (issue 12; models/host.c derives them from tcp.* and the OS) */
    int sack;             /* offer SACK-permitted on the SYN; SACK is used when both hosts do */
    int sack_rfc3517;     /* with SACK: RFC 3517 recovery (else NewReno that skips SACKed data) */
    int limited_transmit; /* RFC 3042 */
    int frto;             /* RFC 5682 spurious RTO detection */
} tcp_host_params;

typedef struct tcp_stats {
    uint64_t n_segs_sent;      /* every segment, ACKs included */
    uint64_t n_data_segs_sent; /* segments carrying data, first copies and retransmissions */
    uint64_t n_retransmits;    /* data segments sent again */
    uint64_t n_timeouts;       /* retransmission timer expiries (SYN, data, FIN) */
    uint64_t n_fast_retransmits;
    uint64_t n_segs_received;
    uint64_t n_bytes_received; /* in-order payload bytes delivered to the application */
    uint64_t rcv_window_bytes; /* current advertised window */
    sim_time_ns srtt_ns, rto_ns;
    /* issue 12 */
    uint64_t n_dup_data_received; /* data segments whose every byte had already arrived (spurious retransmissions) */
    uint64_t n_spurious_rtos;     /* timeouts F-RTO found spurious */
    int sack_ok;                  /* both SYNs carried SACK-permitted */
    int64_t mss_bytes;            /* the segment size in force (after tcp_clamp_mss) */
} tcp_stats;

/* A new endpoint of host SELF talking to host 1 - SELF on connection FLOW.
 * CFG, HP, PP and REC are borrowed and must outlive it. Returns NULL when out
 * of memory; tcp_free (NULL no-op) disarms its timers. */
tcp_conn *tcp_new(sim_kernel *k, const prm_tcp *cfg, const tcp_host_params *hp, int self, uint32_t flow, pkt_pool *pp,
                  rec_recorder *rec);
void tcp_free(tcp_conn *c);
/* DOWN receives every segment sent (and takes ownership). */
void tcp_wire(tcp_conn *c, pkt_port down);
/* Installs the application's callbacks (copied). */
void tcp_set_callbacks(tcp_conn *c, tcp_callbacks cb);

/* Active open (sends a SYN; the first one marks the run's time origin with
 * rec_start) and passive open. */
void tcp_connect(tcp_conn *c);
void tcp_listen(tcp_conn *c);
/* Appends N_BYTES to the outgoing stream (no copy: only a count). */
void tcp_send(tcp_conn *c, uint64_t n_bytes);
/* Sends a FIN once everything appended so far has been sent. */
void tcp_close(tcp_conn *c);
/* Forgets the connection at once (no RST modelled): timers stop, nothing
 * more is sent or delivered. */
void tcp_drop(tcp_conn *c);

/* A segment from the network; takes ownership of P. */
void tcp_input(tcp_conn *c, pkt *p);
pkt_port tcp_input_port(tcp_conn *c);

tcp_stats tcp_get_stats(const tcp_conn *c);
/* tcp.ipsec_mss=handshake (KB 2524732): this endpoint's SYN or SYN-ACK left
 * under ESP, so its segments shrink by OVERHEAD_BYTES (once; no effect after
 * the first call or once established). */
void tcp_clamp_mss(tcp_conn *c, int64_t overhead_bytes);

/* Bytes appended but not yet acknowledged by the peer. */
uint64_t tcp_unacked_bytes(const tcp_conn *c);

/* issue 12: an estimate of the connection's rate in bit/s, 8 x max(min(cwnd,
 * peer's window), own receive window) / srtt; 0 before the first RTT sample. */
uint64_t tcp_rate_estimate_bps(const tcp_conn *c);

#endif
