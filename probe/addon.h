/* probe/addon.h — facts about an addon file from its ELF: registration kind, modules ABI,
 * declared N-API version, libc, NEEDED, required symbol versions and imports by group. */
#ifndef ABIPROBE_ADDON_H
#define ABIPROBE_ADDON_H

#include "report/result.h"
#include "probe/diag.h"
#include "probe/elf.h"
#include "probe/scope.h"

/* Registration facts, shared by `inspect` and the `modules` check. */
typedef struct addon_registration {
    const char *kind;         /* "napi", "v8", "legacy", "unknown" */
    const char *registration; /* "export", "constructor", or NULL */
    const char *entry;        /* the symbol that says so (points into the ELF) */
    int modules;              /* N of node_register_module_vN, or -1 */
} addon_registration;

/* Classify how an addon registers with its host, from its dynamic symbols. */
void addon_registration_of(const elf_obj *o, addon_registration *out);

/* Decode the constant that node_api_module_get_api_version_v1 returns (x86, x86-64,
 * aarch64). Returns the version, -1 if the addon does not export it, or -2 if the code is
 * not a pattern we decode. */
int addon_declared_napi_version(const elf_obj *o);

/* Fill *out with everything inspect reports about the addon at path, allocating from r.
 * The imports are always counted by group; list_imports also lists each one, demangled and
 * sorted (inspect and -v print them; a check does not need them, and demangling and sorting
 * a thousand names is most of an addon's cost). A file that cannot be read still gets path,
 * format and machine where known, and out->error; the return value is then -1 and d says why. */
int addon_facts_read(report *r, const char *path, bool list_imports, addon_facts *out, diag *d);

/* Fill *out (all of it) from an already open object. */
int addon_facts_from_elf(report *r, const elf_obj *o, bool list_imports, addon_facts *out, diag *d);

/* Fill out->libs (through l, which parses each file once per run) with the addon's NEEDED closure as this machine's
 * ld.so finds it when the addon is dlopen'ed by a process that has loaded nothing else: each library's path and how it
 * was found (RPATH, RUNPATH, the cache, the system directories), or where it was looked for. 0, or -1 with d set when
 * the addon cannot be read. */
int addon_libraries(report *r, ldso *l, const char *path, addon_facts *out, diag *d);

#endif
