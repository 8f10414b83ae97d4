#ifndef MODELS_CORE_OUTCOME_H
#define MODELS_CORE_OUTCOME_H
/*
 * The outcome of one simulated copy and its vocabulary: why a copy ended
 * (failure), why an interruption began (cause), the result record, and the
 * outcome table that declares every outcome field once: name, type, unit,
 * description and where it lives in the record. The JSON writer, the columns
 * and the insert of `runs`, merge's comparisons, `rekeysim outcomes` and the
 * end-to-end field checks all iterate this table, so adding an outcome field
 * is one new row here (and one member of out_result).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Why a copy ended. Names are the `failure` strings of the contract. */
typedef enum {
    OUT_FAIL_NONE = 0,
    OUT_FAIL_CONNECT_TIMEOUT,
    OUT_FAIL_TCP_ABORT,
    OUT_FAIL_SMB_TIMEOUT,
    OUT_FAIL_BLOCKED,
    OUT_FAIL_SIM_LIMIT, /* sim.max_time reached before the copy ended: named "sim_limit" */
    OUT_FAIL_REFUSED    /* issue 16: the server refused the session (its inbound connection limit,
                           KB 314882): named "refused"; last, so older codes keep their values */
} out_failure;
#define OUT_N_FAILURES (OUT_FAIL_REFUSED + 1)

/* Why an interruption episode began (interruptions.cause). */
typedef enum {
    OUT_CAUSE_REKEY = 0,
    OUT_CAUSE_EXPIRY,
    OUT_CAUSE_IDLE,
    OUT_CAUSE_PEER_NEGOTIATION,
    OUT_CAUSE_BLOCKED,
    OUT_CAUSE_INITIAL,   /* the first negotiation of a flow; last, so older codes keep their values */
    OUT_CAUSE_OTHER_FLOW /* a negotiation started for another flow than the copy (models/flow.h) */
} out_cause;
#define OUT_N_CAUSES (OUT_CAUSE_OTHER_FLOW + 1)

typedef struct out_interruption {
    double start_s;          /* from the client's first attempt to send */
    double end_s;            /* NAN when the copy died inside the episode */
    uint64_t bytes_at_start; /* file bytes delivered when it began */
    int cause;               /* out_cause */
    uint32_t copy;           /* issue 16: the copy (1-based) whose episode it is; 1 in runs of one copy */
} out_interruption;

struct out_copy;

/* One run's outcome; every field but `interruptions` and `copies` has a row
 * in the outcome table. NAN marks a null real. A run of a fleet
 * (fleet.clients = N) has N copies; the per-copy fields (out_field.per_copy)
 * of the run itself summarise them (doc/design.md section 5). */
typedef struct out_result {
    int completed;
    int failure; /* out_failure */
    uint64_t bytes_done;
    double setup_s; /* NAN if never established */
    double duration_s;
    uint64_t n_interruptions;
    double first_interruption_s;     /* NAN if none */
    double first_interruption_bytes; /* NAN if none, else a whole number */
    uint64_t n_negotiations, n_negotiation_failures, n_fallbacks, n_rekeys;
    uint64_t n_retransmits;
    uint64_t events;
    double events_per_s;
    uint64_t peak_pending;
    double wall_s;
    uint64_t fingerprint;            /* hash of the run's trajectory (models/core/record.h) */
    uint64_t seed;                   /* the run seed used (not an outcome: runs.seed is the point's input) */
    out_interruption *interruptions; /* n_interruptions records; owned, see out_result_fini */
    uint64_t n_restarts;             /* issue 15: reconnects of a restartable copy (copy.tool=robocopy-z) */
    /* issue 16: fleets. Run-level fields. */
    uint64_t n_copies;       /* copies in the run (fleet.clients) */
    uint64_t n_completed;    /* of them, completed */
    double makespan_s;       /* start of the first copy's first attempt to the end of the last copy */
    struct out_copy *copies; /* n_copies records, index order; owned, see out_result_fini */
} out_result;

/* One copy of a run (issue 16): the client's attributes and its outcome. In
 * R only the per-copy fields (out_field.per_copy) are set, with times from
 * this copy's own first attempt to send; R.interruptions is NULL and
 * R.copies NULL (the run's `interruptions` hold every copy's episodes, each
 * naming its copy). */
