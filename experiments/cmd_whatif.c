/*
 * `rekeysim whatif`: "what single change makes my failing copy work, and at
 * what cost?". Runs the configuration given (parsed as `rekeysim run`
 * parses it: --scenario, then KEY=VALUE through the registry), then runs it
 * again under every candidate of experiments/whatif_candidates.c with the
 * same run seed (common random numbers: rows differ by the change, not by
 * the draw), and prints one row per candidate, ordered: changes that
 * complete first, shortest duration first, then those that fail (table
 * order), then those that do not apply. "added" is a row's duration minus
 * the shortest duration of the rows that complete. Every number comes from
 * a simulation; no rule of thumb decides a row.
 *
 * A configuration that completes as given needs no change: the command says
 * so and runs no candidate (exit 0). Runs are serial: a candidate run of a
 * 2 GiB kb977526 copy takes about 0.2 s, so the pool's processes would not
 * pay for themselves.
 *
 * Every argument and the database are checked before anything runs; the
 * rows go into the database in one transaction after every run finished,
 * so bad input or a failed run leaves no row behind.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiments/commands.h"
#include "experiments/json.h"
#include "experiments/opts.h"
#include "experiments/whatif_candidates.h"
#include "models/core/params.h"
#include "models/core/presets.h"
#include "models/scenario.h"
#include "results/store.h"
#include "results/whatif.h"

#define AS_GIVEN ((size_t)-1)
#define HELP_SHOWN (-1) /* parse(): --help was printed */

/* One row: the base (cand AS_GIVEN) or a candidate, with its run. */
typedef struct wrow {
    size_t cand;
    size_t order; /* table position, the tie-break */
    int applies;
    char why[640];
    char overrides[EXP_WHATIF_MAX_OVERRIDES * 160];
    char source[600];
    out_result res; /* valid when applies */
    uint64_t n_stalls;
    double stall_s, added_s;
} wrow;

static void whatif_usage(FILE *f)
{
    fprintf(f, "usage: rekeysim whatif [--scenario NAME] [--seed N] [--json] [--db FILE] [KEY=VALUE ...]\n"
               "\n"
               "Simulates one SMB copy, then again under each candidate change (the same run\n"
               "seed for every row), and prints which changes make it complete and at what cost:\n"
               "  cert           a valid certificate for the IPsec host that lacks one\n"
               "  swap           the other host starts (roles swapped, same data flow)\n"
               "  ikeflags       IKEFlags 0x14 and the Simple Policy Update where missing\n"
               "  qm-kb-max      the largest quick-mode kilobyte lifetime Windows accepts\n"
               "  qm-time-max    the longest quick-mode time lifetime Windows accepts\n"
               "  tcp-retries    TcpMaxDataRetransmissions 10\n"
               "  sess-timeout   SessTimeout 300 s\n"
               "  both-timers    tcp-retries and sess-timeout together\n"
               "  fallback-both  the presumed fix: responders fall back too (R3 both)\n"
               "  exempt         no IPsec on the file server (everything in clear)\n"
               "Rows that complete come first, shortest duration first; \"added\" is the\n"
               "duration beyond the fastest row that completes. A change that is already so\n"
               "is listed as not applying, without a run. A copy that completes as given\n"
               "needs nothing: that is printed and no candidate runs.\n"
               "  --scenario NAME  preset applied first (default no-ipsec; see `rekeysim scenarios`)\n"
               "  --seed N         run seed of every row (default 1)\n"
               "  --json           print the rows as one JSON array (row 0: as given)\n"
               "  --db FILE        also store the rows in FILE's whatif table (created if\n"
               "                   missing), in one transaction; `rekeysim report` reads it\n"
               "  KEY=VALUE        override a parameter, as in `rekeysim run`\n"
               "\n"
               "Bad input exits 2 before anything runs; a copy that fails is a result (exit 0).\n");
}

/* ---- the runs ---- */

static void stalls(wrow *w)
{
    const out_result *r = &w->res;
    w->n_stalls = r->n_interruptions;
    w->stall_s = 0;
    for (uint64_t i = 0; i < r->n_interruptions; i++) {
        const out_interruption *e = &r->interruptions[i];
        w->stall_s += (isnan(e->end_s) ? r->duration_s : e->end_s) - e->start_s;
    }
}

