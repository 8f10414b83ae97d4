/*
 * The parameter registry: every unit form, errors that name the key and what
 * is expected, the nearest key for typos, presets through the "scenario" key,
 * human formatting that parses back to the same value, and SQL columns.
 */
#include <criterion/criterion.h>
#include <math.h>
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
