/* probe/config.h — the --config file: runtimes, targets, smoke modules per target and
 * declared expectations with their reasons, so a checked-in file can gate CI. Errors name
 * the field: `config: expect[0].verdict: must be "pass" or "fail"`. Relative paths resolve
 * against the config file's directory. */
#ifndef ABIPROBE_CONFIG_H
#define ABIPROBE_CONFIG_H

#include "probe/diag.h"

#include <stdbool.h>
#include <stddef.h>

/* A runtime: its name in the config and where it is (a resolved path or a command name). */
typedef struct config_runtime {
    char *name;
    char *path;
} config_runtime;

/* A target as written and as resolved. */
typedef struct config_target {
    char *raw;
    char *path;
} config_target;

/* A smoke module for the targets matching `match` (package name or path). */
typedef struct config_smoke {
    char *match;
    char *module;      /* resolved path */
    char *expect_json; /* the value it must return, as JSON text, or NULL */
} config_smoke;

/* A declared outcome for (target, runtime). */
typedef struct config_expect {
    char *target;
    char *runtime; /* a name from runtimes */
    bool fail;     /* verdict "fail" (else "pass") */
    char *reason;
} config_expect;

typedef struct config {
    config_runtime *runtimes;
    size_t nruntimes;
    config_target *targets;
    size_t ntargets;
    config_smoke *smoke;
    size_t nsmoke;
    config_expect *expect;
    size_t nexpect;
} config;

/* Parse config text (n bytes; need not be NUL-terminated). dir is the directory relative
 * paths resolve against. Returns -1 with DIAG_USAGE and a message that names the field. */
int config_parse(config *out, const char *text, size_t n, const char *dir, diag *d);

/* Read and parse the file at path (at most 4 MiB). */
int config_load(config *out, const char *path, diag *d);

/* Release everything. NULL-safe. */
void config_free(config *c);

/* True when a config name (package name, path as written or resolved) names this target:
 * target is the resolved path, pkgname the package's name (or NULL). */
bool config_matches(const char *name, const char *target_raw, const char *target_path, const char *pkgname);

#endif
