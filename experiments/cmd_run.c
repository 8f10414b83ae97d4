/*
 * `rekeysim run`: one simulated copy from a scenario and KEY=VALUE settings
 * (or replayed from a results database), printed for people or as one JSON
 * object, with optional trace, event table and timeline. Every argument is
 * checked before anything runs or is written, so bad input leaves no trace
 * file behind and exits 2 with one message on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiments/commands.h"
#include "experiments/json.h"
#include "experiments/opts.h"
#include "experiments/spec.h"
#include "models/core/presets.h"
#include "models/core/params.h"
#include "models/link.h"
#include "models/scenario.h"
#include "results/capture.h"
#include "results/plot.h"
#include "results/plot_run.h"
#include "results/store.h"

/* ---- messages ---- */

static int bad(const char *cmd, const char *msg)
{
    fprintf(stderr, "rekeysim %s: %s\n", cmd, msg);
    return EXP_INPUT;
}

/* ---- run ---- */

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: rekeysim run [--scenario NAME] [--path NAME] [--seed N] [--json] [--trace FILE] [--events FILE]\n"
            "                    [--plot FILE] [--pcap FILE [--pcap-at POINT] [--pcap-snaplen N]] [KEY=VALUE ...]\n"
            "       rekeysim run --db FILE --run ID [--json] [--trace FILE] [--events FILE] [--plot FILE]\n"
            "                    [--pcap FILE [--pcap-at POINT] [--pcap-snaplen N]]\n"
            "\n"
            "Simulates one SMB copy and prints its outcome.\n"
            "  --scenario NAME  preset applied first (default no-ipsec; see `rekeysim scenarios`)\n"
            "  --path NAME      path preset applied next (default lan; the same as path=NAME;\n"
            "                   see `rekeysim scenarios`), for example --path branch-t1\n"
            "  --seed N         run seed, used as given (default 1)\n"
            "  --json           print one JSON object with every outcome field\n"
            "  --trace FILE     write one line per model event: time, host, layer, what\n"
            "  --events FILE    write the typed events as a table (TSV with a header line;\n"
            "                   columns in doc/design.md), for scripts\n"
            "  KEY=VALUE        override a parameter (see `rekeysim params`), for example\n"
            "                   file.size=2GiB link.rate=10Mbps link.delay=20ms link.loss=0.1%%\n"
            "  --plot FILE      draw the run's timeline (bytes delivered, IKE, SA installs and\n"
            "                   deletes, fallbacks, interruptions): SVG if FILE ends in .svg, else PNG\n"
            "  --pcap FILE      write a packet capture (pcap, nanosecond timestamps) for Wireshark and\n"
            "                   tshark: Ethernet, IPv4, TCP with SMB1, ISAKMP and ESP headers, zeros for data\n"
            "  --pcap-at POINT  where the capture listens: client (default; the client's access link),\n"
            "                   server or bottleneck\n"
            "  --pcap-snaplen N bytes kept per frame, 64 to 262144 (default: headers only)\n"
            "  --db FILE --run ID  replay run ID of a results database: same parameters and\n"
            "                   seed, so the outcome equals the stored row (wall-clock aside)\n"
            "\n"
            "Fleets: fleet.clients=N runs N clients copying the file at once (each on its own\n"
            "access link, sharing the bottleneck and the server): the summary ends with a table\n"
            "of the copies (N <= 20) or their totals, and --json has a `copies` array. An XP\n"
            "server takes 10 sessions (KB 314882): the others fail with `refused`.\n"
            "\n"
            "Defaults: scenario no-ipsec, file.size=100MiB, seed 1. A copy that fails is a\n"
            "result (exit 0); bad input exits 2.\n");
}

/* R is an out_result_view: it has its copies. */
static void print_json(FILE *f, const prm_config *cfg, const out_result *r)
{
    fprintf(f, "{\"scenario\":\"%s\",\"seed\":%" PRIu64 ",", preset_table[cfg->scenario].name, r->seed);
    out_write_json_fields(f, r, 1);
    fputc(',', f);
    exp_json_episodes_and_copies(f, r);
    fputs("}\n", f);
}

