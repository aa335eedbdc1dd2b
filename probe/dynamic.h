/* probe/dynamic.h — running an addon for real: the runtime executes the embedded driver in
 * a child process (or, for a shared-library runtime, a copy of abiprobe dlopens both), and
 * the outcome is read from a handshake file, never from the exit status alone. */
#ifndef ABIPROBE_DYNAMIC_H
#define ABIPROBE_DYNAMIC_H

#include "probe/diag.h"
#include "probe/spawn.h"

#include <stdbool.h>

/* One real load. All strings are borrowed for the duration of dyn_run(). */
typedef struct dyn_job {
    const char *runtime;  /* the executable (or shared library) */
    const char *kind;     /* runtime kind: "node", "bun", "deno", "electron", ... */
    bool library;         /* a shared-library runtime: abiprobe dlopens it itself */
    const char *self_exe; /* abiprobe's own path, for the library case */
    const char *addon;
    bool now;          /* RTLD_NOW instead of the runtime's default flags */
    bool both;         /* RTLD_NOW, then the default flags if that failed, in one process
                        * (the driver's "now" member); not for a library runtime */
    bool execute;      /* run the execute step after the load */
    const char *smoke; /* smoke module, or NULL */
    const char *pkg;   /* package root for ctx.require, or NULL */
    unsigned timeout_ms;
    const char *sysroot;     /* run inside this image tree (chroot); paths above are the image's */
    const char *emulator;    /* run the runtime under this (qemu-user): with a sysroot, as
                              * `EMULATOR -L SYSROOT`, which replaces the chroot; or NULL */
    const char *observe;     /* instead of one load: run the observation driver (probe/pkg/observe.cjs)
                              * with this request (JSON text); addon, flags and smoke are unused */
    const char *deno_config; /* an observation in Deno: the project's deno.json, which Deno reads as
                              * the application would; NULL: none (Deno then resolves packages from
                              * the project's node_modules, as it does beside a package.json) */
} dyn_job;

/* The last stage the driver reached: before the load, inside it, after it, in the execute
 * step, or done (it reported). */
typedef enum dyn_stage { DYN_START, DYN_LOADING, DYN_LOADED, DYN_EXECUTE, DYN_DONE } dyn_stage;

/* One dlopen as the handshake tells it. Strings point into the outcome. */
typedef struct dyn_load {
    bool present;        /* the handshake has this load */
    bool ok;             /* it loaded */
    bool unsupported;    /* the runtime cannot be asked for this kind of load (RTLD_NOW) */
    const char *message; /* the loader's own words when it did not load, or NULL */
} dyn_load;

/* The execute step as the handshake tells it. */
typedef struct dyn_exec {
    bool present;
    bool ok;
    bool smoke;          /* a smoke module ran; otherwise the exports object was checked */
    bool syntax;         /* the smoke module does not parse */
    const char *message; /* what was thrown, or NULL */
    const char *where;   /* the smoke module's file:line:col of a syntax error, or NULL */
    const char *type;    /* the exports' typeof when they are not an object, or NULL */
    const char *json;    /* the smoke value as JSON text, or NULL (undefined) */
    const char **keys;   /* the exports' keys */
    size_t nkeys;
} dyn_exec;

/* What happened, read once from the stage file and the handshake (dyn_run). */
typedef struct dyn_outcome {
    bool started;    /* the child ran at all */
    bool reported;   /* the handshake was written and parsed */
    dyn_stage stage; /* the last stage the driver reached */
    spawn_res proc;  /* exit status or signal, timeout, output tails */
    dyn_load load;   /* the load (the runtime's default flags, or --now's) */
    dyn_load now;    /* the RTLD_NOW load in the same process (dyn_job.both) */
    dyn_exec exec;
    bool traced;     /* bound by ld.so's trace, not dlopen'ed: no constructor ran */
    char *events;    /* an observation's event lines (malloc'd), or NULL */
    void *doc;       /* the parsed handshake the strings above point into */
    char error[512]; /* why the job could not be run, when !started */
} dyn_outcome;

/* Fill out's load, now, exec and traced from the handshake's text (NULL: none). Text that
 * does not parse as the driver's JSON leaves out->reported false. dyn_run calls it; it is
 * public for the fuzz target. */
void dyn_read_handshake(dyn_outcome *out, const char *text);

/* The stage named by the stage file's first line; DYN_START when text is NULL or unknown. */
dyn_stage dyn_stage_of(const char *text);

/* Run one job. Returns -1 only when it could not be started (out->error says why). Safe to
 * call from several threads at once. Free with dyn_outcome_free(). */
int dyn_run(const dyn_job *j, dyn_outcome *out);

/* dyn_run in parts, for an observation whose runtime starts before its packages are known (its
 * start-up then hides the walk of the tree): dyn_start starts the child (j->observe is only
 * looked at for being set; -1 with out->error when it could not start), dyn_send gives it its
 * request (-1 when the child is gone), dyn_finish waits for it, reads what it wrote into out
 * and frees p, and dyn_abandon kills and frees one that will not be finished. */
typedef struct dyn_proc dyn_proc;
int dyn_start(const dyn_job *j, dyn_proc **p, dyn_outcome *out);
int dyn_send(dyn_proc *p, const char *request);
int dyn_finish(dyn_proc *p, dyn_outcome *out);
void dyn_abandon(dyn_proc *p);

/* Release an outcome. NULL-safe. */
void dyn_outcome_free(dyn_outcome *o);

/* Make ROOT this process's root directory: chroot(2) as root, otherwise first become root
 * of a new user namespace (this user mapped to uid 0) with its own mount namespace. Returns
 * 0 or errno. */
int dyn_enter_root(const char *root);

/* Whether dyn_enter_root(root) works here, tried in a forked child so this process stays
 * as it is. 0, or errno with why (one line, for the report) filled in. */
int dyn_root_possible(const char *root, char *why, size_t n);

/* The body of `abiprobe __chroot ROOT PROG ARGS...`: enter ROOT (dyn_enter_root) and exec
 * PROG there. Returns errno when that fails (it does not return otherwise). */
int dyn_chroot_exec(const char *root, char *const argv[]);

/* The body of `abiprobe __dlopen RUNTIME ADDON lazy|now HANDSHAKE`: dlopen the runtime with
 * RTLD_NOW|RTLD_GLOBAL, then the addon, and write {"load":{"ok":...,"message":...}} to the
 * handshake file. Returns the exit status for the child. */
int dyn_library_child(const char *runtime, const char *addon, const char *mode, const char *handshake);

#endif
