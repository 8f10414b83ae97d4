/*
 * Spec parsing. Two phases: inih reads the file into raw entries (section,
 * key, value text, line) through a line reader of ours that counts lines
 * (the distribution's inih is built without line numbers in the handler),
 * knows which section a line belongs to, and keeps each section's text; then
 * each section is turned into an exp_experiment: special keys (replications,
 * seed, target, max_replications, search, precision) read, every other key
 * looked up in the registry and its values parsed into base units.
 *
 * Line rules on top of inih: a key line may be indented; an indented line
 * without '=' continues the previous key's value (joined with a space); ';'
 * and '#' at the start of a line or after whitespace start a comment, which
 * may be of any length; what remains of a line holds at most 199 characters
 * (inih's buffer), and a longer one is an error, not a silent split. A
 * section header is the whole line: text after its ']' is an error.
 *
 * Limits, so that no input makes the parser slow or hungry: a spec file is
 * a regular file of at most EXP_SPEC_MAX_BYTES (checked with fstat before
 * reading, so a device or a FIFO is refused at once); a list holds at most
 * EXP_SPEC_MAX_LIST items and a key at most EXP_SPEC_MAX_VALUES values
 * (ranges count with their points). Continuation lines grow a value
 * geometrically and the repeated-value check sorts, so parsing is
 * O(n log n) in the spec's size.
 *
 * Invariants of a parsed experiment: every axis has at least one value,
 * integer-valued types hold whole numbers, no axis repeats a value (a
 * compound value counting with its companion), no key is given both alone
 * and through a compound value, and the searched axis holds exactly its two
 * range ends with 0 < lo < hi.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ini.h>
#include "experiments/spec.h"
#include "models/core/params.h"
#include "results/store.h"
#include "sim/hash.h"

#define MAX_RANGE_POINTS EXP_SPEC_MAX_VALUES
#define MAX_LINE 200

static const char *const outcome_names[] = {"p_complete", "p_interrupted", "duration_mean_s", "interruptions_mean"};

const char *exp_outcome_name(int outcome) { return outcome >= 0 && outcome < 4 ? outcome_names[outcome] : "?"; }

int exp_outcome_is_proportion(int outcome) { return outcome == EXP_P_COMPLETE || outcome == EXP_P_INTERRUPTED; }

const char *exp_kind_name(int kind)
{
    static const char *const names[] = {"grid", "target", "search"};
    return kind >= 0 && kind < 3 ? names[kind] : "?";
}

/* ---- phase 1: raw entries ---- */

typedef struct raw_entry {
    int section; /* index into sections */
    int line;
    char *key, *value;
    size_t value_len, value_cap; /* value's length and allocation, for continuations */
} raw_entry;

typedef struct raw_section {
    char *name;
    int line;
    size_t text_start, text_end; /* byte offsets of the section's text */
} raw_section;

typedef struct parser {
    const char *label;
    const char *text;
    size_t pos, len;
    int line;        /* lines handed to inih so far */
    int cur_section; /* -1 before the first header */
    raw_section *sections;
    size_t n_sections;
    raw_entry *entries;
    size_t n_entries;
    int last_key_line; /* line of the last key (for continuations) */
    int continuation;  /* the line being parsed continues a value */
    int error;
    char *err;
    size_t errlen;
} parser;

static int failf(parser *ps, int line, const char *fmt, ...)
{
    if (ps->error) return 0;
    int n = line > 0 ? snprintf(ps->err, ps->errlen, "%s:%d: ", ps->label, line)
                     : snprintf(ps->err, ps->errlen, "%s: ", ps->label);
    if (n < 0 || (size_t)n >= ps->errlen) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    ps->error = EXP_ESPEC;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

/* A header line "[experiment NAME]": records the section. */
static void header_line(parser *ps, const char *line, size_t line_start)
{
    if (ps->cur_section >= 0) ps->sections[ps->cur_section].text_end = line_start;
    raw_section *grown = realloc(ps->sections, (ps->n_sections + 1) * sizeof *grown);
    if (!grown) {
        ps->error = EXP_ENOMEM;
        return;
    }
    ps->sections = grown;
    raw_section *sec = &ps->sections[ps->n_sections];
    memset(sec, 0, sizeof *sec);
    sec->line = ps->line;
    sec->text_start = line_start;
    sec->text_end = ps->len;
    ps->cur_section = (int)ps->n_sections++;
    char buf[MAX_LINE + 2];
    snprintf(buf, sizeof buf, "%s", line);
    char *close = strchr(buf, ']');
    if (!close) {
        failf(ps, ps->line, "unclosed section header: expected [experiment NAME]");
        return;
    }
    if (*trim(close + 1)) {
        failf(ps, ps->line, "text after ']' in the section header: '%s'; put keys on their own lines", trim(close + 1));
        return;
    }
    *close = 0;
    char *inner = trim(buf + 1);
    if (strncmp(inner, "experiment", 10) != 0 || !isspace((unsigned char)inner[10])) {
        failf(ps, ps->line, "section [%s]: expected [experiment NAME]", inner);
        return;
    }
    char *name = trim(inner + 10);
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') {
            failf(ps, ps->line, "experiment name '%s': use letters, digits, '-', '_' and '.' only", name);
            return;
        }
    if (!*name) {
        failf(ps, ps->line, "section [experiment]: the experiment needs a name");
        return;
    }
    for (size_t i = 0; i + 1 < ps->n_sections; i++)
        if (ps->sections[i].name && !strcmp(ps->sections[i].name, name)) {
            failf(ps, ps->line, "experiment '%s' is defined twice (first on line %d)", name, ps->sections[i].line);
            return;
        }
    if (!(sec->name = strdup(name))) ps->error = EXP_ENOMEM;
}

