/* probe/scan.c — the tree walk. fts with FTS_PHYSICAL reports a symlink instead of
 * following it, so a symlink cycle cannot loop the walk; a symlinked directory is walked
 * only when its target lies outside everything walked so far, and then once. */
#define _GNU_SOURCE
#include "probe/scan.h"

#include "probe/scope.h"
#include "probe/pkg/rules.h"
#include "probe/spawn.h"

#include <cjson/cJSON.h>
#include <glob.h>

#include <errno.h>
#include <fts.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_ROOTS = 4096 };

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int vec_push(strvec *s, const char *str)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **n = realloc(s->v, cap * sizeof *n);
        if (!n)
            return -1;
        s->v = n;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(str)))
        return -1;
    s->n++;
    return 0;
}

static void vec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sort and drop duplicates. */
static void vec_unique(strvec *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->v[i], s->v[k - 1]) == 0)
            free(s->v[i]);
        else
            s->v[k++] = s->v[i];
    }
    s->n = k;
}

/* True when path is inside (or equal to) one of the walked roots. */
static bool within(const strvec *roots, const char *path)
{
    for (size_t i = 0; i < roots->n; i++) {
        size_t l = strlen(roots->v[i]);
        if (strncmp(path, roots->v[i], l) == 0 && (path[l] == '\0' || path[l] == '/' || l == 1))
            return true;
    }
    return false;
}

static bool has_package_json(const char *dir)
{
    char p[PATH_MAX + 16];
    struct stat st;
    return snprintf(p, sizeof p, "%s/package.json", dir) < (int)sizeof p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool named(const FTSENT *e, const char *name)
{
    return e && e->fts_level >= 0 && strcmp(e->fts_name, name) == 0;
}

static bool installed(const FTSENT *e)
{
    const FTSENT *p = e->fts_parent;
    if (named(p, "node_modules"))
        return true;
    return p && p->fts_level > 0 && p->fts_name[0] == '@' && named(p->fts_parent, "node_modules");
}

/* Push each native package that pattern (a workspace glob relative to root) matches. */
static int push_glob(const char *root, const char *pattern, const char *sysroot, strvec *pkgs)
{
    char pat[PATH_MAX];
    while (pattern[0] == '.' && pattern[1] == '/')
        pattern += 2;
    if (pattern[0] == '!' || snprintf(pat, sizeof pat, "%s/%s", root, pattern) >= (int)sizeof pat)
        return 0; /* an exclusion: the packages it names are simply not added */
    size_t l = strlen(pat);
    /* A trailing globstar ("packages/" then two stars) is taken as one level of "*". */
    if (l >= 3 && strcmp(pat + l - 3, "/**") == 0)
        pat[l - 1] = '\0';
    glob_t g;
    if (glob(pat, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) != 0)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
        char real[PATH_MAX];
        if (has_package_json(g.gl_pathv[i]) && sysroot_real(sysroot, g.gl_pathv[i], real, sizeof real) == 0 &&
            select_is_native(real, sysroot))
            rc = vec_push(pkgs, real);
    }
    globfree(&g);
    return rc;
}

/* The workspace packages a root declares: package.json "workspaces" (npm and yarn: an array,
 * or {"packages": [...]}) and pnpm-workspace.yaml's "packages:" list. -1 when out of memory. */
static int workspaces(const char *root, const char *sysroot, strvec *pkgs)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/package.json", root);
    char *text = path_read_file(p, 4 << 20, NULL);
    cJSON *pj = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(pj, "workspaces"), *e;
    if (cJSON_IsObject(ws))
        ws = cJSON_GetObjectItemCaseSensitive(ws, "packages");
    int rc = 0;
    cJSON_ArrayForEach(e, ws)
    {
        if (cJSON_IsString(e) && rc == 0)
            rc = push_glob(root, e->valuestring, sysroot, pkgs);
    }
    cJSON_Delete(pj);
    snprintf(p, sizeof p, "%s/pnpm-workspace.yaml", root);
    text = path_read_file(p, 1 << 20, NULL);
    bool in_packages = false;
    for (char *line = text, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] && line[0] != ' ' && line[0] != '-' && line[0] != '#')
            in_packages = strncmp(line, "packages:", 9) == 0;
        char *item = line + strspn(line, " \t");
        if (!in_packages || item[0] != '-')
            continue;
        item += 1 + strspn(item + 1, " \t");
        size_t n = strcspn(item, "#\r");
        while (n && (item[n - 1] == ' ' || item[n - 1] == '\t'))
            n--;
        if (n >= 2 && (item[0] == '\'' || item[0] == '"') && item[n - 1] == item[0]) {
            item++;
            n -= 2;
        }
        item[n] = '\0';
        if (n)
            rc = push_glob(root, item, sysroot, pkgs);
    }
    free(text);
    return rc;
}

