/*
 * The kind table and the three things done with an event: its text-trace
 * line (the wording of the first round's trace, kept byte for byte so that
 * old traces and tools still read the same), its event-table row, and its
 * fold into the run fingerprint. The text exists only here; the timeline
 * plot and the capture read the typed fields.
 */
#include <inttypes.h>
#include <string.h>
#include "models/core/event.h"
#include "models/core/outcome.h"
#include "sim/hash.h"

typedef struct kind_info {
    const char *layer;
    const char *name;
} kind_info;

static const kind_info kinds[EV_N_KINDS] = {
    [EV_TCP_SEND] = {"tcp", "tcp_send"},
    [EV_TCP_RESEND] = {"tcp", "tcp_resend"},
    [EV_TCP_RECV] = {"tcp", "tcp_recv"},
    [EV_TCP_TIMEOUT] = {"tcp", "tcp_timeout"},
    [EV_TCP_CONNECT_TIMEOUT] = {"tcp", "tcp_connect_timeout"},
    [EV_TCP_ABORT] = {"tcp", "tcp_abort"},
    [EV_TCP_FAST_RETRANSMIT] = {"tcp", "tcp_fast_retransmit"},
    [EV_TCP_ESTABLISHED] = {"tcp", "tcp_established"},
    [EV_TCP_PEER_CLOSED] = {"tcp", "tcp_peer_closed"},
    [EV_TCP_CLOSED] = {"tcp", "tcp_closed"},
    [EV_TCP_AUTOTUNE] = {"tcp", "tcp_autotune"},
    [EV_IKE_START] = {"ike", "ike_start"},
    [EV_IKE_SEND] = {"ike", "ike_send"},
    [EV_IKE_RECV] = {"ike", "ike_recv"},
    [EV_IKE_RETRANSMIT] = {"ike", "ike_retransmit"},
    [EV_IKE_SUCCEEDED] = {"ike", "ike_succeeded"},
    [EV_IKE_FAILED] = {"ike", "ike_failed"},
    [EV_IKE_RESPONDER_JOIN] = {"ike", "ike_responder_join"},
    [EV_IKE_RESPONDER_SUCCEEDED] = {"ike", "ike_responder_succeeded"},
    [EV_IKE_RESPONDER_GIVE_UP] = {"ike", "ike_responder_give_up"},
    [EV_IKE_AUTH_FAIL] = {"ike", "ike_auth_fail"},
    [EV_SA_INSTALL] = {"ipsec", "sa_install"},
    [EV_SA_DELETE] = {"ipsec", "sa_delete"},
    [EV_SA_OLD_DELETE] = {"ipsec", "sa_old_delete"},
    [EV_IPSEC_DROP] = {"ipsec", "ipsec_drop"},
    [EV_IPSEC_HOLD] = {"ipsec", "ipsec_hold"},
    [EV_IPSEC_RELEASE] = {"ipsec", "ipsec_release"},
    [EV_IPSEC_WAIT_PEER] = {"ipsec", "ipsec_wait_peer"},
    [EV_IPSEC_STOP_WAIT] = {"ipsec", "ipsec_stop_wait"},
    [EV_IPSEC_FALLBACK] = {"ipsec", "ipsec_fallback"},
    [EV_IPSEC_BLOCK] = {"ipsec", "ipsec_block"},
    [EV_LINK_DROP] = {"link", "link_drop"},
    [EV_SMB_SEND] = {"smb", "smb_send"},
    [EV_SMB_DONE] = {"smb", "smb_done"},
    [EV_SMB_TIMEOUT] = {"smb", "smb_timeout"},
    [EV_INTERRUPTION_BEGIN] = {"rec", "interruption_begin"},
    [EV_INTERRUPTION_END] = {"rec", "interruption_end"},
    [EV_COPY_END] = {"scn", "copy_end"},
    [EV_SIM_LIMIT] = {"scn", "sim_limit"},
    [EV_FLOW_OPEN] = {"flow", "flow_open"},
    [EV_FLOW_DONE] = {"flow", "flow_done"},
    [EV_ICMP_SEND] = {"flow", "icmp_send"},
    [EV_ICMP_RECV] = {"flow", "icmp_recv"},
    [EV_COPY_RESTART] = {"scn", "copy_restart"},
};

const char *ev_layer(int kind) { return kind >= 0 && kind < EV_N_KINDS ? kinds[kind].layer : "?"; }
const char *ev_name(int kind) { return kind >= 0 && kind < EV_N_KINDS ? kinds[kind].name : "?"; }

int ev_kind_from_name(const char *name)
{
    for (int i = 0; i < EV_N_KINDS; i++)
        if (strcmp(kinds[i].name, name) == 0) return i;
    return -1;
}

static const char *role_name(int host)
{
    static const char *const names[] = {"link", "client", "server"};
    return host >= -1 && host <= 1 ? names[host + 1] : "?";
}