/* Where the comment of line [P, END) starts (END if none): ';' or '#' at
 * the start of the line or after whitespace. */
static const char *comment_start(const char *p, const char *end)
{
    for (const char *c = p; c < end; c++)
        if ((*c == ';' || *c == '#') && (c == p || isspace((unsigned char)c[-1]))) return c;
    return end;
}

/* inih's line source: one line per call, with our bookkeeping. Comments are
 * cut here, before the length check, so that they may be of any length. */
static char *reader(char *str, int num, void *stream)
{
    parser *ps = stream;
    if (ps->error || ps->pos >= ps->len) return NULL;
    size_t start = ps->pos, end = start;
    while (end < ps->len && ps->text[end] != '\n') end++;
    ps->pos = end < ps->len ? end + 1 : end;
    ps->line++;
    const char *p = ps->text + start, *stop = ps->text + end;
    if (ps->line == 1 && stop - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    stop = comment_start(p, stop);
    while (stop > p && isspace((unsigned char)stop[-1])) stop--;
    size_t n = (size_t)(stop - p);
    if (n + 2 > (size_t)num || n >= MAX_LINE) {
        failf(ps, ps->line,
              "line longer than %d characters (comments aside); continue the value on indented lines, or use a "
              "range",
              MAX_LINE - 1);
        return NULL;
    }
    memcpy(str, p, n);
    str[n] = 0;
    char *first = str;
    while (*first == ' ' || *first == '\t') first++;
    ps->continuation = 0;
    if (*first == '[') {
        /* An indented header is still a header (inih would take it for a
         * continuation of the previous value). */
        header_line(ps, first, start);
        memmove(str, first, strlen(first) + 1);
    } else if (first != str && *first) {
        if (strchr(first, '='))
            memmove(str, first, strlen(first) + 1); /* an indented key */
        else
            ps->continuation = 1;
    }
    strcat(str, "\n");
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parser *ps = user;
    (void)section;
    if (ps->error) return 0;
    if (ps->cur_section < 0) return failf(ps, ps->line, "%s: key outside an [experiment NAME] section", name);
    if (ps->continuation && ps->n_entries > 0 && ps->last_key_line > 0) {
        /* Geometric growth: a value continued over thousands of lines is
         * joined in linear time. */
        raw_entry *prev = &ps->entries[ps->n_entries - 1];
        size_t add = strlen(value), need = prev->value_len + add + 2;
        if (need > prev->value_cap) {
            size_t cap = prev->value_cap * 2 > need ? prev->value_cap * 2 : need;
            char *grown = realloc(prev->value, cap);
            if (!grown) return ps->error = EXP_ENOMEM, 0;
            prev->value = grown;
            prev->value_cap = cap;
        }
        prev->value[prev->value_len++] = ' ';
        memcpy(prev->value + prev->value_len, value, add + 1);
        prev->value_len += add;
        return 1;
    }
    raw_entry *grown = realloc(ps->entries, (ps->n_entries + 1) * sizeof *grown);
    if (!grown) return ps->error = EXP_ENOMEM, 0;
    ps->entries = grown;
    raw_entry *e = &ps->entries[ps->n_entries];
    e->section = ps->cur_section;
    e->line = ps->line;
    e->key = strdup(name);
    e->value = strdup(value);
    e->value_len = e->value_cap = strlen(value);
    if (e->value) e->value_cap++;
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return ps->error = EXP_ENOMEM, 0;
    }
    ps->n_entries++;
    ps->last_key_line = ps->line;
    return 1;
}

static void parser_fini(parser *ps)
{
    for (size_t i = 0; i < ps->n_entries; i++) {
        free(ps->entries[i].key);
        free(ps->entries[i].value);
    }
    free(ps->entries);
    for (size_t i = 0; i < ps->n_sections; i++) free(ps->sections[i].name);
    free(ps->sections);
}

/* ---- phase 2: values ---- */

static int integral_type(const prm_entry *p)
{
    return p->type == PRM_SIZE || p->type == PRM_RATE || p->type == PRM_INT || p->type == PRM_TIME;
}

/* Keys whose values may be compound, "CHOICE:ARG" (doc/design.md section 2,
 * "Spec files"): such a value goes through prm_set, as on the command line,
 * and sets the key and the companion of its choice. HINT is what to write
 * for a range of the companion instead. */
static const struct compound_key {
    const char *key;
    struct {
        const char *key;
        int choice; /* the key's choice that sets this companion */
    } linked[2];
    const char *hint;
} compound_keys[] = {
    {"fleet.start",
     {{"fleet.start_window", PRM_START_UNIFORM}, {"fleet.start_rate", PRM_START_POISSON}},
     "write fleet.start = uniform and the range on fleet.start_window, as in fleet.start_window = 10s..60s lin 3"},
};

static const struct compound_key *compound_of(const prm_entry *p)
{
    for (size_t i = 0; i < sizeof compound_keys / sizeof compound_keys[0]; i++)
        if (!strcmp(compound_keys[i].key, p->name)) return &compound_keys[i];
    return NULL;
}

/* Appends V with its companions' values LINKED (NULL: all NaN, left to the
 * section); the arrays double when N reaches a power of two (from 8), so
 * appending is amortised O(1) without a capacity field. */
