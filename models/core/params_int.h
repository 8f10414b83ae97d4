#ifndef MODELS_CORE_PARAMS_INT_H
#define MODELS_CORE_PARAMS_INT_H
/*
 * Internal to the registry: the four parts of the parameter table (network path, IPsec, extra flows, fleets),
 * which prm_at (params.c) indexes as one.
 */
#include <stddef.h>
#include "models/core/params.h"

/* Seconds as nanoseconds in the tables' constant initialisers (a function
 * such as sim_time_from_s cannot appear there). */
#define PRM_NS(s) ((s)*1e9)

extern const prm_entry prm__net_params[]; /* params_net.c; entry 0 is "scenario" */
extern const size_t prm__net_n_params;
extern const prm_entry prm__ipsec_params[]; /* params_ipsec.c */
extern const size_t prm__ipsec_n_params;
extern const prm_entry prm__flow_params[]; /* params_flow.c: the extra flows */
extern const size_t prm__flow_n_params;
extern const prm_entry prm__fleet_params[]; /* params_fleet.c: fleets (issue 16) */
extern const size_t prm__fleet_n_params;
/* The IPsec settings' checks that one entry's range cannot express (a
 * kilobyte lifetime of 0 or at least 20,480). Returns 0 or PRM_ERANGE with
 * a message in ERR; called by prm_check. */
int prm__ipsec_check(const prm_config *cfg, char *err, size_t errlen);
/* The extra flows' check (flow.tcp.every is 0 or at least 0.1 s). Returns 0
 * or PRM_ERANGE with a message in ERR; called by prm_check. */
int prm__flow_check(const prm_config *cfg, char *err, size_t errlen);
/* The fleets' checks (issue 16): fleet.cert_share is -1 or a share from 0
 * to 1, fleet.start_rate is above 0, and the extra flows (flow.*) run only
 * with one client. Returns 0 or PRM_ERANGE with a message in ERR; called by
 * prm_check. */
int prm__fleet_check(const prm_config *cfg, char *err, size_t errlen);
/* Sets fleet.start from TEXT: a choice (together, uniform, poisson) or the
 * compound uniform:T (also sets fleet.start_window) or poisson:RATE (also
 * sets fleet.start_rate; arrivals per second, or with /s, /min, /h). Returns
 * 0 (CFG changed), or PRM_EVALUE / PRM_ERANGE with a message in ERR (CFG
 * unchanged); called by prm_set. */
int prm__fleet_set_start(prm_config *cfg, const char *text, char *err, size_t errlen);
/* Fills the "scenario" entry's choices from the presets (once, thread-safe). */
void prm__net_params_init(void);

#endif
