/* probe/ldcache.c — the ld.so.cache parser. Layout (glibc's sysdeps/generic/dl-cache.h):
 * a 48-byte header ("glibc-ld.so.cache" "1.1", nlibs, len_strings, flags, ...), then nlibs
 * 24-byte entries {int32 flags; uint32 key, value, osversion; uint64 hwcap}; key and value
 * are offsets from the start of the new-format header. Every offset is bounds-checked. */
#define _GNU_SOURCE
#include "probe/ldcache.h"
#include "probe/paths.h"
#include "abi/machine.h"

#include "probe/spawn.h"

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    NEW_HEADER = 48,
    NEW_ENTRY = 24,
    OLD_HEADER = 16,
    OLD_ENTRY = 12,
    MAX_CACHE = 64 << 20,
    /* glibc's ldconfig.h flag values. */
    FLAG_TYPE_MASK = 0x00ff,
    FLAG_ELF_LIBC6 = 0x0003,
    FLAG_REQUIRED_MASK = 0xff00,
    FLAG_X8664_LIB64 = 0x0300,
    FLAG_X8664_LIBX32 = 0x0800,
    FLAG_ARM_LIBHF = 0x0900,
    FLAG_AARCH64_LIB64 = 0x0a00,
    FLAG_ARM_LIBSF = 0x0b00,
    FLAG_RISCV_FLOAT_ABI_DOUBLE = 0x1000,
    FLAG_POWERPC_LIB64 = 0x0500,
    FLAG_S390_LIB64 = 0x0400,
};

/* The file's bytes are kept as mapped (or as read, NUL-terminated past their end), and
 * entries are decoded where they lie: no copy of the table or of its strings. */
struct ldcache {
    unsigned char *mem; /* the whole file when read, owned; NULL when mapped */
    const char *map;    /* the whole file when mapped, else NULL */
    size_t maplen;
    const unsigned char *buf; /* the new-format part; offsets are relative to it */
    size_t size;
    uint32_t nlibs; /* entries in the table, broken ones included */
};

static uint32_t u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t u64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Entry i, or false when its offsets lie outside the table (ld.so would never match it). */
static bool entry_at(const ldcache *c, uint32_t i, int32_t *flags, uint32_t *key, uint32_t *value, uint64_t *hwcap)
{
    const unsigned char *e = c->buf + NEW_HEADER + (size_t)i * NEW_ENTRY;
    *flags = (int32_t)u32(e);
    *key = u32(e + 4);
    *value = u32(e + 8);
    *hwcap = u64(e + 16);
    return *key < c->size && *value < c->size;
}

/* A cache file's bytes, as read (own) or as mapped (map). */
static void release(unsigned char *mem, const char *map, size_t maplen)
{
    free(mem);
    path_unmap_file(map, maplen);
}

/* Parse the n bytes of own (read, with own[n] == 0) or of map (mapped, where the rest of the
 * last page reads as zeros), so that a string running to the end still ends. The cache then
 * holds them, or they are released on failure. */
static int parse_owned(ldcache **out, unsigned char *own, const char *map, size_t n, const char *name, diag *d)
{
    const unsigned char *mem = map ? (const unsigned char *)map : own;
    *out = NULL;
    size_t start = 0;
    if (n >= OLD_HEADER && memcmp(mem, "ld.so-1.7.0", 11) == 0) {
        /* The old table comes first; the new format follows it, 8-byte aligned. */
        uint64_t old = OLD_HEADER + (uint64_t)u32(mem + 12) * OLD_ENTRY;
        start = (size_t)((old + 7) & ~(uint64_t)7);
        if (old > n || start > n) {
            release(own, map, n);
            return diag_set(d, DIAG_FORMAT, "%s: ld.so.cache: old-format table runs past the end", name);
        }
    }
    const unsigned char *p = mem + start;
    size_t size = n - start;
    if (size < NEW_HEADER || memcmp(p, "glibc-ld.so.cache1.1", 20) != 0) {
        release(own, map, n);
        return diag_set(d, DIAG_FORMAT, "%s: not a glibc ld.so.cache (no glibc-ld.so.cache1.1 header)", name);
    }
    uint32_t nlibs = u32(p + 20);
    if ((uint64_t)nlibs * NEW_ENTRY > size - NEW_HEADER) {
        release(own, map, n);
        return diag_set(d, DIAG_FORMAT, "%s: ld.so.cache: %u entries do not fit in %zu bytes", name, nlibs, size);
    }
    ldcache *c = calloc(1, sizeof *c);
    if (!c) {
        release(own, map, n);
        return diag_set(d, DIAG_NOMEM, "out of memory");
    }
    *c = (ldcache){own, map, n, p, size, nlibs};
    *out = c;
    return 0;
}