static int push_linked(parser *ps, exp_axis *ax, double v, const double *linked)
{
    if (ax->n == 0 || (ax->n >= 8 && (ax->n & (ax->n - 1)) == 0)) {
        size_t cap = ax->n == 0 ? 8 : ax->n * 2;
        double *grown = realloc(ax->values, cap * sizeof *grown);
        if (!grown) return ps->error = EXP_ENOMEM;
        ax->values = grown;
        if (ax->n_linked) {
            grown = realloc(ax->linked_values, cap * ax->n_linked * sizeof *grown);
            if (!grown) return ps->error = EXP_ENOMEM;
            ax->linked_values = grown;
        }
    }
    for (size_t j = 0; j < ax->n_linked; j++) ax->linked_values[ax->n * ax->n_linked + j] = linked ? linked[j] : NAN;
    ax->values[ax->n++] = v;
    return 0;
}

static int push_value(parser *ps, exp_axis *ax, double v) { return push_linked(ps, ax, v, NULL); }

static int base_config(const char *name, prm_config *out, char *msg, size_t n);

/* A compound value ITEM ("uniform:10min") of AX, a key of compound_keys:
 * parsed by prm_set on the defaults, the key's value and the companion its
 * choice sets are kept. */
static int parse_compound(parser *ps, exp_axis *ax, const char *item)
{
    const struct compound_key *ck = compound_of(ax->param);
    if (strstr(item, ".."))
        return failf(ps, ax->line, "%s: '%s': a compound value takes no range; %s", ax->param->name, item, ck->hint),
               -1;
    prm_config scratch;
    char msg[512];
    if (base_config(NULL, &scratch, msg, sizeof msg) != 0 ||
        prm_set(&scratch, ax->param->name, item, msg, sizeof msg) != 0)
        return failf(ps, ax->line, "%s", msg), -1;
    double v = prm_load(ax->param, &scratch), linked[2];
    for (size_t j = 0; j < ax->n_linked; j++)
        linked[j] = v == ck->linked[j].choice ? prm_load(ax->linked[j], &scratch) : NAN;
    return push_linked(ps, ax, v, linked);
}

static int parse_one(parser *ps, const exp_axis *ax, const char *text, double *out)
{
    char msg[512];
    if (prm_parse(ax->param, text, out, msg, sizeof msg) != 0) return failf(ps, ax->line, "%s", msg), -1;
    return 0;
}

/* "LO..HI [log|lin N]"; BARE: the searched key's "LO..HI". */
static int parse_range(parser *ps, exp_axis *ax, char *item, int bare)
{
    const prm_entry *p = ax->param;
    char *dots = strstr(item, "..");
    *dots = 0;
    char *lo_text = trim(item), *rest = trim(dots + 2);
    char *hi_text = rest, *mode = NULL, *count = NULL;
    /* The last two words are the spacing and the count, if any. */
    char *sp = strrchr(rest, ' ');
    if (sp) {
        count = trim(sp + 1);
        *sp = 0;
        char *sp2 = strrchr(rest, ' ');
        if (sp2) {
            mode = trim(sp2 + 1);
            *sp2 = 0;
        } else {
            mode = count, count = NULL;
        }
        hi_text = trim(rest);
    }
    if (p->type == PRM_ENUM || p->type == PRM_BOOL)
        return failf(ps, ax->line, "%s: a range needs a numeric key; list the choices instead", p->name), -1;
    double lo, hi;
    if (parse_one(ps, ax, lo_text, &lo) || parse_one(ps, ax, hi_text, &hi)) return -1;
    if (bare) {
        if (mode)
            return failf(ps, ax->line, "%s: the searched key takes a bare range LO..HI (the search picks the probes)",
                         p->name),
                   -1;
        if (!(lo > 0 && lo < hi)) return failf(ps, ax->line, "%s: the searched range needs 0 < LO < HI", p->name), -1;
        push_value(ps, ax, lo);
        push_value(ps, ax, hi);
        return ps->error ? -1 : 0;
    }
    char *endp = NULL;
    long n = count ? strtol(count, &endp, 10) : 0;
    if (!mode || !count || (strcmp(mode, "log") && strcmp(mode, "lin")) || *endp || n < 1 || n > MAX_RANGE_POINTS)
        return failf(ps, ax->line,
                     "%s: a range is LO..HI log N or LO..HI lin N (N from 1 to %d), as in '1MiB..16GiB log 25'",
                     p->name, MAX_RANGE_POINTS),
               -1;
    if (ax->n + (size_t)n > EXP_SPEC_MAX_VALUES)
        return failf(ps, ax->line,
                     "%s: %zu values with this range, more than the cap of %d values per key; use fewer points",
                     p->name, ax->n + (size_t)n, EXP_SPEC_MAX_VALUES),
               -1;
    int is_log = !strcmp(mode, "log");
    if (is_log && (lo <= 0 || hi <= 0))
        return failf(ps, ax->line, "%s: a log range needs both ends above 0", p->name), -1;
    if (n == 1 && lo != hi) return failf(ps, ax->line, "%s: a range of 1 value needs LO equal to HI", p->name), -1;
    for (long i = 0; i < n; i++) {
        double f = n == 1 ? 0 : (double)i / (double)(n - 1), v;
        v = is_log ? exp(log(lo) + f * (log(hi) - log(lo))) : lo + f * (hi - lo);
        if (i == 0) v = lo; /* exact ends: exp(log(x)) may differ from x in the last bit */
        if (i == n - 1) v = hi;
        if (integral_type(p)) v = (double)llround(v);
        if (push_value(ps, ax, v)) return -1;
    }
    return 0;
}

