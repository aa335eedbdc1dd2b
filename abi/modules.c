/* abi/modules.c — lookups over the generated NODE_MODULE_VERSION table (abi/modules_table.c). */
#include "abi/modules.h"

#include <stdio.h>
#include <string.h>

/* Binary search for the first entry with this modules number, then a short
 * scan over that run; where the registry lists two variants for the same
 * (modules, runtime), e.g. 65/node, the first one in registry order wins. */
const abi_modules_entry *abi_modules_find(int modules, const char *runtime)
{
    size_t n;
    const abi_modules_entry *t = abi_modules_table(&n);
    size_t lo = 0, hi = n;

    if (!runtime)
        runtime = "node";
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].modules < modules)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && t[i].modules == modules; i++)
        if (strcmp(t[i].runtime, runtime) == 0)
            return &t[i];
    return NULL;
}

int abi_modules_for_node_major(int major)
{
    size_t n;
    const abi_modules_entry *t = abi_modules_table(&n);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%d.", major);
    int pre = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].runtime, "node") != 0 || strncmp(t[i].versions, prefix, strlen(prefix)) != 0)
            continue;
        if (!strstr(t[i].versions, "-pre"))
            return t[i].modules;
        pre = t[i].modules;
    }
    return pre;
}
