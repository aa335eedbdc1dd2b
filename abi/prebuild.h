/* abi/prebuild.h — the rules by which packages pick their native file, as data and small
 * functions: node-gyp-build 4.8.x tags and ranking, bindings' search paths, node-pre-gyp's
 * module_path template, napi-rs platform triples. No file system access here
 * (probe/pkg/rules.c walks the package). */
#ifndef ABIPROBE_ABI_PREBUILD_H
#define ABIPROBE_ABI_PREBUILD_H

#include <stdbool.h>
#include <stddef.h>

/* The runtime as a package's loader sees it (node-gyp-build's module-level variables). */
typedef struct loader_view {
    const char *runtime;      /* "node", "electron" or "node-webkit" */
    const char *abi;          /* process.versions.modules */
    const char *uv;           /* major of process.versions.uv, or "" */
    const char *armv;         /* "8" on arm64, else "" unless known */
    const char *libc;         /* "glibc" or "musl", node-gyp-build's way (/etc/alpine-release) */
    const char *platform;     /* os.platform(): "linux", "darwin", "win32" */
    const char *arch;         /* os.arch(): "x64", "arm64", "ia32", "arm" */
    const char *node_version; /* process.versions.node */
    const char *electron;     /* process.versions.electron, or NULL */
    int napi;                 /* process.versions.napi, -1 if unknown */
    const char *rt_libc;      /* the runtime's own C library, as napi-rs detects it (NULL: libc) */
} loader_view;

/* node-gyp-build's tags of one prebuild file name ("isolated-vm.abi147.glibc.node"). */
typedef struct ngb_tags {
    bool valid;          /* the name ends in .node */
    const char *runtime; /* "node", "electron", "node-webkit" or NULL (static strings) */
    bool napi;
    char abi[16], uv[16], armv[16]; /* "" when absent */
    const char *libc;               /* "glibc", "musl" or NULL */
    int specificity;                /* how many tags were recognised */
} ngb_tags;

/* parseTags(): the tags of a file name. */
void ngb_parse_tags(const char *file, ngb_tags *out);

/* matchTags(): NULL when the file fits the runtime, else why not (written into buf). */
const char *ngb_reject(const ngb_tags *t, const loader_view *v, char *buf, size_t n);

/* compareTags(): < 0 when a ranks before b for this runtime. */
int ngb_compare(const ngb_tags *a, const ngb_tags *b, const char *runtime);

/* parseTuple() + matchTuple(): does "linux-x64" or "darwin-x64+arm64" fit platform/arch?
 * *narches receives the number of architectures (fewer ranks first). */
bool ngb_tuple_matches(const char *name, const char *platform, const char *arch, size_t *narches);

/* bindings 1.5's search paths, in order, relative to the module root, as templates for
 * prebuild_expand() with the bindings file name as {module_name}. Terminated by NULL. */
extern const char *const bindings_paths[];

/* Expand a node-pre-gyp (or bindings) template: {node_abi} {platform} {arch} {libc}
 * {configuration} {module_name} {version} {name} {napi_build_version} {node_napi_label}
 * {node_version} {abi}. Unknown keys stay as they are. Returns buf. */
char *prebuild_expand(const char *tmpl, const loader_view *v, const char *module_name, const char *pkg_version,
                      const char *pkg_name, int napi_build, char *buf, size_t n);

/* napi-rs's platform triple for the view ("linux-x64-gnu", "linux-x64-musl",
 * "linux-arm64-gnu", "darwin-arm64", "win32-x64-msvc", ...), or NULL if it has none. */
const char *napirs_triple(const loader_view *v);

/* The target a platform package's name says it is for ("@scope/pkg-linux-x64-musl",
 * "pkg-darwin-arm64", "pkg.linux-arm-gnueabihf"), in Node's words; static strings. */
typedef struct prebuild_target {
    const char *platform; /* "linux", "darwin", "win32", ... */
    const char *arch;     /* "x64", "arm64", "ia32", "arm", ... */
    const char *libc;     /* "glibc", "musl", "msvc", or NULL when the name does not say */
} prebuild_target;

/* True when name (a package name, without a version) names both a platform and an
 * architecture, as platform packages do. */
bool prebuild_platform_name(const char *name, prebuild_target *out);

#endif