/* The host column: "client", or in a fleet run "client#7" (copy 7's client;
 * "server#7" is the server's side of copy 7's session). BUF has 24 bytes. */
static const char *host_label(const ev_event *e, char *buf)
{
    if (!e->copy) return role_name(e->host);
    snprintf(buf, 24, "%s#%u", role_name(e->host), (unsigned)e->copy);
    return buf;
}

static const char *flag_text(unsigned f, char *buf)
{
    char *q = buf;
    if (f & 0x02) *q++ = 'S'; /* the TCP flag bits of models/core/pkt.h */
    if (f & 0x01) *q++ = 'F';
    if (f & 0x04) *q++ = 'R';
    if (f & 0x10) *q++ = 'A';
    if (q == buf) *q++ = '-';
    *q = 0;
    return buf;
}

static const char *det(const ev_event *e) { return e->detail ? e->detail : "?"; }

int ev_format_text(const ev_event *e, char *buf, size_t n)
{
    char fb[8];
    unsigned long long seq = e->seq, ack = e->ack, bytes = e->bytes, count = e->count;
    switch (e->kind) {
    case EV_TCP_SEND:
    case EV_TCP_RESEND:
        return snprintf(buf, n, "%s %s seq=%llu len=%u ack=%llu win=%u cwnd=%llu",
                        e->kind == EV_TCP_RESEND ? "resend" : "send", flag_text(e->flags, fb), seq, (unsigned)e->len,
                        ack, (unsigned)e->win, (unsigned long long)e->cwnd);
    case EV_TCP_RECV:
        return snprintf(buf, n, "recv %s seq=%u len=%u ack=%u win=%u", flag_text(e->flags, fb), (unsigned)e->seq,
                        (unsigned)e->len, (unsigned)e->ack, (unsigned)e->win);
    case EV_TCP_TIMEOUT:
        return snprintf(buf, n, "timeout rto=%.6f retries=%lld seq=%llu", e->value, (long long)e->count, seq);
    case EV_TCP_CONNECT_TIMEOUT: return snprintf(buf, n, "connect timeout");
    case EV_TCP_ABORT: return snprintf(buf, n, "abort: retransmissions exhausted");
    case EV_TCP_FAST_RETRANSMIT: return snprintf(buf, n, "fast retransmit seq=%llu ssthresh=%llu", seq, bytes);
    case EV_TCP_ESTABLISHED: return snprintf(buf, n, "established");
    case EV_TCP_PEER_CLOSED: return snprintf(buf, n, "peer closed");
    case EV_TCP_CLOSED: return snprintf(buf, n, "closed");
    case EV_TCP_AUTOTUNE: return snprintf(buf, n, "autotune window=%llu", (unsigned long long)e->win);
    case EV_IKE_START:
        return snprintf(buf, n, "initiator starts exchange %u (%s%s, cause %s)", (unsigned)e->xchg,
                        e->flags & EV_IKE_QUICK ? "quick mode" : "main mode", e->flags & EV_IKE_REKEY ? ", rekey" : "",
                        out_cause_name(e->cause));
    case EV_IKE_SEND: return snprintf(buf, n, "sends %s of exchange %u", det(e), (unsigned)e->xchg);
    case EV_IKE_RECV: return snprintf(buf, n, "receives %s of exchange %u", det(e), (unsigned)e->xchg);
    case EV_IKE_RETRANSMIT: return snprintf(buf, n, "retransmits %s (%d)", det(e), (int)e->count);
    case EV_IKE_SUCCEEDED: return snprintf(buf, n, "initiator exchange %u succeeded", (unsigned)e->xchg);
    case EV_IKE_FAILED: return snprintf(buf, n, "initiator exchange %u failed: %s", (unsigned)e->xchg, det(e));
    case EV_IKE_RESPONDER_JOIN:
        return snprintf(buf, n, "responder joins exchange %u (%s)", (unsigned)e->xchg,
                        e->flags & EV_IKE_QUICK ? "quick mode" : "main mode");
    case EV_IKE_RESPONDER_SUCCEEDED: return snprintf(buf, n, "responder exchange %u succeeded", (unsigned)e->xchg);
    case EV_IKE_RESPONDER_GIVE_UP: return snprintf(buf, n, "responder gives up exchange %u", (unsigned)e->xchg);
    case EV_IKE_AUTH_FAIL:
        return snprintf(buf, n, "authentication fails (%s certificate)", e->flags ? "own" : "peer's");
    case EV_SA_INSTALL: return snprintf(buf, n, "installs %s SA record", det(e));
    case EV_SA_DELETE:
        if (e->count) /* other_flow: the flow whose negotiation it was */
            return snprintf(buf, n, "deletes %s SA record (%s, flow %llu)", det(e), out_cause_name(e->cause), count);
        return snprintf(buf, n, "deletes %s SA record (%s)", det(e), out_cause_name(e->cause));
    case EV_SA_OLD_DELETE: return snprintf(buf, n, "deletes the old hard SA");
    case EV_IPSEC_DROP:
        return snprintf(buf, n, "drops %s seq=%u len=%u (%s)", e->msg == 1 ? "ICMP" : "TCP", (unsigned)e->seq,
                        (unsigned)e->len, det(e));
    case EV_IPSEC_HOLD:
        return snprintf(buf, n, "holds %s seq=%u len=%u (%llu held)", e->msg == 1 ? "ICMP" : "TCP", (unsigned)e->seq,
                        (unsigned)e->len, count);
    case EV_IPSEC_RELEASE: return snprintf(buf, n, "releases %llu held packets", count);
    case EV_IPSEC_WAIT_PEER: return snprintf(buf, n, "waits for the peer's negotiation");
    case EV_IPSEC_STOP_WAIT: return snprintf(buf, n, "stops waiting for the peer");
    case EV_IPSEC_FALLBACK: return snprintf(buf, n, "falls back to clear");
    case EV_IPSEC_BLOCK: return snprintf(buf, n, "blocks traffic to the peer");
    case EV_LINK_DROP:
        return snprintf(buf, n, "drop %s dir=%s proto=%u bytes=%u seq=%u len=%u", det(e), e->flags ? "ba" : "ab",
                        (unsigned)e->msg, (unsigned)e->bytes, (unsigned)e->seq, (unsigned)e->len);
    case EV_SMB_SEND:
        return snprintf(buf, n, "%s %s bytes=%u data=%u", e->host == 0 ? "request" : "response", det(e),
                        (unsigned)e->len, (unsigned)e->bytes);
    case EV_SMB_DONE:
        return snprintf(buf, n, "%s %s complete bytes_done=%llu", e->host == 1 ? "got request" : "got response", det(e),
                        bytes);
    case EV_SMB_TIMEOUT: return snprintf(buf, n, "session timeout: closing the connection");
    case EV_INTERRUPTION_BEGIN:
        return snprintf(buf, n, "interruption begins cause=%s bytes=%llu", out_cause_name(e->cause), bytes);
    case EV_INTERRUPTION_END: return snprintf(buf, n, "interruption ends");
    case EV_COPY_END: return snprintf(buf, n, "copy ends: %s", out_failure_name(e->cause));
    case EV_SIM_LIMIT: return snprintf(buf, n, "sim.max_time reached");
    case EV_COPY_RESTART:
        return snprintf(buf, n, "copy restarts (%llu) at offset %llu after %s", (unsigned long long)e->count, bytes,
                        out_failure_name(e->cause));
    case EV_FLOW_OPEN:
        return snprintf(buf, n, "opens %s flow %llu (%llu bytes)", det(e), (unsigned long long)e->count, bytes);
    case EV_FLOW_DONE:
        return snprintf(buf, n, "flow %llu ends: %s after %.6f s", (unsigned long long)e->count, det(e), e->value);
    case EV_ICMP_SEND:
    case EV_ICMP_RECV:
        return snprintf(buf, n, "%s echo %s flow %llu seq=%llu", e->kind == EV_ICMP_SEND ? "sends" : "receives",
                        e->flags == 8 ? "request" : "reply", (unsigned long long)e->count, seq);
    }
    return snprintf(buf, n, "?");
}

