#ifndef MODELS_CORE_PARAMS_INT_H
#define MODELS_CORE_PARAMS_INT_H
/*
 * Internal to the registry: the two halves of the parameter table, which
 * scn_param_at (params.c) indexes as one.
 */
#include <stddef.h>
#include "models/core/params.h"

extern const scn_param scn__net_params[];    /* params_net.c; entry 0 is "scenario" */
extern const size_t scn__net_n_params;
extern const scn_param scn__ipsec_params[];  /* params_ipsec.c */
extern const size_t scn__ipsec_n_params;
/* Fills the "scenario" entry's choices from the presets (once, thread-safe). */
void scn__net_params_init(void);

#endif
