/* abi/napi.h — the N-API function -> version table (generated data, see abi/gen-napi.py) */
#ifndef ABIPROBE_ABI_NAPI_H
#define ABIPROBE_ABI_NAPI_H
#include <stdbool.h>
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

/* What a runtime did, measured (abi/gen-napi-declared.py, abi/napi_declared.json), when its
 * require() loaded an addon declaring an N-API version above its own, or NAPI_EXPERIMENTAL. */
typedef enum napi_decl_outcome { NAPI_DECL_LOAD, NAPI_DECL_REFUSE, NAPI_DECL_CRASH } napi_decl_outcome;
typedef struct abi_napi_declared {
    const char *kind;    /* "node", "bun", "deno" */
    const char *version; /* the runtime version measured, e.g. "26.12.1" */
    int v[3];            /* the same as numbers, for ordering */
    int napi;            /* its process.versions.napi */
    int above_declared;  /* the version the "above" addon declared (napi + 1) */
    napi_decl_outcome above;
    const char *above_words; /* the runtime's message (refuse), the signal's name (crash), or "" */
    napi_decl_outcome experimental;
    const char *experimental_words;
} abi_napi_declared;
/* The measured rows, sorted by kind then version; *n receives their number. */
const abi_napi_declared *abi_napi_declared_table(size_t *n);
/* The measurement for a runtime of `kind` at `version` ("26.12.1"): that version's row, else the
 * newest measured below it, else the oldest of that kind; NULL when the kind was never measured.
 * *exact (may be NULL) says whether the row is that very version. */
const abi_napi_declared *abi_napi_declared_find(const char *kind, const char *version, bool *exact);
/* "loads it", "refuses to load it", "crashes loading it" */
const char *abi_napi_decl_outcome_words(napi_decl_outcome o);
#endif
