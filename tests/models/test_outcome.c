/*
 * The outcome table (models/core/outcome.c) against its contract in
 * doc/design.md section 5: the field names in their fixed order, each row
 * reading the member of out_result it names, the wall-clock flags, the SQL
 * types, the JSON members (checked by a real JSON parser, python3), and the
 * failure and cause vocabularies.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/outcome.h"

/* doc/design.md section 5, in its order, with the out_result member each
 * row must read and the contract's type. */
typedef struct contract {
    const char *name;
    size_t offset;
    const char *type; /* int, real, text, hex64 */
    int nullable;
} contract;

#define M(member) offsetof(out_result, member)
static const contract want[] = {
    {"completed", M(completed), "int", 0},
    {"failure", M(failure), "text", 0},
    {"bytes_done", M(bytes_done), "int", 0},
    {"setup_s", M(setup_s), "real", 1},
    {"duration_s", M(duration_s), "real", 0},
    {"n_interruptions", M(n_interruptions), "int", 0},
    {"first_interruption_s", M(first_interruption_s), "real", 1},
    {"first_interruption_bytes", M(first_interruption_bytes), "int", 1},
    {"n_negotiations", M(n_negotiations), "int", 0},
    {"n_negotiation_failures", M(n_negotiation_failures), "int", 0},
    {"n_fallbacks", M(n_fallbacks), "int", 0},
    {"n_rekeys", M(n_rekeys), "int", 0},
    {"n_retransmits", M(n_retransmits), "int", 0},
    {"events", M(events), "int", 0},
    {"events_per_s", M(events_per_s), "real", 1},
    {"peak_pending", M(peak_pending), "int", 0},
    {"wall_s", M(wall_s), "real", 1},
    {"fingerprint", M(fingerprint), "hex64", 0},
    {"n_restarts", M(n_restarts), "int", 0}, /* issue 15 */
    {"n_copies", M(n_copies), "int", 0},     /* issue 16: fleets */
    {"n_completed", M(n_completed), "int", 0},
    {"makespan_s", M(makespan_s), "real", 1},
};
#define N_WANT (sizeof want / sizeof want[0])

Test(outcome, the_table_lists_every_documented_field_once_in_the_documented_order)
{
    cr_assert_eq(out_field_count(), N_WANT, "%zu rows, the contract has %zu", out_field_count(), N_WANT);
    for (size_t i = 0; i < N_WANT; i++) {
        const out_field *f = out_field_at(i);
        cr_assert_not_null(f);
        cr_expect_str_eq(f->name, want[i].name, "row %zu", i);
        cr_expect_eq(out_field_find(want[i].name), f, "out_field_find(\"%s\") is not row %zu", want[i].name, i);
        for (size_t j = 0; j < i; j++) cr_expect_str_neq(out_field_at(j)->name, f->name, "rows %zu and %zu", j, i);
        cr_expect(f->desc && *f->desc, "%s has no description", f->name);
    }
    cr_expect_null(out_field_at(N_WANT));
    /* seed is the point's input and interruptions have their own table. */
    cr_expect_null(out_field_find("seed"));
    cr_expect_null(out_field_find("interruptions"));
    cr_expect_null(out_field_find("Completed"));
}

