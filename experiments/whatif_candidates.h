#ifndef EXPERIMENTS_WHATIF_CANDIDATES_H
#define EXPERIMENTS_WHATIF_CANDIDATES_H
/*
 * The candidate changes of `rekeysim whatif`: one documented row per change
 * a Windows administrator could make (or a fix Microsoft could ship), with
 * the Windows setting behind it, its source and its cost or risk. Each row
 * derives, from the configuration it is given, the KEY=VALUE overrides that
 * make the change there (so `rekeysim run ... KEY=VALUE` repeats it), or
 * says why it does not apply (already so). Nothing here decides whether a
 * change helps: cmd_whatif.c simulates every row.
 */
#include <stddef.h>
#include "models/core/params.h"

/* At most this many KEY=VALUE overrides per candidate (swapping the hosts'
 * roles touches every client.* and server.* key that differs). */
#define EXP_WHATIF_MAX_OVERRIDES 64

typedef struct exp_whatif_candidate {
    const char *name;    /* short identifier, JSON and database key: "cert" */
    const char *change;  /* what it changes, one line */
    const char *setting; /* the Windows setting behind it */
    const char *source;  /* where that comes from, with its confidence tag; see exp_whatif_source */
    const char *cost;    /* its cost or risk, one line */
} exp_whatif_candidate;

/* The overrides of one candidate under one configuration. */
typedef struct exp_whatif_overrides {
    size_t n;
    char kv[EXP_WHATIF_MAX_OVERRIDES][160]; /* "key=value", parsed back by prm_set_pair */
} exp_whatif_overrides;

/* The table, in its documented order (doc/design.md, "rekeysim whatif"). */
size_t exp_whatif_count(void);
const exp_whatif_candidate *exp_whatif_at(size_t i);

/* Candidate I's source: its own, or for a change of one registry key the
 * source of that key's registry entry followed by the candidate's note on
 * the value chosen, formatted into BUF. Returns BUF. */
const char *exp_whatif_source(size_t i, char *buf, size_t n);

/* Derives candidate I's overrides for BASE into *out. Returns 1 when the
 * change applies (out->n >= 1), 0 when it does not, with the reason in WHY
 * ("already so: ..."). Every value is written so that prm_set_pair parses
 * it back to exactly the value meant. */
int exp_whatif_derive(size_t i, const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen);

/* The overrides joined by single spaces into BUF ("" for none). */
void exp_whatif_join(const exp_whatif_overrides *o, char *buf, size_t n);

#endif
