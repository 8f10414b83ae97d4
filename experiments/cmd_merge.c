/*
 * `rekeysim merge OUT.db IN.db ...`: adds the experiments, points and runs
 * of each input to OUT with results/store.c's res_store_merge, which checks
 * that the inputs agree and never prints. Every input is opened (read-only)
 * before anything is written, and a failed merge into a new file leaves no
 * file behind, so a bad input costs nothing. OUT is locked as a sweep locks
 * it (res_store_lock), so a merge never writes a database a sweep is
 * writing. Nothing is printed on stdout unless the whole merge succeeded.
 *
 * Each input is merged in its own transaction (SQLite cannot ATTACH inside
 * one), so when input K fails, the inputs before it stay merged into an
 * existing OUT; the message says how many runs they added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "experiments/commands.h"
#include "experiments/opts.h"
#include "results/store.h"

int exp_cmd_merge(int argc, char **argv)
{
    if (argc >= 2 && exp_opt_is(argv[1], "--help", "-h")) {
        printf("usage: rekeysim merge OUT.db IN.db [IN.db ...]\n\n"
               "Adds the experiments, points and runs of each IN to OUT (created if missing),\n"
               "keeping point and run ids; typically the shards of one sweep. Refuses inputs\n"
               "whose experiments have a different spec, or whose rows disagree.\n");
        return EXP_OK;
    }
    if (argc < 3) {
        fprintf(stderr, "rekeysim merge: usage: rekeysim merge OUT.db IN.db [IN.db ...]\n");
        return EXP_INPUT;
    }
    char err[1024];
    struct stat out_sb;
    int out_existed = stat(argv[1], &out_sb) == 0;
    /* Check every input before writing anything. */
    for (int i = 2; i < argc; i++) {
        struct stat sb;
        if (out_existed && stat(argv[i], &sb) == 0 && sb.st_dev == out_sb.st_dev && sb.st_ino == out_sb.st_ino) {
            fprintf(stderr, "rekeysim merge: %s is both the output and an input\n", argv[i]);
            return EXP_INPUT;
        }
        res_store *in = NULL;
        int rc = res_store_new(argv[i], RES_OPEN_READONLY, NULL, err, sizeof err, &in);
        res_store_free(in);
        if (rc) {
            fprintf(stderr, "rekeysim merge: %s\n", err);
            return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
        }
    }
    char *cmdline = exp_opt_join_command(argc, argv);
    res_store *out = NULL;
    int rc = res_store_new(argv[1], RES_OPEN_CREATE, cmdline, err, sizeof err, &out);
    if (rc) {
        free(cmdline);
        fprintf(stderr, "rekeysim merge: %s\n", err);
        return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    rc = res_store_lock(out);
    if (rc) {
        free(cmdline);
        if (rc == RES_EBUSY)
            fprintf(stderr,
                    "rekeysim merge: %s is being written by a sweep or another merge; wait for it to finish "
                    "or merge into another file\n",
                    argv[1]);
        else
            fprintf(stderr, "rekeysim merge: %s\n", res_store_errmsg(out));
        res_store_free(out);
        return EXP_RUNTIME;
    }
    int64_t total = 0, hist;
    int64_t *added = calloc((size_t)argc, sizeof *added);
    int *differ = calloc((size_t)argc, sizeof *differ);
    if (!added || !differ) rc = RES_ENOMEM;
    int failed_at = 0;
    for (int i = 2; i < argc && !rc; i++) {
        rc = res_store_merge(out, argv[i], &added[i], &differ[i]);
        if (rc)
            failed_at = i;
        else
            total += added[i];
    }
    if (!rc) rc = res_store_begin(out);
    if (!rc) rc = res_history_begin(out, cmdline, &hist);
    if (!rc) rc = res_history_end(out, hist, "complete");
    if (!rc) rc = res_store_commit(out);
    free(cmdline);
    if (rc) {
        const char *msg = rc == RES_ENOMEM && !added ? "out of memory" : res_store_errmsg(out);
        if (out_existed && failed_at > 2 && total > 0)
            fprintf(stderr, "rekeysim merge: %s (the %lld runs of the inputs before %s were added to %s)\n", msg,
                    (long long)total, argv[failed_at], argv[1]);
        else
            fprintf(stderr, "rekeysim merge: %s\n", msg);
        res_store_free(out);
        free(added);
        free(differ);
        if (!out_existed) {
            /* A failed merge into a new file leaves no file behind. */
            const char *suffix[] = {"", "-wal", "-shm"};
            for (int k = 0; k < 3; k++) {
                char path[4096];
                snprintf(path, sizeof path, "%s%s", argv[1], suffix[k]);
                unlink(path);
            }
        }
        return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    res_store_free(out);
    for (int i = 2; i < argc; i++) {
        printf("merge: %lld runs added from %s\n", (long long)added[i], argv[i]);
        if (differ[i])
            fprintf(stderr, "rekeysim merge: warning: %s was written by another rekeysim build (see meta)\n", argv[i]);
    }
    free(added);
    free(differ);
    printf("merge: %lld runs added to %s\n", (long long)total, argv[1]);
    return EXP_OK;
}
