/*
 * The parameter registry: every unit form, errors that name the key and what
 * is expected, the nearest key for typos, presets through the "scenario" key,
 * human formatting that parses back to the same value, and SQL columns.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "models/core/presets.h"
#include "models/core/params.h"
#include "models/host.h" /* issue 12: the copy engine resolves smb.read_size 0 */

static double parse_ok(const char *key, const char *text)
{
    const prm_entry *p = prm_find(key);
    cr_assert_not_null(p, "no key %s", key);
    double v = -1;
    char err[256] = "";
    int rc = prm_parse(p, text, &v, err, sizeof err);
    cr_assert_eq(rc, 0, "%s=%s rejected: %s", key, text, err);
    return v;
}

static int parse_fails(const char *key, const char *text, char *err, size_t n)
{
    const prm_entry *p = prm_find(key);
    cr_assert_not_null(p);
    double v;
    return prm_parse(p, text, &v, err, n);
}

Test(registry, sizes_accept_every_unit_decimal_and_binary)
{
    static const struct {
        const char *text;
        double bytes;
    } cases[] = {{"100", 100},
                 {"100B", 100},
                 {"1KB", 1000},
                 {"1kB", 1000},
                 {"1KiB", 1024},
                 {"1MB", 1e6},
                 {"100MiB", 104857600},
                 {"2GB", 2e9},
                 {"2GiB", 2147483648.0},
                 {"1TB", 1e12},
                 {"1TiB", 1099511627776.0},
                 {"1.5 KiB", 1536},
                 {" 3 MB ", 3e6},
                 {"0.5GiB", 536870912}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(parse_ok("file.size", cases[i].text), cases[i].bytes, "file.size=%s", cases[i].text);
}

Test(registry, rates_accept_bps_through_gbps)
{
    cr_expect_eq(parse_ok("link.rate", "9600"), 9600);
    cr_expect_eq(parse_ok("link.rate", "9600bps"), 9600);
    cr_expect_eq(parse_ok("link.rate", "64Kbps"), 64e3);
    cr_expect_eq(parse_ok("link.rate", "64kbps"), 64e3);
    cr_expect_eq(parse_ok("link.rate", "100Mbps"), 1e8);
    cr_expect_eq(parse_ok("link.rate", "2.5 Gbps"), 2.5e9);
    cr_expect_eq(parse_ok("link.rate", "10Mbit/s"), 1e7);
}

Test(registry, times_accept_ns_to_hours_and_bare_seconds)
{
    cr_expect_eq(parse_ok("link.delay", "7ns"), 7);
    cr_expect_eq(parse_ok("link.delay", "250us"), 250e3);
    cr_expect_eq(parse_ok("link.delay", "10ms"), 10e6);
    cr_expect_eq(parse_ok("link.delay", "2s"), 2e9);
    cr_expect_eq(parse_ok("link.delay", "0.25"), 250e6);
    cr_expect_eq(parse_ok("ipsec.qm_lifetime", "60min"), 3600e9);
    cr_expect_eq(parse_ok("ipsec.mm_lifetime", "8h"), 28800e9);
}

Test(registry, hex_integers_booleans_probabilities_and_choices)
{
    cr_expect_eq(parse_ok("server.ipsec.ikeflags", "0x14"), 20);
    cr_expect_eq(parse_ok("server.ipsec.ikeflags", "0X14"), 20);
    cr_expect_eq(parse_ok("server.ipsec.ikeflags", "20"), 20);
    cr_expect_eq(parse_ok("tcp.data_retries", "012"), 12, "a leading zero is decimal, not octal");
    cr_expect_eq(parse_ok("link.queue", "50 packets"), 50, "an integer may carry its own unit");
    static const char *const yes[] = {"on", "yes", "true", "1", "ON", "True"}, *const no[] = {"off", "no", "false",
                                                                                              "0"};
    for (size_t i = 0; i < 6; i++) cr_expect_eq(parse_ok("server.ipsec.update", yes[i]), 1, "%s", yes[i]);
    for (size_t i = 0; i < 4; i++) cr_expect_eq(parse_ok("server.ipsec.update", no[i]), 0, "%s", no[i]);
    cr_expect_eq(parse_ok("link.loss", "0.01"), 0.01);
    cr_expect_float_eq(parse_ok("link.loss", "0.5%"), 0.005, 1e-15);
    cr_expect_eq(parse_ok("client.os", "2003"), PRM_OS_2003);
    cr_expect_eq(parse_ok("copy.direction", "write"), PRM_COPY_WRITE);
}

Test(registry, a_bad_unit_names_the_key_the_text_and_the_accepted_units)
{
    char err[512];
    cr_assert_eq(parse_fails("file.size", "12XB", err, sizeof err), PRM_EVALUE);
    cr_expect(strstr(err, "file.size") && strstr(err, "12XB") && strstr(err, "KiB"), "message: %s", err);
    cr_expect_eq(parse_fails("link.rate", "10MBps", err, sizeof err), PRM_EVALUE, "MBps is not Mbps");
    cr_expect(strstr(err, "Mbps") != NULL, "message: %s", err);
    cr_expect_eq(parse_fails("link.delay", "10 parsecs", err, sizeof err), PRM_EVALUE);
    cr_expect(strstr(err, "ms") != NULL, "message: %s", err);
    cr_expect_eq(parse_fails("server.ipsec.ikeflags", "0x", err, sizeof err), PRM_EVALUE);
    cr_expect_eq(parse_fails("server.ipsec.update", "maybe", err, sizeof err), PRM_EVALUE);
    cr_expect_eq(parse_fails("client.os", "win95", err, sizeof err), PRM_EVALUE);
    cr_expect(strstr(err, "vista") && strstr(err, "2003"), "lists the choices: %s", err);
    cr_expect_eq(parse_fails("file.size", "", err, sizeof err), PRM_EVALUE);
    cr_expect_eq(parse_fails("file.size", "nan", err, sizeof err), PRM_EVALUE);
    cr_expect_eq(parse_fails("link.delay", "inf", err, sizeof err), PRM_EVALUE);
}

Test(registry, out_of_range_values_are_refused_with_the_range)
{
    char err[512];
    cr_expect_eq(parse_fails("file.size", "-1MiB", err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "file.size") != NULL, "message: %s", err);
    cr_expect_eq(parse_fails("link.rate", "0", err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "Kbps") != NULL, "the range is shown with units: %s", err);
    cr_expect_eq(parse_fails("link.loss", "1", err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "below 1") != NULL, "message: %s", err);
    cr_expect_eq(parse_fails("link.loss", "1.5", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_fails("link.loss", "-0.1", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_fails("link.delay", "-1ms", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_fails("tcp.data_retries", "-1", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_ok("link.loss", "0.999"), 0.999);
}

Test(registry, an_unknown_key_suggests_the_nearest_name)
{
    prm_config cfg;
    prm_defaults(&cfg);
    char err[512];
    cr_assert_eq(prm_set(&cfg, "link.rat", "1Mbps", err, sizeof err), PRM_EUNKNOWN);
    cr_expect(strstr(err, "did you mean link.rate?") != NULL, "message: %s", err);
    cr_expect_str_eq(prm_nearest("file.sise"), "file.size");
    cr_expect_str_eq(prm_nearest("server.ipsec.ikeflag"), "server.ipsec.ikeflags");
    cr_expect_str_eq(prm_nearest("LINK.DELAY"), "link.delay");
    cr_expect_null(prm_find("nosuch.key"));
}

Test(registry, set_pair_trims_and_refuses_a_missing_equals_sign)
{
    prm_config cfg;
    prm_defaults(&cfg);
    char err[512];
    cr_assert_eq(prm_set_pair(&cfg, " link.rate = 10Mbps ", err, sizeof err), 0, "%s", err);
    cr_expect_eq(cfg.link.rate_bps, 10000000);
    cr_expect_eq(prm_set_pair(&cfg, "link.rate", err, sizeof err), PRM_EVALUE);
    cr_expect_eq(prm_set_pair(&cfg, "=5", err, sizeof err), PRM_EVALUE);
}

Test(registry, defaults_match_domain_md)
{
    prm_config c;
    prm_defaults(&c);
    cr_expect_eq(c.scenario, 0);
    cr_expect_eq(c.file_size_bytes, 100 * 1048576ull);
    cr_expect_eq(c.host[PRM_CLIENT].os, PRM_OS_VISTA);
    cr_expect_eq(c.host[PRM_SERVER].os, PRM_OS_XP);
    cr_expect_eq(c.host[PRM_CLIENT].cert, PRM_CERT_VALID);
    cr_expect_eq(c.tcp.rto_initial_ns, 3 * SIM_NS_PER_S);
    cr_expect_eq(c.tcp.rto_min_ns, 300000000);
    cr_expect_eq(c.tcp.rto_max_ns, 240 * SIM_NS_PER_S);
    cr_expect_eq(c.tcp.data_retries, 5);
    cr_expect_eq(c.tcp.syn_retries, 2);
    cr_expect_eq(c.tcp.delack_ns, 200000000);
    cr_expect_eq(c.tcp.dupack_threshold, 2);
    cr_expect_eq(c.tcp.autotune_max_bytes, 16 * 1048576ull);
    cr_expect_eq(c.smb.read_size_bytes, 0, "0 = the client's copy engine");
    cr_expect_eq(host_smb_read_size(&c), 61440, "Vista RTM's copy engine reads 60 KiB");
    cr_expect_eq(host_smb_client_outstanding(&c), 8);
    cr_expect_eq(c.smb.session_timeout_ns, 60 * SIM_NS_PER_S);
    cr_expect_eq(c.ipsec.qm_lifetime_kb, 100000);
}

Test(registry, every_default_parses_and_every_entry_is_documented)
{
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        double v;
        char err[256];
        cr_expect_eq(prm_parse(p, p->def, &v, err, sizeof err), 0, "default of %s: %s", p->name, err);
        cr_expect(p->desc && p->desc[0], "%s has a description", p->name);
        cr_expect(p->source && p->source[0], "%s has a source", p->name);
        cr_expect((p->type == PRM_ENUM) == (p->choices != NULL), "%s: choices iff enum", p->name);
        for (size_t j = 0; j < i; j++) cr_expect_str_neq(p->name, prm_at(j)->name, "duplicate key");
    }
    cr_expect_str_eq(prm_at(0)->name, "scenario");
    cr_expect_null(prm_at(prm_count()));
}

Test(registry, the_scenario_choices_are_the_presets_in_order)
{
    const prm_entry *p = prm_find("scenario");
    size_t n = 0;
    while (p->choices[n]) n++;
    cr_assert_eq(n, preset_count);
    for (size_t i = 0; i < n; i++) cr_expect_str_eq(p->choices[i], preset_table[i].name);
}

Test(registry, the_scenario_key_applies_a_preset_and_later_keys_override_it)
{
    prm_config c;
    prm_defaults(&c);
    char err[512];
    cr_assert_eq(prm_set(&c, "scenario", "kb977526", err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.scenario, 1);
    cr_expect_eq(c.host[PRM_CLIENT].cert, PRM_CERT_NONE);
    cr_expect_eq(c.host[PRM_SERVER].ipsec_ikeflags, 0x14);
    cr_expect_eq(c.host[PRM_SERVER].ipsec_policy, PRM_POLICY_NEGOTIATE);
    cr_assert_eq(prm_set(&c, "server.ipsec.ikeflags", "0", err, sizeof err), 0);
    cr_expect_eq(c.host[PRM_SERVER].ipsec_ikeflags, 0);
    cr_expect_eq(prm_set(&c, "scenario", "kb999", err, sizeof err), PRM_ESCENARIO);
    cr_expect(strstr(err, "kb977526-flags0") != NULL, "lists the presets: %s", err);
    for (size_t i = 0; i < preset_count; i++) {
        prm_config d;
        prm_defaults(&d);
        cr_expect_eq(prm_apply_preset(&d, preset_table[i].name, err, sizeof err), 0, "%s: %s", preset_table[i].name,
                     err);
        cr_expect_eq(d.scenario, (int)i);
        cr_expect_eq(prm_check(&d, err, sizeof err), 0, "%s: %s", preset_table[i].name, err);
    }
}

static void formatted(const char *key, const char *text, const char *want)
{
    prm_config c;
    prm_defaults(&c);
    char err[256], buf[64];
    cr_assert_eq(prm_set(&c, key, text, err, sizeof err), 0, "%s", err);
    prm_format(prm_find(key), &c, buf, sizeof buf);
    cr_expect_str_eq(buf, want, "%s=%s", key, text);
}

Test(registry, format_uses_human_units)
{
    formatted("link.rate", "100000000", "100 Mbps");
    formatted("link.rate", "1.5Mbps", "1500 Kbps");
    formatted("file.size", "2147483648", "2 GiB");
    formatted("file.size", "100MiB", "100 MiB");
    formatted("file.size", "2GB", "2 GB");
    formatted("file.size", "17520", "17520 B");
    formatted("server.ipsec.ikeflags", "20", "0x14");
    formatted("smb.session_timeout", "60", "60 s");
    formatted("link.delay", "0.00025", "250 us");
    formatted("tcp.rto.min", "0.3", "300 ms");
    formatted("ipsec.mm_lifetime", "28800", "480 min");
    formatted("link.outage.duration", "0", "0 s");
    formatted("server.ipsec.update", "yes", "on");
    formatted("client.os", "2008", "2008");
    formatted("link.queue", "100", "100 packets");
}

Test(registry, every_formatted_value_parses_back_to_itself_under_every_preset)
{
    for (size_t s = 0; s < preset_count; s++) {
        prm_config c;
        char err[256], buf[128];
        prm_defaults(&c);
        cr_assert_eq(prm_apply_preset(&c, preset_table[s].name, err, sizeof err), 0);
        for (size_t i = 0; i < prm_count(); i++) {
            const prm_entry *p = prm_at(i);
            prm_format(p, &c, buf, sizeof buf);
            double v;
            cr_expect_eq(prm_parse(p, buf, &v, err, sizeof err), 0, "%s: '%s': %s", p->name, buf, err);
            cr_expect_float_eq(v, prm_load(p, &c), 1e-9 * fabs(v) + 1e-12, "%s round trip via '%s'", p->name, buf);
        }
    }
}

Test(registry, sql_columns_use_underscores_and_si_types)
{
    char col[64];
    prm_column(prm_find("server.ipsec.ikeflags"), col, sizeof col);
    cr_expect_str_eq(col, "server_ipsec_ikeflags");
    prm_column(prm_find("link.outage.start"), col, sizeof col);
    cr_expect_str_eq(col, "link_outage_start");
    cr_expect_str_eq(prm_sql_type(prm_find("file.size")), "INTEGER");
    cr_expect_str_eq(prm_sql_type(prm_find("link.rate")), "INTEGER");
    cr_expect_str_eq(prm_sql_type(prm_find("link.delay")), "REAL");
    cr_expect_str_eq(prm_sql_type(prm_find("link.loss")), "REAL");
    cr_expect_str_eq(prm_sql_type(prm_find("scenario")), "TEXT");
    cr_expect_str_eq(prm_sql_type(prm_find("server.ipsec.update")), "INTEGER");
    prm_config c;
    prm_defaults(&c);
    cr_expect_str_eq(prm_text(prm_find("scenario"), &c), "no-ipsec");
    cr_expect_str_eq(prm_text(prm_find("server.os"), &c), "xp");
    cr_expect_null(prm_text(prm_find("file.size"), &c));
}

Test(registry, cross_checks_refuse_an_mss_larger_than_the_mtu)
{
    prm_config c;
    prm_defaults(&c);
    char err[256];
    cr_expect_eq(prm_check(&c, err, sizeof err), 0);
    c.link.mtu_bytes = 1000;
    cr_expect_eq(prm_check(&c, err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "tcp.mss") && strstr(err, "link.mtu"), "message: %s", err);
}

/* Settings that cannot change a run are reported, so `run` can warn. */
Test(registry, settings_without_effect_are_recognised)
{
    prm_config c;
    char err[256], why[256];
    prm_defaults(&c);
    cr_assert_eq(prm_set(&c, "scenario", "no-ipsec", err, sizeof err), 0, "%s", err);
    cr_expect_eq(prm_has_effect(prm_find("ipsec.qm_lifetime"), &c, why, sizeof why), 0);
    cr_expect(strstr(why, "policy") != NULL, "%s", why);
    cr_expect_eq(prm_has_effect(prm_find("server.ipsec.ikeflags"), &c, why, sizeof why), 0);
    cr_expect_eq(prm_has_effect(prm_find("client.ipsec.policy"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("link.rate"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("link.ge.p_gb"), &c, why, sizeof why), 0);
    cr_expect_eq(prm_has_effect(prm_find("link.outage.start"), &c, why, sizeof why), 0);
    cr_assert_eq(prm_set(&c, "scenario", "kb977526", err, sizeof err), 0, "%s", err);
    cr_expect_eq(prm_has_effect(prm_find("ipsec.qm_lifetime"), &c, why, sizeof why), 1);
    cr_assert_eq(prm_set_pair(&c, "link.loss_model=gilbert", err, sizeof err), 0, "%s", err);
    cr_expect_eq(prm_has_effect(prm_find("link.ge.p_gb"), &c, why, sizeof why), 1);
    cr_assert_eq(prm_set_pair(&c, "link.outage.duration=2s", err, sizeof err), 0, "%s", err);
    cr_expect_eq(prm_has_effect(prm_find("link.outage.start"), &c, why, sizeof why), 1);
}

/* ---- issue 16: the fleet keys and the server's session limits ---- */

static prm_config with(const char *const *pairs)
{
    prm_config c;
    char err[512];
    prm_defaults(&c);
    for (; *pairs; pairs++) cr_assert_eq(prm_set_pair(&c, *pairs, err, sizeof err), 0, "%s: %s", *pairs, err);
    return c;
}

Test(registry, the_fleet_defaults_are_one_client_starting_together)
{
    prm_config c;
    prm_defaults(&c);
    cr_expect_eq(c.fleet.clients, 1);
    cr_expect_eq(c.fleet.cert_share, -1);
    cr_expect_eq(c.fleet.mix_os, 0, "none");
    cr_expect_eq(c.fleet.mix_share, 0);
    cr_expect_eq(c.fleet.start, PRM_START_TOGETHER);
    cr_expect_eq(c.fleet.start_window_ns, 0);
    cr_expect_eq(c.fleet.start_rate, 1);
    cr_expect_eq(c.smb.server_max_connections, 0, "the server OS's default");
    cr_expect_eq(c.smb.session_linger_ns, 600 * SIM_NS_PER_S, "KeepConn's 600 s");
    cr_expect_eq(prm_check(&c, (char[256]){0}, 256), 0);
}

Test(registry, the_fleet_keys_store_what_they_are_given)
{
    prm_config c = with((const char *const[]){"fleet.clients=40", "fleet.cert_share=0.25", "fleet.mix_os=2008",
                                              "fleet.mix_share=0.5", "fleet.start=poisson", "fleet.start_rate=2.5",
                                              "fleet.start_window=1h", "server.smb.max_connections=-1",
                                              "server.smb.session_linger=0", NULL});
    cr_expect_eq(c.fleet.clients, 40);
    cr_expect_eq(c.fleet.cert_share, 0.25);
    cr_expect_eq(c.fleet.mix_os, 1 + PRM_OS_2008, "stored as 1 + prm_os");
    cr_expect_eq(c.fleet.mix_share, 0.5);
    cr_expect_eq(c.fleet.start, PRM_START_POISSON);
    cr_expect_eq(c.fleet.start_rate, 2.5);
    cr_expect_eq(c.fleet.start_window_ns, 3600 * SIM_NS_PER_S);
    cr_expect_eq(c.smb.server_max_connections, -1);
    cr_expect_eq(c.smb.session_linger_ns, 0);
    c = with((const char *const[]){"fleet.mix_os=xp", "server.smb.max_connections=10 sessions", NULL});
    cr_expect_eq(c.fleet.mix_os, 1 + PRM_OS_XP);
    cr_expect_eq(c.smb.server_max_connections, 10);
    char err[256];
    cr_expect_eq(parse_fails("fleet.clients", "0", err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "fleet.clients: '0' is out of range: must be from 1 to 10000"), "%s", err);
    cr_expect_eq(parse_fails("fleet.clients", "10001", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_fails("fleet.cert_share", "1.5", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_fails("fleet.mix_share", "-0.1", err, sizeof err), PRM_ERANGE);
    cr_expect_eq(parse_fails("fleet.mix_os", "win7", err, sizeof err), PRM_EVALUE);
    cr_expect(strstr(err, "expected one of: none, xp, 2003, vista, 2008"), "%s", err);
    cr_expect_eq(parse_fails("fleet.start_window", "31d", err, sizeof err), PRM_EVALUE, "no day unit");
    cr_expect_eq(parse_fails("fleet.start_window", "721h", err, sizeof err), PRM_ERANGE, "30 days at most");
    cr_expect_eq(parse_fails("server.smb.max_connections", "-2", err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "must be from -1 sessions to 100000 sessions"), "%s", err);
    cr_expect_eq(parse_fails("server.smb.session_linger", "25h", err, sizeof err), PRM_ERANGE, "one day at most");
}

/* fleet.start=uniform:T and poisson:RATE set the schedule and its parameter at once. */
Test(registry, the_compound_start_sets_the_schedule_and_its_parameter)
{
    prm_config c = with((const char *const[]){"fleet.start=uniform:10min", NULL});
    cr_expect_eq(c.fleet.start, PRM_START_UNIFORM);
    cr_expect_eq(c.fleet.start_window_ns, 600 * SIM_NS_PER_S);
    cr_expect_eq(c.fleet.start_rate, 1, "the rate is left alone");
    static const struct {
        const char *text;
        double per_s;
    } rates[] = {{"poisson:0.5", 0.5},  {"poisson:2/s", 2},         {"poisson:30/min", 0.5},
                 {"poisson:7200/h", 2}, {" poisson : 0.25 ", 0.25}, {"poisson:3 / min", 0.05}};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        char pair[64];
        snprintf(pair, sizeof pair, "fleet.start=%s", rates[i].text);
        c = with((const char *const[]){"fleet.start_window=5s", pair, NULL});
        cr_expect_eq(c.fleet.start, PRM_START_POISSON, "%s", pair);
        cr_expect_float_eq(c.fleet.start_rate, rates[i].per_s, 1e-12, "%s", pair);
        cr_expect_eq(c.fleet.start_window_ns, 5 * SIM_NS_PER_S, "%s: the window is left alone", pair);
    }
    /* A plain choice still works, and keeps the other keys. */
    c = with((const char *const[]){"fleet.start=uniform:1h", "fleet.start=together", NULL});
    cr_expect_eq(c.fleet.start, PRM_START_TOGETHER);
    cr_expect_eq(c.fleet.start_window_ns, 3600 * SIM_NS_PER_S);
    c = with((const char *const[]){"fleet.start=uniform", NULL});
    cr_expect_eq(c.fleet.start, PRM_START_UNIFORM);
}

/* Each bad compound value: its code, one message naming the key and what to write, the config unchanged. */
Test(registry, bad_compound_starts_name_what_is_wrong_and_change_nothing)
{
    static const struct {
        const char *text;
        int code;
        const char *msg;
    } bad[] = {
        {"poisson:x", PRM_EVALUE, "fleet.start: in 'poisson:x', 'x' is not a rate; expected arrivals per second"},
        {"poisson:2/day", PRM_EVALUE, "'2/day' is not a rate"},
        {"poisson:1e400", PRM_EVALUE, "'1e400' is not a rate"},
        {"poisson:0", PRM_ERANGE, "fleet.start: in 'poisson:0', the rate is out of range: must be above 0"},
        {"poisson:-1", PRM_ERANGE, "must be above 0 and at most 1e+06 arrivals per second"},
        {"poisson:2e6", PRM_ERANGE, "the rate is out of range"},
        {"poisson:", PRM_EVALUE, "fleet.start: 'poisson:' has nothing after the colon; write poisson:RATE"},
        {"uniform:", PRM_EVALUE, "write uniform:T, such as uniform:10min"},
        {"uniform:soon", PRM_EVALUE, "fleet.start: in 'uniform:soon', 'soon' is not a time"},
        {"uniform:-5s", PRM_ERANGE, "the window is out of range: must be from 0 s to 30 days"},
        {"uniform:31d", PRM_EVALUE, "'31d' is not a time"},
        {"uniform:800h", PRM_ERANGE, "the window is out of range"},
        {"together:5s", PRM_EVALUE, "fleet.start: 'together' takes no value after a colon"},
        {"burst:5s", PRM_EVALUE,
         "fleet.start: 'burst' is not a valid choice; expected one of: together, uniform, "
         "poisson"},
        {"burst", PRM_EVALUE, "fleet.start: 'burst' is not a valid choice"},
        {"", PRM_EVALUE, "fleet.start: '' is not a valid choice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        prm_config c, before;
        prm_defaults(&c);
        before = c;
        char err[512] = "";
        cr_expect_eq(prm_set(&c, "fleet.start", bad[i].text, err, sizeof err), bad[i].code, "'%s': %s", bad[i].text,
                     err);
        cr_expect(strstr(err, bad[i].msg) != NULL, "'%s':\n  got  %s\n  want %s", bad[i].text, err, bad[i].msg);
        cr_expect(strchr(err, '\n') == NULL, "one line: %s", err);
        cr_expect(memcmp(&c, &before, sizeof c) == 0, "'%s' changed the config", bad[i].text);
    }
}

Test(registry, a_fleet_with_extra_flows_is_refused)
{
    char err[512];
    const char *const flows[] = {"flow.ping.from=client", "flow.tcp.from=server"};
    for (size_t i = 0; i < 2; i++) {
        prm_config c = with((const char *const[]){"fleet.clients=2", flows[i], NULL});
        cr_expect_eq(prm_check(&c, err, sizeof err), PRM_ERANGE, "%s", flows[i]);
        cr_expect_str_eq(err, "flow.* extra flows are modelled for one client; set fleet.clients=1 or "
                              "flow.ping.from=none flow.tcp.from=none");
        c = with((const char *const[]){"fleet.clients=1", flows[i], NULL});
        cr_expect_eq(prm_check(&c, err, sizeof err), 0, "one client with %s: %s", flows[i], err);
    }
    prm_config c = with((const char *const[]){"fleet.clients=40", NULL});
    cr_expect_eq(prm_check(&c, err, sizeof err), 0, "%s", err);
    /* What one entry's range cannot say: -1 or a share; a rate above 0. */
    c = with((const char *const[]){"fleet.cert_share=-0.5", NULL});
    cr_expect_eq(prm_check(&c, err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "fleet.cert_share: '-0.5' is not valid: must be -1 (every client as client.cert) or a "
                          "share from 0 to 1"),
              "%s", err);
    c = with((const char *const[]){"fleet.start_rate=0", NULL});
    cr_expect_eq(prm_check(&c, err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "fleet.start_rate: '0' is out of range: must be above 0"), "%s", err);
}

/* A fleet setting without a fleet, a schedule's parameter under the other
 * schedule, a session linger without a limit: each has no effect, with why. */
Test(registry, fleet_settings_without_effect_say_why)
{
    char why[256];
    prm_config c;
    prm_defaults(&c);
    static const char *const fleet_only[] = {"fleet.cert_share",
                                             "fleet.mix_os",
                                             "fleet.mix_share",
                                             "fleet.start",
                                             "fleet.start_rate",
                                             "fleet.start_window",
                                             "server.smb.max_connections",
                                             "server.smb.session_linger"};
    for (size_t i = 0; i < sizeof fleet_only / sizeof fleet_only[0]; i++) {
        cr_expect_eq(prm_has_effect(prm_find(fleet_only[i]), &c, why, sizeof why), 0, "%s with one client",
                     fleet_only[i]);
        cr_expect(strstr(why, "fleet.clients is 1"), "%s: %s", fleet_only[i], why);
    }
    cr_expect_eq(prm_has_effect(prm_find("fleet.clients"), &c, why, sizeof why), 1);

    c = with((const char *const[]){"fleet.clients=12", NULL});
    cr_expect_eq(prm_has_effect(prm_find("fleet.start_window"), &c, why, sizeof why), 0, "together");
    cr_expect(strstr(why, "fleet.start is not uniform"), "%s", why);
    cr_expect_eq(prm_has_effect(prm_find("fleet.start_rate"), &c, why, sizeof why), 0, "together");
    cr_expect(strstr(why, "fleet.start is not poisson"), "%s", why);
    cr_expect_eq(prm_has_effect(prm_find("fleet.cert_share"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("fleet.start"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("fleet.mix_share"), &c, why, sizeof why), 0, "no OS to mix in");
    cr_expect(strstr(why, "fleet.mix_os is none"), "%s", why);
    cr_expect_eq(prm_has_effect(prm_find("fleet.mix_os"), &c, why, sizeof why), 0, "a share of 0");
    cr_expect(strstr(why, "fleet.mix_share is 0"), "%s", why);
    cr_expect_eq(prm_has_effect(prm_find("server.smb.max_connections"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("server.smb.session_linger"), &c, why, sizeof why), 1, "XP's 10");

    c = with((const char *const[]){"fleet.clients=12", "fleet.start=uniform:10min", "fleet.mix_os=xp",
                                   "fleet.mix_share=0.5", NULL});
    cr_expect_eq(prm_has_effect(prm_find("fleet.start_window"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("fleet.start_rate"), &c, why, sizeof why), 0);
    cr_expect_eq(prm_has_effect(prm_find("fleet.mix_os"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("fleet.mix_share"), &c, why, sizeof why), 1);
    c = with((const char *const[]){"fleet.clients=12", "fleet.start=poisson:1/min", NULL});
    cr_expect_eq(prm_has_effect(prm_find("fleet.start_rate"), &c, why, sizeof why), 1);
    cr_expect_eq(prm_has_effect(prm_find("fleet.start_window"), &c, why, sizeof why), 0);

    c = with((const char *const[]){"fleet.clients=12", "server.smb.max_connections=-1", NULL});
    cr_expect_eq(prm_has_effect(prm_find("server.smb.session_linger"), &c, why, sizeof why), 0);
    cr_expect(strstr(why, "server.smb.max_connections is -1"), "%s", why);
}
