/* probe/scope.c — glibc's library search and load scope, written out plainly.
 *
 * For a NEEDED name without a slash, ld.so (elf/dl-load.c, _dl_map_object) tries, in order:
 *   1. an object already in the scope with that SONAME or name;
 *   2. DT_RPATH of the requesting object and of each object that loaded it, then of the
 *      executable — only when the requesting object has no DT_RUNPATH;
 *   3. LD_LIBRARY_PATH;
 *   4. DT_RUNPATH of the requesting object only;
 *   5. /etc/ld.so.cache, unless the requester has DF_1_NODEFLIB;
 *   6. the system directories, unless DF_1_NODEFLIB.
 * A candidate of the wrong class or machine is skipped and the search goes on. $ORIGIN,
 * $LIB and $PLATFORM are expanded in search paths. */
#define _GNU_SOURCE
#include "probe/scope.h"
#include "abi/machine.h"

#include "probe/ldcache.h"
#include "probe/spawn.h"
#include "probe/stubs.h"

#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One parsed file, shared by every scope that contains it. */
typedef struct ld_file {
    char *path; /* as opened (inside the image) */
    char *host; /* this machine's path of it */
    dev_t dev;  /* the identity ld.so compares */
    ino_t ino;
    char *image_real; /* the realpath inside the image, for $ORIGIN: made when first needed */
    elf_obj *elf;
    bool stubs_done;
    uint8_t *stubs; /* bitmap over .dynsym, or NULL */
} ld_file;

struct ldso {
    ld_file *files;
    size_t n, cap;
    ldcache *cache;
    char *ld_library_path;
    char *root;      /* the sysroot's realpath, or NULL */
    char *overlay;   /* without a root: qemu-user's prefix (QEMU_LD_PREFIX), tried first, or NULL */
    char *conf_dirs; /* ld.so.conf's directories, used only when there is no ld.so.cache */
};

/* Bounds: a NEEDED graph larger than this is hostile, not a real program. */
enum { MAX_SCOPE = 4096 };

const char *ld_via_name(ld_via v)
{
    switch (v) {
    case VIA_ROOT: return "root";
    case VIA_PATH: return "path";
    case VIA_LOADED: return "already loaded";
    case VIA_RPATH: return "RPATH";
    case VIA_LD_LIBRARY_PATH: return "LD_LIBRARY_PATH";
    case VIA_RUNPATH: return "RUNPATH";
    case VIA_CACHE: return "ld.so.cache";
    case VIA_DEFAULT: return "system directory";
    case VIA_INTERP: return "PT_INTERP";
    }
    return "?";
}

/* Append the directories of an ld.so.conf (and of what it includes, globs allowed, paths
 * inside the image) to dirs, colon-separated. */
static void read_ld_so_conf(const ldso *l, const char *image_path, char *dirs, size_t n, int depth)
{
    char host[PATH_MAX];
    if (depth > 8 || sysroot_map(l->root, image_path, host, sizeof host) != 0)
        return;
    char *text = path_read_file(host, 1 << 20, NULL);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!*line)
            continue;
        if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
            char *pat = line + 8;
            while (*pat == ' ' || *pat == '\t')
                pat++;
            char full[PATH_MAX * 2];
            if (*pat == '/')
                snprintf(full, sizeof full, "%s%s", l->root ? l->root : "", pat);
            else { /* relative to the including file's directory */
                const char *slash = strrchr(image_path, '/');
                snprintf(full, sizeof full, "%s%.*s/%s", l->root ? l->root : "", slash ? (int)(slash - image_path) : 0,
                         image_path, pat);
            }
            glob_t g;
            if (glob(full, 0, NULL, &g) == 0) {
                size_t rl = l->root ? strlen(l->root) : 0;
                for (size_t i = 0; i < g.gl_pathc; i++)
                    read_ld_so_conf(l, g.gl_pathv[i] + rl, dirs, n, depth + 1);
                globfree(&g);
            }
            continue;
        }
        if (*line == '/') {
            size_t dl = strlen(dirs);
            snprintf(dirs + dl, n - dl, "%s%s", dl ? ":" : "", line);
        }
    }
    free(text);
}

int ldso_create(ldso **out, diag *d) { return ldso_create_in(out, NULL, d); }

