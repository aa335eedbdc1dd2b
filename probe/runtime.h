/* probe/runtime.h — facts about a JavaScript runtime: ask the runtime itself (a child process
 * that writes process.versions to a handshake file), then read its ELF. */
#ifndef ABIPROBE_RUNTIME_H
#define ABIPROBE_RUNTIME_H

#include "report/result.h"
#include "probe/diag.h"

/* Bounds for asking a runtime. */
typedef struct runtime_opts {
    unsigned timeout_ms; /* per runtime process; 0 means 30 s */
    const char *sysroot; /* an image tree's realpath: rt is a path inside it, never run; or NULL */
    struct ldso *l;      /* parse the runtime's ELF through this (shared with its load scope), or NULL */
} runtime_opts;

/* Resolve rt (a path, or a command name searched on PATH) into buf. Returns -1 with
 * DIAG_IO when it is not found. */
int runtime_resolve(const char *rt, char *buf, size_t n, diag *d);

/* Fill *out with facts about runtime rt, allocating from r. The runtime is run only when
 * it is an executable for this machine; otherwise its ELF alone is used and out->note says
 * why. Returns -1 when the facts are incomplete: DIAG_IO for a missing or unreadable
 * runtime, DIAG_SPAWN for one that did not start or did not report (out->error says how). */
int runtime_facts_read(report *r, const char *rt, const runtime_opts *opt, runtime_facts *out, diag *d);

/* The facts of rt before anything is known of it: its path, kind and engine unknown, no
 * modules or N-API version; with why (may be NULL), one that cannot be had at all. */
void runtime_facts_unknown(report *r, const char *rt, const char *why, runtime_facts *out);

#endif
