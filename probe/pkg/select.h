/* probe/pkg/select.h — the selection phase: which .node file each runtime loads from each
 * package, and why. It owns the whole question: asking the runtimes (one observation process
 * per runtime and project, probe/pkg/observe.h), what a package owns (probe/pkg/own.h), the
 * emulated loader rules (probe/pkg/rules.h), the retry with a predicted refusal under
 * stand-ins, and the steps for packages that load lazily. It hands the checks one selection per
 * package and runtime, with the runtime's answer and the rules' answer side by side.
 *
 * The steps, in order, each recorded as the selection's step:
 *   require        the package's require() (import() for an ES module package) asked for one of
 *                  its own files (a byte-identical copy counts as the file), or refused
 *   binding module require() asked for none of its files; its binding modules were require()d in
 *                  turn, and one asked
 *   rules          the emulated loader rules find the file (or find none, or see it never built)
 *   agreement      no rule decides: every file of the package that could load on the target gets
 *                  the same verdict (else: error, naming the files that disagree) */
#ifndef ABIPROBE_PKG_SELECT_H
#define ABIPROBE_PKG_SELECT_H

#include "report/result.h"
#include "probe/diag.h"
#include "probe/dynamic.h"
#include "probe/pkg/own.h"
#include "probe/pkg/rules.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct pkgsel pkgsel;

/* How the phase runs. */
typedef struct pkgsel_opts {
    const char *sysroot;        /* --sysroot, or NULL */
    const char *self_exe;       /* abiprobe's own path (the chroot helper), or "" */
    unsigned timeout_ms;        /* per runtime process */
    unsigned jobs;              /* runtimes observed at once */
    bool stand_in;              /* --static-only: loads are answered with stand-ins, no native code runs */
    select_overrides overrides; /* --libc, --arch, --platform */
} pkgsel_opts;

/* A runtime as the phase sees it (the checker decides whether it can run here). */
typedef struct pkgsel_runtime {
    const runtime_facts *facts; /* lives in the report */
    const char *emulator;       /* run it under this (qemu-user), or NULL */
    const char *no_observe;     /* why it is not asked (the rules decide), or NULL */
    const char *problem;        /* why nothing can be told for it (no facts, no ELF), or NULL */
} pkgsel_runtime;

/* The static checks' view of one file for one runtime (what the agreement step and the
 * predicted refusal need). Strings live in the report. */
typedef struct pkg_verdict {
    bool fits;           /* its format and C library fit the runtime: it could load on the target */
    status st;           /* the static checks' verdict */
    const char *reason;  /* the message of its first failing (or erroring) check, or NULL */
    const char *refusal; /* what dlopen would say, as the checks predict it, or NULL when it loads */
} pkg_verdict;

/* The checker's static checks of file for runtime rt (an index as added). Returns 0, or -1 when
 * the file cannot be read at all. */
typedef int (*pkgsel_judge)(void *arg, size_t rt, const char *file, pkg_verdict *out);

/* Create a phase whose strings live in r. -1 (d set) when out of memory. */
int pkgsel_create(pkgsel **out, report *r, const pkgsel_opts *o, pkgsel_judge judge, void *judge_arg, diag *d);
/* NULL-safe. Frees the worker arenas; what decide() wrote stays in the report. */
void pkgsel_destroy(pkgsel *p);

/* Add a runtime, in the checker's order. -1 when out of memory. */
int pkgsel_add_runtime(pkgsel *p, const pkgsel_runtime *rt, diag *d);

/* Ask every runtime that can be asked about these package directories (this machine's paths):
 * one process per runtime and project, up to -j runtimes at once. Directories asked about
 * before are not asked again. The runtimes work in the background: the call returns at once,
 * and the first decision (or pkgsel_wait) waits for them. -1 only when out of memory. */
int pkgsel_observe(pkgsel *p, const char *const *dirs, size_t n, diag *d);

/* Start each runtime's observer now, for the project that holds dir (a directory about to be
 * walked), so that its start-up hides the walk: the next pkgsel_observe hands it its packages
 * (a runtime started for another Deno configuration is not used). Best-effort. */
void pkgsel_prestart(pkgsel *p, const char *dir);

/* Wait for the observation under way, if any. -1 when it ran out of memory. */
int pkgsel_wait(pkgsel *p);

/* The files that runtime rt's decision for the package at pkgdir is likely to judge, while its
 * observation is under way: the rules' pick, else (no rule decides) the package's .node files.
 * *files lives in the report (or is the package's own list); returns how many. */
size_t pkgsel_predict(pkgsel *p, size_t rt, const char *pkgdir, const char ***files);

/* The selection of runtime rt for the package at pkgdir (observed first when it was not).
 * Returns 0, or -1 (d set) when pkgdir is not a readable package. */
int pkgsel_decide(pkgsel *p, size_t rt, const char *pkgdir, selection *out, diag *d);

/* The real load of file (a package's chosen file, this machine's path) as runtime rt's own
 * require() of the package made it while it was asked (RTLD_NOW first, then the package's own
 * flags), as outcomes the dlopen and execute checks read: lazy carries the load and the exports,
 * lazy.now the RTLD_NOW answer. False when the runtime did not load that file to the end there
 * (stand-ins, a process that died in the load, another file): the file needs a load of its own. */
bool pkgsel_real_load(pkgsel *p, size_t rt, const char *pkgdir, const char *file, dyn_outcome *lazy);

/* The packages (this machine's paths, in the report) whose files the package at pkgdir asked
 * for in any runtime, when none of them was its own: a package whose native code is a
 * dependency's (msgpackr loads msgpackr-extract's). Returns how many. */
size_t pkgsel_others(pkgsel *p, const char *pkgdir, const char ***dirs);

/* Every .node file a walk found (real paths, sorted; they must outlive the phase): what a
 * package owns is then read from them instead of walking the package again. */
void pkgsel_known_nodes(pkgsel *p, const char *const *nodes, size_t n);

/* What the package at pkgdir owns (read on first use), or NULL when it is no readable package. */
const pkg_own *pkgsel_own(pkgsel *p, const char *pkgdir);

#endif
