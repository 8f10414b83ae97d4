/*
 * The outcome table. Each row names one member of out_result; the order of
 * the rows is the order of the JSON members and of the runs columns, fixed by
 * doc/design.md, so a new field goes at the end of its group and old
 * databases keep their meaning. The failure and cause name lists are the
 * strings stored in runs.failure and interruptions.cause.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/outcome.h"

static const char *failure_name_of(int v) { return out_failure_name(v); }

#define F(member) offsetof(out_result, member)

static const out_field fields[] = {
    {"completed", OUT_BOOL, F(completed), "", NULL, 0, NULL,
     "1 if every byte of the file arrived and the copy closed cleanly", 1},
    {"failure", OUT_ENUM, F(failure), "", NULL, 0, failure_name_of,
     "why the copy ended: none, connect_timeout, tcp_abort, smb_timeout, blocked, sim_limit, refused", 1},
    {"bytes_done", OUT_COUNT, F(bytes_done), "B", NULL, 0, NULL, "file bytes delivered to the reader", 1},
    {"setup_s", OUT_REAL, F(setup_s), "s", "%.9f", 0, NULL,
     "from the client's first attempt to send to the TCP connection being established; null if never", 1},
    {"duration_s", OUT_REAL, F(duration_s), "s", "%.9f", 0, NULL,
     "from the client's first attempt to send to completion or failure", 1},
    {"n_interruptions", OUT_COUNT, F(n_interruptions), "", NULL, 0, NULL,
     "episodes after establishment in which IPsec held or dropped the copy's packets", 1},
    {"first_interruption_s", OUT_REAL, F(first_interruption_s), "s", "%.9f", 0, NULL,
     "when the first episode began (same origin as duration_s); null if none", 1},
    {"first_interruption_bytes", OUT_WHOLE, F(first_interruption_bytes), "B", NULL, 0, NULL,
     "file bytes delivered when the first episode began; null if none", 1},
    {"n_negotiations", OUT_COUNT, F(n_negotiations), "", NULL, 0, NULL,
     "main-mode exchanges started, at either host, counted by the initiator", 1},
    {"n_negotiation_failures", OUT_COUNT, F(n_negotiation_failures), "", NULL, 0, NULL,
     "initiator exchanges that failed (authentication or retransmissions exhausted)", 1},
    {"n_fallbacks", OUT_COUNT, F(n_fallbacks), "", NULL, 0, NULL, "fallbacks to clear (soft SAs installed)", 1},
    {"n_rekeys", OUT_COUNT, F(n_rekeys), "", NULL, 0, NULL, "renegotiations of an existing SA record", 1},
    {"n_retransmits", OUT_COUNT, F(n_retransmits), "", NULL, 0, NULL, "TCP data retransmissions, both hosts", 1},
    {"events", OUT_COUNT, F(events), "", NULL, 0, NULL, "kernel events executed", 0},
    {"events_per_s", OUT_REAL, F(events_per_s), "1/s", "%.1f", 1, NULL, "kernel events per wall-clock second", 0},
    {"peak_pending", OUT_COUNT, F(peak_pending), "", NULL, 0, NULL, "most kernel events pending at once", 0},
    {"wall_s", OUT_REAL, F(wall_s), "s", "%.6f", 1, NULL, "wall-clock time of the simulation", 0},
    {"fingerprint", OUT_HEX64, F(fingerprint), "", NULL, 0, NULL,
     "64-bit hash of the run's trajectory (every typed event and the outcome), 16 hex digits", 1},
    /* issue 15: restartable copies */
    {"n_restarts", OUT_COUNT, F(n_restarts), "", NULL, 0, NULL,
     "reconnects after failed attempts (copy.tool=robocopy-z; always 0 for explorer)", 1},
    /* issue 16: fleets (run-level) */
    {"n_copies", OUT_COUNT, F(n_copies), "", NULL, 0, NULL, "copies in the run (fleet.clients; 1 without a fleet)", 0},
    {"n_completed", OUT_COUNT, F(n_completed), "", NULL, 0, NULL, "copies of the run that completed", 0},
    {"makespan_s", OUT_REAL, F(makespan_s), "s", "%.9f", 0, NULL,
     "from the first copy's first attempt to send to the end of the last copy", 0},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

size_t out_field_count(void) { return N_FIELDS; }

const out_field *out_field_at(size_t i) { return i < N_FIELDS ? &fields[i] : NULL; }

const out_field *out_field_find(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (strcmp(fields[i].name, name) == 0) return &fields[i];
    return NULL;
}

const char *out_field_sql_decl(const out_field *f)
{
    switch (f->type) {
    case OUT_BOOL:
    case OUT_COUNT: return "INTEGER NOT NULL";
    case OUT_ENUM:
    case OUT_HEX64: return "TEXT NOT NULL";
    case OUT_REAL: return "REAL";
    case OUT_WHOLE: return "INTEGER";
    }
    return "";
}

