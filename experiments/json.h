#ifndef EXPERIMENTS_JSON_H
#define EXPERIMENTS_JSON_H
/*
 * The little JSON the command line writes by hand (`params --json`,
 * `outcomes --json`, `run --json`): string escaping, written once, and the
 * members of a run's interruptions and copies.
 */
#include <stdio.h>
#include "models/core/outcome.h"

/* Writes S to F as a JSON string: quotes, backslashes and control
 * characters escaped; other bytes (UTF-8 included) as they are. */
void exp_json_string(FILE *f, const char *s);

/* Writes `"interruptions":[...],"copies":[...]` of VIEW (an out_result_view,
 * so it has its copies) to F: one object {start_s, end_s, bytes_at_start,
 * cause, copy} per episode, and one object {copy, client_os, client_cert,
 * start_s, <every per-copy field>} per copy, client names as the
 * registry's choices (doc/design.md section 5). */
void exp_json_episodes_and_copies(FILE *f, const out_result *view);

#endif
