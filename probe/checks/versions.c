/* probe/checks/versions.c — `versions`: every VERNEED entry of the addon and its closure is
 * defined (VERDEF) by the library that must provide it, as ld.so's _dl_check_map_versions
 * demands — reported all at once instead of stopping at the first. */
#include "probe/checks/checks.h"

#include "probe/symname.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* The newest version with the same prefix that lib defines, or NULL. */
static const char *newest_like(const elf_obj *lib, const char *want)
{
    size_t p = symver_prefix(want);
    const char *best = NULL;
    for (size_t i = 0; i < elf_obj_nversions(lib); i++) {
        elf_verinfo v;
        if (elf_obj_version(lib, i, &v) != 0 || !v.defined || strncmp(v.name, want, p) != 0 ||
            symver_prefix(v.name) != p)
            continue;
        if (!best || symver_cmp(v.name + p, best + p) > 0)
            best = v.name;
    }
    return best;
}

static bool has_verdef(const elf_obj *o)
{
    for (size_t i = 0; i < elf_obj_nversions(o); i++) {
        elf_verinfo v;
        if (elf_obj_version(o, i, &v) == 0 && v.defined)
            return true;
    }
    return false;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

status check_versions(check_ctx *c)
{
    size_t nreq = 0, nbad = 0, nwarn = 0;
    struct {
        version_gap *v;
        size_t n, cap;
    } gaps = {NULL, 0, 0};
    const char *first_bad = NULL;
    check *k = report_add_check(c->r, c->res, CHECK_VERSIONS, STATUS_PASS, "all found");
    if (!k)
        return STATUS_ERROR;
    for (size_t i = c->s->local_root; i < c->s->n; i++) {
        const elf_obj *o = scope_elf(c->l, c->s, i);
        const char *by = base(scope_path(c->l, c->s, i));
        for (size_t v = 0; v < elf_obj_nversions(o); v++) {
            elf_verinfo need;
            if (elf_obj_version(o, v, &need) != 0 || need.defined)
                continue;
            nreq++;
            size_t e = scope_find_soname(c->l, c->s, need.file);
            if (e == SIZE_MAX)
                continue; /* `needed` reports the library itself */
            const elf_obj *lib = scope_elf(c->l, c->s, e);
            const char *path = scope_path(c->l, c->s, e);
            bool no_info = !has_verdef(lib); /* ld.so only warns: "no version information available" */
            if (!no_info && elf_obj_defines_version(lib, need.name))
                continue;
            bool weak = !no_info && (need.flags & VER_FLG_WEAK);
            if (no_info || weak)
                nwarn++;
            else
                nbad++;
            if (report_grow(c->r, &gaps.v, gaps.n, &gaps.cap, sizeof *gaps.v, 8) != 0)
                continue;
            version_gap *g = &gaps.v[gaps.n++];
            *g = (version_gap){report_strdup(c->r, need.file),
                               report_strdup(c->r, path),
                               report_strdup(c->r, need.name),
                               no_info ? NULL : report_strdup(c->r, newest_like(lib, need.name)),
                               report_strdup(c->r, by),
                               weak,
                               no_info};
            const char *line = report_gap_line(c->r, g);
            report_check_detail(c->r, k, "%s", line ? line : need.name);
            /* The message quotes this requirement itself, never whichever line came last. */
            if (!no_info && !weak && !first_bad)
                first_bad = line ? line : need.name;
            if (!no_info && !weak && nbad == 1)
                k->hint = report_printf(c->r,
                                        "the image's %s is older than %s: use a newer base image, or a prebuild "
                                        "built with an older toolchain",
                                        need.file, need.name);
        }
    }
    k->gaps = gaps.v;
    k->ngaps = gaps.n;
    if (nbad) {
        k->status = STATUS_FAIL;
        k->message =
            report_printf(c->r, "%zu required version%s not defined: %s", nbad, nbad > 1 ? "s" : "", first_bad);
    } else if (nwarn) {
        k->status = STATUS_WARN;
        k->message = report_printf(c->r, "%zu of %zu versions unverifiable or weak", nwarn, nreq);
    } else {
        k->message = nreq ? report_printf(c->r, "%zu required versions found", nreq) : "none required";
    }
    return k->status;
}