uint64_t out_get_u64(const out_field *f, const out_result *r)
{
    uint64_t v;
    memcpy(&v, (const char *)r + f->offset, sizeof v);
    return v;
}

int out_get_int(const out_field *f, const out_result *r)
{
    int v;
    memcpy(&v, (const char *)r + f->offset, sizeof v);
    return v;
}

double out_get_real(const out_field *f, const out_result *r)
{
    double v;
    memcpy(&v, (const char *)r + f->offset, sizeof v);
    return v;
}

void out_set_u64(const out_field *f, out_result *r, uint64_t v) { memcpy((char *)r + f->offset, &v, sizeof v); }
void out_set_int(const out_field *f, out_result *r, int v) { memcpy((char *)r + f->offset, &v, sizeof v); }
void out_set_real(const out_field *f, out_result *r, double v) { memcpy((char *)r + f->offset, &v, sizeof v); }

/* The JSON members of R's fields: with WITH_WALL 0 not the wall-clock
 * ones, with COPY_ONLY 1 only the per-copy ones. */
static int write_json_fields(FILE *f, const out_result *r, int with_wall, int copy_only)
{
    int total = 0, first = 1;
    for (size_t i = 0; i < N_FIELDS; i++) {
        const out_field *d = &fields[i];
        if ((d->wall_clock && !with_wall) || (copy_only && !d->per_copy)) continue;
        int n = fprintf(f, "%s\"%s\":", first ? "" : ",", d->name);
        first = 0;
        if (n < 0) return n;
        total += n;
        switch (d->type) {
        case OUT_BOOL: n = fprintf(f, "%d", out_get_int(d, r) ? 1 : 0); break;
        case OUT_ENUM: n = fprintf(f, "\"%s\"", d->name_of(out_get_int(d, r))); break;
        case OUT_COUNT: n = fprintf(f, "%" PRIu64, out_get_u64(d, r)); break;
        case OUT_HEX64: n = fprintf(f, "\"%016" PRIx64 "\"", out_get_u64(d, r)); break;
        case OUT_REAL:
        case OUT_WHOLE: {
            double v = out_get_real(d, r);
            if (isnan(v))
                n = fputs("null", f) < 0 ? -1 : 4;
            else
                n = fprintf(f, d->type == OUT_WHOLE ? "%.0f" : d->json_format, v);
            break;
        }
        }
        if (n < 0) return n;
        total += n;
    }
    return total;
}

int out_write_json_fields(FILE *f, const out_result *r, int with_wall) { return write_json_fields(f, r, with_wall, 0); }

int out_write_json_copy_fields(FILE *f, const out_result *r) { return write_json_fields(f, r, 1, 1); }

void out_result_view(const out_result *r, int client_os, int client_cert, out_copy *one, out_result *view)
{
    *view = *r;
    if (r->copies) return;
    memset(one, 0, sizeof *one);
    one->index = 1;
    one->client_os = client_os;
    one->client_cert = client_cert;
    one->start_s = 0;
    for (size_t i = 0; i < N_FIELDS; i++) {
        const out_field *d = &fields[i];
        size_t size = d->type == OUT_BOOL || d->type == OUT_ENUM ? sizeof(int) : sizeof(uint64_t);
        if (d->per_copy) memcpy((char *)&one->r + d->offset, (const char *)r + d->offset, size);
    }
    view->n_copies = 1;
    view->n_completed = r->completed ? 1 : 0;
    view->makespan_s = r->duration_s;
    view->copies = one;
}

uint32_t out_interruption_copy(const out_interruption *e) { return e->copy ? e->copy : 1; }

void out_result_fini(out_result *r)
{
    if (!r) return;
    free(r->interruptions);
    r->interruptions = NULL;
    free(r->copies); /* a copy's own record owns nothing (outcome.h) */
    r->copies = NULL;
}

static const char *const failure_names[OUT_N_FAILURES] = {"none",    "connect_timeout", "tcp_abort", "smb_timeout",
                                                          "blocked", "sim_limit",       "refused"};
static const char *const cause_names[OUT_N_CAUSES] = {"rekey",   "expiry",  "idle",      "peer_negotiation",
                                                      "blocked", "initial", "other_flow"};

const char *out_failure_name(int failure)
{
    return failure >= 0 && failure < OUT_N_FAILURES ? failure_names[failure] : "unknown";
}

const char *out_cause_name(int cause) { return cause >= 0 && cause < OUT_N_CAUSES ? cause_names[cause] : "unknown"; }

int out_failure_from_name(const char *name)
{
    for (int i = 0; i < OUT_N_FAILURES; i++)
        if (strcmp(failure_names[i], name) == 0) return i;
    return -1;
}

int out_cause_from_name(const char *name)
{
    for (int i = 0; i < OUT_N_CAUSES; i++)
        if (strcmp(cause_names[i], name) == 0) return i;
    return -1;
}