/* Runs candidate W->cand (or the base) on BASE with SEED. Returns 0, or
 * EXP_RUNTIME after printing why the simulation could not run. */
static int run_row(wrow *w, const prm_config *base, uint64_t seed)
{
    prm_config cfg = *base;
    w->applies = 1;
    w->overrides[0] = 0;
    if (w->cand != AS_GIVEN) {
        exp_whatif_overrides o;
        char err[512];
        exp_whatif_source(w->cand, w->source, sizeof w->source);
        w->applies = exp_whatif_derive(w->cand, base, &o, w->why, sizeof w->why);
        if (!w->applies) return 0;
        exp_whatif_join(&o, w->overrides, sizeof w->overrides);
        for (size_t i = 0; i < o.n; i++)
            if (prm_set_pair(&cfg, o.kv[i], err, sizeof err) != 0) {
                fprintf(stderr, "rekeysim whatif: candidate %s: %s\n", exp_whatif_at(w->cand)->name, err);
                return EXP_RUNTIME;
            }
        if (prm_check(&cfg, err, sizeof err) != 0) {
            /* A change this configuration cannot take (a cross-parameter
             * rule) is a row that does not apply, with the reason. */
            snprintf(w->why, sizeof w->why, "does not apply: %s", err);
            w->applies = 0;
            return 0;
        }
    }
    int rc = scn_run(&cfg, seed, NULL, &w->res);
    if (rc != 0) {
        fprintf(stderr, "rekeysim whatif: the simulation could not run: %s\n", scn_strerror(rc));
        return EXP_RUNTIME;
    }
    stalls(w);
    return 0;
}

/* The printed order: complete (by duration), fail, do not apply. */
static int rank_of(const wrow *w) { return !w->applies ? 2 : w->res.completed ? 0 : 1; }

