/*
 * The per-run recorder. Episodes are kept in a growing array; at most one is
 * open at a time (in_episode), and its end_s is NAN until traffic flows again,
 * so a copy that dies inside an episode leaves it open, as the contract says.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include "models/record.h"

void rec_init(scn_record *r, sim_kernel *k, FILE *trace)
{
    *r = (scn_record){0};
    r->k = k;
    r->trace = trace;
}

void rec_fini(scn_record *r)
{
    free(r->eps);
    r->eps = NULL;
}

void rec_start(scn_record *r)
{
    if (r->started) return;
    r->started = 1;
    r->t0_ns = sim_kernel_now(r->k);
}

void rec_established(scn_record *r)
{
    if (r->established) return;
    r->established = 1;
    r->established_ns = sim_kernel_now(r->k);
}

double rec_elapsed_s(const scn_record *r)
{
    return r->started ? sim_time_to_s(sim_kernel_now(r->k) - r->t0_ns) : 0.0;
}

void rec_episode_begin(scn_record *r, int host, int cause)
{
    if (!r->established || r->in_episode) return;
    if (r->n_eps == r->cap_eps) {
        uint64_t cap = r->cap_eps ? 2 * r->cap_eps : 16;
        scn_interruption *e = realloc(r->eps, cap * sizeof *e);
        if (!e) {
            r->oom = 1;
            return;
        }
        r->eps = e;
        r->cap_eps = cap;
    }
    r->eps[r->n_eps++] = (scn_interruption){
        .start_s = rec_elapsed_s(r), .end_s = NAN, .bytes_at_start = r->bytes_done, .cause = cause};
    r->in_episode = 1;
    r->episode_host = host;
    rec_trace(r, host, "rec", "interruption begins cause=%s bytes=%llu", scn_cause_name(cause),
              (unsigned long long)r->bytes_done);
}

void rec_traffic_flows(scn_record *r, int host)
{
    if (!r->in_episode || host != r->episode_host) return;
    r->eps[r->n_eps - 1].end_s = rec_elapsed_s(r);
    r->in_episode = 0;
    rec_trace(r, host, "rec", "interruption ends");
}

void rec_trace(scn_record *r, int host, const char *layer, const char *fmt, ...)
{
    if (!r->trace) return;
    static const char *names[] = {"link", "client", "server"};
    fprintf(r->trace, "%.9f %s %s ", sim_time_to_s(sim_kernel_now(r->k)), names[host + 1], layer);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->trace, fmt, ap);
    va_end(ap);
    fputc('\n', r->trace);
}
