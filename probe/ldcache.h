/* probe/ldcache.h — /etc/ld.so.cache, parsed (never by running ldconfig): soname -> path
 * entries with their architecture flags, in the file's own order (ld.so takes the first). */
#ifndef ABIPROBE_LDCACHE_H
#define ABIPROBE_LDCACHE_H

#include "probe/diag.h"

#include <stddef.h>

typedef struct ldcache ldcache;

/* Parse a cache image (the "glibc-ld.so.cache1.1" format, alone or after the old
 * "ld.so-1.7.0" table). The bytes are copied. Malformed input fails with DIAG_FORMAT. */
int ldcache_parse(ldcache **out, const unsigned char *buf, size_t n, const char *name, diag *d);

/* Read and parse the cache file at path (at most 64 MiB). */
int ldcache_load(ldcache **out, const char *path, diag *d);

/* Release the cache. NULL-safe. */
void ldcache_free(ldcache *c);

/* The path the cache gives for soname on this ELF class and machine (EM_*), or NULL. */
const char *ldcache_lookup(const ldcache *c, const char *soname, int elfclass, int machine);

/* Number of usable entries (their offsets lie inside the table). */
size_t ldcache_count(const ldcache *c);

#endif