/* A value with its companions' (NaN, "left to the section", as -inf so
 * that it sorts and compares equal to itself; no companion is -inf). */
typedef struct indexed_value {
    double v[3];
    size_t i;
} indexed_value;

static int by_value_then_index(const void *a, const void *b)
{
    const indexed_value *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x->v[k] != y->v[k]) return x->v[k] < y->v[k] ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int same_value(const indexed_value *x, const indexed_value *y)
{
    return x->v[0] == y->v[0] && x->v[1] == y->v[1] && x->v[2] == y->v[2];
}

/* The first value of AX (from 0) that repeats an earlier one, in *I_OUT,
 * and the earliest value it repeats, in *J_OUT: the pair the pairwise scan
 * would find first. Returns 1 if there is one, 0 if not, -1 out of memory.
 * Sorting a copy makes it O(n log n); the pairwise scan, O(n^2), took
 * seconds for 100,000 values. */
static int find_repeat(const exp_axis *ax, size_t *i_out, size_t *j_out)
{
    indexed_value *sorted = malloc((ax->n ? ax->n : 1) * sizeof *sorted);
    if (!sorted) return -1;
    for (size_t k = 0; k < ax->n; k++) {
        sorted[k] = (indexed_value){{ax->values[k], 0, 0}, k};
        for (size_t j = 0; j < ax->n_linked; j++) {
            double l = ax->linked_values[k * ax->n_linked + j];
            sorted[k].v[1 + j] = isnan(l) ? -INFINITY : l;
        }
    }
    qsort(sorted, ax->n, sizeof *sorted, by_value_then_index);
    int found = 0;
    /* For each run of equal values, its second member repeats its first. */
    for (size_t k = 1; k < ax->n; k++)
        if (same_value(&sorted[k], &sorted[k - 1]) && (k < 2 || !same_value(&sorted[k - 2], &sorted[k])) &&
            (!found || sorted[k].i < *i_out)) {
            *i_out = sorted[k].i;
            *j_out = sorted[k - 1].i;
            found = 1;
        }
    free(sorted);
    return found;
}

/* Fills AX from the value text: values, lists and ranges. */
static int parse_axis(parser *ps, exp_axis *ax, const char *value, int searched)
{
    size_t n_listed = 1;
    for (const char *c = value; *c; c++) n_listed += *c == ',';
    if (n_listed > EXP_SPEC_MAX_LIST)
        return failf(ps, ax->line,
                     "%s: a list of %zu values, more than the cap of %d per list; use a range LO..HI lin N or "
                     "log N, or split the experiment",
                     ax->param->name, n_listed, EXP_SPEC_MAX_LIST),
               -1;
    char *copy = strdup(value);
    if (!copy) return ps->error = EXP_ENOMEM;
    int rc = 0;
    char *save = NULL;
    size_t n_items = 0;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save), n_items++) {
        item = trim(item);
        if (!*item)
            rc = (failf(ps, ax->line, "%s: empty value in the list", ax->param->name), -1);
        else if (ax->n_linked && strchr(item, ':'))
            rc = parse_compound(ps, ax, item);
        else if (strstr(item, ".."))
            rc = parse_range(ps, ax, item, searched);
        else if (searched)
            rc = -1;
        else {
            double v;
            rc = parse_one(ps, ax, item, &v);
            if (!rc) rc = push_value(ps, ax, v);
        }
    }
    free(copy);
    if (!rc && ax->n == 0) rc = (failf(ps, ax->line, "%s: no value", ax->param->name), -1);
    if ((searched && (n_items != 1 || ax->n != 2)) && !ps->error)
        rc = (failf(ps, ax->line, "%s: the searched key needs one range LO..HI, as in '1MiB..16GiB'", ax->param->name),
              -1);
    size_t i = 0, j = 0;
    int repeat = !rc && !searched ? find_repeat(ax, &i, &j) : 0;
    if (repeat < 0) return ps->error = EXP_ENOMEM, -1;
    if (repeat)
        rc = (failf(ps, ax->line,
                    "%s: value %zu repeats value %zu (ranges of whole numbers may round "
                    "to the same value: use fewer points)",
                    ax->param->name, i + 1, j + 1),
              -1);
    return rc ? -1 : 0;
}

/* "p_complete ±0.05" or "p_complete +-0.05". */
static int parse_target(parser *ps, exp_experiment *x, const raw_entry *en)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", en->value);
    char *pm = strstr(buf, "\xc2\xb1");
    size_t skip = 2;
    if (!pm) pm = strstr(buf, "+-"), skip = 2;
    if (!pm) return failf(ps, en->line, "target: expected OUTCOME ±HALFWIDTH, as in 'p_complete ±0.05'"), -1;
    *pm = 0;
    char *name = trim(buf), *num = trim(pm + skip), *end;
    int found = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, outcome_names[i])) found = i;
    if (found < 0)
        return failf(ps, en->line,
                     "target: unknown outcome '%s'; expected p_complete, p_interrupted, "
                     "duration_mean_s or interruptions_mean",
                     name),
               -1;
    errno = 0;
    double h = strtod(num, &end);
    if (end == num || *trim(end) || errno || !isfinite(h) || !(h > 0) || (exp_outcome_is_proportion(found) && h >= 0.5))
        return failf(ps, en->line, "target: half-width '%s' must be a finite number above 0%s", num,
                     exp_outcome_is_proportion(found) ? " and below 0.5" : ""),
               -1;
    x->kind = EXP_TARGET;
    x->outcome = found;
    x->target_halfwidth = h;
    return 0;
}

