/* abi/napi.c — lookups over the generated N-API tables: function -> version (abi/napi_table.c) and
 * what runtimes do with a declared version (abi/napi_declared_table.c). */
#include "abi/napi.h"

#include <stdlib.h>
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

/* "26.12.1" -> {26, 12, 1}; missing or non-numeric parts are 0. */
static void parse_version(const char *s, int v[3])
{
    for (int i = 0; i < 3; i++) {
        char *end;
        long x = s ? strtol(s, &end, 10) : 0;
        v[i] = s && end != s && x >= 0 && x < 1000000 ? (int)x : 0;
        if (!s || end == s || *end != '.') {
            for (int j = i + 1; j < 3; j++)
                v[j] = 0;
            return;
        }
        s = end + 1;
    }
}

static int cmp_version(const int a[3], const int b[3])
{
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

const abi_napi_declared *abi_napi_declared_find(const char *kind, const char *version, bool *exact)
{
    size_t n;
    const abi_napi_declared *t = abi_napi_declared_table(&n), *below = NULL, *oldest = NULL;
    int v[3];
    parse_version(version, v);
    if (exact)
        *exact = false;
    if (!kind)
        return NULL;
    /* Rows are sorted by version within a kind: the last one not above v is the nearest below. */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].kind, kind) != 0)
            continue;
        if (!oldest)
            oldest = &t[i];
        int c = cmp_version(t[i].v, v);
        if (c > 0)
            break;
        below = &t[i];
        if (c == 0 && exact)
            *exact = true;
    }
    return below ? below : oldest;
}

const char *abi_napi_decl_outcome_words(napi_decl_outcome o)
{
    switch (o) {
    case NAPI_DECL_LOAD: return "loads it";
    case NAPI_DECL_REFUSE: return "refuses to load it";
    case NAPI_DECL_CRASH: return "crashes loading it";
    }
    return "?";
}
