/* probe/select.h — which .node file a runtime would really load from a package: the package's
 * own loader (node-gyp-build, bindings, node-pre-gyp, napi-rs) emulated with the runtime's
 * real facts, every candidate with the reason it lost. The rules are in abi/prebuild.h;
 * this module reads the package. */
#ifndef ABIPROBE_SELECT_H
#define ABIPROBE_SELECT_H

#include "abi/prebuild.h"
#include "report/result.h"
#include "probe/diag.h"
#include "probe/observe.h"

#include <stdbool.h>

/* "What would an Alpine/arm64 image load?": overrides of the loader's view (NULL: none). */
typedef struct select_overrides {
    const char *libc;     /* "glibc" or "musl" */
    const char *arch;     /* "x64", "arm64", "ia32", "arm" */
    const char *platform; /* "linux", "darwin", "win32" */
} select_overrides;

/* Fill *v (strings live in r) with the runtime as a loader sees it. */
void select_view(report *r, const runtime_facts *rt, const char *root, const select_overrides *o, loader_view *v);

/* Emulate the package's loader for runtime rt. Returns 0 with out->chosen set or NULL (no
 * match: out->none_why says so), or -1 when pkgdir is not a readable package (d says why). */
int select_package(report *r, const char *pkgdir, const runtime_facts *rt, const char *root, const select_overrides *o,
                   selection *out, diag *d);

/* The selection from what the runtime itself did (obs): the first file it loaded (else the
 * last it asked for), the package's own refusal when require() threw before asking for any,
 * and otherwise the rules, which then say why they had to decide (lazy loading, a crash). The
 * rules' pick is kept for comparison (differs says when they disagree). spec is what require()
 * was given; image_root, inside --sysroot, turns the runtime's paths into this machine's;
 * stand_in says the loads were answered without dlopen. -1 as for select_package. */
int select_observed(report *r, const char *pkgdir, const runtime_facts *rt, const char *root, const select_overrides *o,
                    const obs_pkg *obs, const char *spec, const char *image_root, bool stand_in, selection *out,
                    diag *d);

/* True when pkgdir looks like a package that loads native code: a binding.gyp, a build or
 * prebuilds directory, a loader dependency (node-gyp-build, node-gyp-build-optional-packages,
 * bindings), a napi-rs "napi" field, a node-pre-gyp "binary" field, an install script that
 * builds or downloads it, or installed platform packages among its optionalDependencies.
 * root: --sysroot (links resolve inside the image), or NULL. */
bool select_is_native(const char *pkgdir, const char *root);

/* The "name" of the package.json in dir (malloc'd), or NULL when dir is no package. */
char *select_package_name(const char *dir);

/* True when pkgdir is a platform package (its package.json names os or cpu). */
bool select_is_platform_package(const char *pkgdir);

/* True when path (absolute) is among the files out considered. */
bool select_considered(const selection *s, const char *path);

#endif
