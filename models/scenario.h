#ifndef MODELS_SCENARIO_H
#define MODELS_SCENARIO_H
/*
 * One simulated copy: wires a client host, a server host and a link from an
 * prm_config, runs the kernel until the copy completes or fails, and fills an
 * out_result (the outcome fields of models/core/outcome.h plus one record
 * per interruption episode). Deterministic in (config, run seed). This is the
 * one assembler of models/: nothing below it includes this header.
 */
#include <stdint.h>
#include <stdio.h>
#include "models/core/outcome.h"
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"

/* Errors of scn_run (distinct from the registry's SCN_E* codes). */
enum { SCN_ENOMEM = -20, SCN_ECONFIG = -21 };
const char *scn_strerror(int code);

/* Runs one copy. TRACE, if not NULL, receives one line per model event:
 * "<time_s> <host> <layer> <what>" (borrowed). Returns 0 and fills *out
 * (caller releases with out_result_fini), or SCN_ENOMEM / SCN_ECONFIG with *out untouched. A copy that fails is a result, not an
 * error. */
int scn_run(const prm_config *cfg, uint64_t run_seed, FILE *trace, out_result *out);
/* The same with N_SINKS event sinks (borrowed, called in order for every
 * event; models/core/record.h) instead of a text trace. */
int scn_run_sinks(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks, out_result *out);

/* A packet observer on the link (the capture, `run --pcap`): TAP sees every
 * packet at WHERE (LINK_TAP_CLIENT, LINK_TAP_SERVER, LINK_TAP_BOTTLENECK of
 * models/link.h). Observing does not change the run. */
typedef struct scn_tap {
    int where;
    pkt_tap tap;
} scn_tap;
/* scn_run_sinks with TAP (borrowed; NULL: none) installed on the link. */
int scn_run_tapped(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks, const scn_tap *tap,
                   out_result *out);

#endif
