/* probe/scope.h — ld.so emulation: the library search of glibc's dynamic loader, the global
 * scope of a runtime (the executable, its NEEDED closure breadth first, its interpreter),
 * the local scope an addon adds when the runtime dlopens it, and lookup through them. */
#ifndef ABIPROBE_SCOPE_H
#define ABIPROBE_SCOPE_H

#include "probe/diag.h"
#include "probe/paths.h"
#include "probe/elf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parsed files and the ld.so.cache, shared by every scope of one run: each file is parsed
 * once however many scopes it appears in. */
typedef struct ldso ldso;

/* Create the loader state. LD_LIBRARY_PATH is taken from the environment, and
 * /etc/ld.so.cache is read if present. */
int ldso_create(ldso **out, diag *d);

/* The same for an image tree: every path (runtime, addon, libraries, the cache, $ORIGIN) is
 * resolved inside sysroot, symlinks included, and nothing escapes it; LD_LIBRARY_PATH of
 * this machine is not used. sysroot NULL means the machine itself. */
int ldso_create_in(ldso **out, const char *sysroot, diag *d);

/* Without a sysroot, run a runtime of another machine the way qemu-user's -L (QEMU_LD_PREFIX)
 * does: every absolute path the loader opens is PREFIX/path where that exists, else this
 * machine's, and PREFIX/etc/ld.so.cache, if there is one, is the cache. Returns 0, or -1 when
 * prefix is not a directory (or there is a sysroot). */
int ldso_set_overlay(ldso *l, const char *prefix);

/* Map a path inside the image to this machine's path of the file (following symlinks
 * without leaving the root). Without a sysroot it is the path itself. Returns -1 when a
 * component does not exist or the links loop. */
int ldso_map(const ldso *l, const char *image_path, char *host, size_t n);

/* The parsed file at image path `path`, opened once per run and owned by l (do not close
 * it), or NULL with d set. */
const elf_obj *ldso_open(ldso *l, const char *path, diag *d);

/* The abort-on-call stubs of o, a file that l parsed, as .dynsym indices (malloc'd into
 * *syms, *n of them), scanned now if they were not. -1 when l did not parse o. */
int ldso_stubs(ldso *l, const elf_obj *o, size_t **syms, size_t *n);

/* Hand in o's stubs as known from an earlier run (the runtime facts cache), so that no
 * scan runs. -1, and nothing changes, when l did not parse o, its stubs are already known,
 * or an index is not one of o's symbols (a cache that does not fit is not believed). */
int ldso_seed_stubs(ldso *l, const elf_obj *o, const size_t *syms, size_t n);

/* Release it and every file it parsed. NULL-safe. */
void ldso_destroy(ldso *l);

/* How a scope entry was found (for messages). */
typedef enum ld_via {
    VIA_ROOT,   /* the executable or the addon itself */
    VIA_PATH,   /* NEEDED contains a slash */
    VIA_LOADED, /* already in the scope under that name */
    VIA_RPATH,
    VIA_LD_LIBRARY_PATH,
    VIA_RUNPATH,
    VIA_CACHE,   /* /etc/ld.so.cache */
    VIA_DEFAULT, /* the system directories */
    VIA_INTERP,  /* the executable's PT_INTERP */
} ld_via;

/* The name of a ld_via ("RPATH", "ld.so.cache", ...). */
const char *ld_via_name(ld_via v);

/* One object of a scope. */
typedef struct scope_entry {
    size_t obj;     /* index of the parsed file in the ldso */
    const char *as; /* the NEEDED name it satisfies (or the root's path) */
    size_t parent;  /* entry that needed it first; SIZE_MAX for a root */
    ld_via via;
} scope_entry;

/* A NEEDED library that the search did not find. */
typedef struct scope_missing {
    const char *name; /* the NEEDED entry */
    size_t needed_by; /* entry index */
    char *searched;   /* what was tried, in order, for the message (malloc'd) */
} scope_missing;

/* An ordered list of objects: the global scope first, then an addon's local scope. */
typedef struct scope {
    scope_entry *e;
    size_t n, cap;
    size_t nglobal;    /* entries [0, nglobal) are the runtime's global scope */
    size_t local_root; /* entry of the addon, or SIZE_MAX */
    scope_missing *missing;
    size_t nmissing, missing_cap;
    bool musl; /* the runtime's loader is musl's: its search rules, its reserved names */
} scope;

/* Build the global scope of the runtime executable at path. Libraries it needs but that
 * cannot be found are listed in out->missing; only an unreadable executable fails. */
int scope_global(ldso *l, const char *exe, scope *out, diag *d);

/* Copy a scope (the global one, reused for every addon of a runtime). */
int scope_copy(scope *dst, const scope *src, diag *d);

/* Append the local scope of the addon at path: the addon and its NEEDED closure, breadth
 * first, reusing objects already in the scope. Fails only when the addon itself cannot be
 * read (d says why). */
int scope_add_local(ldso *l, scope *s, const char *addon, diag *d);

/* Release what a scope owns (not the parsed files). NULL-safe. */
void scope_free(scope *s);

/* The parsed file of entry i, and the path it was opened from. */
const elf_obj *scope_elf(const ldso *l, const scope *s, size_t i);
const char *scope_path(const ldso *l, const scope *s, size_t i);

/* Look name@version up the way ld.so does: every entry in order, first definition wins.
 * Returns the entry index and sets *sym to the definition's .dynsym index, or returns
 * SIZE_MAX when nothing defines it. */
size_t scope_lookup(const ldso *l, const scope *s, const char *name, const char *version, size_t *sym);

/* True when definition sym of entry i is an abort-on-call stub of its object (see
 * probe/stubs.h); computed once per file. */
bool scope_is_stub(ldso *l, const scope *s, size_t i, size_t sym);

/* The entry whose SONAME (or NEEDED name) is name, or SIZE_MAX. */
size_t scope_find_soname(const ldso *l, const scope *s, const char *name);

#endif