Test(outcome, each_row_reads_and_writes_the_member_of_scn_result_it_names)
{
    out_result r;
    memset(&r, 0, sizeof r);
    /* A distinct value in every member, through the members themselves. */
    r.completed = 1;
    r.failure = OUT_FAIL_SMB_TIMEOUT;
    r.bytes_done = 1003;
    r.setup_s = 4.5;
    r.duration_s = 5.5;
    r.n_interruptions = 1006;
    r.first_interruption_s = 7.5;
    r.first_interruption_bytes = 1008;
    r.n_negotiations = 1009;
    r.n_negotiation_failures = 1010;
    r.n_fallbacks = 1011;
    r.n_rekeys = 1012;
    r.n_retransmits = 1013;
    r.events = 1014;
    r.events_per_s = 15.5;
    r.peak_pending = 1016;
    r.wall_s = 17.5;
    r.fingerprint = 0x0123456789abcdefu;
    r.seed = 99;
    r.n_restarts = 1019; /* issue 15 */
    r.n_copies = 1020;   /* issue 16 */
    r.n_completed = 1021;
    r.makespan_s = 1.5 + 21;
    for (size_t i = 0; i < N_WANT; i++) {
        const out_field *f = out_field_find(want[i].name);
        cr_assert_not_null(f, "no row %s", want[i].name);
        cr_expect_eq(f->offset, want[i].offset, "%s reads offset %zu, the member is at %zu", f->name, f->offset,
                     want[i].offset);
        switch (f->type) {
        case OUT_BOOL:
        case OUT_ENUM: cr_expect_eq(out_get_int(f, &r), i == 0 ? 1 : OUT_FAIL_SMB_TIMEOUT, "%s", f->name); break;
        case OUT_COUNT: cr_expect_eq(out_get_u64(f, &r), 1001 + i, "%s", f->name); break;
        case OUT_REAL: cr_expect_eq(out_get_real(f, &r), 1.5 + (double)i, "%s", f->name); break;
        case OUT_WHOLE: cr_expect_eq(out_get_real(f, &r), 1001.0 + (double)i, "%s", f->name); break;
        case OUT_HEX64: cr_expect_eq(out_get_u64(f, &r), 0x0123456789abcdefu, "%s", f->name); break;
        }
    }
    /* Setting through the table lands in the member. */
    out_set_u64(out_field_find("n_rekeys"), &r, 42);
    out_set_real(out_field_find("duration_s"), &r, 0.25);
    out_set_int(out_field_find("failure"), &r, OUT_FAIL_BLOCKED);
    cr_expect_eq(r.n_rekeys, 42);
    cr_expect_eq(r.duration_s, 0.25);
    cr_expect_eq(r.failure, OUT_FAIL_BLOCKED);
    cr_expect_eq(r.n_retransmits, 1013, "a neighbour changed");
    cr_expect_eq(r.seed, 99);
}

static const char *contract_type(out_type t)
{
    switch (t) {
    case OUT_BOOL:
    case OUT_COUNT:
    case OUT_WHOLE: return "int";
    case OUT_REAL: return "real";
    case OUT_ENUM: return "text";
    case OUT_HEX64: return "hex64";
    }
    return "?";
}

Test(outcome, each_field_has_its_documented_type_and_sql_column_and_nullable_ones_can_hold_null)
{
    for (size_t i = 0; i < N_WANT; i++) {
        const out_field *f = out_field_find(want[i].name);
        cr_assert_not_null(f);
        cr_expect_str_eq(contract_type(f->type), want[i].type, "%s", f->name);
        const char *decl = out_field_sql_decl(f);
        const char *sql = !strcmp(want[i].type, "int") ? "INTEGER" : !strcmp(want[i].type, "real") ? "REAL" : "TEXT";
        cr_expect_eq(strncmp(decl, sql, strlen(sql)), 0, "%s is declared '%s', expected %s", f->name, decl, sql);
        if (want[i].nullable)
            cr_expect_null(strstr(decl, "NOT NULL"), "%s may be null but is declared '%s'", f->name, decl);
    }
}

Test(outcome, only_events_per_s_and_wall_s_are_wall_clock_and_json_without_wall_leaves_out_exactly_those)
{
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *f = out_field_at(i);
        int wall = !strcmp(f->name, "events_per_s") || !strcmp(f->name, "wall_s");
        cr_expect_eq(f->wall_clock, wall, "%s: wall_clock %d", f->name, f->wall_clock);
    }
    out_result r = {0};
    char *with = NULL, *without = NULL;
    size_t n1 = 0, n2 = 0;
    FILE *f1 = open_memstream(&with, &n1), *f2 = open_memstream(&without, &n2);
    out_write_json_fields(f1, &r, 1);
    out_write_json_fields(f2, &r, 0);
    fclose(f1);
    fclose(f2);
    for (size_t i = 0; i < N_WANT; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\":", want[i].name);
        int wall = !strcmp(want[i].name, "events_per_s") || !strcmp(want[i].name, "wall_s");
        cr_expect_not_null(strstr(with, key), "%s missing with the wall clock", want[i].name);
        cr_expect_eq(strstr(without, key) != NULL, !wall, "%s %s without the wall clock", want[i].name,
                     wall ? "present" : "missing");
    }
    free(with);
    free(without);
}