/* "file.size for p_complete = 0.95"; returns the searched key's name in KEY. */
static int parse_search(parser *ps, exp_experiment *x, const raw_entry *en, char *key, size_t keylen)
{
    char buf[512], name[128], outcome[64], rel[8], tail[8];
    double v = 0;
    size_t n_buf = 0;
    /* Spaces around '=' and '>=' so that sscanf sees words. */
    for (const char *c = en->value; *c && n_buf + 5 < sizeof buf; c++) {
        const char *word = *c == '>' && c[1] == '=' ? " >= " : *c == '=' ? " = " : NULL;
        if (!word) {
            buf[n_buf++] = *c;
            continue;
        }
        memcpy(buf + n_buf, word, strlen(word));
        n_buf += strlen(word);
        c += word[1] == '>';
    }
    buf[n_buf] = 0;
    int n = sscanf(buf, "%127s for %63s %7s %lf %7s", name, outcome, rel, &v, tail);
    if (n != 4 || (strcmp(rel, "=") && strcmp(rel, ">=")))
        return failf(ps, en->line,
                     "search: expected KEY for OUTCOME = VALUE, as in 'file.size for p_complete = "
                     "0.95'"),
               -1;
    int found = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(outcome, outcome_names[i])) found = i;
    if (found < 0)
        return failf(ps, en->line,
                     "search: unknown outcome '%s'; expected p_complete, p_interrupted, "
                     "duration_mean_s or interruptions_mean",
                     outcome),
               -1;
    /* nan and inf would be stored and then refused by the database's NOT
     * NULL constraint halfway through the sweep: refuse them here. */
    if (exp_outcome_is_proportion(found) && !(v > 0 && v < 1))
        return failf(ps, en->line, "search: a proportion threshold must be a number strictly between 0 and 1"), -1;
    if (!isfinite(v) || v < 0)
        return failf(ps, en->line, "search: the threshold of %s must be a finite number of 0 or more", outcome), -1;
    const prm_entry *p = prm_find(name);
    if (!p) return failf(ps, en->line, "search: unknown key '%s' (did you mean %s?)", name, prm_nearest(name)), -1;
    if (p->type == PRM_ENUM || p->type == PRM_BOOL || !strcmp(p->name, "scenario"))
        return failf(ps, en->line, "search: %s is not numeric; a search bisects a numeric key", name), -1;
    x->kind = EXP_SEARCH;
    x->outcome = found;
    x->search_value = v;
    snprintf(key, keylen, "%s", name);
    return 0;
}

static int parse_uint(parser *ps, const raw_entry *en, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    const char *s = en->value;
    while (isspace((unsigned char)*s)) s++;
    /* Decimal only, as `run --seed` and the registry's whole numbers: 010
     * is ten (strtoull's base 0 read it as octal 8) and 0x10 is refused. */
    unsigned long long v = isdigit((unsigned char)*s) ? strtoull(s, &end, 10) : 0;
    if (!isdigit((unsigned char)*s)) end = (char *)s;
    while (isspace((unsigned char)*end)) end++;
    if (end == s || *end || errno || v < min || v > max)
        return failf(ps, en->line, "%s: '%s' is not a decimal whole number from %llu to %llu", en->key, en->value,
                     (unsigned long long)min, (unsigned long long)max),
               -1;
    *out = v;
    return 0;
}

/* ---- canonical form and hash ---- */

/* The spec hash is 64-bit FNV-1a (sim/hash.h) over the canonical text, fed
 * piece by piece: the same value as hashing the concatenation at once. */
static void hash_add(uint64_t *h, const char *s) { *h = sim_hash_fnv1a64_bytes(*h, s, strlen(s)); }

/* Hashes "key=value\n" with runs of whitespace collapsed and none around
 * commas. The normalised value is fed in chunks of a small buffer, so the
 * hash covers every character of a value of any length; for values that
 * fit one chunk this is byte for byte the form hashed before issue 11 (a
 * buffer of 1,024 characters that silently cut longer values), so the
 * hashes existing databases hold stay valid. */
static void hash_entry(uint64_t *h, const raw_entry *en)
{
    char buf[1024];
    size_t n = 0;
    char last = 0; /* the last character emitted, 0 before the first */
    int space = 0; /* whitespace seen since it */
    hash_add(h, en->key);
    hash_add(h, "=");
    for (const char *v = en->value; *v; v++) {
        if (isspace((unsigned char)*v)) {
            space = 1;
            continue;
        }
        char out[2] = {' ', *v};
        int k = space && last && last != ',' && *v != ',' ? 0 : 1;
        for (; k < 2; k++) {
            if (n == sizeof buf) {
                *h = sim_hash_fnv1a64_bytes(*h, buf, n);
                n = 0;
            }
            buf[n++] = out[k];
        }
        last = *v;
        space = 0;
    }
    *h = sim_hash_fnv1a64_bytes(*h, buf, n);
    hash_add(h, "\n");
}

/* ---- building experiments ---- */

/* Reads the special keys of section SI into X and hashes every entry; the
 * searched key's name goes to SEARCH_KEY. Returns ps->error. */