int scan_walk(const char *const *roots, size_t nroots, const char *sysroot, scan_found *out, scan_progress cb,
              void *arg, diag *d)
{
    memset(out, 0, sizeof *out);
    strvec walked = {0}, pkgs = {0}, nodes = {0};
    int rc = -1;
    for (size_t i = 0; i < nroots; i++) {
        char real[PATH_MAX];
        if (sysroot_real(sysroot, roots[i], real, sizeof real) != 0) {
            diag_errno(d, DIAG_IO, "%s", roots[i]);
            goto done;
        }
        struct stat st;
        if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
            diag_set(d, DIAG_IO, "%s: not a directory", roots[i]);
            goto done;
        }
        if (vec_push(&walked, real) != 0)
            goto nomem;
    }
    /* walked grows as symlinks lead outside it; each new root is walked once. */
    for (size_t r = 0; r < walked.n && r < MAX_ROOTS; r++) {
        char *const argv[] = {walked.v[r], NULL};
        /* FTS_NOSTAT: files come from the directory's own d_type, without an lstat each (a
         * 20,000-file tree is 20,000 system calls fewer, most of a scan's walk). Only what can
         * matter is looked at: *.node files, and entries where a package or a link to one
         * sits (node_modules/NAME, node_modules/@scope/NAME). */
        FTS *fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR | FTS_NOSTAT, NULL);
        if (!fts) {
            out->nerrors++;
            continue;
        }
        FTSENT *e;
        while ((e = fts_read(fts))) {
            if (e->fts_info == FTS_NSOK) {
                bool node = e->fts_namelen > 5 && strcmp(e->fts_name + e->fts_namelen - 5, ".node") == 0;
                struct stat lst;
                if (!node && !installed(e)) {
                    out->nfiles++;
                    if (cb && out->nfiles % 2000 == 0)
                        cb(out->nfiles, pkgs.n, arg);
                    continue;
                }
                if (lstat(e->fts_accpath, &lst) != 0)
                    e->fts_info = FTS_NS;
                else
                    e->fts_info = S_ISLNK(lst.st_mode) ? FTS_SL : S_ISREG(lst.st_mode) ? FTS_F : FTS_DEFAULT;
            }
            switch (e->fts_info) {
            case FTS_D:
                if (strcmp(e->fts_name, ".git") == 0) {
                    fts_set(fts, e, FTS_SKIP);
                    break;
                }
                /* A root's workspaces are packages even where no node_modules links to them. */
                if (e->fts_level == 0 && workspaces(e->fts_path, sysroot, &pkgs) != 0)
                    goto nomem_fts;
                /* An installed package sits in node_modules (or node_modules/@scope), or is a
                 * root; a package.json elsewhere (examples, tests inside a package) is not one. */
                if ((e->fts_level == 0 || installed(e)) && has_package_json(e->fts_path))
                    out->nseen++;
                if ((e->fts_level == 0 || installed(e)) && has_package_json(e->fts_path) &&
                    select_is_native(e->fts_path, sysroot)) {
                    char real[PATH_MAX];
                    if (sysroot_real(sysroot, e->fts_path, real, sizeof real) == 0 && vec_push(&pkgs, real) != 0)
                        goto nomem_fts;
                }
                break;
            case FTS_F:
                out->nfiles++;
                if (e->fts_namelen > 5 && strcmp(e->fts_name + e->fts_namelen - 5, ".node") == 0) {
                    char real[PATH_MAX];
                    if (sysroot_real(sysroot, e->fts_path, real, sizeof real) == 0 && vec_push(&nodes, real) != 0)
                        goto nomem_fts;
                }
                if (cb && out->nfiles % 2000 == 0)
                    cb(out->nfiles, pkgs.n, arg);
                break;
            case FTS_SL: {
                char real[PATH_MAX];
                struct stat st;
                /* Inside an image, an absolute link leads into the image, never to this machine. */
                if (sysroot_real(sysroot, e->fts_path, real, sizeof real) != 0 || stat(real, &st) != 0)
                    break; /* dangling or looping link */
                if (S_ISDIR(st.st_mode)) {
                    /* A link in node_modules is an installed package wherever it points: an npm
                     * or yarn workspace, a pnpm store entry, npm link. */
                    if (installed(e) && has_package_json(real) && select_is_native(real, sysroot) &&
                        vec_push(&pkgs, real) != 0)
                        goto nomem_fts;
                    if (!within(&walked, real) && vec_push(&walked, real) != 0)
                        goto nomem_fts;
                } else if (S_ISREG(st.st_mode) && e->fts_namelen > 5 &&
                           strcmp(e->fts_name + e->fts_namelen - 5, ".node") == 0) {
                    if (vec_push(&nodes, real) != 0)
                        goto nomem_fts;
                }
                break;
            }
            case FTS_DNR:
            case FTS_ERR:
            case FTS_NS: out->nerrors++; break;
            default: break;
            }
        }
        fts_close(fts);
        continue;
    nomem_fts:
        fts_close(fts);
        goto nomem;
    }
    vec_unique(&nodes);
    vec_unique(&pkgs);
    out->packages = pkgs.v;
    out->npackages = pkgs.n;
    out->nodes = nodes.v;
    out->nnodes = nodes.n;
    pkgs = (strvec){0};
    nodes = (strvec){0};
    rc = 0;
    goto done;
nomem:
    diag_set(d, DIAG_NOMEM, "out of memory");
done:
    vec_free(&walked);
    vec_free(&pkgs);
    vec_free(&nodes);
    return rc;
}

void scan_found_free(scan_found *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->npackages; i++)
        free(f->packages[i]);
    for (size_t i = 0; i < f->nnodes; i++)
        free(f->nodes[i]);
    free(f->packages);
    free(f->nodes);
    memset(f, 0, sizeof *f);
}
