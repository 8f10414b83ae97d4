/*
 * Sweep specs: every value form (value, list, log and lin ranges, mixed
 * lists, units), the special keys, the canonical expansion order and
 * counts, the spec hash (comments do not change it, values do), and every
 * error naming file, line and key.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
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
                           "      2MiB  # and this\n[experiment b]\nreplications = 3\nseed = 0x10\n");
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
