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

enum { JS_MAX = 1 << 20, NODES_MAX = 512, JS_FILES_MAX = 400, BINDING_MAX = 8 };

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

/* Does js load a .node file, or call a loader that does? A string that ends in ".node", a
 * loader's name, or process.dlopen. */
static bool loads_native(const char *js)
{
    static const char *const marks[] = {
        ".node'",       ".node\"",       ".node`",         "node-gyp-build",   "'bindings'", "\"bindings\"",
        "node-pre-gyp", "require-addon", "process.dlopen", "napi-postinstall", NULL};
    for (size_t i = 0; marks[i]; i++)
        if (strstr(js, marks[i]))
            return true;
    return false;
}

/* True when file is a tool rather than a module: a script that package.json's scripts or bin
 * run (an install script that copies or builds the addon must never run here), or one in a
 * directory of tests, examples or build tooling. */
static bool is_tool(const char *dir, const char *file, const cJSON *pkg)
{
    const char *rel = file + strlen(dir) + 1;
    static const char *const dirs[] = {"test/",  "tests/",     "__tests__/",  "example/", "examples/",
                                       "bench/", "benchmark/", "benchmarks/", "scripts/", "script/",
                                       "tools/", "docs/",      "bin/",        NULL};
    for (size_t i = 0; dirs[i]; i++)
        if (strncmp(rel, dirs[i], strlen(dirs[i])) == 0 || strstr(rel, dirs[i]) == rel)
            return true;
    const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    static const char *const names[] = {"install.js", "preinstall.js", "postinstall.js", "build.js",
                                        "clean.js",   "prebuild.js",   "download.js",    NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(base, names[i]) == 0)
            return true;
    static const char *const fields[] = {"scripts", "bin"};
    for (size_t f = 0; f < 2; f++) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(pkg, fields[f]), *e;
        if (cJSON_IsString(o)) {
            if (strstr(o->valuestring, rel))
                return true;
            continue;
        }
        cJSON_ArrayForEach(e, o)
        {
            if (cJSON_IsString(e) && strstr(e->valuestring, rel))
                return true;
        }
    }
    return false;
}

/* How likely a binding module is the one: a name that says so first. */
static int binding_rank(const char *file)
{
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    static const char *const words[] = {"binding", "native", "addon", "load", "prebuild", NULL};
    for (int i = 0; words[i]; i++)
        if (strstr(base, words[i]))
            return i;
    return 10;
}

/* The binding modules of the package in dir: its JavaScript files that load native code, the
 * likeliest first, at most BINDING_MAX. */
static int find_binding(report *r, const char *dir, const cJSON *pkg, pkg_own *out)
{
    size_t n = 0;
    char **js = pkg_find(dir, 4, true, JS_FILES_MAX, &n);
    const char *picked[BINDING_MAX];
    int ranks[BINDING_MAX];
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_tool(dir, js[i], pkg))
            continue;
        char *text = path_read_file(js[i], JS_MAX, NULL);
        bool yes = text && loads_native(text);
        free(text);
        if (!yes)
            continue;
        /* A stable insertion by rank; past the limit the least likely falls off. */
        int rk = binding_rank(js[i]);
        size_t at = np;
        while (at > 0 && ranks[at - 1] > rk)
            at--;
        if (at >= BINDING_MAX)
            continue;
        size_t move = np - at - (np == BINDING_MAX ? 1 : 0);
        memmove(picked + at + 1, picked + at, move * sizeof *picked);
        memmove(ranks + at + 1, ranks + at, move * sizeof *ranks);
        picked[at] = js[i];
        ranks[at] = rk;
        if (np < BINDING_MAX)
            np++;
    }
    int rc = 0;
    if (np && !(out->binding = report_alloc(r, np * sizeof *out->binding)))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < np; i++)
        out->binding[out->nbinding++] = report_strdup(r, picked[i]);
    free_list(js, n);
    return rc;
}

int own_read(report *r, const char *pkgdir, const char *root, pkg_own *out, diag *d)
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
        char **v = pkg_find(out->dirs[i], 8, false, NODES_MAX, &n);
        int arc = add_all(r, &out->nodes, &out->nnodes, &ncap, v, n);
        free_list(v, n);
        if (arc != 0)
            goto nomem;
    }
    if (find_binding(r, real, pkg, out) != 0)
        goto nomem;
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