static int read_special_keys(parser *ps, size_t si, exp_experiment *x, uint64_t *h, char *search_key, size_t n)
{
    int have_max = 0, have_precision = 0;
    uint64_t u;
    for (size_t i = 0; i < ps->n_entries && !ps->error; i++) {
        const raw_entry *en = &ps->entries[i];
        if (en->section != (int)si) continue;
        for (size_t j = 0; j < i; j++)
            if (ps->entries[j].section == (int)si && !strcmp(ps->entries[j].key, en->key))
                return failf(ps, en->line, "%s: given twice (first on line %d)", en->key, ps->entries[j].line),
                       ps->error;
        hash_entry(h, en);
        if (!strcmp(en->key, "replications")) {
            if (!parse_uint(ps, en, 1, RES_MAX_REPLICATIONS, &u)) x->replications = (uint32_t)u;
        } else if (!strcmp(en->key, "max_replications")) {
            if (!parse_uint(ps, en, 1, RES_MAX_REPLICATIONS, &u)) {
                x->max_replications = (uint32_t)u;
                have_max = en->line;
            }
        } else if (!strcmp(en->key, "seed")) {
            parse_uint(ps, en, 0, UINT64_MAX, &x->seed);
        } else if (!strcmp(en->key, "target") || !strcmp(en->key, "search")) {
            if (x->kind != EXP_GRID)
                return failf(ps, en->line, "%s: an experiment has a target or a search, not both", en->key), ps->error;
            if (en->key[0] == 't')
                parse_target(ps, x, en);
            else
                parse_search(ps, x, en, search_key, n);
        } else if (!strcmp(en->key, "precision")) {
            char *end;
            x->precision = strtod(en->value, &end);
            if (end == en->value || *trim(end) || !isfinite(x->precision) || !(x->precision > 0 && x->precision < 10))
                failf(ps, en->line,
                      "precision: '%s' must be a finite number above 0 and below 10, a relative width (0.05 = 5 %%)",
                      en->value);
            have_precision = en->line;
        } else if (!prm_find(en->key)) {
            failf(ps, en->line, "%s: unknown key (did you mean %s?); `rekeysim params` lists every key", en->key,
                  prm_nearest(en->key));
        }
    }
    if (ps->error) return ps->error;
    if (have_max && x->kind == EXP_GRID) failf(ps, have_max, "max_replications: only meaningful with target or search");
    if (have_precision && x->kind != EXP_SEARCH) failf(ps, have_precision, "precision: only meaningful with search");
    if (!have_max) {
        uint64_t m = (uint64_t)x->replications * 10;
        x->max_replications = x->kind == EXP_GRID        ? x->replications
                              : m > RES_MAX_REPLICATIONS ? RES_MAX_REPLICATIONS
                                                         : (uint32_t)m;
    }
    if (x->max_replications < x->replications)
        failf(ps, have_max, "max_replications: %u is below replications (%u)", x->max_replications, x->replications);
    return ps->error;
}

/* Refuses a companion key that the section gives while a compound value of
 * its key sets it too (fleet.start = uniform:10s with fleet.start_window):
 * the two would disagree, and neither order of applying them is obvious. */
static int linked_twice(parser *ps, const exp_experiment *x)
{
    for (size_t a = 0; a < x->n_axes; a++) {
        const exp_axis *ax = &x->axes[a];
        for (size_t j = 0; j < ax->n_linked; j++) {
            size_t k = 0;
            while (k < ax->n && isnan(ax->linked_values[k * ax->n_linked + j])) k++;
            if (k == ax->n) continue;
            const char *choice = ax->param->choices[compound_of(ax->param)->linked[j].choice];
            for (size_t b = 0; b < x->n_axes; b++)
                if (x->axes[b].param == ax->linked[j])
                    return failf(ps, x->axes[b].line,
                                 "%s: also set by %s on line %d (value %zu, %s:...); give it in one place: drop "
                                 "this key, or write %s = %s without the part after the colon",
                                 ax->linked[j]->name, ax->param->name, ax->line, k + 1, choice, ax->param->name,
                                 choice),
                           ps->error;
        }
    }
    return 0;
}

/* Reads the registry keys of section SI: the axes, in the order written. */
static int read_axes(parser *ps, size_t si, exp_experiment *x, const char *search_key)
{
    for (size_t i = 0; i < ps->n_entries && !ps->error; i++) {
        const raw_entry *en = &ps->entries[i];
        const prm_entry *p = en->section == (int)si ? prm_find(en->key) : NULL;
        if (!p) continue;
        exp_axis *grown = realloc(x->axes, (x->n_axes + 1) * sizeof *grown);
        if (!grown) return ps->error = EXP_ENOMEM;
        x->axes = grown;
        exp_axis *ax = &x->axes[x->n_axes++];
        memset(ax, 0, sizeof *ax);
        ax->param = p;
        ax->line = en->line;
        const struct compound_key *ck = compound_of(p);
        for (size_t j = 0; ck && j < 2; j++) ax->linked[ax->n_linked++] = prm_find(ck->linked[j].key);
        int searched = search_key[0] && !strcmp(search_key, p->name);
        if (searched) x->search_axis = x->n_axes - 1;
        parse_axis(ps, ax, en->value, searched);
    }
    if (ps->error || linked_twice(ps, x) || x->kind != EXP_SEARCH) return ps->error;
    for (size_t i = 0; i < x->n_axes; i++)
        if (!strcmp(x->axes[i].param->name, search_key)) return 0;
    failf(ps, x->line, "experiment '%s': search names %s but the section gives it no range LO..HI", x->name,
          search_key);
    return ps->error;
}

