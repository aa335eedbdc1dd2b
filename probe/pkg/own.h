/* probe/pkg/own.h — what a package owns. A .node file belongs to the package whose directory
 * holds it, or to the package that lists its platform package (one whose package.json names os
 * or cpu) in optionalDependencies; a package's selection chooses among its own files, and a
 * file its dependencies load is judged in their results. Also what the selection's later steps
 * need: the platform packages for a target that npm did not install, and its install hook. (Its
 * binding modules are found by the observer itself, and only for a package that loads lazily.) */
#ifndef ABIPROBE_PKG_OWN_H
#define ABIPROBE_PKG_OWN_H

#include "report/result.h"
#include "probe/diag.h"

#include <stdbool.h>
#include <stddef.h>

/* A package's own files. Strings and arrays live in the report's arena. */
typedef struct pkg_own {
    const char *dir;   /* its real path */
    const char *name;  /* package.json name, or NULL */
    const char **dirs; /* dir, then its installed platform packages (real paths) */
    size_t ndirs;
    const char **nodes; /* every .node file in dirs, not inside a nested node_modules (real paths) */
    size_t nnodes;
    const char **absent; /* optionalDependencies that are not installed, as "name@range" */
    size_t nabsent;
    const char *install; /* its first install hook's command, or NULL */
    const char *builds;  /* how its install script builds or downloads its native part, or NULL */
} pkg_own;

/* Every .node file of a tree, as a walk found them: real paths, sorted (strcmp). */
typedef struct own_known {
    const char *const *v;
    size_t n;
} own_known;

/* Read what the package at pkgdir owns. root: --sysroot (links resolve in the image), or NULL.
 * known: a walk's .node files, which spare walking the package again (NULL: walk it). Returns
 * 0, or -1 when pkgdir is no readable package (d says why). */
int own_read(report *r, const char *pkgdir, const char *root, const own_known *known, pkg_own *out, diag *d);

/* True when file (a real path) is in one of the package's directories. */
bool own_holds(const pkg_own *o, const char *file);

/* The absent optionalDependencies whose names say they are for platform-arch (and libc, when
 * the name says which): npm skipped a platform package the target needs. Fills *out (in r)
 * and returns how many. */
size_t own_missing_platform(report *r, const pkg_own *o, const char *platform, const char *arch, const char *libc,
                            const char ***out);

#endif
