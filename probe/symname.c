/* probe/symname.c — demangling and grouping of symbol names. Grouping reads the mangled
 * name's outermost scope, so it is exact (a return type such as std::string in a demangled
 * node:: function cannot mislead it) and costs no allocation. */
#define _POSIX_C_SOURCE 200809L
#include "probe/symname.h"
#include "probe/cache.h"
#include "probe/paths.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libstdc++'s demangler (cxxabi.h), declared here because the tool is C. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Longer names are not worth the demangler's time and stack on hostile input. */
enum { DEMANGLE_MAX = 4096 };

const char *sym_group_name(sym_group g) { return (unsigned)g < SYMGROUP_COUNT ? result_group_names[g] : "other"; }

/* Byte by byte: most names differ from a prefix in their first byte, and this runs on every
 * export of a runtime (38,000 in Node's binary). */
static bool starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

/* Group of the scope whose <source-name> is id[0..len). */
static sym_group group_of_scope(const char *id, size_t len)
{
    static const struct {
        const char *name;
        sym_group g;
    } scopes[] = {
        {"v8", SYMGROUP_V8},          {"v8_inspector", SYMGROUP_V8}, {"cppgc", SYMGROUP_V8},    {"node", SYMGROUP_NODE},
        {"__cxxabiv1", SYMGROUP_CXX}, {"__gnu_cxx", SYMGROUP_CXX},   {"__cxx11", SYMGROUP_CXX},
    };
    for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++)
        if (strlen(scopes[i].name) == len && memcmp(scopes[i].name, id, len) == 0)
            return scopes[i].g;
    return SYMGROUP_OTHER;
}

/* Skip a <call-offset> of a thunk: h <number> _  or  v <number> _ <number> _ . */
static const char *skip_call_offset(const char *p)
{
    int parts = *p == 'h' ? 1 : *p == 'v' ? 2 : 0;
    if (!parts)
        return NULL;
    p++;
    for (int i = 0; i < parts; i++) {
        if (*p == 'n')
            p++;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p != '_')
            return NULL;
        p++;
    }
    return p;
}

static sym_group group_of_mangled(const char *p)
{
    /* Special names: vtables, typeinfo, VTT, guard variables, TLS wrappers, thunks. */
    if (p[0] == 'T' && strchr("VISTHW", p[1]) && p[1])
        p += 2;
    else if (p[0] == 'T' && (p[1] == 'h' || p[1] == 'v'))
        p = skip_call_offset(p + 1);
    else if (p[0] == 'T' && p[1] == 'C')
        p += 2;
    else if (p[0] == 'G' && (p[1] == 'V' || p[1] == 'R'))
        p += 2;
    if (!p)
        return SYMGROUP_OTHER;
    if (*p == 'L')
        p++;
    if (*p == 'N') {
        p++;
        while (*p == 'r' || *p == 'V' || *p == 'K')
            p++;
        if (*p == 'R' || *p == 'O')
            p++;
    }
    if (*p == 'S' && p[1] && strchr("tabsiod", p[1]))
        return SYMGROUP_CXX;
    /* Operators at namespace scope (operator new/delete and friends). */
    if (islower((unsigned char)*p))
        return SYMGROUP_CXX;
    if (isdigit((unsigned char)*p)) {
        size_t len = 0;
        while (isdigit((unsigned char)*p) && len < 100000)
            len = len * 10 + (size_t)(*p++ - '0');
        if (len == 0 || strnlen(p, len) < len)
            return SYMGROUP_OTHER;
        return group_of_scope(p, len);
    }
    return SYMGROUP_OTHER;
}

static bool is_libc_file(const char *f)
{
    return starts(f, "libc.so") || starts(f, "libm.so") || starts(f, "libpthread.so") || starts(f, "libdl.so") ||
           starts(f, "librt.so") || starts(f, "ld-linux") || starts(f, "ld64.so") || starts(f, "libc.musl") ||
           starts(f, "ld-musl") || starts(f, "libutil.so") || starts(f, "libresolv.so");
}

