/*
 * The fleet part of the parameter registry (issue 16): N clients copying the
 * same file from the one server, the client mix (certificates and OS by
 * index) and the start times. The defaults (one client, starting at 0, as
 * client.os / client.cert) are the single copy of earlier rounds. Besides
 * the entries: the compound form of fleet.start (uniform:T, poisson:RATE)
 * that prm_set accepts, and the checks one entry's range cannot express.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/params_int.h"
#include "models/core/units.h"

static const char *const mix_os_choices[] = {"none", "xp", "2003", "vista", "2008", NULL};
static const char *const start_choices[] = {"together", "uniform", "poisson", NULL};

#define F(field) offsetof(prm_config, fleet.field)

/* The most arrivals per second fleet.start_rate takes. */
#define RATE_MAX 1e6

/* clang-format off */
const prm_entry prm__fleet_params[] = {
    {"fleet.clients", PRM_INT, F(clients), "1", "", NULL, 1, 10000,
     "clients copying the file from the server at once, each on its own access link into the branch "
     "router, with its own TCP connection, SMB session and IPsec state; 1 = a single copy",
     "scenario choice"},
    {"fleet.cert_share", PRM_REAL, F(cert_share), "-1", "", NULL, -1, 1,
     "share of the clients with a valid certificate, by index: client k (1-based) has one iff "
     "floor(k*s) > floor((k-1)*s), the others keep client.cert (none when client.cert is valid); "
     "-1 = every client as client.cert",
     "scenario choice"},
    {"fleet.mix_os", PRM_ENUM, F(mix_os), "none", "", mix_os_choices, 0, 4,
     "the OS of the mixed-in clients (fleet.mix_share of them): none, xp, 2003, vista, 2008",
     "scenario choice"},
    {"fleet.mix_share", PRM_REAL, F(mix_share), "0", "", NULL, 0, 1,
     "share of the clients that run fleet.mix_os instead of client.os, by index: client k has it iff "
     "floor(k*s + 0.5) > floor((k-1)*s + 0.5)",
     "scenario choice"},
    {"fleet.start", PRM_ENUM, F(start), "together", "", start_choices, 0, 2,
     "when each client starts its copy: together (all at 0), uniform (each drawn uniformly on "
     "[0, fleet.start_window]) or poisson (arrivals at fleet.start_rate, client 1 at 0); also "
     "uniform:T or poisson:RATE (per second, or with /s, /min, /h)",
     "scenario choice"},
    {"fleet.start_window", PRM_TIME, F(start_window_ns), "0", "s", NULL, 0, PRM_NS(2592000),
     "fleet.start=uniform: the window the start times are drawn on", "scenario choice"},
    {"fleet.start_rate", PRM_REAL, F(start_rate), "1", "", NULL, 0, RATE_MAX,
     "fleet.start=poisson: arrivals per second (must be above 0)", "scenario choice"},
};
/* clang-format on */
const size_t prm__fleet_n_params = sizeof prm__fleet_params / sizeof prm__fleet_params[0];

/* Parses a rate "R", "R/s", "R/min" or "R/h" into arrivals per second. */
static int parse_rate(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v)) return -1;
    while (isspace((unsigned char)*end)) end++;
    double per = 1;
    if (*end == '/') {
        const char *u = end + 1;
        while (isspace((unsigned char)*u)) u++;
        size_t n = strlen(u);
        while (n && isspace((unsigned char)u[n - 1])) n--;
        if (n == 1 && u[0] == 's')
            per = 1;
        else if (n == 3 && !strncmp(u, "min", 3))
            per = 60;
        else if (n == 1 && u[0] == 'h')
            per = 3600;
        else
            return -1;
    } else if (*end) {
        return -1;
    }
    *out = v / per;
    return 0;
}