static void show(const prm_config *cfg, const char *key, char *buf, size_t n)
{
    const prm_entry *p = prm_find(key);
    if (p)
        prm_format(p, cfg, buf, n);
    else
        snprintf(buf, n, "?");
}

/* The path line, unless the path is the default one-hop LAN with nothing changed. */
static void print_path(FILE *f, const prm_config *cfg)
{
    const prm_link *l = &cfg->link;
    if (cfg->path == 0 && !l->access_rate_bps[0] && !l->access_rate_bps[1] && !l->rate_to_client_bps) return;
    char tc[64], ca[64], sa[64], q[64];
    show(cfg, "link.rate.to_client", tc, sizeof tc);
    show(cfg, "client.access.rate", ca, sizeof ca);
    show(cfg, "server.access.rate", sa, sizeof sa);
    show(cfg, "link.queue", q, sizeof q);
    fprintf(f, "path       %s: link is the bottleneck%s%s; access links: client %s, server %s; router queue %s",
            path_table[cfg->path].name, l->rate_to_client_bps ? ", to the client " : "",
            l->rate_to_client_bps ? tc : "", l->access_rate_bps[0] ? ca : "none", l->access_rate_bps[1] ? sa : "none",
            q);
    if (l->queue_bytes) {
        char qb[64];
        show(cfg, "link.queue_bytes", qb, sizeof qb);
        fprintf(f, " or %s", qb);
    }
    fputc('\n', f);
}

/* At most this many copies are listed one a line; beyond, a summary. */
#define COPY_TABLE_MAX 20

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The copies of a fleet run R (an out_result_view, n_copies > 1): a table of
 * up to COPY_TABLE_MAX copies, else copies completed, failures by name,
 * makespan and the completed copies' durations. */
static void print_copies(FILE *f, const out_result *r)
{
    const prm_entry *os = prm_find("client.os"), *cert = prm_find("client.cert");
    fprintf(f, "\nfleet      %" PRIu64 " copies, %" PRIu64 " completed, makespan %.6f s\n", r->n_copies, r->n_completed,
            r->makespan_s);
    if (r->n_copies <= COPY_TABLE_MAX) {
        fprintf(f, "%5s %-6s %-8s %12s %9s %-16s %12s %12s %13s %8s\n", "copy", "os", "cert", "start_s", "completed",
                "failure", "bytes", "duration_s", "interruptions", "restarts");
        for (uint64_t i = 0; i < r->n_copies; i++) {
            const out_copy *c = &r->copies[i];
            fprintf(f, "%5" PRIu32 " %-6s %-8s %12.6f %9d %-16s %12" PRIu64 " %12.6f %13" PRIu64 " %8" PRIu64 "\n",
                    c->index, os->choices[c->client_os], cert->choices[c->client_cert], c->start_s, c->r.completed,
                    out_failure_name(c->r.failure), c->r.bytes_done, c->r.duration_s, c->r.n_interruptions,
                    c->r.n_restarts);
        }
        return;
    }
    uint64_t by_failure[OUT_N_FAILURES] = {0};
    double *done = malloc(r->n_copies * sizeof *done);
    size_t n_done = 0;
    for (uint64_t i = 0; i < r->n_copies; i++) {
        const out_copy *c = &r->copies[i];
        if (c->r.failure >= 0 && c->r.failure < OUT_N_FAILURES) by_failure[c->r.failure]++;
        if (c->r.completed && done) done[n_done++] = c->r.duration_s;
    }
    fprintf(f, "copies     %" PRIu64 " of %" PRIu64 " completed\n", r->n_completed, r->n_copies);
    const char *sep = "failures   ";
    for (int k = 0; k < OUT_N_FAILURES; k++) {
        if (k == OUT_FAIL_NONE || !by_failure[k]) continue;
        fprintf(f, "%s%s %" PRIu64, sep, out_failure_name(k), by_failure[k]);
        sep = ", ";
    }
    fprintf(f, "%s", sep[0] == ',' ? "\n" : "failures   none\n");
    fprintf(f, "makespan   %.6f s\n", r->makespan_s);
    if (n_done) {
        qsort(done, n_done, sizeof *done, compare_double);
        double median = n_done % 2 ? done[n_done / 2] : (done[n_done / 2 - 1] + done[n_done / 2]) / 2;
        fprintf(f, "durations  of completed copies: min %.6f s, median %.6f s, max %.6f s\n", done[0], median,
                done[n_done - 1]);
    } else {
        fprintf(f, "durations  no copy completed\n");
    }
    free(done);
}

