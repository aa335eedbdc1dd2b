/* probe/pkg/observe.h — observed selection: the runtime itself is asked which .node file each
 * package loads. One runtime process require()s a whole list of packages with native loading
 * intercepted (probe/pkg/observe.cjs, whose header lists every event it sends); a package that
 * kills or hangs that process is recorded as such, and a new process goes on with the rest. */
#ifndef ABIPROBE_OBSERVE_H
#define ABIPROBE_OBSERVE_H

#include "report/result.h"
#include "probe/diag.h"
#include "probe/dynamic.h"

#include <stdbool.h>
#include <stddef.h>

/* One package to require(), as the runtime sees it (inside --sysroot, the image's paths). */
typedef struct obs_target {
    const char *spec; /* what require() is given: the name under node_modules, or an absolute directory */
    const char *from; /* the directory it resolves from */
    const char *dir;  /* the package's own directory (an ES module import starts from its package.json) */
    /* The directories whose files are the package's own (its own, its platform packages'): a
     * file elsewhere is checked for being a byte-identical copy of one of theirs. */
    const char *const *own;
    size_t nown;
    /* A real load's: its .node files that could load here, loaded when require() asks for none of
     * its files (the agreement step's files, loaded where they need no process of their own). */
    const char *const *candidates;
    size_t ncandidates;
    /* Loads to refuse, as if dlopen had failed with the given message (the static checks'
     * prediction, under --static-only); paths as the runtime sees them. */
    const char *const *refuse_files;
    const char *const *refuse_msgs;
    size_t nrefuse;
} obs_target;

/* How the observation of one package ended. */
typedef enum obs_state {
    OBS_UNSEEN,  /* never tried (the runtime could not be started) */
    OBS_DONE,    /* require() returned or threw */
    OBS_DIED,    /* the runtime process ended while require()-ing it */
    OBS_TIMEOUT, /* it was still require()-ing it at the deadline, in a process of its own */
} obs_state;

/* One .node file the package's JavaScript asked for, in order. */
typedef struct obs_ask {
    const char *file;    /* the path given to the loader, as the runtime resolved it */
    const char *real;    /* its real path, as the runtime saw it (links resolved), or NULL */
    const char *from;    /* the loader's file:line, from the stack; NULL when unknown */
    const char *via;     /* "require" or "process.dlopen" */
    bool settled;        /* the load finished (with ok and message) */
    bool ok;             /* it loaded (or, with a stand-in, was handed one) */
    const char *message; /* the loader's error, when !ok */
    bool predicted;      /* refused on purpose: the static checks' prediction (obs_target.refuse_*) */
    const char *binding; /* the binding module being required when it was asked for, or NULL */
    const char *copy_of; /* outside the package: the package's own file it is a byte-identical copy of */
    bool candidate;      /* loaded by the observer as a candidate, not asked for by the package */
    /* A real load that succeeded: how RTLD_NOW went (tried first), and the exports. */
    bool now_present;
    bool now_ok;
    bool now_unsupported;    /* the runtime cannot be asked for RTLD_NOW */
    const char *now_message; /* the loader's words when RTLD_NOW failed */
    const char *type;        /* typeof the exports, or NULL */
    const char **keys;       /* their first keys */
    size_t nkeys;
} obs_ask;

/* What one package did. Strings and arrays live in the report's arena. */
typedef struct obs_pkg {
    obs_state state;
    obs_ask *asks;
    size_t nasks;
    const char *threw;       /* require()'s error message, NULL when it returned */
    const char *threw_code;  /* its code (MODULE_NOT_FOUND, ERR_DLOPEN_FAILED...), or NULL */
    bool after_stand_in;     /* it threw after a stand-in was handed out (the stand-in may be why) */
    bool candidates;         /* require() was done, and its candidates were being loaded */
    size_t nbinding;         /* binding modules required (after require() asked for none of its files) */
    const char *async_error; /* an error thrown later, outside require(), or NULL */
    const char **mapped;     /* real load only: the files /proc/self/maps shows it mapped */
    size_t nmapped;
    bool maps_read;  /* mapped is meaningful (a real load whose end was reported) */
    const char *why; /* OBS_DIED / OBS_TIMEOUT / OBS_UNSEEN: how, in one line */
} obs_pkg;

/* Observe n packages in the runtime that base describes (runtime, kind, emulator, sysroot,
 * timeout; addon and smoke are unused). stub: hand out stand-ins instead of loading (no native
 * code runs). started: that runtime's observer, started before the packages were known
 * (dyn_start), which the first round uses, or NULL; it is taken either way. out[i] is filled
 * for targets[i]. Returns 0, or -1 when out of memory. */
int observe_packages(report *r, const dyn_job *base, bool stub, const obs_target *targets, size_t n, obs_pkg *out,
                     dyn_proc *started, diag *d);

/* Fold event lines (the driver's handshake) into out[first..n). Returns the index of the
 * package that was in progress when the lines end (n when none, or when every package
 * ended), and sets *done when the driver reported that it finished. Exposed for the tests. */
size_t observe_parse(report *r, const char *lines, size_t len, obs_pkg *out, size_t n, bool *done);

#endif