static int by_order(const void *pa, const void *pb)
{
    const wrow *a = pa, *b = pb;
    int ra = rank_of(a), rb = rank_of(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (ra == 0 && a->res.duration_s != b->res.duration_s) return a->res.duration_s < b->res.duration_s ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts the candidate rows ROWS[1..N-1] and fills added_s; returns the
 * index of the fastest completing row, or 0 when none completes. */
static size_t order_rows(wrow *rows, size_t n)
{
    qsort(rows + 1, n - 1, sizeof *rows, by_order);
    size_t best = n > 1 && rows[1].applies && rows[1].res.completed ? 1 : 0;
    double fastest = rows[best].res.duration_s;
    for (size_t i = 0; i < n; i++)
        rows[i].added_s = rows[i].applies && rows[i].res.completed && rows[best].res.completed
                              ? rows[i].res.duration_s - fastest
                              : NAN;
    return best;
}

/* ---- output ---- */

static const char *cand_name(const wrow *w) { return w->cand == AS_GIVEN ? "as-given" : exp_whatif_at(w->cand)->name; }

static void print_result(FILE *f, const wrow *w, uint64_t size)
{
    const out_result *r = &w->res;
    char setup[32];
    if (isnan(r->setup_s))
        snprintf(setup, sizeof setup, "never");
    else
        snprintf(setup, sizeof setup, "%.3f s", r->setup_s);
    /* A fleet (issue 16): its bytes are all copies', its duration the makespan. */
    if (r->n_copies > 1) size *= r->n_copies;
    if (r->completed)
        fprintf(f, "completes in %.2f s", r->duration_s);
    else
        fprintf(f, "FAILS (%s) after %" PRIu64 " of %" PRIu64 " bytes (%.1f %%), %.2f s", out_failure_name(r->failure),
                r->bytes_done, size, 100.0 * (double)r->bytes_done / (double)size, r->duration_s);
    if (r->n_copies > 1) fprintf(f, "; %" PRIu64 " of %" PRIu64 " copies completed", r->n_completed, r->n_copies);
    fprintf(f, "; setup %s; stalls %" PRIu64 ", %.2f s in all", setup, w->n_stalls, w->stall_s);
    if (r->n_restarts) fprintf(f, "; restarts %" PRIu64, r->n_restarts);
    fputc('\n', f);
}

static void print_table(FILE *f, const prm_config *cfg, const wrow *rows, size_t n, size_t best, int n_keys,
                        char **keys, uint64_t seed)
{
    fprintf(f, "whatif     %s", preset_table[cfg->scenario].name);
    for (int i = 0; i < n_keys; i++) fprintf(f, " %s", keys[i]);
    fprintf(f, ", run seed %" PRIu64 " for every row\nas given   ", seed);
    print_result(f, &rows[0], cfg->file_size_bytes);
    if (n == 1) {
        fprintf(f, "\nThe copy completes as given: no change is needed.\n");
        return;
    }
    if (best)
        fprintf(f, "added      the duration beyond the fastest change that completes (%s, %.2f s)\n\n",
                cand_name(&rows[best]), rows[best].res.duration_s);
    else
        fprintf(f, "\nNo single change of the table makes this copy complete.\n\n");
    fprintf(f, "%-3s %-14s %-21s %11s %9s %6s %10s %8s %10s  %s\n", "#", "change", "result", "duration", "setup",
            "stalls", "stalled", "restarts", "added", "cost or risk");
    for (size_t i = 1; i < n; i++) {
        const wrow *w = &rows[i];
        const exp_whatif_candidate *c = exp_whatif_at(w->cand);
        if (!w->applies) {
            fprintf(f, "%-3zu %-14s %s\n", i, c->name, w->why);
            continue;
        }
        char result[40], setup[16], added[24];
        if (w->res.completed)
            snprintf(result, sizeof result, "completes");
        else if (w->res.n_copies > 1) /* a fleet: how many of its copies made it */
            snprintf(result, sizeof result, "FAILS %s %" PRIu64 "/%" PRIu64, out_failure_name(w->res.failure),
                     w->res.n_completed, w->res.n_copies);
        else
            snprintf(result, sizeof result, "FAILS %s", out_failure_name(w->res.failure));
        if (isnan(w->res.setup_s))
            snprintf(setup, sizeof setup, "never");
        else
            snprintf(setup, sizeof setup, "%.3f s", w->res.setup_s);
        if (isnan(w->added_s))
            snprintf(added, sizeof added, "-");
        else
            snprintf(added, sizeof added, "+%.2f s", w->added_s);
        fprintf(f, "%-3zu %-14s %-21s %9.2f s %9s %6" PRIu64 " %8.2f s %8" PRIu64 " %10s  %s\n", i, c->name, result,
                w->res.duration_s, setup, w->n_stalls, w->stall_s, w->res.n_restarts, added, c->cost);
    }
    fprintf(f, "\nWhat each row changes (KEY=VALUE to add to a `rekeysim run` of the same configuration):\n");
    for (size_t i = 1; i < n; i++) {
        const wrow *w = &rows[i];
        const exp_whatif_candidate *c = exp_whatif_at(w->cand);
        fprintf(f, "%-3zu %-14s %s\n", i, c->name, c->change);
        if (w->applies) fprintf(f, "%18s%s\n", "", w->overrides);
        fprintf(f, "%18sWindows: %s\n%18ssource: %s\n", "", c->setting, "", w->source);
    }
}

static void json_real(FILE *f, const char *key, double v)
{
    if (isnan(v))
        fprintf(f, ",\"%s\":null", key);
    else
        fprintf(f, ",\"%s\":%.9f", key, v);
}

static void json_field(FILE *f, const char *key, const char *s)
{
    fprintf(f, ",\"%s\":", key);
    if (s)
        exp_json_string(f, s);
    else
        fputs("null", f);
}

static void print_json(FILE *f, const prm_config *cfg, const wrow *rows, size_t n, const char *settings, uint64_t seed)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        const wrow *w = &rows[i];
        const exp_whatif_candidate *c = w->cand == AS_GIVEN ? NULL : exp_whatif_at(w->cand);
        fprintf(f, "%s\n{\"row\":%zu", i ? "," : "", i);
        json_field(f, "scenario", preset_table[cfg->scenario].name);
        json_field(f, "settings", settings);
        fprintf(f, ",\"seed\":%" PRIu64, seed);
        json_field(f, "candidate", cand_name(w));
        json_field(f, "change", c ? c->change : "the configuration as given");
        json_field(f, "overrides", w->overrides);
        json_field(f, "windows_setting", c ? c->setting : "");
        json_field(f, "source", c ? w->source : "");
        json_field(f, "cost_risk", c ? c->cost : "");
        fprintf(f, ",\"applies\":%s", w->applies ? "true" : "false");
        json_field(f, "why_not", w->applies ? NULL : w->why);
        if (w->applies) {
            fprintf(f, ",\"completed\":%s", w->res.completed ? "true" : "false");
            json_field(f, "failure", out_failure_name(w->res.failure));
            fprintf(f, ",\"bytes_done\":%" PRIu64, w->res.bytes_done);
            json_real(f, "setup_s", w->res.setup_s);
            json_real(f, "duration_s", w->res.duration_s);
            fprintf(f, ",\"n_stalls\":%" PRIu64, w->n_stalls);
            json_real(f, "stall_s", w->stall_s);
            json_real(f, "added_s", w->added_s);
            /* Every outcome field of the outcome table, so a field added
             * there (n_restarts, with restartable copies) appears here. */
            fputs(",\"outcome\":{", f);
            out_write_json_fields(f, &w->res, 0);
            fputc('}', f);
        } else {
            fputs(",\"completed\":null,\"failure\":null,\"bytes_done\":null,\"setup_s\":null,\"duration_s\":null,"
                  "\"n_stalls\":null,\"stall_s\":null,\"added_s\":null,\"outcome\":null",
                  f);
        }
        fputc('}', f);
    }
    fputs("\n]\n", f);
}