int ldcache_parse(ldcache **out, const unsigned char *buf, size_t n, const char *name, diag *d)
{
    *out = NULL;
    unsigned char *mem = malloc(n + 1);
    if (!mem)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    memcpy(mem, buf, n);
    mem[n] = '\0'; /* a string running to the end still terminates */
    return parse_owned(out, mem, NULL, n, name, d);
}

int ldcache_load(ldcache **out, const char *path, diag *d)
{
    *out = NULL;
    size_t n = 0;
    /* Mapped: a lookup touches a few of its pages, and nothing is copied. The rest of the
     * last page reads as zeros, so a string running to the end of the file still ends; a file
     * that fills its last page exactly has no such rest, and is read and terminated instead. */
    const char *map = path_map_file(path, MAX_CACHE, &n);
    long page = sysconf(_SC_PAGESIZE);
    if (map && page > 0 && n % (size_t)page != 0)
        return parse_owned(out, NULL, map, n, path, d);
    path_unmap_file(map, n);
    unsigned char *buf = (unsigned char *)path_read_file(path, MAX_CACHE, &n);
    if (!buf)
        return diag_set(d, DIAG_IO, "%s: cannot be read (missing, not a regular file, empty or over 64 MiB)", path);
    return parse_owned(out, buf, NULL, n, path, d); /* path_read_file's buffer ends in a NUL */
}

void ldcache_free(ldcache *c)
{
    if (!c)
        return;
    release(c->mem, c->map, c->maplen);
    free(c);
}

size_t ldcache_count(const ldcache *c)
{
    size_t n = 0;
    for (uint32_t i = 0; c && i < c->nlibs; i++) {
        int32_t flags;
        uint32_t key, value;
        uint64_t hwcap;
        n += entry_at(c, i, &flags, &key, &value, &hwcap);
    }
    return n;
}

/* The flags ldconfig records for a library of this class and machine. */
static int32_t wanted_flags(int elfclass, int machine)
{
    const abi_machine *m = abi_machine_of(machine);
    int32_t arch = m ? m->ldconfig_arch[elfclass == ELFCLASS64] : -1;
    return arch < 0 ? -1 : FLAG_ELF_LIBC6 | arch;
}

/* The order ldconfig sorts the table in, and ld.so searches it by: byte by byte, except that
 * a run of digits against a run of digits compares as a number, and a digit sorts after any
 * other byte. Numbers are capped, so a hostile run of digits cannot overflow. */
static int soname_cmp(const char *a, const char *b)
{
    for (;;) {
        bool da = *a >= '0' && *a <= '9', db = *b >= '0' && *b <= '9';
        if (da && db) {
            uint64_t x = 0, y = 0;
            for (; *a >= '0' && *a <= '9'; a++)
                x = x < UINT64_MAX / 16 ? x * 10 + (uint64_t)(*a - '0') : x;
            for (; *b >= '0' && *b <= '9'; b++)
                y = y < UINT64_MAX / 16 ? y * 10 + (uint64_t)(*b - '0') : y;
            if (x != y)
                return x < y ? -1 : 1;
            continue;
        }
        if (da != db)
            return da ? 1 : -1;
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
        a++, b++;
    }
}

/* As ld.so does: a binary search of the table, which ldconfig wrote in descending order,
 * then the entries of that name in table order, the first usable one winning. A table that
 * is not in order hides entries from ld.so, and so from this lookup too. */
const char *ldcache_lookup(const ldcache *c, const char *soname, int elfclass, int machine)
{
    if (!c)
        return NULL;
    int32_t want = wanted_flags(elfclass, machine);
    int64_t lo = 0, hi = (int64_t)c->nlibs - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int32_t flags;
        uint32_t key, value;
        uint64_t hwcap;
        if (!entry_at(c, (uint32_t)mid, &flags, &key, &value, &hwcap))
            return NULL; /* ld.so gives up on a bogus offset too */
        int cmp = soname_cmp(soname, (const char *)c->buf + key);
        if (cmp < 0) {
            lo = mid + 1;
            continue;
        }
        if (cmp > 0) {
            hi = mid - 1;
            continue;
        }
        while (mid > 0 && entry_at(c, (uint32_t)mid - 1, &flags, &key, &value, &hwcap) &&
               soname_cmp(soname, (const char *)c->buf + key) == 0)
            mid--;
        for (; mid < (int64_t)c->nlibs; mid++) {
            if (!entry_at(c, (uint32_t)mid, &flags, &key, &value, &hwcap) ||
                soname_cmp(soname, (const char *)c->buf + key) != 0)
                return NULL;
            /* glibc-hwcaps subdirectory entries need CPU checks ld.so makes at run time; the
             * baseline entry for the same soname follows them. */
            if (hwcap != 0)
                continue;
            if (want != -1 && ((flags & FLAG_TYPE_MASK) != (want & FLAG_TYPE_MASK) ||
                               (flags & FLAG_REQUIRED_MASK) != (want & FLAG_REQUIRED_MASK)))
                continue;
            return (const char *)c->buf + value;
        }
        return NULL;
    }
    return NULL;
}
