/* probe/select.h — which .node file a runtime would really load from a package: the package's
 * own loader (node-gyp-build, bindings, node-pre-gyp, napi-rs) emulated with the runtime's
 * real facts, every candidate with the reason it lost. The rules are in abi/prebuild.h;
 * this module reads the package. */
#ifndef ABIPROBE_SELECT_H
#define ABIPROBE_SELECT_H

#include "../abi/prebuild.h"
#include "../report/result.h"
#include "diag.h"

#include <stdbool.h>

/* "What would an Alpine/arm64 image load?": overrides of the loader's view (NULL: none). */
typedef struct select_overrides {
    const char *sysroot;  /* an image tree's realpath: its /etc/alpine-release counts, or NULL */
    const char *libc;     /* "glibc" or "musl" */
    const char *arch;     /* "x64", "arm64", "ia32", "arm" */
    const char *platform; /* "linux", "darwin", "win32" */
} select_overrides;

/* Fill *v (strings live in r) with the runtime as a loader sees it. */
void select_view(report *r, const runtime_facts *rt, const select_overrides *o, loader_view *v);

/* Emulate the package's loader for runtime rt. Returns 0 with out->chosen set or NULL (no
 * match: out->none_why says so), or -1 when pkgdir is not a readable package (d says why). */
int select_package(report *r, const char *pkgdir, const runtime_facts *rt, const select_overrides *o, selection *out,
                   diag *d);

/* True when pkgdir looks like a package that loads native code: a binding.gyp, a .node
 * file, a loader dependency, a napi-rs "napi" field or a node-pre-gyp "binary" field. */
bool select_is_native(const char *pkgdir);

/* True when path (absolute) is among the files out considered. */
bool select_considered(const selection *s, const char *path);

#endif
