#ifndef MODELS_SCENARIO_H
#define MODELS_SCENARIO_H
/*
 * One simulated copy: wires a client host, a server host and a link from an
 * scn_config, runs the kernel until the copy completes or fails, and fills an
 * scn_result (the outcome fields of DESIGN.md plus one record per
 * interruption episode). Deterministic in (config, run seed).
 */
#include <stdint.h>
#include <stdio.h>
#include "models/config.h"

/* Why a copy ended. Names are the `failure` strings of the contract. */
typedef enum {
    FAIL_NONE = 0, FAIL_CONNECT_TIMEOUT, FAIL_TCP_ABORT, FAIL_SMB_TIMEOUT, FAIL_BLOCKED,
    FAIL_SIM_LIMIT  /* sim.max_time reached before the copy ended: named "sim_limit" */
} scn_failure;

typedef enum { CAUSE_REKEY = 0, CAUSE_EXPIRY, CAUSE_IDLE, CAUSE_PEER_NEGOTIATION, CAUSE_BLOCKED } scn_cause;

typedef struct scn_interruption {
    double start_s;             /* from the client's first attempt to send */
    double end_s;               /* NAN when the copy died inside the episode */
    uint64_t bytes_at_start;    /* file bytes delivered when it began */
    int cause;                  /* scn_cause */
} scn_interruption;

typedef struct scn_result {
    int completed;
    int failure;                /* scn_failure */
    uint64_t bytes_done;
    double setup_s;             /* NAN if never established */
    double duration_s;
    uint64_t n_interruptions;
    double first_interruption_s;        /* NAN if none */
    double first_interruption_bytes;    /* NAN if none, else a whole number */
    uint64_t n_negotiations, n_negotiation_failures, n_fallbacks, n_rekeys;
    uint64_t n_retransmits;
    uint64_t events;
    double events_per_s;
    uint64_t peak_pending;
    double wall_s;
    uint64_t seed;              /* the run seed used */
    scn_interruption *interruptions;    /* n_interruptions records; owned, see scn_result_fini */
} scn_result;

/* Runs one copy. TRACE, if not NULL, receives one line per model event:
 * "<time_s> <host> <layer> <what>" (borrowed). Returns 0 and fills *out
 * (caller releases with scn_result_fini), or a negative error (out of memory,
 * invalid config) with *out untouched. A copy that fails is a result, not an
 * error. */
int scn_run(const scn_config *cfg, uint64_t run_seed, FILE *trace, scn_result *out);
void scn_result_fini(scn_result *r);

const char *scn_failure_name(int failure);   /* "none", "tcp_abort", ... */
const char *scn_cause_name(int cause);       /* "rekey", "expiry", ... */

#endif
