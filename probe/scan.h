/* probe/scan.h — walking node_modules trees (fts, never following a symlink twice): the
 * packages that may load native code, and every .node file, each counted once however many
 * links (pnpm's .pnpm store, workspaces) lead to it. */
#ifndef ABIPROBE_SCAN_H
#define ABIPROBE_SCAN_H

#include "probe/diag.h"
#include "probe/paths.h"

#include <stddef.h>

/* What a walk found. Paths are real paths (malloc'd), sorted. */
typedef struct scan_found {
    char **packages; /* directories with a package.json that may load native code */
    size_t npackages;
    char **nodes; /* every .node file */
    size_t nnodes;
    size_t nfiles;  /* entries that are not directories (files, links), seen in all */
    size_t nseen;   /* packages of any kind (a package.json where a package sits) */
    size_t nerrors; /* directories that could not be read (walked around) */
} scan_found;

/* Called now and then with the running totals (for a progress line); may be NULL. */
typedef void (*scan_progress)(size_t files, size_t packages, void *arg);

/* Walk the roots. Symlinked directories outside the roots (workspaces) are walked as
 * roots of their own, once. With a sysroot (an image tree's realpath, or NULL) every link
 * resolves inside the image (scope.h, sysroot_real). Returns -1 only when a root cannot be
 * read at all. */
int scan_walk(const char *const *roots, size_t nroots, const char *sysroot, scan_found *out, scan_progress cb,
              void *arg, diag *d);

/* Release what scan_walk found. NULL-safe. */
void scan_found_free(scan_found *f);

#endif