sym_group sym_group_of(const char *name, const char *ver_file)
{
    /* A version required from the C library settles it (__cxa_finalize@GLIBC_2.2.5 is libc's). */
    if (ver_file && !starts(name, "_Z") && is_libc_file(ver_file))
        return SYMGROUP_LIBC;
    if (starts(name, "_Z")) {
        sym_group g = group_of_mangled(name + 2);
        if (g != SYMGROUP_OTHER)
            return g;
    } else {
        if (starts(name, "napi_") || starts(name, "node_api_"))
            return SYMGROUP_NAPI;
        if (starts(name, "uv_"))
            return SYMGROUP_UV;
        if (starts(name, "node_module_register") || starts(name, "node_"))
            return SYMGROUP_NODE;
        if (starts(name, "__cxa_") || starts(name, "__gxx_") || starts(name, "_Unwind_") ||
            strcmp(name, "__dynamic_cast") == 0)
            return SYMGROUP_CXX;
    }
    if (ver_file) {
        if (is_libc_file(ver_file))
            return SYMGROUP_LIBC;
        if (starts(ver_file, "libstdc++.so") || starts(ver_file, "libgcc_s.so") || starts(ver_file, "libc++"))
            return SYMGROUP_CXX;
    }
    return SYMGROUP_OTHER;
}

char *sym_demangle(const char *name)
{
    if (!starts(name, "_Z") || strnlen(name, DEMANGLE_MAX) >= DEMANGLE_MAX)
        return NULL;
    int rc = 0;
    char *out = __cxa_demangle(name, NULL, NULL, &rc);
    if (rc != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Open addressing on the mangled name; the table doubles at half full. */
typedef struct memo_slot {
    char *name;
    char *demangled; /* NULL: does not demangle */
    uint64_t hash;   /* memo_hash(name): compared before the names, kept for growing */
    bool fresh;      /* demangled in this run, not yet saved */
    bool loaded;     /* both strings lie in a cache entry the memo holds */
} memo_slot;

struct sym_memo {
    memo_slot *slots;
    size_t cap, n;
    size_t nfresh; /* slots with fresh set */
    struct memo_entry {
        const char *map; /* a cache entry mapped by sym_memo_load: its slots point in */
        size_t len;
    } * entries;
    size_t nentries;
};

sym_memo *sym_memo_new(void)
{
    sym_memo *m = calloc(1, sizeof *m);
    if (m && !(m->slots = calloc(m->cap = 256, sizeof *m->slots))) {
        free(m);
        return NULL;
    }
    return m;
}

/* Eight bytes at a time: mangled names run to a hundred bytes, and a lookup hashes each. */
static uint64_t memo_hash(const char *s)
{
    size_t n = strlen(s), i = 0;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static memo_slot *memo_find(memo_slot *slots, size_t cap, const char *name, uint64_t h)
{
    for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slots[i].name || (slots[i].hash == h && strcmp(slots[i].name, name) == 0))
            return &slots[i];
}

/* Room for want entries at most half full. */
static bool memo_reserve(sym_memo *m, size_t want)
{
    size_t cap = m->cap;
    while (2 * want > cap)
        cap *= 2;
    if (cap == m->cap)
        return true;
    memo_slot *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].name)
            *memo_find(ns, cap, m->slots[i].name, m->slots[i].hash) = m->slots[i];
    free(m->slots);
    m->slots = ns;
    m->cap = cap;
    return true;
}

const char *sym_memo_demangle(sym_memo *m, const char *name, char **owned)
{
    *owned = NULL;
    if (!m || !memo_reserve(m, m->n + 1))
        return *owned = sym_demangle(name); /* no memo: the caller frees it */
    uint64_t h = memo_hash(name);
    memo_slot *s = memo_find(m->slots, m->cap, name, h);
    if (s->name)
        return s->demangled;
    char *copy = strdup(name);
    if (!copy)
        return *owned = sym_demangle(name);
    bool keep = starts(name, "_Z"); /* only a mangled name is worth keeping for the next run */
    *s = (memo_slot){copy, sym_demangle(name), h, keep, false};
    m->n++;
    m->nfresh += keep;
    return s->demangled;
}

/* An entry: the magic, its key, then pairs. At most this many bytes are read or written. */
static const char memo_magic[] = "abiprobe-demangled";
enum { MEMO_FILE_MAX = 4 << 20 };