/* Runs python3's JSON parser over "{" FIELDS "}" and returns its report:
 * one line per member, "name type value" in document order. */
static char *parse_with_python(const char *fields)
{
    char path[] = "/tmp/test_outcome_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "{%s}", fields);
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys\n"
             "d=json.load(open(sys.argv[1]), object_pairs_hook=list)\n"
             "for k,v in d: print(k, type(v).__name__, json.dumps(v))' %s",
             path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *out = calloc(1, 8192);
    size_t n = fread(out, 1, 8191, p);
    out[n] = 0;
    int st = pclose(p);
    remove(path);
    cr_assert_eq(st, 0, "python3 refused the JSON {%s}", fields);
    return out;
}

Test(outcome, the_json_members_parse_with_null_for_missing_reals_and_a_sixteen_digit_fingerprint)
{
    out_result r = {0};
    r.completed = 0;
    r.failure = OUT_FAIL_SIM_LIMIT;
    r.bytes_done = 18446744073709551615u;
    r.setup_s = NAN;
    r.duration_s = 0.2;
    r.first_interruption_s = NAN;
    r.first_interruption_bytes = NAN;
    r.events_per_s = NAN;
    r.wall_s = 0.000123;
    r.fingerprint = 0x00000000000abcdeu; /* leading zeros must be kept */
    char *json = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&json, &n);
    int ret = out_write_json_fields(f, &r, 1);
    fclose(f);
    cr_expect_eq((size_t)ret, n, "returned %d for %zu bytes written", ret, n);
    char *rep = parse_with_python(json);
    static const char *const expect = "completed int 0\n"
                                      "failure str \"sim_limit\"\n"
                                      "bytes_done int 18446744073709551615\n"
                                      "setup_s NoneType null\n"
                                      "duration_s float 0.2\n"
                                      "n_interruptions int 0\n"
                                      "first_interruption_s NoneType null\n"
                                      "first_interruption_bytes NoneType null\n"
                                      "n_negotiations int 0\n"
                                      "n_negotiation_failures int 0\n"
                                      "n_fallbacks int 0\n"
                                      "n_rekeys int 0\n"
                                      "n_retransmits int 0\n"
                                      "events int 0\n"
                                      "events_per_s NoneType null\n"
                                      "peak_pending int 0\n"
                                      "wall_s float 0.000123\n"
                                      "fingerprint str \"00000000000abcde\"\n"
                                      "n_restarts int 0\n"
                                      "n_copies int 0\n"
                                      "n_completed int 0\n"
                                      "makespan_s float 0.0\n";
    cr_expect_str_eq(rep, expect, "python3 read:\n%s\nfrom {%s}", rep, json);
    free(rep);

    /* The same record with every real present: numbers, and a whole number
     * of bytes written as an integer. */
    r.setup_s = 0.5;
    r.first_interruption_s = 1.25;
    r.first_interruption_bytes = 4364976;
    r.fingerprint = UINT64_MAX;
    free(json);
    json = NULL;
    f = open_memstream(&json, &n);
    out_write_json_fields(f, &r, 0);
    fclose(f);
    rep = parse_with_python(json);
    cr_expect_not_null(strstr(rep, "setup_s float 0.5\n"), "%s", rep);
    cr_expect_not_null(strstr(rep, "first_interruption_s float 1.25\n"), "%s", rep);
    cr_expect_not_null(strstr(rep, "first_interruption_bytes int 4364976\n"), "%s", rep);
    cr_expect_not_null(strstr(rep, "fingerprint str \"ffffffffffffffff\"\n"), "%s", rep);
    cr_expect_null(strstr(rep, "wall_s"), "%s", rep);
    free(rep);
    free(json);
}