typedef struct out_copy {
    uint32_t index;  /* 1-based */
    int client_os;   /* prm_os of the client */
    int client_cert; /* prm_cert of the client */
    double start_s;  /* its first attempt to send, from the run's first (>= 0) */
    out_result r;
} out_copy;

/* How an outcome field is held, written to JSON and stored in SQL. */
typedef enum {
    OUT_BOOL,  /* int 0/1; JSON number; INTEGER NOT NULL */
    OUT_ENUM,  /* int index; JSON string of its name; TEXT NOT NULL */
    OUT_COUNT, /* uint64_t; JSON number; INTEGER NOT NULL */
    OUT_REAL,  /* double, NAN = null; JSON number or null; REAL */
    OUT_WHOLE, /* double holding a whole number, NAN = null; JSON number or null; INTEGER */
    OUT_HEX64  /* uint64_t; JSON string of 16 lower-case hex digits; TEXT NOT NULL */
} out_type;

typedef struct out_field {
    const char *name; /* JSON key and runs column */
    out_type type;
    size_t offset;               /* offsetof(out_result, ...) */
    const char *unit;            /* "s", "B", "" ... */
    const char *json_format;     /* printf format of an OUT_REAL (for example "%.9f") */
    int wall_clock;              /* 1: depends on the machine, not the model (excluded from comparisons) */
    const char *(*name_of)(int); /* OUT_ENUM: the name of a value */
    const char *desc;            /* one line, for `rekeysim outcomes` and doc/design.md */
    int per_copy;                /* issue 16: 1 = also a field of each copy (`copies` columns, JSON `copies`) */
} out_field;

/* The outcome table, in its fixed documented order (JSON order and runs
 * column order). */
size_t out_field_count(void);
const out_field *out_field_at(size_t i);
const out_field *out_field_find(const char *name);
/* SQL column declaration of F ("INTEGER NOT NULL", "REAL", "TEXT NOT NULL" ...). */
const char *out_field_sql_decl(const out_field *f);

/* Typed access to field F of R. */
uint64_t out_get_u64(const out_field *f, const out_result *r); /* OUT_COUNT, OUT_HEX64 */
int out_get_int(const out_field *f, const out_result *r);      /* OUT_BOOL, OUT_ENUM */
double out_get_real(const out_field *f, const out_result *r);  /* OUT_REAL, OUT_WHOLE */
void out_set_u64(const out_field *f, out_result *r, uint64_t v);
void out_set_int(const out_field *f, out_result *r, int v);
void out_set_real(const out_field *f, out_result *r, double v);

/* Writes R's outcome fields as JSON members ("name":value pairs separated by
 * commas, no braces) to F, in table order. WITH_WALL 0 leaves out the
 * wall-clock fields. Returns what fprintf returns in total (negative on an
 * error). */
int out_write_json_fields(FILE *f, const out_result *r, int with_wall);

/* As out_write_json_fields, but only the per-copy fields (out_field.per_copy),
 * the members of a copy's object in `run --json`'s `copies` (issue 16). */
int out_write_json_copy_fields(FILE *f, const out_result *r);

/* The fleet view of R (issue 16): *VIEW is a shallow copy of R (it borrows
 * R's interruptions and copies; never out_result_fini it). When R has no
 * copies (R->copies NULL: a result from before fleets), the view has one
 * copy, ONE, equal to R's per-copy fields with client CLIENT_OS and
 * CLIENT_CERT and start 0, and the run-level fields of a run of one copy
 * (n_copies 1, n_completed = completed, makespan_s = duration_s). */
void out_result_view(const out_result *r, int client_os, int client_cert, out_copy *one, out_result *view);
/* The copy (1-based) of interruption E: E->copy, 1 when it is 0. */
uint32_t out_interruption_copy(const out_interruption *e);

/* Releases what R owns (its interruptions); R may be zeroed. NULL no-op. */
void out_result_fini(out_result *r);

const char *out_failure_name(int failure); /* "none", "tcp_abort", ...; "unknown" out of range */
const char *out_cause_name(int cause);     /* "rekey", "expiry", ... */
/* The failure or cause whose name is NAME, or -1. */
int out_failure_from_name(const char *name);
int out_cause_from_name(const char *name);

#endif