static void print_human(FILE *f, const prm_config *cfg, const out_result *r, int n_keys, char **keys)
{
    char size[64], dir[32], rate[32], delay[32], loss[32], cos[16], sos[16], ccert[16], scert[16];
    show(cfg, "file.size", size, sizeof size);
    show(cfg, "copy.direction", dir, sizeof dir);
    show(cfg, "link.rate", rate, sizeof rate);
    show(cfg, "link.delay", delay, sizeof delay);
    show(cfg, "link.loss", loss, sizeof loss);
    show(cfg, "client.os", cos, sizeof cos);
    show(cfg, "server.os", sos, sizeof sos);
    show(cfg, "client.cert", ccert, sizeof ccert);
    show(cfg, "server.cert", scert, sizeof scert);
    fprintf(f, "scenario   %s (seed %" PRIu64 ")\n", preset_table[cfg->scenario].name, r->seed);
    fprintf(f, "copy       %s %s; client %s (cert %s), server %s (cert %s)\n", dir, size, cos, ccert, sos, scert);
    fprintf(f, "link       %s, %s one way, loss %s\n", rate, delay, loss);
    print_path(f, cfg);
    if (n_keys) {
        fprintf(f, "settings  ");
        for (int i = 0; i < n_keys; i++) fprintf(f, " %s", keys[i]);
        fputc('\n', f);
    }
    fputc('\n', f);
    /* A fleet's run row sums its copies (doc/design.md section 5): say so. */
    int fleet = r->n_copies > 1;
    uint64_t want = cfg->file_size_bytes * (fleet ? r->n_copies : 1);
    if (r->completed)
        fprintf(f, "result     completed%s\n", fleet ? " (every copy)" : "");
    else
        fprintf(f, "result     FAILED: %s%s\n", out_failure_name(r->failure),
                fleet ? " (the first copy by number that failed)" : "");
    fprintf(f, "bytes      %" PRIu64 " of %" PRIu64 " (%.1f %%)%s\n", r->bytes_done, want,
            100.0 * (double)r->bytes_done / (double)want, fleet ? ", all copies" : "");
    if (isnan(r->setup_s))
        fprintf(f, "setup      never established\n");
    else
        fprintf(f, "setup      %.6f s%s\n", r->setup_s, fleet ? " (the longest)" : "");
    fprintf(f, "duration   %.6f s%s\n", r->duration_s, fleet ? " (makespan)" : "");
    if (r->duration_s > 0)
        fprintf(f, "goodput    %.3f Mbit/s%s\n", (double)r->bytes_done * 8 / r->duration_s / 1e6,
                fleet ? ", all copies" : "");
    if (r->n_restarts) fprintf(f, "restarts   %" PRIu64 " (copy.tool=robocopy-z)\n", r->n_restarts); /* issue 15 */
    fprintf(f, "interruptions %" PRIu64 "\n", r->n_interruptions);
    for (uint64_t i = 0; i < r->n_interruptions; i++) {
        const out_interruption *e = &r->interruptions[i];
        char who[32] = "";
        if (r->n_copies > 1) snprintf(who, sizeof who, "copy %" PRIu32 ", ", out_interruption_copy(e));
        if (isnan(e->end_s))
            fprintf(f, "  %3" PRIu64 "  %sstart %.6f s, never ended, at %" PRIu64 " bytes, cause %s\n", i + 1, who,
                    e->start_s, e->bytes_at_start, out_cause_name(e->cause));
        else
            fprintf(f, "  %3" PRIu64 "  %sstart %.6f s, end %.6f s (%.3f s), at %" PRIu64 " bytes, cause %s\n", i + 1,
                    who, e->start_s, e->end_s, e->end_s - e->start_s, e->bytes_at_start, out_cause_name(e->cause));
    }
    fprintf(f, "IKE        %" PRIu64 " negotiations, %" PRIu64 " failed, %" PRIu64 " fallbacks, %" PRIu64 " rekeys\n",
            r->n_negotiations, r->n_negotiation_failures, r->n_fallbacks, r->n_rekeys);
    fprintf(f, "TCP        %" PRIu64 " data retransmissions\n", r->n_retransmits);
    fprintf(f, "kernel     %" PRIu64 " events, peak %" PRIu64 " pending, %.3f s wall, %.2f M events/s\n", r->events,
            r->peak_pending, r->wall_s, r->events_per_s / 1e6);
    if (r->n_copies > 1) print_copies(f, r);
}

