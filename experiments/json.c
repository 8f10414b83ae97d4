/*
 * JSON string escaping for the commands that print JSON by hand. Only what
 * RFC 8259 requires is escaped: the quote, the backslash and the control
 * characters below 0x20. And a run's interruptions and copies, as `run
 * --json` prints them.
 */
#include <inttypes.h>
#include <math.h>
#include "experiments/json.h"
#include "models/core/params.h"

void exp_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The registry's choice name of value V of KEY ("client.os": "vista"). */
static const char *choice_name(const char *key, int v)
{
    const prm_entry *p = prm_find(key);
    for (int k = 0; p && p->choices && p->choices[k]; k++)
        if (k == v) return p->choices[k];
    return "?";
}

void exp_json_episodes_and_copies(FILE *f, const out_result *view)
{
    fputs("\"interruptions\":[", f);
    for (uint64_t i = 0; i < view->n_interruptions && view->interruptions; i++) {
        const out_interruption *e = &view->interruptions[i];
        fprintf(f, "%s{\"start_s\":%.9f,\"end_s\":", i ? "," : "", e->start_s);
        if (isnan(e->end_s))
            fputs("null", f);
        else
            fprintf(f, "%.9f", e->end_s);
        fprintf(f, ",\"bytes_at_start\":%" PRIu64 ",\"cause\":\"%s\",\"copy\":%" PRIu32 "}", e->bytes_at_start,
                out_cause_name(e->cause), out_interruption_copy(e));
    }
    fputs("],\"copies\":[", f);
    for (uint64_t i = 0; i < view->n_copies && view->copies; i++) {
        const out_copy *c = &view->copies[i];
        fprintf(f, "%s{\"copy\":%" PRIu32 ",\"client_os\":", i ? "," : "", c->index ? c->index : (uint32_t)i + 1);
        exp_json_string(f, choice_name("client.os", c->client_os));
        fputs(",\"client_cert\":", f);
        exp_json_string(f, choice_name("client.cert", c->client_cert));
        fprintf(f, ",\"start_s\":%.9f,", c->start_s);
        out_write_json_copy_fields(f, &c->r);
        fputc('}', f);
    }
    fputc(']', f);
}