int ev_write_text(FILE *f, const ev_event *e)
{
    char text[256], host[24];
    ev_format_text(e, text, sizeof text);
    return fprintf(f, "%.9f %s %s %s\n", sim_time_to_s(e->t_ns), host_label(e, host), ev_layer(e->kind), text);
}

int ev_write_tsv_header(FILE *f)
{
    return fputs("time_s\thost\tlayer\tevent\tseq\tack\tlen\twin\tcwnd\tflags\txchg\tmsg\tsa\tcause\tbytes\tcount\t"
                 "value\tdetail\n",
                 f);
}

int ev_write_tsv(FILE *f, const ev_event *e)
{
    char host[24];
    return fprintf(f,
                   "%.9f\t%s\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%" PRIu32
                   "\t%" PRId32 "\t%" PRId32 "\t%" PRId32 "\t%" PRIu64 "\t%" PRIu64 "\t%.9g\t%s\n",
                   sim_time_to_s(e->t_ns), host_label(e, host), ev_layer(e->kind), ev_name(e->kind), e->seq, e->ack,
                   e->len, e->win, e->cwnd, (unsigned)e->flags, e->xchg, e->msg, e->sa, e->cause, e->bytes, e->count,
                   e->value, e->detail ? e->detail : "");
}

uint64_t ev__detail_hash(const char *detail) { return sim_hash_fnv1a64(detail); }
