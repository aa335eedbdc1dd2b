/* abi/napi.c — lookups over the generated N-API function -> version table (abi/napi_table.c). */
#include "abi/napi.h"

#include <string.h>

/* Binary search by name; the generator sorts rows in strcmp (byte) order and
 * merges duplicate declarations, so names are unique. */
const abi_napi_entry *abi_napi_find(const char *name)
{
    size_t n;
    const abi_napi_entry *t = abi_napi_table(&n);
    size_t lo = 0, hi = n;

    if (!name)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t[mid].name, name);
        if (c == 0)
            return &t[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