int ldso_create_in(ldso **out, const char *sysroot, diag *d)
{
    ldso *l = calloc(1, sizeof *l);
    if (!l)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    if (sysroot) {
        char real[PATH_MAX];
        if (sysroot_resolve(sysroot, real, sizeof real) != 0) {
            free(l);
            return diag_set(d, DIAG_IO, "--sysroot %s: not a directory", sysroot);
        }
        if (!(l->root = strdup(real))) {
            free(l);
            return diag_set(d, DIAG_NOMEM, "out of memory");
        }
    } else {
        const char *llp = getenv("LD_LIBRARY_PATH");
        if (llp && *llp && !(l->ld_library_path = strdup(llp))) {
            free(l);
            return diag_set(d, DIAG_NOMEM, "out of memory");
        }
    }
    /* No cache (or a broken one) is what ld.so copes with too: it goes on to the default dirs. */
    diag ignored;
    char cache[PATH_MAX];
    if (ldso_map(l, "/etc/ld.so.cache", cache, sizeof cache) != 0 || ldcache_load(&l->cache, cache, &ignored) != 0) {
        l->cache = NULL;
        /* No cache (an image whose ldconfig never ran): its ld.so.conf says what ldconfig
         * would have cached. */
        char dirs[8192] = "";
        read_ld_so_conf(l, "/etc/ld.so.conf", dirs, sizeof dirs, 0);
        if (dirs[0])
            l->conf_dirs = strdup(dirs);
    }
    *out = l;
    return 0;
}

/* Resolve path inside root the way the kernel would inside a chroot: component by
 * component, absolute links restart at the root, ".." stops at the root. */
int ldso_map(const ldso *l, const char *image_path, char *host, size_t n)
{
    /* qemu-user's -L: an absolute path is the prefix's file where that exists, else this
     * machine's. */
    if (!l->root && l->overlay && image_path[0] == '/' && sysroot_map(l->overlay, image_path, host, n) == 0) {
        struct stat st;
        if (stat(host, &st) == 0)
            return 0;
    }
    return sysroot_map(l->root, image_path, host, n);
}

int ldso_set_overlay(ldso *l, const char *prefix)
{
    char real[PATH_MAX];
    if (l->root || !prefix || !*prefix || !realpath(prefix, real) || strcmp(real, "/") == 0)
        return -1;
    free(l->overlay);
    if (!(l->overlay = strdup(real)))
        return -1;
    /* The prefix's own ld.so.cache, where it has one, is what the emulated loader reads. */
    char cache[PATH_MAX];
    diag ignored;
    ldcache *c = NULL;
    if (sysroot_map(l->overlay, "/etc/ld.so.cache", cache, sizeof cache) == 0 &&
        ldcache_load(&c, cache, &ignored) == 0) {
        ldcache_free(l->cache);
        l->cache = c;
    }
    return 0;
}

void ldso_destroy(ldso *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        elf_obj_close(l->files[i].elf);
        free(l->files[i].path);
        free(l->files[i].host);
        free(l->files[i].image_real);
        free(l->files[i].stubs);
    }
    free(l->files);
    ldcache_free(l->cache);
    free(l->ld_library_path);
    free(l->conf_dirs);
    free(l->root);
    free(l->overlay);
    free(l);
}

/* Open (or find already parsed) the file at image path `path`. Returns its index, or
 * SIZE_MAX with d set. */
static size_t ldso_file(ldso *l, const char *path, diag *d)
{
    char host[PATH_MAX];
    struct stat st;
    if (ldso_map(l, path, host, sizeof host) != 0) {
        diag_set(d, DIAG_IO, "%s%s%s: not found", l->root ? l->root : "", l->root ? ":" : "", path);
        return SIZE_MAX;
    }
    /* One file under two names is loaded once: ld.so compares device and inode. */
    if (stat(host, &st) != 0) {
        diag_errno(d, DIAG_IO, "%s", path);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < l->n; i++)
        if (l->files[i].dev == st.st_dev && l->files[i].ino == st.st_ino)
            return i;
    elf_obj *o;
    if (elf_obj_open(&o, host, d) != 0)
        return SIZE_MAX;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        ld_file *nf = realloc(l->files, cap * sizeof *nf);
        if (!nf) {
            elf_obj_close(o);
            diag_set(d, DIAG_NOMEM, "out of memory");
            return SIZE_MAX;
        }
        l->files = nf;
        l->cap = cap;
    }
    ld_file *f = &l->files[l->n];
    memset(f, 0, sizeof *f);
    f->elf = o;
    f->path = strdup(path);
    f->host = strdup(host);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    if (!f->path || !f->host) {
        free(f->path);
        free(f->host);
        elf_obj_close(o);
        diag_set(d, DIAG_NOMEM, "out of memory");
        return SIZE_MAX;
    }
    return l->n++;
}

