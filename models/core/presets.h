#ifndef MODELS_PRESETS_H
#define MODELS_PRESETS_H
/*
 * Named scenario presets: each is a list of "key=value" settings applied
 * through the registry on top of the defaults, so presets are data, never
 * code paths. Explicit settings given after a preset override it.
 */
#include <stddef.h>

typedef struct preset_entry {
    const char *name;
    const char *summary;         /* one line for `rekeysim scenarios` */
    const char *const *settings; /* "key=value", NULL-terminated */
} preset_entry;

extern const preset_entry preset_table[];
extern const size_t preset_count;

/* The preset named NAME and its index, or NULL. */
const preset_entry *preset_find(const char *name, int *index_out);

/* Named paths (`path=NAME`, `--path NAME`): the same form, applied after the
 * scenario preset and before explicit keys. Each sets every path key (the
 * bottleneck's link.* rates, delay and queue, both access links), so any
 * path combines with any scenario. SOURCE says where the numbers come from. */
typedef struct path_preset {
    const char *name;
    const char *summary;         /* one line for `rekeysim scenarios` */
    const char *source;          /* sources and confidence tags of its values */
    const char *const *settings; /* "key=value", NULL-terminated */
} path_preset;

extern const path_preset path_table[];
extern const size_t path_count;

/* The path preset named NAME and its index, or NULL. */
const path_preset *path_find(const char *name, int *index_out);

#endif
