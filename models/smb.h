#ifndef MODELS_SMB_H
#define MODELS_SMB_H
/*
 * An SMB1 (NT LM 0.12) file copy over one TCP connection (DOMAIN.md section
 * 5): the client negotiates, sets up a session (two NTLMSSP legs), connects
 * to the share, opens the file, then pipelines READ_ANDX (or WRITE_ANDX)
 * requests of smb.read_size bytes, bounded by the copy engine's parallel
 * I/Os and both hosts' outstanding-request limits; then CLOSE and a TCP
 * close. Message sizes are the real header layouts (NetBIOS 4 B + SMB header
 * 32 B + parameter words + byte count + data). A request unanswered for
 * its time-out makes the client drop the connection (smb_timeout): under
 * smb.timer=dynamic (KB 102067) (its bytes + data expected) / rate +
 * SessTimeout. The server serves requests one at a time (server.smb.latency,
 * server.smb.disk_rate; 0 = instant). Read size and parallel I/Os come from
 * the client's copy engine (host_smb_read_size).
 */
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/record.h"
#include "models/tcp.h"

typedef struct smb_copy smb_copy;

/* Called once when the copy ends: FAILURE is OUT_FAIL_NONE after a clean close,
 * or OUT_FAIL_CONNECT_TIMEOUT / OUT_FAIL_TCP_ABORT / OUT_FAIL_SMB_TIMEOUT; HOST is the
 * host where the terminal event happened. */
typedef void (*smb_done_fn)(void *ctx, int failure, int host);

/* Bytes on the TCP stream of each message (NetBIOS header included). */
enum {
    SMB_READ_REQ_BYTES = 63,      /* 4 + 32 + 1 + 12 words + 2 */
    SMB_READ_RESP_HDR_BYTES = 64, /* 4 + 32 + 1 + 12 words + 2 + 1 pad, then data */
    SMB_WRITE_REQ_HDR_BYTES = 68, /* 4 + 32 + 1 + 14 words + 2 + 1 pad, then data */
    SMB_WRITE_RESP_BYTES = 51     /* 4 + 32 + 1 + 6 words + 2 */
};

/* A new copy between the endpoints CLIENT and SERVER (borrowed, must outlive
 * it; the copy installs itself as their application with tcp_set_callbacks).
 * CFG and REC are borrowed. Returns NULL when out of memory; smb_free (NULL
 * no-op). */
smb_copy *smb_new(sim_kernel *k, const prm_config *cfg, rec_recorder *rec, tcp_conn *client, tcp_conn *server,
                  smb_done_fn done, void *done_ctx);
void smb_free(smb_copy *s);

/* Starts the copy: the server listens, the client connects. */
void smb_start(smb_copy *s);

/* Restartable copies (issue 15). smb_resume_at: this copy moves the file from
 * OFFSET on (its first READ/WRITE asks for OFFSET; call before smb_start; 0
 * by default). smb_done_offset: the file offset up to which the reader has
 * received every READ_ANDX response (read) or WRITE_ANDX request (write)
 * completely; a message cut off by a dead connection does not count (its
 * bytes are moved again by the next attempt). */
void smb_resume_at(smb_copy *s, uint64_t offset);
uint64_t smb_done_offset(const smb_copy *s);

/* issue 16: the server's session admission. ADMIT(CTX) is called when the
 * server receives the first SESSION_SETUP_ANDX; it returns 1 to accept the
 * session, 0 to refuse it: the server then answers with
 * STATUS_REQUEST_NOT_ACCEPTED (what the user sees as system error 71, "No
 * more connections can be made to this remote computer at this time") and
 * the client ends the copy with OUT_FAIL_REFUSED (host PRM_SERVER). Without
 * a hook every session is accepted. Call before smb_start. */
void smb_set_admission(smb_copy *s, int (*admit)(void *ctx), void *ctx);

/* The outstanding-request limit in force (for tests and reports). */
int64_t smb_max_outstanding(const smb_copy *s);

#endif