const char *sym_memo_load(sym_memo *m, const char *path, const char *key, size_t *len)
{
    size_t n = 0, hl = sizeof memo_magic + strlen(key) + 1;
    struct memo_entry *grown = m ? realloc(m->entries, (m->nentries + 1) * sizeof *grown) : NULL;
    if (!grown)
        return NULL;
    m->entries = grown;
    const char *text = path_map_file(path, MEMO_FILE_MAX, &n);
    if (!text || n < hl || memcmp(text, memo_magic, sizeof memo_magic) != 0 ||
        !memchr(text + sizeof memo_magic, '\0', n - sizeof memo_magic) || strcmp(text + sizeof memo_magic, key) != 0) {
        path_unmap_file(text, n);
        return NULL;
    }
    /* Whole pairs to the last byte, each name a mangled one, or nothing is used. */
    const char *p = text + hl, *end = text + n;
    size_t pairs = 0;
    for (const char *q = p; q < end; pairs++) {
        const char *a = memchr(q, '\0', (size_t)(end - q));
        const char *b = a && a + 1 < end ? memchr(a + 1, '\0', (size_t)(end - a - 1)) : NULL;
        if (!b || end - q < 2 || q[0] != '_' || q[1] != 'Z') {
            path_unmap_file(text, n);
            return NULL;
        }
        q = b + 1;
    }
    m->entries[m->nentries++] = (struct memo_entry){text, n};
    if (!memo_reserve(m, m->n + pairs))
        pairs = 0;
    for (size_t i = 0; i < pairs; i++) {
        const char *name = p, *dm = p + strlen(p) + 1;
        p = dm + strlen(dm) + 1;
        uint64_t h = memo_hash(name);
        memo_slot *s = memo_find(m->slots, m->cap, name, h);
        if (!s->name) { /* the strings stay in the mapping: loaded slots are never freed */
            *s = (memo_slot){(char *)name, dm[0] ? (char *)dm : NULL, h, false, true};
            m->n++;
        }
    }
    *len = n - hl;
    return text + hl;
}

char *sym_memo_save(sym_memo *m, const char *path, const char *key, const char *old, size_t oldlen,
                    const char *const *names, size_t n, size_t *len)
{
    if (!m || !m->nfresh || !n)
        return NULL;
    memo_slot **fresh = malloc(n * sizeof *fresh);
    if (!fresh)
        return NULL;
    size_t nf = 0, hl = sizeof memo_magic + strlen(key) + 1, total = hl + (old ? oldlen : 0);
    for (size_t i = 0; i < n; i++) { /* a name listed twice is taken once: fresh is cleared */
        memo_slot *s = memo_find(m->slots, m->cap, names[i], memo_hash(names[i]));
        if (!s->name || !s->fresh)
            continue;
        s->fresh = false;
        fresh[nf++] = s;
        total += strlen(s->name) + 1 + (s->demangled ? strlen(s->demangled) : 0) + 1;
    }
    char *buf = nf && total <= MEMO_FILE_MAX ? malloc(total) : NULL;
    if (!buf) { /* still fresh: a later save may keep them */
        for (size_t k = 0; k < nf; k++)
            fresh[k]->fresh = true;
        free(fresh);
        return NULL;
    }
    m->nfresh -= nf;
    memcpy(buf, memo_magic, sizeof memo_magic);
    memcpy(buf + sizeof memo_magic, key, hl - sizeof memo_magic);
    size_t at = hl;
    if (old) {
        memcpy(buf + at, old, oldlen);
        at += oldlen;
    }
    for (size_t k = 0; k < nf; k++) {
        const memo_slot *s = fresh[k];
        size_t a = strlen(s->name) + 1, b = s->demangled ? strlen(s->demangled) + 1 : 1;
        memcpy(buf + at, s->name, a);
        memcpy(buf + at + a, s->demangled ? s->demangled : "", b);
        at += a + b;
    }
    free(fresh);
    cache_store(path, buf, at);
    *len = at - hl;
    memmove(buf, buf + hl, at - hl);
    return buf;
}

void sym_memo_free(sym_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].loaded)
            continue;
        free(m->slots[i].name);
        free(m->slots[i].demangled);
    }
    for (size_t i = 0; i < m->nentries; i++)
        path_unmap_file(m->entries[i].map, m->entries[i].len);
    free(m->entries);
    free(m->slots);
    free(m);
}

int symver_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (ea == a || eb == b) /* a non-numeric part: compare the rest as bytes */
            return strcmp(ea, eb);
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
    return 0;
}

size_t symver_prefix(const char *v)
{
    size_t n = 0;
    while (v[n] && !(v[n] >= '0' && v[n] <= '9'))
        n++;
    return n;
}
