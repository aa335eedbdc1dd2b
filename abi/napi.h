/* abi/napi.h — the N-API function -> version table (generated data, see abi/gen-napi.py) */
#ifndef ABIPROBE_ABI_NAPI_H
#define ABIPROBE_ABI_NAPI_H
#include <stddef.h>
enum { NAPI_VERSION_EXPERIMENTAL_ID = 0x7fffffff };
typedef struct abi_napi_entry {
    const char *name; /* e.g. "napi_create_function" */
    int version;      /* lowest NAPI_VERSION that declares it; NAPI_VERSION_EXPERIMENTAL_ID if experimental only */
} abi_napi_entry;
/* The entry for a function name, or NULL if the headers do not declare it (binary search). */
const abi_napi_entry *abi_napi_find(const char *name);
/* The whole table sorted by name; *n receives its length. */
const abi_napi_entry *abi_napi_table(size_t *n);
/* Highest stable N-API version the source headers support (e.g. 10). */
int abi_napi_max_version(void);
/* Where the table came from. */
const char *abi_napi_source(void);
#endif
