/* probe/checks/checks.h — what every check sees, and one entry point per check id. A check
 * reads the ELF through probe/elf.h and the scope through probe/scope.h, and records its
 * outcome in the result model; it never prints. */
#ifndef ABIPROBE_CHECKS_H
#define ABIPROBE_CHECKS_H

#include "report/result.h"
#include "probe/scope.h"

/* One (addon, runtime) pair under check. */
typedef struct check_ctx {
    report *r;
    result *res;
    ldso *l;
    scope *s;             /* the runtime's global scope followed by the addon's local scope */
    const elf_obj *addon; /* scope entry s->local_root */
    const addon_facts *af;
    const runtime_facts *rt;
    const elf_obj *rt_elf; /* scope entry 0 */
    const char *rt_label;  /* "bun 1.4.4", "node 24.21.0" for messages */
    struct sym_memo *memo; /* the run's demangled names, or NULL */
} check_ctx;

/* Each returns the status it recorded. */
status check_format(check_ctx *c);
status check_libc(check_ctx *c);
status check_needed(check_ctx *c);
status check_versions(check_ctx *c);
status check_symbols(check_ctx *c);
status check_modules(check_ctx *c);
status check_napi(check_ctx *c);

/* The dynamic checks read the outcomes of real loads (probe/dynamic.h): the default-flags
 * load (which also ran the execute step) and, when that loaded, an RTLD_NOW load. */
typedef struct dyn_outcome dyn_outcome;
typedef struct dyn_view {
    const dyn_outcome *lazy;
    const dyn_outcome *now; /* NULL when not run */
    bool library;           /* a shared-library runtime (no JS entry point) */
    const char *rt_label;
    const char *smoke;       /* the smoke module, or NULL */
    const char *expect_json; /* the expected value, or NULL */
    unsigned timeout_ms;
} dyn_view;

status check_dlopen(report *r, result *res, const dyn_view *v);
status check_execute(report *r, result *res, const dyn_view *v);

/* True when relocation type `type` of machine is a lazily bound PLT slot (JUMP_SLOT). */
bool check_reloc_is_lazy(int machine, uint32_t type);

#endif
