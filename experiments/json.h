#ifndef EXPERIMENTS_JSON_H
#define EXPERIMENTS_JSON_H
/*
 * The little JSON the command line writes by hand (`params --json`,
 * `outcomes --json`): string escaping, written once.
 */
#include <stdio.h>

/* Writes S to F as a JSON string: quotes, backslashes and control
 * characters escaped; other bytes (UTF-8 included) as they are. */
void exp_json_string(FILE *f, const char *s);

#endif