/* ---- the database ---- */

static int open_db(const char *path, const char *command_line, res_store **out)
{
    char err[1024];
    int rc = res_store_check_name(path, err, sizeof err);
    if (!rc) rc = res_store_new(path, RES_OPEN_CREATE, command_line, err, sizeof err, out);
    if (!rc && (rc = res_whatif_check(*out)) != 0) {
        snprintf(err, sizeof err, "%s", res_store_errmsg(*out));
        res_store_free(*out);
        *out = NULL;
    } else if (!rc && (rc = res_store_lock(*out)) != 0) {
        if (rc == RES_EBUSY)
            snprintf(err, sizeof err, "%s is being written by a sweep or a merge; wait for it or use another --db",
                     path);
        else
            snprintf(err, sizeof err, "%s", res_store_errmsg(*out));
        res_store_free(*out);
        *out = NULL;
    }
    if (!rc) return EXP_OK;
    fprintf(stderr, "rekeysim whatif: %s\n", err);
    return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
}

static int store_rows(res_store *st, const char *path, const prm_config *cfg, const wrow *rows, size_t n,
                      const char *settings, uint64_t seed)
{
    res_whatif_row *out = calloc(n, sizeof *out);
    if (!out) return EXP_RUNTIME;
    for (size_t i = 0; i < n; i++) {
        const wrow *w = &rows[i];
        const exp_whatif_candidate *c = w->cand == AS_GIVEN ? NULL : exp_whatif_at(w->cand);
        out[i] = (res_whatif_row){.candidate = cand_name(w),
                                  .change = c ? c->change : "the configuration as given",
                                  .overrides = w->overrides,
                                  .windows_setting = c ? c->setting : "",
                                  .source = c ? w->source : "",
                                  .cost_risk = c ? c->cost : "",
                                  .applies = w->applies,
                                  .why_not = w->applies ? NULL : w->why};
        if (!w->applies) continue;
        out[i].completed = w->res.completed;
        out[i].failure = out_failure_name(w->res.failure);
        out[i].bytes_done = w->res.bytes_done;
        out[i].setup_s = w->res.setup_s;
        out[i].duration_s = w->res.duration_s;
        out[i].n_stalls = w->n_stalls;
        out[i].stall_s = w->stall_s;
        out[i].added_s = w->added_s;
        out[i].fingerprint = w->res.fingerprint;
    }
    int64_t id;
    int rc = res_whatif_store(st, preset_table[cfg->scenario].name, settings, seed, out, n, &id);
    free(out);
    if (rc == 0) return EXP_OK;
    fprintf(stderr, "rekeysim whatif: cannot store the rows in %s: %s\n", path, res_store_errmsg(st));
    return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
}

/* ---- the command ---- */

static int bad(const char *msg)
{
    fprintf(stderr, "rekeysim whatif: %s\n", msg);
    return EXP_INPUT;
}

/* Parses the command line into CFG, *SEED, *JSON, *DB and KEYS (the
 * KEY=VALUE arguments, *N_KEYS of them). Returns EXP_OK, HELP_SHOWN after
 * --help, or EXP_INPUT after printing the message. */