const elf_obj *ldso_open(ldso *l, const char *path, diag *d)
{
    size_t f = ldso_file(l, path, d);
    return f == SIZE_MAX ? NULL : l->files[f].elf;
}

const elf_obj *scope_elf(const ldso *l, const scope *s, size_t i) { return l->files[s->e[i].obj].elf; }
const char *scope_path(const ldso *l, const scope *s, size_t i) { return l->files[s->e[i].obj].path; }

static int scope_push(scope *s, scope_entry e, diag *d)
{
    if (s->n >= MAX_SCOPE)
        return diag_set(d, DIAG_FORMAT, "more than %d objects in one load scope", MAX_SCOPE);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        scope_entry *ne = realloc(s->e, cap * sizeof *ne);
        if (!ne)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        s->e = ne;
        s->cap = cap;
    }
    s->e[s->n++] = e;
    return 0;
}

void scope_free(scope *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nmissing; i++)
        free(s->missing[i].searched);
    free(s->missing);
    free(s->e);
    memset(s, 0, sizeof *s);
}

int scope_copy(scope *dst, const scope *src, diag *d)
{
    memset(dst, 0, sizeof *dst);
    dst->nglobal = src->nglobal;
    dst->local_root = src->local_root;
    dst->musl = src->musl;
    if (src->n) {
        if (!(dst->e = malloc(src->n * sizeof *dst->e)))
            return diag_set(d, DIAG_NOMEM, "out of memory");
        memcpy(dst->e, src->e, src->n * sizeof *dst->e);
        dst->n = dst->cap = src->n;
    }
    if (src->nmissing) {
        dst->missing_cap = src->nmissing;
        if (!(dst->missing = calloc(src->nmissing, sizeof *dst->missing))) {
            scope_free(dst);
            return diag_set(d, DIAG_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < src->nmissing; i++) {
            dst->missing[i] = src->missing[i];
            dst->missing[i].searched = strdup(src->missing[i].searched ? src->missing[i].searched : "");
            dst->nmissing++;
        }
    }
    return 0;
}

size_t scope_find_soname(const ldso *l, const scope *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *so = elf_obj_soname(l->files[s->e[i].obj].elf);
        if ((so && strcmp(so, name) == 0) || strcmp(s->e[i].as, name) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* ---------- search ---------- */

/* A growing "where we looked" string for the not-found message. */
typedef struct trail {
    char buf[2048];
    size_t len;
} trail;

static void trail_add(trail *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trail_add(trail *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->buf - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t)n < sizeof t->buf ? t->len + (size_t)n : sizeof t->buf - 1;
}

static const char *lib_dir(int machine)
{
    const abi_machine *m = abi_machine_of(machine);
    return m ? m->lib_dir : "lib";
}

static const char *platform_name(int machine)
{
    const abi_machine *m = abi_machine_of(machine);
    return m ? m->platform : "";
}

/* Expand $ORIGIN, $LIB and $PLATFORM (also as ${...}) in one search directory. */
static void expand_dir(char *out, size_t n, const char *dir, size_t len, const char *origin, int machine)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n;) {
        const char *rep = NULL;
        size_t skip = 0;
        static const char *const names[] = {"ORIGIN", "LIB", "PLATFORM"};
        if (dir[i] == '$') {
            for (int k = 0; k < 3 && !rep; k++) {
                size_t nl = strlen(names[k]);
                if (i + 1 + nl <= len && strncmp(dir + i + 1, names[k], nl) == 0 &&
                    (i + 1 + nl == len ||
                     !(dir[i + 1 + nl] == '_' || (dir[i + 1 + nl] >= 'A' && dir[i + 1 + nl] <= 'Z'))))
                    skip = 1 + nl;
                else if (i + 3 + nl <= len && dir[i + 1] == '{' && strncmp(dir + i + 2, names[k], nl) == 0 &&
                         dir[i + 2 + nl] == '}')
                    skip = 3 + nl;
                else
                    continue;
                rep = k == 0 ? origin : k == 1 ? lib_dir(machine) : platform_name(machine);
            }
        }
        if (rep) {
            int w = snprintf(out + o, n - o, "%s", rep);
            o = w > 0 && (size_t)w < n - o ? o + (size_t)w : n - 1;
            i += skip;
        } else {
            out[o++] = dir[i++];
        }
    }
    out[o] = '\0';
}

typedef struct search {
    ldso *l;
    scope *s;
    const char *name; /* the NEEDED entry */
    int elfclass, machine;
    trail *t;
    diag *d;
} search;

/* Try one candidate path: the right class and machine, an ET_DYN file. */
static size_t try_path(search *q, const char *path)
{
    struct stat st;
    char host[PATH_MAX];
    if (ldso_map(q->l, path, host, sizeof host) != 0 || stat(host, &st) != 0 || !S_ISREG(st.st_mode))
        return SIZE_MAX;
    diag ignored;
    size_t f = ldso_file(q->l, path, &ignored);
    if (f == SIZE_MAX) {
        trail_add(q->t, " (%s: not an ELF object, skipped)", path);
        return SIZE_MAX;
    }
    const elf_header *h = elf_obj_header(q->l->files[f].elf);
    if (h->elfclass != q->elfclass || h->machine != q->machine) {
        trail_add(q->t, " (%s: wrong ELF class or machine, skipped)", path);
        return SIZE_MAX;
    }
    return f;
}

/* Search a colon-separated path list. */
static size_t try_dirs(search *q, const char *list, const char *origin, const char *label)
{
    if (!list || !*list)
        return SIZE_MAX;
    trail_add(q->t, "%s%s=%s", q->t->len ? "; " : "", label, list);
    for (const char *p = list;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char dir[PATH_MAX], path[PATH_MAX];
        expand_dir(dir, sizeof dir, p, len, origin, q->machine);
        /* An empty entry means the current directory, as in ld.so. */
        if (snprintf(path, sizeof path, "%s/%s", dir[0] ? dir : ".", q->name) < (int)sizeof path) {
            size_t f = try_path(q, path);
            if (f != SIZE_MAX)
                return f;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return SIZE_MAX;
}

/* $ORIGIN of entry: the directory of its realpath inside the image. The realpath costs a
 * readlink per path component, so it is made only for a search path that names $ORIGIN. */
static void origin_of(ldso *l, const scope *s, size_t entry, const char *dirs, char *out, size_t n)
{
    ld_file *f = &l->files[s->e[entry].obj];
    if (!dirs || !strstr(dirs, "ORIGIN")) {
        snprintf(out, n, "/");
        return;
    }
    if (!f->image_real) {
        char real[PATH_MAX];
        if (!realpath(f->host, real))
            snprintf(real, sizeof real, "%s", f->host);
        f->image_real = strdup(sysroot_shown(l->root, real));
    }
    const char *real = f->image_real ? f->image_real : f->path;
    const char *slash = strrchr(real, '/');
    size_t len = slash ? (size_t)(slash - real) : 0;
    snprintf(out, n, "%.*s", (int)(len ? len : 1), len ? real : "/");
}

/* musl's loader answers these names itself (its libc is the dynamic linker). */
static bool musl_reserved(const char *name)
{
    static const char *const libs[] = {"c", "pthread", "rt", "m", "dl", "util", "xnet"};
    if (strncmp(name, "libc.musl-", 10) == 0 || strncmp(name, "ld-musl-", 8) == 0)
        return true;
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        size_t k = strlen(libs[i]);
        if (strncmp(name, "lib", 3) == 0 && strncmp(name + 3, libs[i], k) == 0 &&
            strncmp(name + 3 + k, ".so", 3) == 0 && (name[6 + k] == '\0' || name[6 + k] == '.'))
            return true;
    }
    return false;
}

static const char *musl_arch(int machine)
{
    const abi_machine *m = abi_machine_of(machine);
    return m ? m->musl_arch : "unknown";
}

/* musl's search (ldso/dynlink.c): LD_LIBRARY_PATH, the requester's RUNPATH or RPATH, then
 * /etc/ld-musl-<arch>.path or its defaults. */
static size_t find_needed_musl(search *q, size_t req, ld_via *via)
{
    ldso *l = q->l;
    scope *s = q->s;
    const elf_obj *ro = l->files[s->e[req].obj].elf;
    size_t f;
    if (musl_reserved(q->name)) {
        for (size_t e = 0; e < s->n; e++)
            if (s->e[e].via == VIA_INTERP) {
                *via = VIA_INTERP;
                return s->e[e].obj;
            }
        /* Not in the scope yet: it is the runtime's interpreter. */
        const char *interp = elf_obj_header(l->files[s->e[0].obj].elf)->interp;
        diag ignored;
        if (interp && (f = ldso_file(l, interp, &ignored)) != SIZE_MAX) {
            *via = VIA_INTERP;
            return f;
        }
    }
    if ((f = try_dirs(q, l->ld_library_path, "", "LD_LIBRARY_PATH")) != SIZE_MAX) {
        *via = VIA_LD_LIBRARY_PATH;
        return f;
    }
    char origin[PATH_MAX];
    const char *rp = elf_obj_runpath(ro) ? elf_obj_runpath(ro) : elf_obj_rpath(ro);
    origin_of(l, s, req, rp, origin, sizeof origin);
    if ((f = try_dirs(q, rp, origin, elf_obj_runpath(ro) ? "RUNPATH" : "RPATH")) != SIZE_MAX) {
        *via = elf_obj_runpath(ro) ? VIA_RUNPATH : VIA_RPATH;
        return f;
    }
    char pf[64], host[PATH_MAX], dirs[PATH_MAX] = "/lib:/usr/local/lib:/usr/lib";
    snprintf(pf, sizeof pf, "/etc/ld-musl-%s.path", musl_arch(q->machine));
    char *text = ldso_map(l, pf, host, sizeof host) == 0 ? path_read_file(host, 65536, NULL) : NULL;
    if (text) {
        size_t k = 0;
        for (const char *c = text; *c && k + 1 < sizeof dirs; c++)
            dirs[k++] = (*c == '\n' || *c == ' ') ? ':' : *c;
        dirs[k] = '\0';
        free(text);
    }
    if ((f = try_dirs(q, dirs, "", text ? pf : "musl's default directories")) != SIZE_MAX) {
        *via = VIA_DEFAULT;
        return f;
    }
    return SIZE_MAX;
}

/* Find the object for NEEDED `name` requested by entry `req`. Returns the file index and
 * how it was found, or SIZE_MAX with the search trail in t. */
static size_t find_needed(ldso *l, scope *s, size_t req, const char *name, ld_via *via, trail *t, diag *d)
{
    const elf_obj *ro = l->files[s->e[req].obj].elf;
    search q = {l, s, name, elf_obj_header(ro)->elfclass, elf_obj_header(ro)->machine, t, d};
    char origin[PATH_MAX];
    size_t f;
    if (strchr(name, '/')) {
        char path[PATH_MAX];
        origin_of(l, s, req, name, origin, sizeof origin);
        expand_dir(path, sizeof path, name, strlen(name), origin, q.machine);
        trail_add(t, "the path %s", path);
        *via = VIA_PATH;
        return try_path(&q, path);
    }
    if (s->musl)
        return find_needed_musl(&q, req, via);
    if (!elf_obj_runpath(ro)) {
        /* RPATH of the requester and of each object that loaded it. */
        for (size_t e = req; e != SIZE_MAX; e = s->e[e].parent) {
            const elf_obj *eo = l->files[s->e[e].obj].elf;
            if (elf_obj_runpath(eo) && e != req)
                continue;
            origin_of(l, s, e, elf_obj_rpath(eo), origin, sizeof origin);
            if ((f = try_dirs(&q, elf_obj_rpath(eo), origin, "RPATH")) != SIZE_MAX) {
                *via = VIA_RPATH;
                return f;
            }
        }
        /* Then the executable's own RPATH, for objects of a dlopen'ed local scope. */
        if (s->local_root != SIZE_MAX && s->nglobal > 0) {
            const elf_obj *exe = l->files[s->e[0].obj].elf;
            origin_of(l, s, 0, elf_obj_rpath(exe), origin, sizeof origin);
            if (!elf_obj_runpath(exe) && (f = try_dirs(&q, elf_obj_rpath(exe), origin, "RPATH")) != SIZE_MAX) {
                *via = VIA_RPATH;
                return f;
            }
        }
    }
    if ((f = try_dirs(&q, l->ld_library_path, "", "LD_LIBRARY_PATH")) != SIZE_MAX) {
        *via = VIA_LD_LIBRARY_PATH;
        return f;
    }
    origin_of(l, s, req, elf_obj_runpath(ro), origin, sizeof origin);
    if ((f = try_dirs(&q, elf_obj_runpath(ro), origin, "RUNPATH")) != SIZE_MAX) {
        *via = VIA_RUNPATH;
        return f;
    }
    if (elf_obj_flags_1(ro) & DF_1_NODEFLIB) {
        trail_add(t, "%sno default directories (DF_1_NODEFLIB)", t->len ? "; " : "");
        return SIZE_MAX;
    }
    const char *cached = ldcache_lookup(l->cache, name, q.elfclass, q.machine);
    trail_add(t, "%s/etc/ld.so.cache%s", t->len ? "; " : "", l->cache ? "" : " (absent)");
    if (cached && (f = try_path(&q, cached)) != SIZE_MAX) {
        *via = VIA_CACHE;
        return f;
    }
    if (!l->cache && (f = try_dirs(&q, l->conf_dirs, "", "ld.so.conf (no cache)")) != SIZE_MAX) {
        *via = VIA_CACHE;
        return f;
    }
    char dirs[PATH_MAX];
    const char *ld = lib_dir(q.machine);
    snprintf(dirs, sizeof dirs, "/%s:/usr/%s:/lib:/usr/lib", ld, ld);
    if ((f = try_dirs(&q, dirs, "", "system directories")) != SIZE_MAX) {
        *via = VIA_DEFAULT;
        return f;
    }
    return SIZE_MAX;
}

static int add_missing(scope *s, const char *name, size_t req, const trail *t, diag *d)
{
    if (s->nmissing == s->missing_cap) { /* doubling: thousands of missing NEEDED stay linear */
        size_t cap = s->missing_cap ? s->missing_cap * 2 : 8;
        scope_missing *nm = realloc(s->missing, cap * sizeof *nm);
        if (!nm)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        s->missing = nm;
        s->missing_cap = cap;
    }
    s->missing[s->nmissing] = (scope_missing){name, req, strdup(t->buf)};
    s->nmissing++;
    return 0;
}

/* Breadth-first over NEEDED from entry `first` on, as _dl_map_object_deps does. */
static int closure(ldso *l, scope *s, size_t first, diag *d)
{
    for (size_t i = first; i < s->n; i++) {
        const elf_obj *o = l->files[s->e[i].obj].elf;
        for (size_t k = 0; k < elf_obj_nneeded(o); k++) {
            const char *name = elf_obj_needed(o, k);
            if (!*name)
                continue;
            if (scope_find_soname(l, s, name) != SIZE_MAX)
                continue;
            trail t = {.len = 0};
            t.buf[0] = '\0';
            ld_via via = VIA_DEFAULT;
            size_t f = find_needed(l, s, i, name, &via, &t, d);
            if (f == SIZE_MAX) {
                if (add_missing(s, name, i, &t, d) != 0)
                    return -1;
                continue;
            }
            /* The same file under another name is the same object (ld.so compares inodes). */
            bool dup = false;
            for (size_t e = 0; e < s->n && !dup; e++)
                dup = s->e[e].obj == f;
            if (dup)
                continue;
            if (scope_push(s, (scope_entry){f, name, i, via}, d) != 0)
                return -1;
        }
    }
    return 0;
}

int scope_global(ldso *l, const char *exe, scope *out, diag *d)
{
    memset(out, 0, sizeof *out);
    out->local_root = SIZE_MAX;
    size_t f = ldso_file(l, exe, d);
    if (f == SIZE_MAX)
        return -1;
    const char *interp = elf_obj_header(l->files[f].elf)->interp;
    out->musl = interp && strstr(interp, "ld-musl") != NULL;
    if (scope_push(out, (scope_entry){f, exe, SIZE_MAX, VIA_ROOT}, d) != 0 || closure(l, out, 0, d) != 0)
        goto fail;
    /* The dynamic loader itself is part of every process's global scope. */
    if (interp) {
        diag ignored;
        size_t fi = ldso_file(l, interp, &ignored);
        bool present = false;
        for (size_t e = 0; e < out->n && fi != SIZE_MAX; e++)
            present = present || out->e[e].obj == fi;
        if (fi != SIZE_MAX && !present && scope_push(out, (scope_entry){fi, interp, 0, VIA_INTERP}, d) != 0)
            goto fail;
    }
    out->nglobal = out->n;
    return 0;
fail:
    scope_free(out);
    return -1;
}

int scope_add_local(ldso *l, scope *s, const char *addon, diag *d)
{
    size_t f = ldso_file(l, addon, d);
    if (f == SIZE_MAX)
        return -1;
    size_t first = s->n;
    s->local_root = first;
    if (scope_push(s, (scope_entry){f, addon, SIZE_MAX, VIA_ROOT}, d) != 0)
        return -1;
    return closure(l, s, first, d);
}

size_t scope_lookup(const ldso *l, const scope *s, const char *name, const char *version, size_t *sym)
{
    elf_lookup_key key;
    elf_lookup_key_init(&key, name, version);
    for (size_t i = 0; i < s->n; i++) {
        size_t k = elf_obj_lookup_key(l->files[s->e[i].obj].elf, &key);
        if (k) {
            *sym = k;
            return i;
        }
    }
    return SIZE_MAX;
}

/* Scan f's stubs once per run (see probe/stubs.h). */
static void file_stubs(ld_file *f)
{
    if (f->stubs_done)
        return;
    size_t count;
    diag ignored;
    if (stubs_scan(f->elf, &f->stubs, &count, &ignored) != 0)
        f->stubs = NULL;
    f->stubs_done = true;
}

static ld_file *file_of(ldso *l, const elf_obj *o)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->files[i].elf == o)
            return &l->files[i];
    return NULL;
}

