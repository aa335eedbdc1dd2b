/* probe/pkg/own.c — reading what a package owns: its directories, its .node files, its binding
 * modules, and its optional platform packages that are not installed. */
#define _GNU_SOURCE
#include "probe/pkg/own.h"

#include "abi/prebuild.h"

#include "probe/paths.h"
#include "probe/pkg/rules.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NODES_MAX = 512 };

static const char *jstr(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Append the strings of v (copied into r) to *list. -1 when out of memory. */
static int add_all(report *r, const char ***list, size_t *n, size_t *cap, char **v, size_t nv)
{
    for (size_t i = 0; i < nv; i++) {
        if (report_grow(r, list, *n, cap, sizeof **list, 16) != 0)
            return -1;
        (*list)[(*n)++] = report_strdup(r, v[i]);
    }
    return 0;
}

/* The .node files under dir that a walk found (known, sorted), not inside a nested node_modules,
 * at most max: the same as pkg_find(dir, ...) would list, without walking again. */
static char **from_known(const own_known *known, const char *dir, size_t max, size_t *n)
{
    size_t l = strlen(dir), lo = 0, hi = known->n;
    /* The first entry not below dir + "/": a bisection, as the list is sorted. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(known->v[mid], dir, l);
        if (c < 0 || (c == 0 && known->v[mid][l] < '/'))
            lo = mid + 1;
        else
            hi = mid;
    }
    char **v = NULL;
    *n = 0;
    for (size_t i = lo; i < known->n && *n < max; i++) {
        const char *f = known->v[i];
        if (strncmp(f, dir, l) != 0 || f[l] != '/')
            break;
        if (strstr(f + l, "/node_modules/"))
            continue;
        char **nv = realloc(v, (*n + 1) * sizeof *nv);
        if (!nv || !(nv[*n] = strdup(f))) {
            free(nv ? nv : v);
            *n = 0;
            return NULL;
        }
        v = nv;
        (*n)++;
    }
    return v;
}

int own_read(report *r, const char *pkgdir, const char *root, const own_known *known, pkg_own *out, diag *d)
{
    memset(out, 0, sizeof *out);
    char real[PATH_MAX], pjp[PATH_MAX + 16];
    if (!realpath(pkgdir, real))
        return diag_errno(d, DIAG_IO, "%s", pkgdir);
    snprintf(pjp, sizeof pjp, "%s/package.json", real);
    cJSON *pkg = pkg_read_json(pjp);
    if (!pkg)
        return diag_set(d, DIAG_IO, "%s: not a package (no readable package.json)", pkgdir);
    int rc = -1;
    size_t dcap = 0, ncap = 0, acap = 0;
    out->dir = report_strdup(r, real);
    out->name = report_strdup(r, jstr(pkg, "name"));
    out->install = report_strdup(r, pkg_install_hook(pkg));
    out->builds = pkg_install_builds(real, pkg);
    if (report_grow(r, &out->dirs, 0, &dcap, sizeof *out->dirs, 4) != 0)
        goto nomem;
    out->dirs[out->ndirs++] = out->dir;
    /* Its platform packages: installed optionalDependencies with os or cpu. */
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(pkg, "optionalDependencies"), *e;
    cJSON_ArrayForEach(e, opt)
    {
        char dir[PATH_MAX * 2], pdir[PATH_MAX], pj2[PATH_MAX * 2 + 16];
        if (!e->string)
            continue;
        if (!pkg_resolve(real, e->string, root, dir, sizeof dir)) {
            if (report_grow(r, &out->absent, out->nabsent, &acap, sizeof *out->absent, 4) != 0)
                goto nomem;
            out->absent[out->nabsent++] =
                report_printf(r, "%s@%s", e->string, cJSON_IsString(e) ? e->valuestring : "*");
            continue;
        }
        snprintf(pj2, sizeof pj2, "%s/package.json", dir);
        cJSON *pj = pkg_read_json(pj2);
        bool platform = pj && pkg_json_is_platform(pj);
        cJSON_Delete(pj);
        if (!platform || !realpath(dir, pdir))
            continue;
        if (report_grow(r, &out->dirs, out->ndirs, &dcap, sizeof *out->dirs, 4) != 0)
            goto nomem;
        out->dirs[out->ndirs++] = report_strdup(r, pdir);
    }
    for (size_t i = 0; i < out->ndirs; i++) {
        size_t n = 0;
        char **v =
            known ? from_known(known, out->dirs[i], NODES_MAX, &n) : pkg_find(out->dirs[i], 8, false, NODES_MAX, &n);
        int arc = add_all(r, &out->nodes, &out->nnodes, &ncap, v, n);
        free_list(v, n);
        if (arc != 0)
            goto nomem;
    }
    rc = 0;
    goto done;
nomem:
    diag_set(d, DIAG_NOMEM, "out of memory");
done:
    cJSON_Delete(pkg);
    return rc;
}

bool own_holds(const pkg_own *o, const char *file)
{
    for (size_t i = 0; i < o->ndirs; i++) {
        size_t l = strlen(o->dirs[i]);
        if (strncmp(file, o->dirs[i], l) == 0 && file[l] == '/')
            return true;
    }
    return false;
}

/* ---------- platform packages that were not installed ---------- */

size_t own_missing_platform(report *r, const pkg_own *o, const char *platform, const char *arch, const char *libc,
                            const char ***out)
{
    size_t n = 0, cap = 0;
    *out = NULL;
    for (size_t i = 0; i < o->nabsent; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", o->absent[i]);
        char *at = strrchr(name, '@');
        if (at && at != name)
            *at = '\0';
        prebuild_target t;
        if (!prebuild_platform_name(name, &t) || strcmp(t.platform, platform) != 0 || strcmp(t.arch, arch) != 0 ||
            (t.libc && libc && strcmp(t.libc, libc) != 0))
            continue;
        if (report_grow(r, out, n, &cap, sizeof **out, 4) != 0)
            break;
        (*out)[n++] = o->absent[i];
    }
    return n;
}
