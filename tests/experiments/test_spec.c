/*
 * Sweep specs: every value form (value, list, log and lin ranges, mixed
 * lists, units), the special keys, the canonical expansion order and
 * counts, the spec hash (comments do not change it, values do), and every
 * error naming file, line and key.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "experiments/spec.h"
#include "models/core/params.h"

static exp_spec *parse_ok(const char *text)
{
    exp_spec *spec = NULL;
    char err[1024] = "";
    int rc = exp_spec_new_text("t.ini", text, err, sizeof err, &spec);
    cr_assert_eq(rc, 0, "spec rejected: %s\n%s", err, text);
    return spec;
}

/* Parses TEXT, which must fail; returns the message. */
static const char *parse_fails(const char *text)
{
    static char err[1024];
    exp_spec *spec = NULL;
    err[0] = 0;
    int rc = exp_spec_new_text("t.ini", text, err, sizeof err, &spec);
    cr_assert_eq(rc, EXP_ESPEC, "spec accepted (rc %d):\n%s", rc, text);
    cr_assert_null(spec);
    return err;
}

static void expect_error(const char *text, const char *where, const char *key)
{
    const char *err = parse_fails(text);
    cr_expect(strstr(err, where) != NULL, "message '%s' lacks '%s'", err, where);
    if (key) cr_expect(strstr(err, key) != NULL, "message '%s' lacks the key '%s'", err, key);
}

static const exp_axis *axis(const exp_experiment *e, const char *name)
{
    for (size_t i = 0; i < e->n_axes; i++)
        if (!strcmp(e->axes[i].param->name, name)) return &e->axes[i];
    cr_assert_fail("no axis %s", name);
    return NULL;
}