int ldso_stubs(ldso *l, const elf_obj *o, size_t **syms, size_t *n)
{
    ld_file *f = file_of(l, o);
    *syms = NULL;
    *n = 0;
    if (!f)
        return -1;
    file_stubs(f);
    size_t nsyms = elf_obj_nsyms(o), count = 0;
    for (size_t i = 0; f->stubs && i < nsyms; i++)
        count += (f->stubs[i / 8] >> (i % 8)) & 1;
    if (count && !(*syms = malloc(count * sizeof **syms)))
        return -1;
    for (size_t i = 0; f->stubs && i < nsyms; i++)
        if ((f->stubs[i / 8] >> (i % 8)) & 1)
            (*syms)[(*n)++] = i;
    return 0;
}

int ldso_seed_stubs(ldso *l, const elf_obj *o, const size_t *syms, size_t n)
{
    ld_file *f = file_of(l, o);
    size_t nsyms = elf_obj_nsyms(o);
    if (!f || f->stubs_done)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (syms[i] == 0 || syms[i] >= nsyms)
            return -1;
    uint8_t *map = n ? calloc(nsyms / 8 + 1, 1) : NULL;
    if (n && !map)
        return -1;
    for (size_t i = 0; i < n; i++)
        map[syms[i] / 8] |= (uint8_t)(1u << (syms[i] % 8));
    f->stubs = map;
    f->stubs_done = true;
    return 0;
}

bool scope_is_stub(ldso *l, const scope *s, size_t i, size_t sym)
{
    ld_file *f = &l->files[s->e[i].obj];
    /* Stubs are a runtime's stand-ins for an API it does not implement. The C and C++
     * runtime libraries are the platform under every runtime, never one: their tiny exports
     * (syscall wrappers, accessors) are not decoded, which would touch a page of their code
     * for each (0.7 MiB of libc's and 0.25 MiB of libstdc++'s on Bun's pair). */
    if (!f->stubs_done && elf_obj_is_platform_lib(f->elf)) {
        f->stubs = NULL;
        f->stubs_done = true;
    }
    /* Most definitions are real functions: decoding this one body settles it without
     * scanning every export of the file (38,000 in Node's binary). */
    if (!f->stubs_done && !stubs_shape(f->elf, sym))
        return false;
    file_stubs(f);
    return f->stubs && sym < elf_obj_nsyms(f->elf) && (f->stubs[sym / 8] >> (sym % 8)) & 1;
}
