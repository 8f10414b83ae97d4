#ifndef MODELS_REGISTRY_H
#define MODELS_REGISTRY_H
/*
 * The parameter registry: the one table of every model parameter (the
 * network-path entries in models/registry.c followed by ipsec_params), and
 * everything that reads or writes parameters by name: unit parsing, defaults,
 * presets, validation with helpful messages, formatting for `params`, and the
 * SQL column values of `points`. Nothing else names a parameter.
 */
#include <stddef.h>
#include <stdint.h>
#include "models/config.h"

enum {
    SCN_EUNKNOWN = -1,   /* no such key */
    SCN_EVALUE = -2,     /* malformed value or unit */
    SCN_ERANGE = -3,     /* value out of range */
    SCN_ESCENARIO = -4   /* no such scenario preset */
};

/* All parameters, in a fixed documented order (also the column order of
 * `points`). The pseudo-parameter "scenario" is entry 0 (PRM_ENUM over the
 * preset names, stored in scn_config.scenario). */
size_t scn_param_count(void);
const scn_param *scn_param_at(size_t i);
const scn_param *scn_param_find(const char *name);
/* The registered name closest to NAME (edit distance), for "did you mean". */
const char *scn_param_nearest(const char *name);

/* Parses TEXT as a value of P into base units: *out is bytes, bit/s, ns,
 * probability, integer, 0/1 or enum index, as a double (exact for integers up
 * to 2^53). Returns 0, or SCN_EVALUE / SCN_ERANGE with a one-line message in
 * ERR (what was wrong and what is expected, naming the key). */
int scn_param_parse(const scn_param *p, const char *text, double *out, char *err, size_t errlen);
/* Stores a base-unit value (as from scn_param_parse) into CFG. */
void scn_param_store(const scn_param *p, scn_config *cfg, double value);
/* Reads P's base-unit value from CFG. */
double scn_param_load(const scn_param *p, const scn_config *cfg);

/* CFG = every default, scenario "no-ipsec". */
void scn_config_defaults(scn_config *cfg);
/* Sets KEY=TEXT (parse + store). Returns 0 or a negative SCN_E* with ERR
 * filled: unknown keys get the nearest name ("did you mean link.rate?").
 * KEY "scenario" applies that preset's settings on top of CFG. */
int scn_config_set(scn_config *cfg, const char *key, const char *text, char *err, size_t errlen);
/* Parses "KEY=VALUE" and calls scn_config_set. */
int scn_config_set_pair(scn_config *cfg, const char *pair, char *err, size_t errlen);
/* Applies preset NAME (defaults are NOT reset first). */
int scn_config_apply_preset(scn_config *cfg, const char *name, char *err, size_t errlen);
/* Cross-parameter checks run before a simulation (for example link.mtu vs
 * tcp.mss). Returns 0 or SCN_ERANGE with ERR filled. */
int scn_config_check(const scn_config *cfg, char *err, size_t errlen);

/* Whether P can change anything under CFG. Returns 1, or 0 with a one-line
 * reason in WHY: IPsec and IKE settings when both hosts' policy is none,
 * Gilbert-Elliott settings under Bernoulli loss, an outage start without a
 * duration. `rekeysim run` warns about such explicit settings (exit 0). */
int scn_param_has_effect(const scn_param *p, const scn_config *cfg, char *why, size_t whylen);

/* Human form of P's value in CFG with its unit ("100 Mbps", "2 GiB", "0x14"). */
void scn_param_format(const scn_param *p, const scn_config *cfg, char *buf, size_t n);

/* SQL form for the points table: column name (dots as underscores) and SQL
 * type "INTEGER", "REAL" or "TEXT". Times are REAL seconds; enums TEXT. */
void scn_param_column(const scn_param *p, char *buf, size_t n);
const char *scn_param_sql_type(const scn_param *p);
/* For TEXT columns: the enum choice name of P's value in CFG. */
const char *scn_param_text(const scn_param *p, const scn_config *cfg);

#endif
