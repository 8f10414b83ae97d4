/*
 * A placeholder-free simple implementation: a binary min-heap of entries
 * ordered by (time, seq). Stale entries (lazily cancelled) are skipped at pop
 * and removed in bulk when they outnumber live ones.
 */
#include <stdlib.h>
#include "sim/queue.h"

struct sim_queue {
    sim_queue_entry *a;
    size_t n, cap;
    size_t n_stale;
};

static int entry_less(const sim_queue_entry *x, const sim_queue_entry *y)
{
    return x->at_ns < y->at_ns || (x->at_ns == y->at_ns && x->seq < y->seq);
}

static int entry_live(const sim_queue_entry *e) { return e->timer->seq == e->seq; }

static void sift_up(sim_queue_entry *a, size_t i)
{
    sim_queue_entry e = a[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!entry_less(&e, &a[p])) break;
        a[i] = a[p];
        i = p;
    }
    a[i] = e;
}

static void sift_down(sim_queue_entry *a, size_t n, size_t i)
{
    sim_queue_entry e = a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && entry_less(&a[c + 1], &a[c])) c++;
        if (!entry_less(&a[c], &e)) break;
        a[i] = a[c];
        i = c;
    }
    a[i] = e;
}

sim_queue *sim_queue_new(void) { return calloc(1, sizeof(sim_queue)); }

void sim_queue_free(sim_queue *q)
{
    if (!q) return;
    free(q->a);
    free(q);
}

static void compact(sim_queue *q)
{
    size_t j = 0;
    for (size_t i = 0; i < q->n; i++)
        if (entry_live(&q->a[i])) q->a[j++] = q->a[i];
    q->n = j;
    q->n_stale = 0;
    for (size_t i = q->n / 2; i-- > 0;) sift_down(q->a, q->n, i);
}

int sim_queue_push(sim_queue *q, sim_time_ns at_ns, uint64_t seq, sim_timer *timer)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        sim_queue_entry *a = realloc(q->a, cap * sizeof *a);
        if (!a) return -1;
        q->a = a;
        q->cap = cap;
    }
    q->a[q->n] = (sim_queue_entry){at_ns, seq, timer};
    sift_up(q->a, q->n++);
    return 0;
}

static void drop_stale_head(sim_queue *q)
{
    while (q->n && !entry_live(&q->a[0])) {
        q->a[0] = q->a[--q->n];
        if (q->n) sift_down(q->a, q->n, 0);
        if (q->n_stale) q->n_stale--;
    }
}

int sim_queue_pop(sim_queue *q, sim_queue_entry *out)
{
    drop_stale_head(q);
    if (!q->n) return -1;
    *out = q->a[0];
    q->a[0] = q->a[--q->n];
    if (q->n) sift_down(q->a, q->n, 0);
    return 0;
}

sim_time_ns sim_queue_peek_time(sim_queue *q)
{
    drop_stale_head(q);
    return q->n ? q->a[0].at_ns : SIM_TIME_MAX;
}

void sim_queue_note_stale(sim_queue *q)
{
    q->n_stale++;
    if (q->n_stale > 64 && q->n_stale > q->n / 2) compact(q);
}

size_t sim_queue_size(const sim_queue *q) { return q->n; }