/* Point and run counts, refusing products that overflow. */
static int count_points(parser *ps, exp_experiment *x)
{
    uint64_t n = 1;
    for (size_t i = 0; i < x->n_axes; i++) {
        if (x->kind == EXP_SEARCH && i == x->search_axis) continue;
        if (x->axes[i].n > UINT64_MAX / n)
            return failf(ps, x->axes[i].line, "%s: too many points", x->axes[i].param->name), ps->error;
        n *= x->axes[i].n;
    }
    x->n_points = n;
    uint64_t per_point = x->replications;
    if (x->kind == EXP_SEARCH) {
        const exp_axis *ax = &x->axes[x->search_axis];
        x->probes_per_combo = exp_search_max_probes(ax->values[0], ax->values[1], x->precision);
        per_point *= x->probes_per_combo;
    }
    x->n_runs_min = n > UINT64_MAX / per_point ? UINT64_MAX : n * per_point;
    return 0;
}

static int build_section(parser *ps, size_t si, exp_experiment *x)
{
    const raw_section *sec = &ps->sections[si];
    uint64_t h = SIM_HASH_FNV_OFFSET;
    char search_key[128] = "";
    x->line = sec->line;
    x->seed = 1;
    x->replications = 1;
    x->precision = 0.05;
    hash_add(&h, sec->name);
    hash_add(&h, "\n");
    size_t len = sec->text_end - sec->text_start;
    while (len > 0 && isspace((unsigned char)ps->text[sec->text_start + len - 1])) len--;
    if (!(x->name = strdup(sec->name)) || !(x->text = malloc(len + 2))) return ps->error = EXP_ENOMEM;
    memcpy(x->text, ps->text + sec->text_start, len);
    memcpy(x->text + len, "\n", 2);
    /* An empty section would run the default copy: almost certainly a
     * mistake (a header without its keys, or keys under the wrong header). */
    int has_keys = 0;
    for (size_t i = 0; i < ps->n_entries && !has_keys; i++) has_keys = ps->entries[i].section == (int)si;
    if (!has_keys)
        return failf(ps, sec->line,
                     "experiment '%s' has no keys; give it at least one (an empty section is not the default copy)",
                     sec->name),
               ps->error;
    /* Special keys first: the searched key must be known before values. */
    if (read_special_keys(ps, si, x, &h, search_key, sizeof search_key) || read_axes(ps, si, x, search_key) ||
        count_points(ps, x))
        return ps->error;
    snprintf(x->hash, sizeof x->hash, "%016llx", (unsigned long long)h);
    return 0;
}

uint32_t exp_search_max_probes(double lo, double hi, double precision)
{
    double width = log(hi / lo), goal = log1p(precision);
    uint32_t halvings = 0;
    while (width > goal && halvings < 64) {
        width /= 2;
        halvings++;
    }
    /* One spare probe: rounding whole-number probes may leave a bracket a
     * hair wider than an exact halving. */
    return 3 + halvings;
}

void exp_spec_free(exp_spec *spec)
{
    if (!spec) return;
    for (size_t i = 0; i < spec->n; i++) {
        exp_experiment *x = &spec->exps[i];
        for (size_t k = 0; k < x->n_axes; k++) {
            free(x->axes[k].values);
            free(x->axes[k].linked_values);
        }
        free(x->axes);
        free(x->name);
        free(x->text);
    }
    free(spec->exps);
    free(spec->path);
    free(spec);
}

int exp_spec_new_text(const char *label, const char *text, char *err, size_t errlen, exp_spec **spec_out)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.label = label;
    ps.text = text;
    ps.len = strlen(text);
    ps.cur_section = -1;
    ps.err = err;
    ps.errlen = errlen;
    int line = ini_parse_stream(reader, &ps, handler, &ps);
    if (!ps.error && line > 0) failf(&ps, line, "syntax error: expected 'key = value' or '[experiment NAME]'");
    if (!ps.error && line < 0) failf(&ps, 0, "cannot parse (out of memory)");
    if (!ps.error && ps.n_sections == 0) failf(&ps, 0, "no [experiment NAME] section");
    exp_spec *spec = NULL;
    if (!ps.error && (!(spec = calloc(1, sizeof *spec)) || !(spec->path = strdup(label)) ||
                      !(spec->exps = calloc(ps.n_sections, sizeof *spec->exps))))
        ps.error = EXP_ENOMEM;
    for (size_t i = 0; !ps.error && i < ps.n_sections; i++) {
        spec->n = i + 1;
        build_section(&ps, i, &spec->exps[i]);
    }
    if (ps.error == EXP_ENOMEM) snprintf(err, errlen, "%s: out of memory", label);
    int rc = ps.error;
    parser_fini(&ps);
    if (rc) {
        exp_spec_free(spec);
        return rc;
    }
    *spec_out = spec;
    return 0;
}

/* What kind of file MODE is, for the message refusing it. */
static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a plain file";
}

/* Reads the spec at PATH into a new string (caller frees) after checking,
 * on the open descriptor, that it is a regular file within the size cap:
 * /dev/zero was read until memory ran out and a FIFO blocked forever. The
 * open does not block (O_NONBLOCK, cleared once the file is known to be
 * regular), and the read stops one byte past the cap in case the file
 * grew since fstat. */
