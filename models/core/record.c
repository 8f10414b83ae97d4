/*
 * The per-run recorder. Episodes are kept in a growing array; at most one is
 * open at a time (in_episode), and its end_s is NAN until traffic flows again,
 * so a copy that dies inside an episode leaves it open, as the contract says.
 * Events are not stored: each is folded into the fingerprint and passed to
 * the sinks, so memory does not grow with the run.
 */
#include <math.h>
#include <stdlib.h>
#include "models/core/record.h"

void rec_init(rec_recorder *r, sim_kernel *k)
{
    *r = (rec_recorder){0};
    r->k = k;
    r->clock = sim_kernel_clock(k);
    r->fingerprint = REC_FINGERPRINT_SEED;
}

void rec_fini(rec_recorder *r)
{
    free(r->eps);
    r->eps = NULL;
}

int rec_add_sink(rec_recorder *r, rec_sink sink)
{
    if (r->n_sinks == REC_MAX_SINKS) return -1;
    r->sinks[r->n_sinks++] = sink;
    if (!sink.no_segments) r->n_segment_sinks++;
    return 0;
}

void rec__dispatch(const rec_recorder *r, const ev_event *e)
{
    for (int i = 0; i < r->n_sinks; i++) r->sinks[i].fn(r->sinks[i].ctx, e);
}

void rec__dispatch_segment(const rec_recorder *r, const ev_event *e)
{
    for (int i = 0; i < r->n_sinks; i++)
        if (!r->sinks[i].no_segments) r->sinks[i].fn(r->sinks[i].ctx, e);
}

void rec_out_of_memory(rec_recorder *r)
{
    r->oom = 1;
    sim_kernel_stop(r->k);
}

void rec_start(rec_recorder *r)
{
    if (r->started) return;
    r->started = 1;
    r->t0_ns = sim_kernel_now(r->k);
}

void rec_established(rec_recorder *r)
{
    if (r->established) return;
    r->established = 1;
    r->established_ns = sim_kernel_now(r->k);
}

double rec_elapsed_s(const rec_recorder *r)
{
    return r->started ? sim_time_to_s(sim_kernel_now(r->k) - r->t0_ns) : 0.0;
}

void rec_episode_begin(rec_recorder *r, int host, int cause)
{
    if (!r->established || r->in_episode) return;
    if (r->n_eps == r->cap_eps) {
        uint64_t cap = r->cap_eps ? 2 * r->cap_eps : 16;
        out_interruption *e = realloc(r->eps, cap * sizeof *e);
        if (!e) {
            rec_out_of_memory(r);
            return;
        }
        r->eps = e;
        r->cap_eps = cap;
    }
    r->eps[r->n_eps++] =
        (out_interruption){.start_s = rec_elapsed_s(r), .end_s = NAN, .bytes_at_start = r->bytes_done, .cause = cause};
    r->in_episode = 1;
    r->episode_host = host;
    rec_emit(r,
             &(ev_event){.kind = EV_INTERRUPTION_BEGIN, .host = (int8_t)host, .cause = cause, .bytes = r->bytes_done});
}

void rec_traffic_flows(rec_recorder *r, int host)
{
    if (!r->in_episode || host != r->episode_host) return;
    r->eps[r->n_eps - 1].end_s = rec_elapsed_s(r);
    r->in_episode = 0;
    rec_emit(r, &(ev_event){.kind = EV_INTERRUPTION_END, .host = (int8_t)host});
}

void rec_sink_text(void *ctx, const ev_event *e) { ev_write_text(ctx, e); }

void rec_sink_tsv(void *ctx, const ev_event *e) { ev_write_tsv(ctx, e); }
