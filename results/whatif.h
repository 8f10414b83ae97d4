#ifndef RESULTS_WHATIF_H
#define RESULTS_WHATIF_H
/*
 * The whatif table of the results store (results/schema.sql): the rows of
 * one `rekeysim whatif` invocation, written together in one transaction so
 * that a database holds all of an invocation or none of it. Library code:
 * never prints; errors are the store's RES_E* codes with a message in the
 * store (res_store_errmsg).
 */
#include <stddef.h>
#include <stdint.h>
#include "results/store.h"

/* One row; strings are borrowed. NAN marks a NULL real; when APPLIES is 0
 * the outcome members are not read (stored as NULL). */
typedef struct res_whatif_row {
    const char *candidate, *change, *overrides, *windows_setting, *source, *cost_risk;
    int applies;
    const char *why_not; /* NULL when the row applies */
    int completed;
    const char *failure;
    uint64_t bytes_done;
    double setup_s, duration_s;
    uint64_t n_stalls;
    double stall_s, added_s;
    uint64_t fingerprint;
} res_whatif_row;

/* Whether S can take what-if rows: 0, or RES_EMISMATCH with a message when
 * the database has no whatif table (made by an older build of the same
 * schema version), or another RES_E* code. */
int res_whatif_check(res_store *s);

/* Stores ROWS[0..N-1] as rows 0..N-1 of a new invocation (whatif_id one
 * more than the largest stored) of base configuration SCENARIO, SETTINGS,
 * SEED, in one transaction of its own (S must not be inside one). Returns 0
 * and *id_out, or a RES_E* code (RES_EMISMATCH as res_whatif_check). */
int res_whatif_store(res_store *s, const char *scenario, const char *settings, uint64_t seed,
                     const res_whatif_row *rows, size_t n, int64_t *id_out);

#endif
