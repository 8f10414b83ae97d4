#ifndef MODELS_PRESETS_H
#define MODELS_PRESETS_H
/*
 * Named scenario presets: each is a list of "key=value" settings applied
 * through the registry on top of the defaults, so presets are data, never
 * code paths. Explicit settings given after a preset override it.
 */
#include <stddef.h>

typedef struct scn_preset {
    const char *name;
    const char *summary;              /* one line for `rekeysim scenarios` */
    const char *const *settings;      /* "key=value", NULL-terminated */
} scn_preset;

extern const scn_preset scn_presets[];
extern const size_t scn_n_presets;

/* The preset named NAME and its index, or NULL. */
const scn_preset *scn_preset_find(const char *name, int *index_out);

#endif