/* Warns, on stderr, about each explicit KEY=VALUE that cannot change this
 * run (for example IPsec lifetimes when neither host runs IPsec): the run
 * still happens, but the user probably meant something else. */
void exp_warn_no_effect(const char *command, const prm_config *cfg, int n_keys, char **keys)
{
    for (int i = 0; i < n_keys; i++) {
        char name[128], why[256];
        size_t len = strcspn(keys[i], "=");
        if (len >= sizeof name) continue;
        memcpy(name, keys[i], len);
        name[len] = 0;
        const prm_entry *p = prm_find(name);
        if (p && !prm_has_effect(p, cfg, why, sizeof why))
            fprintf(stderr, "rekeysim %s: warning: %s has no effect: %s\n", command, name, why);
    }
}

/* Loads the parameters and run seed of run RUN_ID from the results database
 * at PATH (opened read-only). Returns EXP_OK, or EXP_INPUT / EXP_RUNTIME with
 * ERR filled. */
/* Whether stored point POINT_ID (parameters HAVE) is still what its
 * experiment's spec makes: EXP_OK, or EXP_INPUT with ERR naming the run and
 * the first key that differs. A spec that no longer parses (another build's
 * parser) is not held against the row: the check guards against rows
 * changed by hand, and the stored parameters are what is replayed. */
static int check_stored_point(res_store *st, const char *path, int64_t run_id, int64_t point_id, const prm_config *have,
                              char *err, size_t errlen)
{
    int64_t experiment_id = 0, point_index = 0;
    res_experiment *list = NULL;
    size_t n = 0;
    if (res_point_origin(st, point_id, &experiment_id, &point_index) != 0 || res_experiments_list(st, &list, &n) != 0)
        return EXP_OK;
    const res_experiment *e = NULL;
    for (size_t i = 0; i < n; i++)
        if (list[i].id == experiment_id) e = &list[i];
    exp_spec *spec = NULL;
    char msg[600];
    int out = EXP_OK;
    if (e && e->spec_text && exp_spec_new_text(e->name, e->spec_text, msg, sizeof msg, &spec) == 0 && spec->n == 1) {
        const exp_experiment *x = &spec->exps[0];
        prm_config want;
        int64_t offset = point_id - e->first_point_id;
        uint64_t index =
            x->kind == EXP_SEARCH && x->probes_per_combo ? (uint64_t)offset / x->probes_per_combo : (uint64_t)offset;
        double sv = x->kind == EXP_SEARCH ? prm_load(x->axes[x->search_axis].param, have) : 0;
        if (offset < 0 || index >= x->n_points) {
            snprintf(err, errlen,
                     "run %" PRId64 " of %s belongs to point %" PRId64 ", outside experiment %s's points; the "
                     "database was changed outside rekeysim",
                     run_id, path, point_id, e->name);
            out = EXP_INPUT;
        } else if (exp_point_config(x, index, sv, &want, msg, sizeof msg) == 0) {
            for (size_t i = 0; i < prm_count() && out == EXP_OK; i++) {
                const prm_entry *p = prm_at(i);
                if (prm_load(p, have) == prm_load(p, &want)) continue;
                char va[64], vb[64];
                prm_format(p, have, va, sizeof va);
                prm_format(p, &want, vb, sizeof vb);
                snprintf(err, errlen,
                         "run %" PRId64 " of %s does not match its spec: its point %" PRId64 " has %s = %s, "
                         "experiment %s's spec makes %s; the database was changed outside rekeysim",
                         run_id, path, point_id, p->name, va, e->name, vb);
                out = EXP_INPUT;
            }
        }
    }
    exp_spec_free(spec);
    res_experiments_free(list, n);
    return out;
}