Test(outcome, failure_and_cause_names_round_trip_and_out_of_range_codes_are_unknown)
{
    static const char *const failures[] = {"none",    "connect_timeout", "tcp_abort", "smb_timeout",
                                           "blocked", "sim_limit",       "refused"};
    static const char *const causes[] = {"rekey",   "expiry",  "idle",      "peer_negotiation",
                                         "blocked", "initial", "other_flow"};
    cr_assert_eq(OUT_N_FAILURES, 7);
    cr_expect_eq(OUT_FAIL_REFUSED, 6, "refused comes last: the older codes keep their values");
    cr_assert_eq(OUT_N_CAUSES, 7);
    cr_expect_eq(OUT_CAUSE_INITIAL, 5, "initial keeps its code: the older codes keep their values");
    cr_expect_eq(OUT_CAUSE_OTHER_FLOW, 6, "other_flow comes last: the older codes keep their values");
    for (int i = 0; i < OUT_N_FAILURES; i++) {
        cr_expect_str_eq(out_failure_name(i), failures[i]);
        cr_expect_eq(out_failure_from_name(failures[i]), i, "%s", failures[i]);
    }
    for (int i = 0; i < OUT_N_CAUSES; i++) {
        cr_expect_str_eq(out_cause_name(i), causes[i]);
        cr_expect_eq(out_cause_from_name(causes[i]), i, "%s", causes[i]);
    }
    cr_expect_eq(OUT_FAIL_TCP_ABORT, 2);
    cr_expect_eq(OUT_CAUSE_PEER_NEGOTIATION, 3);
    static const int bad[] = {-1, OUT_N_FAILURES, 1000, -2147483647 - 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_str_eq(out_failure_name(bad[i]), "unknown", "failure %d", bad[i]);
    static const int badc[] = {-1, OUT_N_CAUSES, 1000, 2147483647};
    for (size_t i = 0; i < sizeof badc / sizeof badc[0]; i++)
        cr_expect_str_eq(out_cause_name(badc[i]), "unknown", "cause %d", badc[i]);
    cr_expect_eq(out_failure_from_name("unknown"), -1);
    cr_expect_eq(out_failure_from_name("Tcp_abort"), -1);
    cr_expect_eq(out_failure_from_name(""), -1);
    cr_expect_eq(out_cause_from_name("unknown"), -1);
    cr_expect_eq(out_cause_from_name("rekey "), -1);
    /* An out-of-range failure in a result is written as "unknown", not garbage. */
    out_result r = {.failure = 17};
    char *json = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&json, &n);
    out_write_json_fields(f, &r, 0);
    fclose(f);
    cr_expect_not_null(strstr(json, "\"failure\":\"unknown\""), "%s", json);
    free(json);
}

/* issue 16: which fields each copy of a fleet has (doc/design.md section 5):
 * what one copy did, not what the kernel did or how long the run took. */
Test(outcome, per_copy_fields_are_the_copy_outcomes)
{
    static const char *const per_copy[] = {"completed",
                                           "failure",
                                           "bytes_done",
                                           "setup_s",
                                           "duration_s",
                                           "n_interruptions",
                                           "first_interruption_s",
                                           "first_interruption_bytes",
                                           "n_negotiations",
                                           "n_negotiation_failures",
                                           "n_fallbacks",
                                           "n_rekeys",
                                           "n_retransmits",
                                           "fingerprint",
                                           "n_restarts"};
    size_t n = 0;
    for (size_t i = 0; i < out_field_count(); i++) n += out_field_at(i)->per_copy != 0;
    cr_expect_eq(n, sizeof per_copy / sizeof per_copy[0], "%zu per-copy fields", n);
    for (size_t i = 0; i < sizeof per_copy / sizeof per_copy[0]; i++) {
        const out_field *f = out_field_find(per_copy[i]);
        cr_assert_not_null(f, "%s", per_copy[i]);
        cr_expect(f->per_copy, "%s is not marked per copy", per_copy[i]);
    }
    for (const char *const *run =
             (const char *const[]){"events", "peak_pending", "wall_s", "n_copies", "makespan_s", NULL};
         *run; run++)
        cr_expect(!out_field_find(*run)->per_copy, "%s is a field of the run", *run);
}
