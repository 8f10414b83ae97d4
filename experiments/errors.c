/*
 * The messages of experiments/'s error codes (experiments/errors.h), in
 * one table so that every command says the same thing for the same code.
 */
#include <stddef.h>
#include "experiments/errors.h"

static const struct {
    int code;
    const char *msg;
} messages[] = {
    {EXP_ESPEC, "bad spec"},
    {EXP_EREAD, "cannot read the spec file"},
    {EXP_ENOMEM, "out of memory"},
    {EXP_SWEEP_EINPUT, "bad input"},
    {EXP_SWEEP_ERUNTIME, "failed"},
    {EXP_SWEEP_EINTERRUPTED, "interrupted"},
    {EXP_POOL_EFORK, "cannot start the worker processes"},
    {EXP_POOL_EDIED, "a worker process died"},
    {EXP_OPT_EMISSING, "needs a value"},
    {EXP_OPT_ENUMBER, "not a whole number in range"},
    {EXP_OPT_EFORM, "expected K/N, as in 1/4"},
    {EXP_OPT_ERANGE, "expected K/N with K from 1 to N"},
};

const char *exp_strerror(int code)
{
    for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
        if (messages[i].code == code) return messages[i].msg;
    return "unknown error";
}