int prm__fleet_set_start(prm_config *cfg, const char *text, char *err, size_t errlen)
{
    char buf[256], mode[32];
    while (isspace((unsigned char)*text)) text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1])) len--;
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, text, len);
    buf[len] = 0;
    char *colon = strchr(buf, ':');
    size_t n = colon ? (size_t)(colon - buf) : len;
    while (n && isspace((unsigned char)buf[n - 1])) n--;
    if (n >= sizeof mode) n = sizeof mode - 1;
    memcpy(mode, buf, n);
    mode[n] = 0;
    const prm_entry *start = prm_find("fleet.start");
    double m;
    int rc = prm_parse(start, colon ? mode : text, &m, err, errlen);
    if (rc != 0 || !colon) {
        if (rc == 0) prm_store(start, cfg, m);
        return rc;
    }
    const char *arg = colon + 1;
    while (isspace((unsigned char)*arg)) arg++;
    if (m == PRM_START_TOGETHER) {
        snprintf(err, errlen,
                 "fleet.start: 'together' takes no value after a colon ('%s'); write fleet.start=together, "
                 "uniform:T or poisson:RATE",
                 colon + 1);
        return PRM_EVALUE;
    }
    if (!*arg) {
        snprintf(err, errlen, "fleet.start: '%s:' has nothing after the colon; write %s", mode,
                 m == PRM_START_UNIFORM ? "uniform:T, such as uniform:10min"
                                        : "poisson:RATE, such as poisson:0.5 "
                                          "(per second) or poisson:30/min");
        return PRM_EVALUE;
    }
    if (m == PRM_START_UNIFORM) {
        const prm_entry *w = prm_find("fleet.start_window");
        double v;
        if (unit_parse(UNIT_TIME, arg, &v) != 0) {
            snprintf(err, errlen,
                     "fleet.start: in 'uniform:%s', '%s' is not a time; expected a number with ns, us, ms, s, "
                     "min or h, such as uniform:10min",
                     arg, arg);
            return PRM_EVALUE;
        }
        if (v < w->min || v > w->max) {
            snprintf(err, errlen,
                     "fleet.start: in 'uniform:%s', the window is out of range: must be from 0 s to 30 "
                     "days (720 h)",
                     arg);
            return PRM_ERANGE;
        }
        prm_store(start, cfg, m);
        prm_store(w, cfg, v);
        return 0;
    }
    const prm_entry *r = prm_find("fleet.start_rate");
    double v;
    if (parse_rate(arg, &v) != 0) {
        snprintf(err, errlen,
                 "fleet.start: in 'poisson:%s', '%s' is not a rate; expected arrivals per second as a number, "
                 "optionally with /s, /min or /h, such as poisson:0.5 or poisson:30/min",
                 arg, arg);
        return PRM_EVALUE;
    }
    if (!(v > 0) || v > r->max) {
        snprintf(err, errlen,
                 "fleet.start: in 'poisson:%s', the rate is out of range: must be above 0 and at most %g "
                 "arrivals per second",
                 arg, r->max);
        return PRM_ERANGE;
    }
    prm_store(start, cfg, m);
    prm_store(r, cfg, v);
    return 0;
}

int prm__fleet_check(const prm_config *cfg, char *err, size_t errlen)
{
    const prm_fleet *f = &cfg->fleet;
    if (f->cert_share < 0 && f->cert_share != -1) {
        snprintf(err, errlen,
                 "fleet.cert_share: '%g' is not valid: must be -1 (every client as client.cert) or a share from "
                 "0 to 1",
                 f->cert_share);
        return PRM_ERANGE;
    }
    if (!(f->start_rate > 0)) {
        snprintf(err, errlen, "fleet.start_rate: '%g' is out of range: must be above 0 (arrivals per second)",
                 f->start_rate);
        return PRM_ERANGE;
    }
    if (f->clients > 1 && (cfg->flow.ping_from != PRM_FROM_NONE || cfg->flow.tcp_from != PRM_FROM_NONE)) {
        snprintf(err, errlen,
                 "flow.* extra flows are modelled for one client; set fleet.clients=1 or flow.ping.from=none "
                 "flow.tcp.from=none");
        return PRM_ERANGE;
    }
    return 0;
}