static int load_stored_run(const char *path, int64_t run_id, prm_config *cfg_out, uint64_t *seed_out, char *err,
                           size_t errlen)
{
    res_store *st;
    int64_t point_id;
    int exists = 0;
    prm_config cfg;
    int rc = res_store_new(path, RES_OPEN_READONLY, NULL, err, errlen, &st);
    if (rc != 0) return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    rc = res_run_get(st, run_id, &point_id, seed_out);
    if (rc == RES_ENOENT) {
        snprintf(err, errlen, "%s has no run %" PRId64 "; `sqlite3 %s 'SELECT run_id FROM runs'` lists them", path,
                 run_id, path);
        res_store_free(st);
        return EXP_INPUT;
    }
    if (rc == 0) rc = res_point_get(st, point_id, &exists, &cfg);
    if (rc != 0 || !exists) {
        snprintf(err, errlen, "cannot read run %" PRId64 " of %s: %s", run_id, path,
                 rc ? res_store_errmsg(st) : "its point is missing");
        res_store_free(st);
        return rc && res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    rc = check_stored_point(st, path, run_id, point_id, &cfg, err, errlen);
    res_store_free(st);
    if (rc == EXP_OK) *cfg_out = cfg;
    return rc;
}

/* Opens PATH for writing (what, named in messages: "trace", "event table"). */
static FILE *open_output(const char *path, const char *what)
{
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "rekeysim run: cannot write the %s file %s: %s\n", what, path, strerror(errno));
    return f;
}

/* Closes F (NULL: nothing); returns 0, or -1 after printing what failed. */
static int close_output(FILE *f, const char *path, const char *what)
{
    if (!f) return 0;
    int bad = ferror(f) != 0;
    if (fclose(f) != 0) bad = 1;
    if (bad) fprintf(stderr, "rekeysim run: writing the %s file %s failed: %s\n", what, path, strerror(errno));
    return bad ? -1 : 0;
}

