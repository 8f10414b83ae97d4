/*
 * Writes the whatif table (contract in results/whatif.h). The invocation's
 * id is chosen inside the same transaction as its rows, so two invocations
 * writing one database (each under the writer's lock) never share an id.
 * A database of this schema version made before the table existed has no
 * whatif table: it is refused with a message rather than altered, since the
 * schema is created in one place (results/schema.c) from results/schema.sql.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include "results/store_int.h"
#include "results/whatif.h"

/* Binds row R (index ROW) to ST's parameters 2 and on. */
static void bind_row(sqlite3_stmt *st, size_t row, const res_whatif_row *r)
{
    char fp[17];
    sqlite3_bind_int64(st, 2, (sqlite3_int64)row);
    res__bind_text_or_null(st, 7, r->candidate);
    res__bind_text_or_null(st, 8, r->change);
    res__bind_text_or_null(st, 9, r->overrides);
    res__bind_text_or_null(st, 10, r->windows_setting);
    res__bind_text_or_null(st, 11, r->source);
    res__bind_text_or_null(st, 12, r->cost_risk);
    sqlite3_bind_int(st, 13, r->applies ? 1 : 0);
    res__bind_text_or_null(st, 14, r->applies ? NULL : r->why_not);
    for (int i = 15; i <= 23; i++) sqlite3_bind_null(st, i);
    if (!r->applies) return;
    snprintf(fp, sizeof fp, "%016" PRIx64, r->fingerprint);
    sqlite3_bind_int(st, 15, r->completed ? 1 : 0);
    res__bind_text_or_null(st, 16, r->failure);
    sqlite3_bind_int64(st, 17, (sqlite3_int64)r->bytes_done);
    res__bind_real_or_null(st, 18, r->setup_s);
    res__bind_real_or_null(st, 19, r->duration_s);
    sqlite3_bind_int64(st, 20, (sqlite3_int64)r->n_stalls);
    res__bind_real_or_null(st, 21, r->stall_s);
    res__bind_real_or_null(st, 22, r->added_s);
    res__bind_text_or_null(st, 23, fp);
}

static int insert_rows(res_store *s, int64_t id, const char *scenario, const char *settings, uint64_t seed,
                       const res_whatif_row *rows, size_t n)
{
    sqlite3_stmt *st;
    char now[64];
    res__now(now, sizeof now);
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO whatif(whatif_id, row, created_at, scenario, settings, seed, candidate, "
                                "change, overrides, windows_setting, source, cost_risk, applies, why_not, completed, "
                                "failure, bytes_done, setup_s, duration_s, n_stalls, stall_s, added_s, fingerprint) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot add what-if rows");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    res__bind_text_or_null(st, 4, scenario);
    res__bind_text_or_null(st, 5, settings);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)seed);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        bind_row(st, i, &rows[i]);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : res__fail(s, rc, "cannot add what-if rows");
}

int res_whatif_check(res_store *s)
{
    int64_t has_table = 0;
    int rc =
        res__query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'whatif'", &has_table);
    if (rc || has_table) return rc;
    return res__failf(s, RES_EMISMATCH,
                      "%s has no whatif table (made by an older rekeysim of the same schema version); "
                      "use a new database for what-if rows",
                      s->path);
}

int res_whatif_store(res_store *s, const char *scenario, const char *settings, uint64_t seed,
                     const res_whatif_row *rows, size_t n, int64_t *id_out)
{
    int64_t id = 0;
    int rc = res_whatif_check(s);
    if (!rc) rc = res_store_begin(s);
    if (!rc) rc = res__query_int(s, "SELECT coalesce(max(whatif_id), 0) + 1 FROM whatif", &id);
    if (!rc) rc = insert_rows(s, id, scenario, settings, seed, rows, n);
    if (!rc) rc = res_store_commit(s);
    if (rc) {
        if (res_store_in_transaction(s)) res_store_rollback(s);
        return rc;
    }
    *id_out = id;
    return 0;
}
