/* probe/pkg/rules.h — which .node file a package's own loader (node-gyp-build, bindings,
 * node-pre-gyp, napi-rs, platform packages) would pick, emulated with the runtime's real facts,
 * every candidate with the reason it lost; and the small readings of a package that the rest of
 * probe/pkg/ shares (package.json, Node's resolution of a name, platform packages). The tag and
 * path rules themselves are data in abi/prebuild.h. */
#ifndef ABIPROBE_PKG_RULES_H
#define ABIPROBE_PKG_RULES_H

#include "abi/prebuild.h"
#include "report/result.h"
#include "probe/diag.h"

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* "What would an Alpine/arm64 image load?": overrides of the loader's view (NULL: none). */
typedef struct select_overrides {
    const char *libc;     /* "glibc" or "musl" */
    const char *arch;     /* "x64", "arm64", "ia32", "arm" */
    const char *platform; /* "linux", "darwin", "win32" */
} select_overrides;

/* Fill *v (strings live in r) with the runtime as a loader sees it. */
void rules_view(report *r, const runtime_facts *rt, const char *root, const select_overrides *o, loader_view *v);

/* Emulate the package's loader for runtime rt: fills the package's identity and the loader's
 * view in out, and the rules' answer in out->rules (out->step is STEP_RULES). The answer is
 * SEL_UNKNOWN when no loader rule decides. Returns 0, or -1 when pkgdir is not a readable
 * package (d says why). */
int rules_select(report *r, const char *pkgdir, const runtime_facts *rt, const char *root, const select_overrides *o,
                 selection *out, diag *d);

/* Count the package that holds file (the nearest directory above it with a package.json) as
 * reached by s, when it is not s's own package (a platform package). */
void rules_reach_owner(report *r, selection *s, const char *file);

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

/* True when path (absolute) is among the files s considered (either answer, the files asked
 * for, the directories it reaches). */
bool select_considered(const selection *s, const char *path);

/* ---------- reading a package (shared by probe/pkg/) ---------- */

/* The parsed JSON file at path (a package.json), or NULL; free with cJSON_Delete. */
struct cJSON *pkg_read_json(const char *path);

/* Node's resolution of the package name from directory from: from/node_modules/NAME, then
 * upwards (inside root, when given). Writes the directory to out; false when not installed. */
bool pkg_resolve(const char *from, const char *name, const char *root, char *out, size_t n);

/* The package that holds file: the nearest directory above it with a package.json, into dir.
 * False when there is none. */
bool pkg_holder(const char *file, char *dir, size_t n);

/* True when a package.json is a platform package's (it names os or cpu). */
bool pkg_json_is_platform(const struct cJSON *pj);

/* How the package builds or downloads its native part at install time (binding.gyp,
 * prebuild-install, node-pre-gyp, cmake-js), or NULL. */
const char *pkg_install_builds(const char *pkgdir, const struct cJSON *pkg);

/* The command of its first install hook (preinstall, install, postinstall), or NULL. */
const char *pkg_install_hook(const struct cJSON *pkg);

/* The .node files (js: the JavaScript files, not in hidden directories) under dir, depth first
 * in byte order, never inside node_modules, at most max; malloc'd strings in a malloc'd array
 * (NULL when none), *n set. */
char **pkg_find(const char *dir, int depth, bool js, size_t max, size_t *n);

#endif