static int parse(int argc, char **argv, prm_config *cfg, uint64_t *seed, int *json, const char **db, char **keys,
                 int *n_keys)
{
    const char *scenario = "no-ipsec", *v;
    char err[512];
    int rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (exp_opt_is(a, "--help", "-h")) {
            whatif_usage(stdout);
            return HELP_SHOWN;
        } else if (!strcmp(a, "--json")) {
            *json = 1;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--scenario", &v)) != 0) {
            if (rc < 0) goto missing;
            scenario = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--seed", &v)) != 0) {
            if (rc < 0) goto missing;
            if (exp_opt_u64(v, seed) != 0) {
                snprintf(err, sizeof err, "--seed '%s' is not a whole number from 0 to 2^64-1", v);
                return bad(err);
            }
        } else if ((rc = exp_opt_value(argc, argv, &i, "--db", &v)) != 0) {
            if (rc < 0) goto missing;
            if (!v[0]) return bad("--db needs a file name");
            *db = v;
        } else if (a[0] == '-') {
            snprintf(err, sizeof err, "unknown option '%s'; see rekeysim whatif --help", a);
            return bad(err);
        } else if (strchr(a, '=')) {
            keys[(*n_keys)++] = argv[i];
        } else {
            snprintf(err, sizeof err, "'%s' is neither an option nor KEY=VALUE; see rekeysim whatif --help", a);
            return bad(err);
        }
    }
    prm_defaults(cfg);
    if (prm_apply_preset(cfg, scenario, err, sizeof err) != 0) return bad(err);
    for (int i = 0; i < *n_keys; i++)
        if (prm_set_pair(cfg, keys[i], err, sizeof err) != 0) return bad(err);
    if (prm_check(cfg, err, sizeof err) != 0) return bad(err);
    exp_warn_no_effect("whatif", cfg, *n_keys, keys);
    return EXP_OK;
missing:
    snprintf(err, sizeof err, "%s needs a value", argv[argc - 1]);
    return bad(err);
}

int exp_cmd_whatif(int argc, char **argv)
{
    prm_config cfg;
    uint64_t seed = 1;
    int json = 0, n_keys = 0, rc;
    const char *db_path = NULL;
    res_store *st = NULL;
    size_t n_rows = 1 + exp_whatif_count(), n = 0;
    char **keys = calloc((size_t)argc + 1, sizeof *keys);
    wrow *rows = calloc(n_rows, sizeof *rows);
    char *settings = NULL;
    if (!keys || !rows) goto oom;
    rc = parse(argc, argv, &cfg, &seed, &json, &db_path, keys, &n_keys);
    if (rc != EXP_OK) goto done;
    size_t len = 1;
    for (int i = 0; i < n_keys; i++) len += strlen(keys[i]) + 1;
    if (!(settings = calloc(len, 1))) goto oom;
    for (int i = 0; i < n_keys; i++) strcat(strcat(settings, i ? " " : ""), keys[i]);
    if (db_path) {
        char *cl = exp_opt_join_command(argc, argv);
        rc = open_db(db_path, cl, &st);
        free(cl);
        if (rc != EXP_OK) goto done;
    }
    rows[0].cand = AS_GIVEN;
    if ((rc = run_row(&rows[n++], &cfg, seed)) != 0) goto done;
    if (!rows[0].res.completed)
        for (size_t i = 0; i < exp_whatif_count(); i++) {
            rows[n].cand = i;
            rows[n].order = i;
            if ((rc = run_row(&rows[n++], &cfg, seed)) != 0) goto done;
        }
    size_t best = order_rows(rows, n);
    if (st && (rc = store_rows(st, db_path, &cfg, rows, n, settings, seed)) != EXP_OK) goto done;
    if (json)
        print_json(stdout, &cfg, rows, n, settings, seed);
    else
        print_table(stdout, &cfg, rows, n, best, n_keys, keys, seed);
    rc = fflush(stdout) == 0 ? EXP_OK : EXP_RUNTIME;
    goto done;
oom:
    fprintf(stderr, "rekeysim whatif: out of memory\n");
    rc = EXP_RUNTIME;
done:
    for (size_t i = 0; rows && i < n; i++)
        if (rows[i].applies) out_result_fini(&rows[i].res);
    res_store_free(st);
    free(settings);
    free(rows);
    free(keys);
    return rc == HELP_SHOWN ? EXP_OK : rc;
}
