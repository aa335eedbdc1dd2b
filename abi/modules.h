/* abi/modules.h — the NODE_MODULE_VERSION registry (generated data, see abi/gen-modules.py) */
#ifndef ABIPROBE_ABI_MODULES_H
#define ABIPROBE_ABI_MODULES_H
#include <stddef.h>
typedef struct abi_modules_entry {
    int modules;          /* NODE_MODULE_VERSION, e.g. 137 */
    const char *runtime;  /* "node", "electron", "nw.js", ... as in the registry */
    const char *variant;  /* registry "variant" field, e.g. "v8_13.6"; "" if none */
    const char *versions; /* registry "versions" field, e.g. "24.0.0" or "38" */
} abi_modules_entry;
/* The entry for (modules, runtime), or NULL. runtime NULL means "node". */
const abi_modules_entry *abi_modules_find(int modules, const char *runtime);
/* The whole table, sorted by modules then runtime; *n receives its length. */
const abi_modules_entry *abi_modules_table(size_t *n);
/* The modules number of a Node major version ("24" -> 137), preferring a released entry to
 * a pre-release one; -1 if the registry has none. */
int abi_modules_for_node_major(int major);

/* Where the table's data came from (repository, path, commit/date). */
const char *abi_modules_source(void);
/* The date of the newest source of the table ("2026-10-23"), for messages. */
const char *abi_modules_source_date(void);
#endif