int exp_cmd_run(int argc, char **argv)
{
    const char *scenario = "no-ipsec", *path = NULL, *trace_path = NULL, *events_path = NULL, *plot_path = NULL,
               *db_path = NULL, *v;
    const char *pcap_path = NULL;
    int pcap_at = LINK_TAP_CLIENT, pcap_snaplen = CAP_SNAPLEN_HEADERS, pcap_opt = 0;
    int scenario_given = 0, seed_given = 0;
    int64_t run_id = 0;
    uint64_t seed = 1;
    int json = 0, n_keys = 0, rc;
    char **keys = calloc((size_t)argc + 1, sizeof *keys);
    char err[512];
    if (!keys) return EXP_RUNTIME;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (exp_opt_is(a, "--help", "-h")) {
            run_usage(stdout);
            free(keys);
            return EXP_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--scenario", &v)) != 0) {
            if (rc < 0) goto missing;
            scenario = v;
            scenario_given = 1;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--path", &v)) != 0) {
            if (rc < 0) goto missing;
            path = v;
            scenario_given = 1;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--seed", &v)) != 0) {
            if (rc < 0) goto missing;
            seed_given = 1;
            if (exp_opt_u64(v, &seed) != 0) {
                snprintf(err, sizeof err, "--seed '%s' is not a whole number from 0 to 2^64-1", v);
                goto input;
            }
        } else if ((rc = exp_opt_value(argc, argv, &i, "--trace", &v)) != 0) {
            if (rc < 0) goto missing;
            trace_path = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--events", &v)) != 0) {
            if (rc < 0) goto missing;
            events_path = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--plot", &v)) != 0) {
            if (rc < 0) goto missing;
            plot_path = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--pcap", &v)) != 0) {
            if (rc < 0) goto missing;
            pcap_path = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--pcap-at", &v)) != 0) {
            if (rc < 0) goto missing;
            pcap_opt = 1;
            if (!strcmp(v, "client"))
                pcap_at = LINK_TAP_CLIENT;
            else if (!strcmp(v, "server"))
                pcap_at = LINK_TAP_SERVER;
            else if (!strcmp(v, "bottleneck"))
                pcap_at = LINK_TAP_BOTTLENECK;
            else {
                snprintf(err, sizeof err, "--pcap-at '%s' is not a capture point: client, server or bottleneck", v);
                goto input;
            }
        } else if ((rc = exp_opt_value(argc, argv, &i, "--pcap-snaplen", &v)) != 0) {
            uint64_t n;
            if (rc < 0) goto missing;
            pcap_opt = 1;
            if (exp_opt_u64(v, &n) != 0 || n < CAP_SNAPLEN_MIN || n > CAP_SNAPLEN_MAX) {
                snprintf(err, sizeof err, "--pcap-snaplen '%s' is not a snap length from %d to %d bytes", v,
                         CAP_SNAPLEN_MIN, CAP_SNAPLEN_MAX);
                goto input;
            }
            pcap_snaplen = (int)n;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--db", &v)) != 0) {
            if (rc < 0) goto missing;
            db_path = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--run", &v)) != 0) {
            uint64_t id;
            if (rc < 0) goto missing;
            if (exp_opt_u64(v, &id) != 0 || id == 0 || id > INT64_MAX) {
                snprintf(err, sizeof err, "--run '%s' is not a run id (a positive whole number, runs.run_id)", v);
                goto input;
            }
            run_id = (int64_t)id;
        } else if (a[0] == '-') {
            snprintf(err, sizeof err, "unknown option '%s'; see rekeysim run --help", a);
            goto input;
        } else if (strchr(a, '=')) {
            keys[n_keys++] = argv[i];
        } else {
            snprintf(err, sizeof err, "'%s' is neither an option nor KEY=VALUE; see rekeysim run --help", a);
            goto input;
        }
    }
    prm_config cfg;
    if (db_path || run_id) {
        if (!db_path || !run_id) {
            snprintf(err, sizeof err, "--db and --run go together: rekeysim run --db FILE --run ID");
            goto input;
        }
        if (scenario_given || seed_given || n_keys) {
            snprintf(err, sizeof err,
                     "a replayed run takes its scenario, seed and parameters from the "
                     "database; drop --scenario, --path, --seed and KEY=VALUE");
            goto input;
        }
        rc = load_stored_run(db_path, run_id, &cfg, &seed, err, sizeof err);
        if (rc != EXP_OK) {
            free(keys);
            fprintf(stderr, "rekeysim run: %s\n", err);
            return rc;
        }
    } else {
        prm_defaults(&cfg);
        if (prm_apply_preset(&cfg, scenario, err, sizeof err) != 0) goto input;
        if (path && prm_apply_path(&cfg, path, err, sizeof err) != 0) goto input;
        for (int i = 0; i < n_keys; i++)
            if (prm_set_pair(&cfg, keys[i], err, sizeof err) != 0) goto input;
    }
    if (prm_check(&cfg, err, sizeof err) != 0) goto input;
    if (pcap_opt && !pcap_path) {
        snprintf(err, sizeof err, "--pcap-at and --pcap-snaplen need --pcap FILE");
        goto input;
    }
    if (pcap_path && cfg.fleet.clients > 1) {
        /* The path has no taps in a fleet run (doc/design.md section 4): refuse
         * before the capture file is created rather than write an empty one. */
        snprintf(err, sizeof err,
                 "--pcap captures one client pair; set fleet.clients=1 (this run has %d clients) or drop --pcap",
                 (int)cfg.fleet.clients);
        goto input;
    }
    exp_warn_no_effect("run", &cfg, n_keys, keys);

    /* The run's events go to each requested sink: the text trace, the event
     * table, the timeline. Outputs are opened before the run, so a bad path
     * fails at once, and checked when closed. */
    rec_sink sinks[4];
    int n_sinks = 0, out_rc = EXP_OK;
    FILE *trace = NULL, *events = NULL;
    plot_timeline *tl = NULL;
    cap_capture *cap = NULL;
    scn_tap tap = {0};
    if (pcap_path) {
        /* First, so an unwritable place exits 2 before anything else is written. */
        rc = cap_new(pcap_path, &cfg, pcap_at, pcap_snaplen, err, sizeof err, &cap);
        if (rc == CAP_EINPUT) {
            free(keys);
            return bad("run", err);
        }
        if (rc != 0) {
            fprintf(stderr, "rekeysim run: %s\n", rc == CAP_ENOMEM ? "out of memory" : err);
            goto runtime;
        }
        sinks[n_sinks++] = cap_sink(cap);
        tap = (scn_tap){pcap_at, cap_tap(cap)};
    }
    if (trace_path) {
        if (!(trace = open_output(trace_path, "trace"))) goto runtime;
        sinks[n_sinks++] = (rec_sink){rec_sink_text, trace, 0};
    }
    if (events_path) {
        if (!(events = open_output(events_path, "event table"))) goto runtime;
        ev_write_tsv_header(events);
        sinks[n_sinks++] = (rec_sink){rec_sink_tsv, events, 0};
    }
    if (plot_path) {
        if (!(tl = plot_timeline_new())) {
            fprintf(stderr, "rekeysim run: out of memory\n");
            goto runtime;
        }
        sinks[n_sinks++] = (rec_sink){plot_timeline_event, tl, 0};
    }
    out_result res;
    rc = scn_run_tapped(&cfg, seed, sinks, n_sinks, cap ? &tap : NULL, &res);
    if (cap && cap_close(cap, rc == 0, err, sizeof err) != 0) {
        fprintf(stderr, "rekeysim run: %s\n", err);
        out_rc = EXP_RUNTIME;
    }
    cap = NULL;
    if (close_output(trace, trace_path, "trace") != 0) out_rc = EXP_RUNTIME;
    if (close_output(events, events_path, "event table") != 0) out_rc = EXP_RUNTIME;
    trace = events = NULL;
    if (rc != 0) {
        fprintf(stderr, "rekeysim run: the simulation could not run: %s\n", scn_strerror(rc));
        goto runtime;
    }
    if (out_rc == EXP_OK && plot_path) {
        char label[128];
        snprintf(label, sizeof label, "%s, seed %" PRIu64, preset_table[cfg.scenario].name, seed);
        int prc = plot_timeline_draw(tl, trace_path ? trace_path : label, plot_path, err, sizeof err);
        if (prc != 0) {
            fprintf(stderr, "rekeysim run: %s\n", err);
            out_rc = plot_error_is_input(prc) ? EXP_INPUT : EXP_RUNTIME;
        }
    }
    plot_timeline_free(tl);
    tl = NULL;
    if (out_rc != EXP_OK) {
        out_result_fini(&res);
        free(keys);
        return out_rc;
    }
    out_result view;
    out_copy one;
    out_result_view(&res, cfg.host[PRM_CLIENT].os, cfg.host[PRM_CLIENT].cert, &one, &view);
    if (json)
        print_json(stdout, &cfg, &view);
    else
        print_human(stdout, &cfg, &view, n_keys, keys);
    out_result_fini(&res);
    free(keys);
    return fflush(stdout) == 0 ? EXP_OK : EXP_RUNTIME;

runtime:
    cap_close(cap, 0, NULL, 0);
    if (trace) fclose(trace);
    if (events) fclose(events);
    plot_timeline_free(tl);
    free(keys);
    return EXP_RUNTIME;
missing:
    snprintf(err, sizeof err, "%s needs a value", argv[argc - 1]);
input:
    free(keys);
    return bad("run", err);
}