static int read_spec_file(const char *path, char *err, size_t errlen, char **text_out, size_t *n_out)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot read the spec: %s", path, strerror(errno));
        return EXP_EREAD;
    }
    struct stat st;
    int rc = EXP_EREAD;
    char *text = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot read the spec: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: cannot read the spec: not a regular file (%s)", path, file_kind(st.st_mode));
        goto fail;
    }
    if (st.st_size > EXP_SPEC_MAX_BYTES) {
        snprintf(err, errlen, "%s: the spec is %lld bytes, over the limit of 1 MiB (%d bytes) for a spec file", path,
                 (long long)st.st_size, EXP_SPEC_MAX_BYTES);
        goto fail;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    size_t cap = (size_t)st.st_size + 2; /* one byte to see growth, one for the NUL */
    if (!(text = malloc(cap))) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = EXP_ENOMEM;
        goto fail;
    }
    while (n < cap - 1) {
        ssize_t got = read(fd, text + n, cap - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(err, errlen, "%s: cannot read the spec (read error: %s)", path, strerror(errno));
            goto fail;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    if (n > EXP_SPEC_MAX_BYTES) {
        snprintf(err, errlen, "%s: the spec grew past the limit of 1 MiB (%d bytes) while being read", path,
                 EXP_SPEC_MAX_BYTES);
        goto fail;
    }
    text[n] = 0;
    close(fd);
    *text_out = text;
    *n_out = n;
    return 0;
fail:
    free(text);
    close(fd);
    return rc;
}

int exp_spec_new(const char *path, char *err, size_t errlen, exp_spec **spec_out)
{
    char *text = NULL;
    size_t n = 0;
    int rc = read_spec_file(path, err, errlen, &text, &n);
    if (rc) return rc;
    if (memchr(text, 0, n)) {
        free(text);
        snprintf(err, errlen, "%s: cannot read the spec (not a text file)", path);
        return EXP_EREAD;
    }
    rc = exp_spec_new_text(path, text, err, errlen, spec_out);
    free(text);
    return rc;
}

/* ---- points ---- */

/* The defaults with preset NAME applied, computed once per preset: parsing
 * every default and setting again for each of 100,000 points took seconds.
 * NULL NAME: the defaults alone. Returns 0 or the registry's error. */
static int base_config(const char *name, prm_config *out, char *msg, size_t n)
{
    enum { CACHE = 32 };
    static prm_config defaults, presets[CACHE];
    static const char *names[CACHE];
    static int have_defaults;
    if (!have_defaults) {
        prm_defaults(&defaults);
        have_defaults = 1;
    }
    if (!name) {
        *out = defaults;
        return 0;
    }
    int k = 0;
    for (; k < CACHE && names[k]; k++)
        if (!strcmp(names[k], name)) {
            *out = presets[k];
            return 0;
        }
    prm_config cfg = defaults;
    int rc = prm_apply_preset(&cfg, name, msg, n);
    if (rc) return rc;
    if (k < CACHE) presets[k] = cfg, names[k] = name; /* NAME points into the registry's choices */
    *out = cfg;
    return 0;
}

int exp_point_config(const exp_experiment *e, uint64_t index, double search_value, prm_config *cfg_out, char *err,
                     size_t errlen)
{
    prm_config cfg;
    size_t pick[e->n_axes + 1];
    uint64_t rest = index;
    for (size_t i = e->n_axes; i-- > 0;) {
        if (e->kind == EXP_SEARCH && i == e->search_axis) continue;
        pick[i] = (size_t)(rest % e->axes[i].n);
        rest /= e->axes[i].n;
    }
    char msg[512];
    /* The preset first, whatever the key order, so explicit keys override it. */
    const char *preset = NULL;
    for (size_t i = 0; i < e->n_axes; i++) {
        const prm_entry *p = e->axes[i].param;
        if (!strcmp(p->name, "scenario")) preset = p->choices[(int)e->axes[i].values[pick[i]]];
    }
    if (base_config(preset, &cfg, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "experiment '%s': %s", e->name, msg);
        return EXP_ESPEC;
    }
    /* Then the path preset, so that explicit link keys override it too. */
    for (size_t i = 0; i < e->n_axes; i++) {
        const prm_entry *p = e->axes[i].param;
        if (strcmp(p->name, "path") != 0) continue;
        if (prm_apply_path(&cfg, p->choices[(int)e->axes[i].values[pick[i]]], msg, sizeof msg) != 0) {
            snprintf(err, errlen, "experiment '%s': %s", e->name, msg);
            return EXP_ESPEC;
        }
    }
    for (size_t i = 0; i < e->n_axes; i++) {
        const prm_entry *p = e->axes[i].param;
        if (!strcmp(p->name, "scenario") || !strcmp(p->name, "path")) continue;
        double v = e->kind == EXP_SEARCH && i == e->search_axis ? search_value : e->axes[i].values[pick[i]];
        prm_store(p, &cfg, v);
        for (size_t j = 0; j < e->axes[i].n_linked && !(e->kind == EXP_SEARCH && i == e->search_axis); j++) {
            double l = e->axes[i].linked_values[pick[i] * e->axes[i].n_linked + j];
            if (!isnan(l)) prm_store(e->axes[i].linked[j], &cfg, l);
        }
    }
    if (prm_check(&cfg, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "experiment '%s' (line %d), %s %llu: %s", e->name, e->line,
                 e->kind == EXP_SEARCH ? "combination" : "point", (unsigned long long)index + 1, msg);
        return EXP_ESPEC;
    }
    *cfg_out = cfg;
    return 0;
}