Test(spec, a_single_value_is_one_point_with_defaults_for_the_rest)
{
    exp_spec *s = parse_ok("[experiment one]\nfile.size = 2MiB\n");
    cr_assert_eq(s->n, 1);
    const exp_experiment *e = &s->exps[0];
    cr_expect_str_eq(e->name, "one");
    cr_expect_eq(e->kind, EXP_GRID);
    cr_expect_eq(e->n_points, 1);
    cr_expect_eq(e->replications, 1);
    cr_expect_eq(e->seed, 1);
    cr_expect_eq(e->n_runs_min, 1);
    prm_config cfg;
    char err[256];
    cr_assert_eq(exp_point_config(e, 0, 0, &cfg, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cfg.file_size_bytes, 2097152);
    exp_spec_free(s);
}

Test(spec, lists_take_units_and_keep_the_order_written)
{
    exp_spec *s = parse_ok("[experiment l]\nlink.rate = 10Mbps, 100Mbps,1Gbps\nclient.os = xp, vista\n");
    const exp_axis *a = axis(&s->exps[0], "link.rate");
    cr_assert_eq(a->n, 3);
    cr_expect_eq(a->values[0], 1e7);
    cr_expect_eq(a->values[1], 1e8);
    cr_expect_eq(a->values[2], 1e9);
    cr_expect_eq(axis(&s->exps[0], "client.os")->n, 2);
    cr_expect_eq(s->exps[0].n_points, 6);
    exp_spec_free(s);
}

Test(spec, log_ranges_hit_both_ends_and_round_sizes_to_bytes)
{
    exp_spec *s = parse_ok("[experiment r]\nfile.size = 1MiB..16GiB log 15\n");
    const exp_axis *a = axis(&s->exps[0], "file.size");
    cr_assert_eq(a->n, 15);
    cr_expect_eq(a->values[0], 1048576.0);
    cr_expect_eq(a->values[14], 17179869184.0);
    /* 16 GiB / 1 MiB = 2^14 over 14 steps: every step doubles exactly. */
    for (size_t i = 1; i < a->n; i++) cr_expect_eq(a->values[i], 2 * a->values[i - 1], "step %zu", i);
    for (size_t i = 0; i < a->n; i++) cr_expect_eq(a->values[i], floor(a->values[i]));
    exp_spec_free(s);
}

Test(spec, lin_ranges_space_evenly_and_mix_with_values_in_a_list)
{
    exp_spec *s = parse_ok("[experiment r]\nlink.loss = 0..0.02 lin 5\nlink.delay = 1ms, 10ms..30ms lin 3\n");
    const exp_axis *a = axis(&s->exps[0], "link.loss");
    cr_assert_eq(a->n, 5);
    double want[] = {0, 0.005, 0.01, 0.015, 0.02};
    for (int i = 0; i < 5; i++) cr_expect(fabs(a->values[i] - want[i]) < 1e-15, "loss %d = %g", i, a->values[i]);
    const exp_axis *d = axis(&s->exps[0], "link.delay");
    cr_assert_eq(d->n, 4);
    cr_expect_eq(d->values[0], 1e6); /* base unit: ns */
    cr_expect_eq(d->values[1], 1e7);
    cr_expect_eq(d->values[2], 2e7);
    cr_expect_eq(d->values[3], 3e7);
    cr_expect_eq(s->exps[0].n_points, 20);
    exp_spec_free(s);
}

Test(spec, expansion_is_the_cartesian_product_with_the_last_key_fastest)
{
    exp_spec *s = parse_ok("[experiment o]\nlink.rate = 10Mbps, 100Mbps\nfile.size = 1MiB, 2MiB, 3MiB\n"
                           "replications = 4\n");
    const exp_experiment *e = &s->exps[0];
    cr_assert_eq(e->n_points, 6);
    cr_expect_eq(e->n_runs_min, 24);
    uint64_t rate[] = {10000000, 10000000, 10000000, 100000000, 100000000, 100000000};
    uint64_t size[] = {1048576, 2097152, 3145728, 1048576, 2097152, 3145728};
    for (uint64_t i = 0; i < 6; i++) {
        prm_config cfg;
        char err[256];
        cr_assert_eq(exp_point_config(e, i, 0, &cfg, err, sizeof err), 0, "%s", err);
        cr_expect_eq(cfg.link.rate_bps, rate[i], "point %llu", (unsigned long long)i + 1);
        cr_expect_eq(cfg.file_size_bytes, size[i], "point %llu", (unsigned long long)i + 1);
    }
    exp_spec_free(s);
}

Test(spec, explicit_keys_override_the_scenario_whatever_their_order)
{
    /* kb977526 sets server.os=xp; the explicit key, written first, wins. */
    exp_spec *s = parse_ok("[experiment p]\nserver.os = 2003\nscenario = kb977526, no-ipsec\n");
    const exp_experiment *e = &s->exps[0];
    cr_assert_eq(e->n_points, 2);
    for (uint64_t i = 0; i < 2; i++) {
        prm_config cfg;
        char err[256];
        cr_assert_eq(exp_point_config(e, i, 0, &cfg, err, sizeof err), 0, "%s", err);
        cr_expect_eq(cfg.host[PRM_SERVER].os, PRM_OS_2003);
        cr_expect_str_eq(prm_text(prm_find("scenario"), &cfg), i == 0 ? "kb977526" : "no-ipsec");
    }
    prm_config cfg;
    char err[256];
    exp_point_config(e, 0, 0, &cfg, err, sizeof err);
    cr_expect_eq(cfg.host[PRM_CLIENT].cert, PRM_CERT_NONE, "the preset's other settings apply");
    exp_spec_free(s);
}

Test(spec, several_experiments_indented_keys_comments_and_continuations)
{
    exp_spec *s = parse_ok("; a comment\n# another\n[experiment a]\n  file.size = 1MiB, ; inline comment\n"
                           "      2MiB  # and this\n[experiment b]\nreplications = 3\nseed = 16\n");
    cr_assert_eq(s->n, 2);
    cr_expect_eq(axis(&s->exps[0], "file.size")->n, 2);
    cr_expect_eq(s->exps[1].replications, 3);
    cr_expect_eq(s->exps[1].seed, 16);
    cr_expect_eq(s->exps[1].n_points, 1);
    cr_expect(strstr(s->exps[0].text, "[experiment a]") == s->exps[0].text, "section text starts at its header");
    cr_expect(strstr(s->exps[0].text, "[experiment b]") == NULL, "section text stops at the next header");
    exp_spec_free(s);
}

Test(spec, target_and_search_are_read_with_their_defaults)
{
    exp_spec *s = parse_ok("[experiment t]\nfile.size = 1MiB\ntarget = p_complete ±0.05\nreplications = 10\n"
                           "[experiment u]\ntarget = duration_mean_s +-0.5\nmax_replications = 40\nreplications = 5\n"
                           "[experiment s]\nlink.rate = 10Mbps, 100Mbps\nfile.size = 1MiB..1GiB\n"
                           "search = file.size for p_complete = 0.95\n");
    const exp_experiment *t = &s->exps[0], *u = &s->exps[1], *x = &s->exps[2];
    cr_expect_eq(t->kind, EXP_TARGET);
    cr_expect_eq(t->outcome, EXP_P_COMPLETE);
    cr_expect_eq(t->target_halfwidth, 0.05);
    cr_expect_eq(t->max_replications, 100, "default max_replications is 10 x replications");
    cr_expect_eq(u->outcome, EXP_DURATION_MEAN);
    cr_expect_eq(u->max_replications, 40);
    cr_expect_eq(x->kind, EXP_SEARCH);
    cr_expect_eq(x->n_points, 2, "two combinations of the other axes");
    cr_expect_eq(x->precision, 0.05);
    cr_expect_eq(x->search_value, 0.95);
    const exp_axis *a = &x->axes[x->search_axis];
    cr_expect_str_eq(a->param->name, "file.size");
    cr_expect_eq(a->n, 2);
    /* ln(1024) / ln(1.05) = 142 -> 8 halvings; 2 ends + 8 + 1 spare. */
    cr_expect_eq(x->probes_per_combo, 11);
    prm_config cfg;
    char err[256];
    cr_assert_eq(exp_point_config(x, 1, 5e6, &cfg, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cfg.link.rate_bps, 100000000);
    cr_expect_eq(cfg.file_size_bytes, 5000000);
    exp_spec_free(s);
}

Test(spec, max_probes_cover_the_halvings_needed)
{
    cr_expect_eq(exp_search_max_probes(1, 2, 0.05), 3 + 4); /* ln 2 / ln 1.05 = 14.2 -> 4 halvings */
    cr_expect_eq(exp_search_max_probes(1, 1.04, 0.05), 3);
    cr_expect_eq(exp_search_max_probes(100, 1e6, 0.01), 3 + 10);
}

Test(spec, the_hash_ignores_comments_and_spacing_but_not_values)
{
    exp_spec *a = parse_ok("[experiment h]\nfile.size = 1MiB,2MiB\nreplications = 2\n");
    exp_spec *b = parse_ok("; note\n[experiment h]\n# why\nfile.size =  1MiB , 2MiB ; sizes\nreplications=2\n");
    exp_spec *c = parse_ok("[experiment h]\nfile.size = 1MiB,2MiB\nreplications = 3\n");
    exp_spec *d = parse_ok("[experiment h2]\nfile.size = 1MiB,2MiB\nreplications = 2\n");
    cr_expect_str_eq(a->exps[0].hash, b->exps[0].hash);
    cr_expect_str_neq(a->exps[0].hash, c->exps[0].hash);
    cr_expect_str_neq(a->exps[0].hash, d->exps[0].hash);
    cr_expect_eq(strlen(a->exps[0].hash), 16);
    exp_spec_free(a);
    exp_spec_free(b);
    exp_spec_free(c);
    exp_spec_free(d);
}

Test(spec, every_error_names_file_line_and_key)
{
    expect_error("[experiment e]\nfile.size = 1MiB\nlink.rat = 10Mbps\n", "t.ini:3:", "link.rat");
    cr_expect(strstr(parse_fails("[experiment e]\nlink.rat = 10Mbps\n"), "link.rate") != NULL, "did you mean");
    expect_error("[experiment e]\n\nfile.size = 12XB\n", "t.ini:3:", "file.size");
    expect_error("[experiment e]\nlink.loss = 2\n", "t.ini:2:", "link.loss");
    expect_error("[experiment e]\nfile.size = 1MiB, , 2MiB\n", "t.ini:2:", "file.size");
    expect_error("[experiment e]\nfile.size = 1MiB..2MiB\n", "t.ini:2:", "file.size");
    expect_error("[experiment e]\nfile.size = 1MiB..2MiB cubic 4\n", "t.ini:2:", "file.size");
    expect_error("[experiment e]\nfile.size = 0..2MiB log 4\n", "t.ini:2:", "file.size");
    expect_error("[experiment e]\nclient.os = xp..vista lin 2\n", "t.ini:2:", "client.os");
    expect_error("[experiment e]\nfile.size = 1MiB, 1MiB\n", "t.ini:2:", "file.size");
    expect_error("[experiment e]\nfile.size = 1..3 lin 5\n", "t.ini:2:", "file.size");
    expect_error("[experiment e]\nscenario = nosuch\n", "t.ini:2:", "scenario");
    expect_error("[experiment e]\nfile.size = 1MiB\nfile.size = 2MiB\n", "t.ini:3:", "file.size");
    expect_error("[experiment e]\nreplications = 0\n", "t.ini:2:", "replications");
    expect_error("[experiment e]\nreplications = many\n", "t.ini:2:", "replications");
    expect_error("[experiment e]\nseed = -1\n", "t.ini:2:", "seed");
    expect_error("[experiment e]\nreplications = 5\nmax_replications = 3\ntarget = p_complete +-0.1\n",
                 "t.ini:3:", "max_replications");
    expect_error("[experiment e]\nmax_replications = 3\n", "t.ini:2:", "max_replications");
    expect_error("[experiment e]\ntarget = p_complete 0.05\n", "t.ini:2:", "target");
    expect_error("[experiment e]\ntarget = speed ±0.05\n", "t.ini:2:", "target");
    expect_error("[experiment e]\ntarget = p_complete ±0.7\n", "t.ini:2:", "target");
    expect_error("[experiment e]\nsearch = file.size p_complete 0.95\n", "t.ini:2:", "search");
    expect_error("[experiment e]\nsearch = client.os for p_complete = 0.95\n", "t.ini:2:", "search");
    expect_error("[experiment e]\nsearch = file.size for p_complete = 1.5\nfile.size = 1MiB..2MiB\n",
                 "t.ini:2:", "search");
    expect_error("[experiment e]\nsearch = file.size for p_complete = 0.9\nfile.size = 1MiB, 2MiB\n",
                 "t.ini:3:", "file.size");
    expect_error("[experiment e]\nsearch = file.size for p_complete = 0.9\nfile.size = 1MiB..2MiB log 4\n",
                 "t.ini:3:", "file.size");
    expect_error("[experiment e]\nsearch = file.size for p_complete = 0.9\nfile.size = 2MiB..1MiB\n",
                 "t.ini:3:", "file.size");
    expect_error("[experiment e]\nfile.size = 1MiB\nsearch = link.rate for p_complete = 0.9\n",
                 "t.ini:1:", "link.rate");
    expect_error("[experiment e]\nprecision = 0.1\n", "t.ini:2:", "precision");
    expect_error("[experiment e]\ntarget = p_complete +-0.1\nsearch = file.size for p_complete = 0.9\n",
                 "t.ini:3:", "search");
    expect_error("file.size = 1MiB\n[experiment e]\n", "t.ini:1:", "file.size");
    expect_error("[experiment e]\nthis line has no equals sign\n", "t.ini:2:", NULL);
    expect_error("[results]\nfile.size = 1MiB\n", "t.ini:1:", "results");
    expect_error("[experiment]\n", "t.ini:1:", NULL);
    expect_error("[experiment a b]\n", "t.ini:1:", "a b");
    expect_error("[experiment a]\n[experiment a]\n", "t.ini:2:", "a");
    expect_error("; nothing\n", "t.ini", "experiment");
}

Test(spec, an_overlong_line_is_an_error_not_a_silent_split)
{
    char text[600];
    int n = snprintf(text, sizeof text, "[experiment e]\nfile.size = 1MiB");
    for (int i = 0; i < 60; i++) n += snprintf(text + n, sizeof text - (size_t)n, ", %dMiB", i + 2);
    snprintf(text + n, sizeof text - (size_t)n, "\n");
    expect_error(text, "t.ini:2:", "line");
}

Test(spec, a_missing_file_is_a_read_error_naming_it)
{
    exp_spec *s = NULL;
    char err[512];
    cr_expect_eq(exp_spec_new("/nonexistent/x.ini", err, sizeof err, &s), EXP_EREAD);
    cr_expect(strstr(err, "/nonexistent/x.ini") != NULL, "%s", err);
    cr_expect_null(s);
}

Test(spec, a_point_failing_the_cross_checks_is_named)
{
    exp_spec *s = parse_ok("[experiment c]\ntcp.mss = 1460, 1600\n");
    prm_config cfg;
    char err[512] = "";
    cr_expect_eq(exp_point_config(&s->exps[0], 0, 0, &cfg, err, sizeof err), 0, "%s", err);
    cr_expect_eq(exp_point_config(&s->exps[0], 1, 0, &cfg, err, sizeof err), EXP_ESPEC);
    cr_expect(strstr(err, "point 2") && strstr(err, "tcp.mss"), "%s", err);
    exp_spec_free(s);
}

Test(spec, an_indented_header_is_a_header_and_an_unclosed_one_an_error)
{
    exp_spec *s = parse_ok("[experiment a]\nfile.size = 1MiB\n  [experiment b]\nreplications = 2\n");
    cr_assert_eq(s->n, 2, "the indented header starts a section, it does not continue file.size");
    cr_expect_eq(axis(&s->exps[0], "file.size")->n, 1);
    cr_expect_eq(s->exps[1].replications, 2);
    exp_spec_free(s);
    expect_error("[experiment a]\nfile.size = 1MiB\n  [experiment b\n", "t.ini:3:", "unclosed");
    expect_error("[experiment a\nfile.size = 1MiB\n", "t.ini:1:", "unclosed");
}

Test(spec, a_byte_order_mark_or_empty_first_line_changes_nothing)
{
    static const char *const texts[] = {"[experiment a]\nfile.size = 1MiB, 2MiB\n",
                                        "\xef\xbb\xbf[experiment a]\nfile.size = 1MiB, 2MiB\n",
                                        "\n[experiment a]\nfile.size = 1MiB, 2MiB\n"};
    char hash[17] = "";
    for (size_t i = 0; i < 3; i++) {
        exp_spec *s = parse_ok(texts[i]);
        cr_expect_eq(s->exps[0].n_points, 2, "text %zu", i);
        if (i == 0)
            memcpy(hash, s->exps[0].hash, sizeof hash);
        else
            cr_expect_str_eq(s->exps[0].hash, hash, "text %zu", i);
        exp_spec_free(s);
    }
}

/* ---- issue 11 ---- */

/* A spec whose one key holds N_VALUES sizes (1 KiB, 2 KiB, ...; the last
 * one LAST KiB), ten to a line, continued over indented lines as users
 * write long lists. Caller frees. */
static char *long_list_spec(const char *key, int n_values, int last)
{
    size_t cap = 64 + (size_t)n_values * 16;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t n = (size_t)snprintf(text, cap, "[experiment long]\n%s = ", key);
    for (int i = 1; i <= n_values; i++)
        n += (size_t)snprintf(text + n, cap - n, "%dKiB%s%s", i == n_values ? last : i, i < n_values ? "," : "",
                              i % 10 == 0 ? "\n    " : " ");
    snprintf(text + n, cap - n, "\n");
    return text;
}

Test(spec, two_specs_differing_past_the_first_1024_characters_of_a_value_hash_differently)
{
    /* 400 values, about 3,000 characters: the two differ only in the last. */
    char *a_text = long_list_spec("file.size", 400, 400), *b_text = long_list_spec("file.size", 400, 401);
    exp_spec *a = parse_ok(a_text), *b = parse_ok(b_text);
    cr_assert_eq(axis(&a->exps[0], "file.size")->values[399], 400 * 1024.0);
    cr_assert_eq(axis(&b->exps[0], "file.size")->values[399], 401 * 1024.0);
    cr_expect_str_neq(a->exps[0].hash, b->exps[0].hash, "the spec hash must cover the whole value");
    exp_spec_free(a);
    exp_spec_free(b);
    free(a_text);
    free(b_text);
}

Test(spec, short_values_keep_the_hash_existing_databases_hold)
{
    /* Computed by the build before issue 11 (FNV-1a 64 of "h\nfile.size=1MiB,2MiB\nreplications=2\n"):
     * a database made then must still match its spec. */
    exp_spec *a = parse_ok("[experiment h]\nfile.size = 1MiB , 2MiB ; sizes\nreplications = 2\n");
    cr_expect_str_eq(a->exps[0].hash, "d165645879b44e2c");
    exp_spec *b = parse_ok("[experiment h]\nfile.size = 1MiB..16GiB  log 15,\n   3GiB\nlink.rate = 10Mbps\n");
    cr_expect_str_eq(b->exps[0].hash, "d2a50029822c55e4");
    exp_spec_free(a);
    exp_spec_free(b);
}

Test(spec, a_list_over_the_cap_is_refused_naming_key_count_and_cap)
{
    char *ok_text = long_list_spec("file.size", 10000, 10000), *big_text = long_list_spec("file.size", 10001, 10001);
    exp_spec *s = parse_ok(ok_text);
    cr_expect_eq(s->exps[0].n_points, 10000);
    exp_spec_free(s);
    const char *err = parse_fails(big_text);
    cr_expect(strstr(err, "t.ini:2:") && strstr(err, "file.size") && strstr(err, "10001") && strstr(err, "10000"), "%s",
              err);
    free(ok_text);
    free(big_text);
    /* Ranges count with their points: at most 100,000 values per key. */
    err = parse_fails("[experiment r]\nlink.queue = 1..100000 lin 100000, 200000..300000 lin 2\n");
    cr_expect(strstr(err, "link.queue") && strstr(err, "100002") && strstr(err, "100000"), "%s", err);
}

Test(spec, a_repeated_value_in_a_long_list_is_found_and_named)
{
    char *text = long_list_spec("file.size", 5000, 17);
    const char *err = parse_fails(text);
    cr_expect(strstr(err, "value 5000 repeats value 17"), "%s", err);
    free(text);
}

Test(spec, search_and_target_numbers_must_be_finite)
{
    static const char *const bad[] = {
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for duration_mean_s = nan\n",
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for duration_mean_s = inf\n",
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for interruptions_mean = -infinity\n",
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for duration_mean_s = -3\n",
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for p_complete = nan\n",
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for p_complete = 0.9\nprecision = nan\n",
        "[experiment e]\nfile.size = 1MiB..1GiB\nsearch = file.size for p_complete = 0.9\nprecision = inf\n",
        "[experiment e]\ntarget = duration_mean_s +-inf\n",
        "[experiment e]\ntarget = duration_mean_s +-nan\n",
        "[experiment e]\ntarget = interruptions_mean +-1e999\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        exp_spec *s = NULL;
        char err[1024] = "";
        int rc = exp_spec_new_text("t.ini", bad[i], err, sizeof err, &s);
        cr_expect_eq(rc, EXP_ESPEC, "accepted:\n%s", bad[i]);
        if (rc == 0) {
            exp_spec_free(s);
            continue;
        }
        cr_expect(strstr(err, "t.ini:3:") || strstr(err, "t.ini:4:") || strstr(err, "t.ini:2:"), "%s", err);
        cr_expect(strstr(err, "finite") || strstr(err, "number"), "message '%s' says what is expected", err);
    }
}

Test(spec, whole_numbers_are_decimal_a_leading_zero_included)
{
    exp_spec *s = parse_ok("[experiment d]\nseed = 010\nreplications = 010\n");
    cr_expect_eq(s->exps[0].seed, 10, "010 is ten, not octal eight");
    cr_expect_eq(s->exps[0].replications, 10);
    exp_spec_free(s);
    const char *err = parse_fails("[experiment d]\nseed = 0x10\n");
    cr_expect(strstr(err, "t.ini:2:") && strstr(err, "seed") && strstr(err, "decimal"), "%s", err);
    expect_error("[experiment d]\nreplications = 0x2\n", "t.ini:2:", "replications");
}

Test(spec, a_section_without_keys_is_refused_naming_it)
{
    const char *err = parse_fails("[experiment a]\nfile.size = 1MiB\n\n[experiment b]\n; nothing yet\n");
    cr_expect(strstr(err, "t.ini:4:") && strstr(err, "'b'") && strstr(err, "no keys"), "%s", err);
    err = parse_fails("[experiment only]\n");
    cr_expect(strstr(err, "t.ini:1:") && strstr(err, "'only'"), "%s", err);
}

Test(spec, text_after_a_section_header_is_refused)
{
    expect_error("[experiment a] file.size = 1MiB\nreplications = 2\n", "t.ini:1:", "after");
    expect_error("[experiment a]\nfile.size = 1MiB\n[experiment b]]\nreplications = 2\n", "t.ini:3:", "after");
    /* A comment after the header is still a comment. */
    exp_spec *s = parse_ok("[experiment a]  ; the baseline\nfile.size = 1MiB\n[experiment b] # more\nseed = 2\n");
    cr_expect_eq(s->n, 2);
    exp_spec_free(s);
}

Test(spec, comments_of_any_length_are_fine_and_a_long_value_line_names_the_limit)
{
    size_t n_comment = 1000000;
    char *text = malloc(n_comment + 6000);
    cr_assert_not_null(text);
    size_t n = (size_t)sprintf(text, "[experiment c]\n; ");
    memset(text + n, 'x', n_comment);
    n += n_comment;
    n += (size_t)sprintf(text + n, "\nfile.size = 1MiB  # ");
    memset(text + n, 'y', 5000);
    n += 5000;
    sprintf(text + n, "\nreplications = 2\n");
    exp_spec *s = parse_ok(text);
    cr_expect_eq(s->exps[0].replications, 2);
    cr_expect_eq(axis(&s->exps[0], "file.size")->values[0], 1048576.0);
    exp_spec_free(s);
    free(text);
    char line[400];
    n = (size_t)sprintf(line, "[experiment c]\nfile.size = 1MiB");
    for (int i = 0; i < 40; i++) n += (size_t)sprintf(line + n, ", %dMiB", i + 2);
    sprintf(line + n, "\n");
    const char *err = parse_fails(line);
    cr_expect(strstr(err, "t.ini:2:") && strstr(err, "199 characters") && strstr(err, "continue"), "%s", err);
}

/* Writes TEXT (N bytes) to a fresh temporary file; returns its path (static). */
static const char *temp_spec(const char *text, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_spec_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

Test(spec, a_device_is_refused_before_reading_it, .timeout = 20)
{
    exp_spec *s = NULL;
    char err[512] = "";
    cr_expect_eq(exp_spec_new("/dev/zero", err, sizeof err, &s), EXP_EREAD);
    cr_expect(strstr(err, "/dev/zero") && strstr(err, "not a regular file"), "%s", err);
    cr_expect_null(s);
}

Test(spec, a_fifo_is_refused_without_waiting_for_a_writer, .timeout = 20)
{
    char dir[] = "/tmp/test_spec_fifo_XXXXXX", path[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/spec.ini", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    exp_spec *s = NULL;
    char err[512] = "";
    int rc = exp_spec_new(path, err, sizeof err, &s);
    unlink(path);
    rmdir(dir);
    cr_expect_eq(rc, EXP_EREAD);
    cr_expect(strstr(err, path) && strstr(err, "not a regular file"), "%s", err);
}

Test(spec, a_spec_over_one_mebibyte_is_refused_and_one_at_the_cap_read)
{
    size_t cap = 1024 * 1024;
    char *text = malloc(cap + 2);
    cr_assert_not_null(text);
    size_t n = (size_t)sprintf(text, "[experiment big]\nfile.size = 1MiB\n");
    /* Comment lines of 99 characters fill the rest, exactly to the cap. */
    while (n < cap) {
        size_t line = cap - n < 100 ? cap - n : 100;
        memset(text + n, ';', line - 1);
        text[n + line - 1] = '\n';
        n += line;
    }
    const char *path = temp_spec(text, cap);
    exp_spec *s = NULL;
    char err[512] = "";
    cr_expect_eq(exp_spec_new(path, err, sizeof err, &s), 0, "%s", err);
    exp_spec_free(s);
    unlink(path);
    text[cap] = '\n';
    path = temp_spec(text, cap + 1);
    s = NULL;
    cr_expect_eq(exp_spec_new(path, err, sizeof err, &s), EXP_EREAD);
    cr_expect(strstr(err, path) && strstr(err, "1 MiB"), "%s", err);
    cr_expect_null(s);
    unlink(path);
    free(text);
}

/* The configuration KEY=VALUE makes on the command line (prm_set), for comparison. */
static prm_config command_line(const char *pair)
{
    prm_config cfg;
    char err[256];
    prm_defaults(&cfg);
    cr_assert_eq(prm_set_pair(&cfg, pair, err, sizeof err), 0, "%s: %s", pair, err);
    return cfg;
}

static void expect_same_config(const prm_config *got, const prm_config *want, const char *what)
{
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        cr_expect_eq(prm_load(p, got), prm_load(p, want), "%s: %s is %g, the command line gives %g", what, p->name,
                     prm_load(p, got), prm_load(p, want));
    }
}

Test(spec, a_compound_fleet_start_sets_its_companion_as_on_the_command_line)
{
    const char *values[] = {"uniform:30s", "uniform:10min", "poisson:0.5", "poisson:30/min", "uniform:0s"};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        char text[128], pair[64];
        snprintf(text, sizeof text, "[experiment f]\nfleet.start = %s\n", values[k]);
        snprintf(pair, sizeof pair, "fleet.start=%s", values[k]);
        exp_spec *s = parse_ok(text);
        cr_assert_eq(s->exps[0].n_points, 1, "%s", values[k]);
        prm_config cfg, want = command_line(pair);
        char err[256];
        cr_assert_eq(exp_point_config(&s->exps[0], 0, 0, &cfg, err, sizeof err), 0, "%s", err);
        expect_same_config(&cfg, &want, values[k]);
        exp_spec_free(s);
    }
}

Test(spec, a_list_of_compound_starts_is_one_axis_each_value_with_its_companion)
{
    /* One axis in the place of fleet.start: 4 starts x 2 sizes, the size
     * fastest; a bare choice leaves the window and rate to the section. */
    exp_spec *s = parse_ok("[experiment f]\nfleet.clients = 4\n"
                           "fleet.start = together, uniform:10s, uniform:1min, poisson:0.5, uniform\n"
                           "file.size = 1MiB, 2MiB\n");
    const exp_experiment *e = &s->exps[0];
    cr_assert_eq(e->n_points, 10);
    cr_expect_eq(axis(e, "fleet.start")->n, 5);
    int start[] = {PRM_START_TOGETHER, PRM_START_UNIFORM, PRM_START_UNIFORM, PRM_START_POISSON, PRM_START_UNIFORM};
    int64_t window_s[] = {0, 10, 60, 0, 0};
    double rate[] = {1, 1, 1, 0.5, 1};
    for (uint64_t i = 0; i < 10; i++) {
        prm_config cfg;
        char err[256];
        cr_assert_eq(exp_point_config(e, i, 0, &cfg, err, sizeof err), 0, "%s", err);
        cr_expect_eq(cfg.fleet.clients, 4);
        cr_expect_eq(cfg.fleet.start, start[i / 2], "point %llu", (unsigned long long)i + 1);
        cr_expect_eq(cfg.fleet.start_window_ns, window_s[i / 2] * SIM_NS_PER_S, "point %llu",
                     (unsigned long long)i + 1);
        cr_expect_eq(cfg.fleet.start_rate, rate[i / 2], "point %llu", (unsigned long long)i + 1);
        cr_expect_eq(cfg.file_size_bytes, i % 2 ? 2097152u : 1048576u);
    }
    exp_spec_free(s);
    /* A companion that no value sets may be given: here the window, with
     * only a poisson compound. */
    s = parse_ok("[experiment g]\nfleet.start_window = 5min\nfleet.start = uniform, poisson:2\n");
    for (uint64_t i = 0; i < 2; i++) {
        prm_config cfg;
        char err[256];
        cr_assert_eq(exp_point_config(&s->exps[0], i, 0, &cfg, err, sizeof err), 0, "%s", err);
        cr_expect_eq(cfg.fleet.start_window_ns, 300 * SIM_NS_PER_S);
        cr_expect_eq(cfg.fleet.start_rate, i ? 2 : 1);
    }
    exp_spec_free(s);
}

Test(spec, compound_starts_are_refused_naming_line_key_and_fix)
{
    /* The companion given twice, whichever comes first: the message is at
     * the companion's line and says how to give it once. */
    const char *err = parse_fails("[experiment e]\nfleet.start = uniform:10s\nfleet.start_window = 1min\n");
    cr_expect(strstr(err, "t.ini:3:") && strstr(err, "fleet.start_window") && strstr(err, "line 2") &&
                  strstr(err, "fleet.start = uniform"),
              "%s", err);
    expect_error("[experiment e]\nfleet.start_rate = 2\nfleet.start = together, poisson:0.5\n",
                 "t.ini:2:", "fleet.start_rate");
    /* Repeats, in the companion's unit too (30/min is 0.5 per second). */
    expect_error("[experiment e]\nfleet.start = uniform:10s, uniform:10s\n", "t.ini:2:", "value 2 repeats value 1");
    expect_error("[experiment e]\nfleet.start = poisson:0.5, uniform:1s, poisson:30/min\n",
                 "t.ini:2:", "value 3 repeats value 1");
    /* No ranges inside a compound value: the hint names the companion key. */
    err = parse_fails("[experiment e]\nfleet.start = uniform:10s..60s lin 3\n");
    cr_expect(strstr(err, "t.ini:2:") && strstr(err, "fleet.start") && strstr(err, "fleet.start_window = 10s..60s"),
              "%s", err);
    /* The registry's own messages for a bad compound value, with file and line. */
    expect_error("[experiment e]\nfleet.start = together:5s\n", "t.ini:2:", "fleet.start");
    expect_error("[experiment e]\nfleet.start = uniform:\n", "t.ini:2:", "nothing after the colon");
    expect_error("[experiment e]\nfile.size = 1MiB\nfleet.start = poisson:x\n", "t.ini:3:", "not a rate");
    expect_error("[experiment e]\nfleet.start = uniform:800h\n", "t.ini:2:", "out of range");
    expect_error("[experiment e]\nfleet.start = sometimes:5\n", "t.ini:2:", "fleet.start");
}
