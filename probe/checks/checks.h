/* probe/checks/checks.h — what every check sees, and one entry point per check id. A check
 * reads the ELF through probe/elf.h and the scope through probe/scope.h, and records its
 * outcome in the result model; it never prints. */
#ifndef ABIPROBE_CHECKS_H
#define ABIPROBE_CHECKS_H

#include "report/result.h"
#include "probe/scope.h"

#include <stdint.h>

typedef struct dyn_view dyn_view;

/* What a check sees: for the select check the result and its selection, for the static ones
 * the (addon, runtime) pair and its load scope, for the dynamic ones the real loads' outcomes. */
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
    const dyn_view *dyn;   /* the dynamic checks: the real loads */
} check_ctx;

/* When a check runs: on a package's selection, on the files (reading ELF), or on real loads. */
typedef enum check_phase { PHASE_SELECT, PHASE_STATIC, PHASE_DYNAMIC } check_phase;

/* One row per check id, in report order: the id (its name is check_id_names[id]), its phase,
 * and its function, which records the check on c->res and returns the status it recorded. */
typedef struct check_def {
    check_id id;
    check_phase phase;
    status (*run)(check_ctx *c);
} check_def;

/* The table, indexed by check_id. */
extern const check_def check_table[CHECK_COUNT];

status check_select(check_ctx *c);
status check_format(check_ctx *c);
status check_libc(check_ctx *c);
status check_needed(check_ctx *c);
status check_versions(check_ctx *c);
status check_symbols(check_ctx *c);
status check_modules(check_ctx *c);
status check_napi(check_ctx *c);
status check_dlopen(check_ctx *c);
status check_execute(check_ctx *c);

/* The dynamic checks read the outcomes of real loads (probe/dynamic.h): the default-flags
 * load (which also ran the execute step) and, when that loaded, an RTLD_NOW load. */
typedef struct dyn_outcome dyn_outcome;
struct dyn_view {
    const dyn_outcome *lazy;
    const dyn_outcome *now; /* NULL when not run */
    bool library;           /* a shared-library runtime (no JS entry point) */
    const char *rt_label;
    const char *smoke;       /* the smoke module, or NULL */
    const char *expect_json; /* the expected value, or NULL */
    unsigned timeout_ms;
};

/* For the symbols of the scope's local object `entry` whose byte in st has IMPORT_WANTED set:
 * sets IMPORT_AT_LOAD when a relocation resolved at load time names it (data, GLOB_DAT, any
 * relocation of a BIND_NOW object or on musl), IMPORT_AT_CALL when a lazy PLT slot does. A
 * symbol no relocation names gets neither: ld.so never looks it up. st has one byte per symbol. */
enum { IMPORT_WANTED = 1, IMPORT_AT_LOAD = 2, IMPORT_AT_CALL = 4 };
void check_import_needs(const check_ctx *c, size_t entry, uint8_t *st);

/* How the napi check's message begins when the declared N-API version is what it judges; the
 * dlopen check reads it to point a crash or a refusal at that. */
#define NAPI_DECLARES "declares N-API"

/* True when relocation type `type` of machine is a lazily bound PLT slot (JUMP_SLOT). */
bool check_reloc_is_lazy(int machine, uint32_t type);

#endif
