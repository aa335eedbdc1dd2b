/* probe/check.h — the `check` engine: each (addon, runtime) pair through the checks in
 * order. Runtimes are prepared once (facts, global scope) and reused for every target. */
#ifndef ABIPROBE_CHECK_H
#define ABIPROBE_CHECK_H

#include "report/result.h"
#include "probe/config.h"
#include "probe/diag.h"
#include "probe/pkg/rules.h"

#include <stdbool.h>

/* How a package's file is found: by asking the runtime where it can run (the default), or by
 * the emulated rules alone, so that no JavaScript from a package runs. */
typedef enum select_mode { SELECT_AUTO, SELECT_RULES } select_mode;

/* What the user asked for. */
typedef struct check_opts {
    bool static_only;           /* skip dlopen and execute */
    bool list_imports;          /* list each import in the addon facts (text -v prints them) */
    unsigned timeout_ms;        /* per runtime process */
    const char *smoke;          /* smoke module for execute, or NULL */
    const char *expect_json;    /* the value it must return, as JSON, or NULL */
    unsigned jobs;              /* dynamic checks run in parallel, at most this many (0 means 1) */
    const char *self_exe;       /* abiprobe's own executable, for shared-library runtimes */
    const char *emulator;       /* run runtimes of another machine under this (qemu-user), or NULL */
    const char *sysroot;        /* --sysroot: an image tree's realpath, or NULL */
    select_overrides overrides; /* --libc/--arch/--platform for package targets */
    select_mode select;         /* --select */
    /* Called from any thread as each real load ends (done of total queued so far), for a
     * progress line; NULL for none. */
    void (*progress)(void *arg, const char *what, size_t done, size_t total);
    void *progress_arg;
} check_opts;

typedef struct checker checker;

/* Start a run that appends its results to r. */
int checker_create(checker **out, report *r, const check_opts *o, diag *d);

/* Release the run's state (not the report). NULL-safe. */
void checker_destroy(checker *c);

/* Prepare runtime rt. A runtime that cannot be read or run is still added, so that every
 * pair with it reports `error`; the return value is then -1 and d says why. */
int checker_add_runtime(checker *c, const char *rt, diag *d);

/* The same, with the name results carry in rt_name (a --config key); NULL means rt. */
int checker_add_named_runtime(checker *c, const char *rt, const char *name, diag *d);

/* A runtime that cannot be had at all (NAME@VERSION that could not be fetched): added under
 * name, so that its results are errors that say why. Returns -1 with d set to why. */
int checker_add_unusable_runtime(checker *c, const char *name, const char *why, diag *d);

/* The executables of the run's runtimes that can run here (for what contained children read). */
size_t checker_runtime_exes(const checker *c, const char **out, size_t max);

/* A note about the runtime added last, for the report (why the cache stood in for the registry). */
void checker_note_runtime(checker *c, const char *note);

/* Ask every runtime that can run here which file each package directory loads: one runtime
 * process per runtime and project require()s them all (probe/pkg/select.h). Packages checked later use what
 * was observed; a package not observed beforehand is observed on its own when it is checked.
 * Paths are this machine's. Returns 0, or -1 when out of memory. */
int checker_observe(checker *c, const char *const *pkgdirs, size_t n, diag *d);

/* Start the runtimes' observers for the project that holds dir before it is walked, so that
 * their start-up hides the walk (scan). Best-effort; --select rules starts none. */
void checker_prestart(checker *c, const char *dir);

/* select: for a package directory, one result per runtime with the selection alone (no
 * checks, no verdict): observed where the runtime can be asked (with stand-ins: the select
 * command never runs native code), else the rules. Returns -1 when pkgdir is not a readable
 * package (d says why). */
int checker_select(checker *c, const char *pkgdir, diag *d);

/* Check the addon file at path against every runtime, one result per runtime. A package
 * directory goes through the selection phase first (probe/pkg/select.h): the `select` check
 * names the file it picks, or fails with every candidate and why it lost. Returns -1 when
 * the file or package cannot be read at all (missing, not a regular file, corrupt, no
 * package.json): its results then carry `error` and d says why. A Mach-O or PE file is a
 * `format` failure, not -1. */
int checker_run(checker *c, const char *path, diag *d);

/* One target of a run and what applies to it alone. */
typedef struct check_target {
    const char *path;        /* a .node file or a package directory (inside --sysroot, the image's path) */
    const char *smoke;       /* its own smoke module, or NULL: the run's --smoke/--expect apply */
    const char *expect_json; /* the value its smoke module must return, or NULL */
} check_target;

/* checker_run for one target with what applies to it alone. */
int checker_run_target(checker *c, const check_target *t, diag *d);

/* Run the dynamic checks queued by checker_run (in parallel, -j), record them in their
 * results in order, and settle every verdict. Call once, before writing the report. */
void checker_finish(checker *c);

/* scan: which of the packages a walk found get a result, and which packages the walk did not
 * know must get one. A package gets one when it owns a .node file (in its directory or its
 * platform packages), builds one at install time, or needs a platform package for the target
 * that is not installed; and every .node file that could load on a runtime of the run (an ELF
 * file of its machine) belongs to a package that gets one, its holder when no other claims it.
 * pkgs and nodes are this machine's real paths (nodes sorted, and kept until the checker is
 * destroyed); *out (in the report) lists the targets. */
int checker_scan_targets(checker *c, const char *const *pkgs, size_t npkgs, const char *const *nodes, size_t nnodes,
                         const char ***out, size_t *nout, diag *d);

/* The .node files a scan found that no package with a result owns or reached: each becomes a
 * result of its own, without a verdict (`unreferenced`), saying why (they cannot load on the
 * target). */
int checker_add_unreferenced(checker *c, const char *const *nodes, size_t n, diag *d);

/* Declared outcomes, after checker_finish: each result that expectation e names (its target
 * and its runtime) is marked as declared to fail or to pass, so a declared failure that
 * fails counts as expected and one that passes as stale. unmatched[e] is set for an
 * expectation that names no result (a mistake in the config); returns how many those are. */
size_t checker_expect(checker *c, const config_expect *x, size_t n, bool *unmatched);

#endif
