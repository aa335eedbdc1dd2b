/* probe/pkg/rules.c — the emulated loader rules: reading a package the way its loader does.
 * Directory listings are sorted by byte order, as libuv's scandir (and so Node's
 * fs.readdirSync) returns them; ties in node-gyp-build's ranking keep that order (its sort is
 * stable). */
#define _GNU_SOURCE
#include "probe/pkg/rules.h"
#include "abi/machine.h"

#include "probe/paths.h"
#include "probe/scope.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PACKAGE_JSON_MAX = 4 << 20, MAIN_JS_MAX = 1 << 20, MAX_ENTRIES = 4096 };

typedef struct names {
    char **v;
    unsigned char *type; /* list_dir: each entry's d_type (DT_UNKNOWN when the file system does not say) */
    size_t n;
} names;

typedef struct dent {
    char *name;
    unsigned char type;
} dent;

static int cmp_dent(const void *a, const void *b) { return strcmp(((const dent *)a)->name, ((const dent *)b)->name); }

/* The sorted entries of dir (without . and ..) with their types; empty when it cannot be read.
 * The types come with the names (readdir's d_type), so a walk stats only what the directory
 * does not describe: a package's source tree has thousands of entries. */
static names list_dir(const char *dir)
{
    names out = {NULL, NULL, 0};
    DIR *d = opendir(dir);
    if (!d)
        return out;
    size_t cap = 0, n = 0;
    dent *v = NULL;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_ENTRIES) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            dent *nv = realloc(v, cap * sizeof *nv);
            if (!nv)
                break;
            v = nv;
        }
        if (!(v[n].name = strdup(e->d_name)))
            break;
        v[n++].type = e->d_type;
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_dent);
    out.v = n ? malloc(n * sizeof *out.v) : NULL;
    out.type = n ? malloc(n) : NULL;
    if (n && (!out.v || !out.type)) {
        for (size_t i = 0; i < n; i++)
            free(v[i].name);
        free(out.v);
        free(out.type);
        free(v);
        return (names){NULL, NULL, 0};
    }
    for (size_t i = 0; i < n; i++) {
        out.v[i] = v[i].name;
        out.type[i] = v[i].type;
    }
    out.n = n;
    free(v);
    return out;
}

static void names_free(names *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    free(n->type);
}

/* buf = a/b; false (and buf empty) when it does not fit. */
static bool pjoin(char *buf, size_t n, const char *a, const char *b)
{
    int w = snprintf(buf, n, "%s/%s", a, b);
    if (w < 0 || (size_t)w >= n) {
        buf[0] = '\0';
        return false;
    }
    return true;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

cJSON *pkg_read_json(const char *path)
{
    char *text = path_read_file(path, PACKAGE_JSON_MAX, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The named dependency in dependencies or optionalDependencies, or NULL. */
static const char *dep(const cJSON *pkg, const char *name)
{
    static const char *const fields[] = {"dependencies", "optionalDependencies"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = jstr(cJSON_GetObjectItemCaseSensitive(pkg, fields[i]), name);
        if (v)
            return v;
    }
    return NULL;
}

/* ---------- candidates ---------- */

typedef struct sel_ctx {
    report *r;
    selection *s;  /* the package (its name, the directories it reaches) */
    sel_answer *a; /* the rules' answer being built */
    const loader_view *v;
    const char *pkgdir;
    size_t cap;
    /* While a platform package is ranked: its directory, and the prefix its files are shown
     * with, so that a chosen file gets its real path. */
    const char *out_dir, *out_pre;
    const char *root; /* --sysroot: every link resolves inside the image (scope.h, sysroot_real) */
    int rule;         /* the rule_id that applies */
    const runtime_facts *rt;
} sel_ctx;

/* A platform package's directory: its .node files count as reached by this package. */
static void add_reached(report *r, selection *s, const char *dir)
{
    for (size_t i = 0; i < s->nreached; i++)
        if (strcmp(s->reached[i], dir) == 0)
            return;
    /* The room is a power of two, at least 4: it is full exactly when nreached is one. */
    size_t n = s->nreached;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        const char **v = report_alloc(r, (n ? 2 * n : 4) * sizeof *v);
        if (!v)
            return;
        if (n)
            memcpy(v, s->reached, n * sizeof *v);
        s->reached = v;
    }
    s->reached[s->nreached++] = report_strdup(r, dir);
}

/* The package that holds file (the nearest directory above it with a package.json), when it
 * is not s's own: a platform package whose files count as reached. */
bool pkg_holder(const char *file, char *dir, size_t n)
{
    if (snprintf(dir, n, "%s", file) >= (int)n)
        return false;
    for (char *slash; (slash = strrchr(dir, '/')) && slash > dir;) {
        *slash = '\0';
        char pjp[PATH_MAX * 2 + 16];
        snprintf(pjp, sizeof pjp, "%s/package.json", dir);
        if (is_file(pjp))
            return true;
    }
    return false;
}

void rules_reach_owner(report *r, selection *s, const char *file)
{
    char dir[PATH_MAX * 2];
    if (pkg_holder(file, dir, sizeof dir) && strcmp(dir, s->pkgdir) != 0)
        add_reached(r, s, dir);
}

static candidate *add_cand(sel_ctx *c, const char *rel, cand_status st, const char *reason)
{
    if (report_grow(c->r, &c->a->cands, c->a->ncands, &c->cap, sizeof *c->a->cands, 16) != 0)
        return NULL;
    candidate *k = &c->a->cands[c->a->ncands++];
    k->path = report_strdup(c->r, rel);
    k->status = st;
    k->reason = report_strdup(c->r, reason);
    return k;
}

static void choose(sel_ctx *c, const char *rel, const char *reason)
{
    add_cand(c, rel, CAND_CHOSEN, reason);
    size_t pl = c->out_pre ? strlen(c->out_pre) : 0;
    if (c->out_dir && strncmp(rel, c->out_pre, pl) == 0)
        c->a->chosen = report_printf(c->r, "%s/%s", c->out_dir, rel + pl);
    else
        c->a->chosen = report_printf(c->r, "%s/%s", c->pkgdir, rel);
}

/* ---------- node-gyp-build 4.8.x ---------- */

/* getFirst(dir, matchBuild): the first .node file of build/Release or build/Debug. */
static bool ngb_build_dir(sel_ctx *c, const char *base, const char *sub)
{
    char dir[PATH_MAX * 2];
    pjoin(dir, sizeof dir, base, sub);
    names n = list_dir(dir);
    bool found = false;
    for (size_t i = 0; i < n.n; i++) {
        if (!ends_with(n.v[i], ".node"))
            continue;
        char rel[PATH_MAX * 2];
        pjoin(rel, sizeof rel, sub, n.v[i]);
        if (!found) {
            choose(c, rel, report_printf(c->r, "node-gyp-build takes the first .node file in %s", sub));
            found = true;
        } else {
            add_cand(c, rel, CAND_OUTRANKED, "node-gyp-build takes only the first .node file (by name) there");
        }
    }
    names_free(&n);
    return found;
}

typedef struct ranked {
    const char *file;
    ngb_tags tags;
} ranked;

/* resolveFile(dir): the most specific file of dir whose tags fit the runtime. relpre is how
 * the files are shown (a path relative to the package, ending in '/'). */
static bool ngb_rank_dir(sel_ctx *c, const char *tdir, const char *relpre)
{
    names files = list_dir(tdir);
    ranked *ok = calloc(files.n ? files.n : 1, sizeof *ok);
    size_t nok = 0;
    for (size_t i = 0; ok && i < files.n; i++) {
        ngb_tags t;
        char why[160], rel[PATH_MAX * 2];
        ngb_parse_tags(files.v[i], &t);
        snprintf(rel, sizeof rel, "%s%s", relpre, files.v[i]);
        const char *no = ngb_reject(&t, c->v, why, sizeof why);
        if (no) {
            if (t.valid)
                add_cand(c, rel, CAND_REJECTED, no);
            continue;
        }
        /* A stable insertion: equal-ranked files keep their directory order. */
        size_t at = nok;
        while (at > 0 && ngb_compare(&t, &ok[at - 1].tags, c->v->runtime) < 0)
            at--;
        memmove(ok + at + 1, ok + at, (nok - at) * sizeof *ok);
        ok[at] = (ranked){files.v[i], t};
        nok++;
    }
    for (size_t i = 0; i < nok; i++) {
        char rel[PATH_MAX * 2];
        snprintf(rel, sizeof rel, "%s%s", relpre, ok[i].file);
        if (i == 0) {
            const ngb_tags *t = &ok[0].tags;
            const char *why = t->abi[0] ? report_printf(c->r, "abi%s = modules %s", t->abi, c->v->abi)
                              : t->napi ? report_printf(c->r, "an N-API build (napi), any modules ABI")
                                        : report_printf(c->r, "no ABI tag: node-gyp-build takes it for any runtime");
            choose(c, rel, report_printf(c->r, "%s%s%s", why, t->libc ? ", " : "", t->libc ? t->libc : ""));
        } else {
            const ngb_tags *w = &ok[0].tags, *t = &ok[i].tags;
            bool same_rt =
                (!w->runtime && !t->runtime) || (w->runtime && t->runtime && strcmp(w->runtime, t->runtime) == 0);
            const char *why = !same_rt                      ? "the winner names this runtime exactly"
                              : strcmp(w->abi, t->abi) != 0 ? "an abi build ranks before a napi build"
                                                            : "the winner has more tags";
            add_cand(c, rel, CAND_OUTRANKED, report_printf(c->r, "%s (%s)", why, ok[0].file));
        }
    }
    free(ok);
    names_free(&files);
    return nok > 0;
}

/* resolve(dir): prebuilds/<platform>-<arch>/ and the most specific matching flavour. */
static bool ngb_prebuilds(sel_ctx *c, const char *base, const char *relbase)
{
    char dir[PATH_MAX * 2];
    pjoin(dir, sizeof dir, base, "prebuilds");
    names tuples = list_dir(dir);
    const char *best = NULL;
    size_t best_arches = 0;
    for (size_t i = 0; i < tuples.n; i++) {
        size_t na = 0;
        if (ngb_tuple_matches(tuples.v[i], c->v->platform, c->v->arch, &na) && (!best || na < best_arches)) {
            best = tuples.v[i];
            best_arches = na;
        }
    }
    for (size_t i = 0; i < tuples.n; i++) {
        size_t na = 0;
        if (tuples.v[i] == best)
            continue;
        char rel[PATH_MAX * 2];
        snprintf(rel, sizeof rel, "%sprebuilds/%s/", relbase, tuples.v[i]);
        if (ngb_tuple_matches(tuples.v[i], c->v->platform, c->v->arch, &na))
            add_cand(c, rel, CAND_OUTRANKED,
                     report_printf(c->r, "a single-architecture directory (%s) ranks first", best));
        else
            add_cand(c, rel, CAND_REJECTED,
                     report_printf(c->r, "for %s, the runtime is %s-%s", tuples.v[i], c->v->platform, c->v->arch));
    }
    bool found = false;
    if (best) {
        char tdir[PATH_MAX * 2], rel[PATH_MAX * 2];
        pjoin(tdir, sizeof tdir, dir, best);
        snprintf(rel, sizeof rel, "%sprebuilds/%s/", relbase, best);
        found = ngb_rank_dir(c, tdir, rel);
    }
    names_free(&tuples);
    return found;
}

static void rule_node_gyp_build(sel_ctx *c, const cJSON *pkg)
{
    const char *base = c->pkgdir;
    char over[PATH_MAX * 2] = "";
    /* <NAME>_PREBUILD names another directory to load from. */
    const char *name = jstr(pkg, "name");
    if (name) {
        char var[256];
        size_t k = 0;
        for (const char *p = name; *p && k + 10 < sizeof var; p++)
            var[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        snprintf(var + k, sizeof var - k, "_PREBUILD");
        const char *env = getenv(var);
        if (env && *env) {
            snprintf(over, sizeof over, "%s", env);
            base = over;
            c->a->rule_why = report_printf(c->r, "%s; %s=%s", c->a->rule_why, var, env);
        }
    }
    const char *relbase = over[0] ? report_printf(c->r, "%s/", over) : "";
    if (!getenv("PREBUILDS_ONLY") || !*getenv("PREBUILDS_ONLY")) {
        if (ngb_build_dir(c, base, "build/Release"))
            goto rest;
        if (ngb_build_dir(c, base, "build/Debug"))
            goto rest;
    }
    if (ngb_prebuilds(c, base, relbase))
        return;
    c->a->none_why =
        report_printf(c->r,
                      "No native build was found for platform=%s arch=%s runtime=%s abi=%s uv=%s%s%s "
                      "libc=%s node=%s%s%s (node-gyp-build's own words)",
                      c->v->platform, c->v->arch, c->v->runtime, c->v->abi, c->v->uv, c->v->armv[0] ? " armv=" : "",
                      c->v->armv, c->v->libc, c->v->node_version ? c->v->node_version : "?",
                      c->v->electron ? " electron=" : "", c->v->electron ? c->v->electron : "");
    return;
rest:
    /* The prebuilds are still candidates, just never reached. */
    {
        size_t before = c->a->ncands;
        const char *chosen = c->a->chosen;
        ngb_prebuilds(c, base, relbase);
        c->a->chosen = chosen;
        for (size_t i = before; i < c->a->ncands; i++)
            if (c->a->cands[i].status == CAND_CHOSEN) {
                c->a->cands[i].status = CAND_NOT_REACHED;
                c->a->cands[i].reason = "node-gyp-build found a local build first";
            }
    }
}

/* ---------- bindings ---------- */

/* The name passed to bindings('...') in js, or NULL. */
static const char *bindings_call(report *r, const char *js)
{
    const char *found = NULL;
    for (const char *p = js; p && (p = strstr(p, "bindings")) && !found; p += 8) {
        const char *q = p + 8;
        while (*q == ' ' || *q == ')' || *q == '\'' || *q == '"')
            q++; /* require('bindings')('x') */
        if (*q != '(')
            continue;
        q++;
        while (*q == ' ')
            q++;
        if (*q == '{') { /* bindings({ bindings: 'x', ... }) */
            const char *b = strstr(q, "bindings");
            q = b ? strpbrk(b + 8, "'\"") : NULL;
        }
        if (!q || (*q != '\'' && *q != '"'))
            continue;
        char quote = *q++;
        const char *end = strchr(q, quote);
        if (end && end - q > 0 && end - q < 200)
            found = report_printf(r, "%.*s%s", (int)(end - q), q,
                                  (end - q > 5 && strncmp(end - 5, ".node", 5) == 0) ? "" : ".node");
    }
    return found;
}

static bool is_node_name(const char *name) { return ends_with(name, ".node"); }

static bool is_js_name(const char *name)
{
    return name[0] != '.' && (ends_with(name, ".js") || ends_with(name, ".cjs") || ends_with(name, ".mjs"));
}

/* The files under dir whose names `want` takes, depth first in sorted order, at most max,
 * never inside node_modules (another package's), nor in hidden directories when skip_hidden. */
static void find_files(const char *dir, int depth, bool (*want)(const char *), bool skip_hidden, names *out, size_t max)
{
    names n = list_dir(dir);
    for (size_t i = 0; i < n.n && out->n < max; i++) {
        char p[PATH_MAX * 2];
        if (!pjoin(p, sizeof p, dir, n.v[i]) || strcmp(n.v[i], "node_modules") == 0)
            continue;
        /* A link, or a file system that does not say, is looked at; the rest is as listed. */
        unsigned char t = n.type[i];
        bool file = t == DT_REG || ((t == DT_LNK || t == DT_UNKNOWN) && is_file(p));
        if (want(n.v[i]) && file) {
            char **nv = realloc(out->v, (out->n + 1) * sizeof *nv);
            if (!nv)
                break;
            out->v = nv;
            if ((out->v[out->n] = strdup(p)))
                out->n++;
        } else if (depth > 0 && !file && !(skip_hidden && n.v[i][0] == '.') &&
                   (t == DT_DIR || ((t == DT_LNK || t == DT_UNKNOWN) && is_dir(p)))) {
            find_files(p, depth - 1, want, skip_hidden, out, max);
        }
    }
    names_free(&n);
}

char **pkg_find(const char *dir, int depth, bool js, size_t max, size_t *n)
{
    names out = {NULL, NULL, 0};
    find_files(dir, depth, js ? is_js_name : is_node_name, js, &out, max);
    *n = out.n;
    if (!out.n) {
        free(out.v);
        return NULL;
    }
    return out.v;
}

/* The name passed to bindings('...'): in the package's main file first, then in any of its
 * JavaScript files (better-sqlite3 calls it from lib/database.js); *where says which file. */
static const char *bindings_name(sel_ctx *c, const cJSON *pkg, const char **where)
{
    const char *main = jstr(pkg, "main");
    char path[PATH_MAX * 2];
    pjoin(path, sizeof path, c->pkgdir, main ? main : "index.js");
    if (is_dir(path))
        snprintf(path + strlen(path), sizeof path - strlen(path), "/index.js");
    else if (!is_file(path) && strlen(path) + 4 < sizeof path)
        strcat(path, ".js");
    char *js = path_read_file(path, MAIN_JS_MAX, NULL);
    const char *found = js ? bindings_call(c->r, js) : NULL;
    free(js);
    if (found) {
        *where = report_strdup(c->r, path + strlen(c->pkgdir) + 1);
        return found;
    }
    names files = {NULL, NULL, 0};
    find_files(c->pkgdir, 4, is_js_name, true, &files, 400);
    for (size_t i = 0; i < files.n && !found; i++) {
        if (strcmp(files.v[i], path) == 0 || !(js = path_read_file(files.v[i], MAIN_JS_MAX, NULL)))
            continue;
        if ((found = bindings_call(c->r, js)))
            *where = report_strdup(c->r, files.v[i] + strlen(c->pkgdir) + 1);
        free(js);
    }
    names_free(&files);
    return found;
}

static void rule_bindings(sel_ctx *c, const cJSON *pkg)
{
    const char *where = NULL;
    const char *name = bindings_name(c, pkg, &where);
    if (!name) {
        c->a->none_why =
            "the package uses bindings, but none of its JavaScript files names a binding abiprobe can read";
        return;
    }
    c->a->rule_why = report_printf(c->r, "%s; bindings('%s') in %s", c->a->rule_why, name, where);
    bool chosen = false;
    for (size_t i = 0; bindings_paths[i]; i++) {
        char rel[PATH_MAX * 2], path[PATH_MAX * 2];
        prebuild_expand(bindings_paths[i], c->v, name, NULL, NULL, 0, rel, sizeof rel);
        pjoin(path, sizeof path, c->pkgdir, rel);
        if (!is_file(path))
            continue;
        if (!chosen) {
            choose(c, rel, report_printf(c->r, "bindings tries %s first among the files present", rel));
            chosen = true;
        } else {
            add_cand(c, rel, CAND_NOT_REACHED, "bindings stops at the first file that exists");
        }
    }
    if (!chosen)
        c->a->none_why = report_printf(c->r, "bindings finds no %s in its %d search paths", name, 13);
}

/* ---------- node-pre-gyp ---------- */

static void rule_node_pre_gyp(sel_ctx *c, const cJSON *pkg)
{
    const cJSON *bin = cJSON_GetObjectItemCaseSensitive(pkg, "binary");
    const char *mname = jstr(bin, "module_name"), *mpath = jstr(bin, "module_path");
    if (!mname || !mpath) {
        c->a->none_why = "package.json binary lacks module_name or module_path";
        return;
    }
    /* napi_versions: the highest one the runtime supports. */
    int napi_build = 0;
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(bin, "napi_versions"), *e;
    cJSON_ArrayForEach(e, nv)
    {
        if (cJSON_IsNumber(e) && (int)e->valuedouble <= c->v->napi && (int)e->valuedouble > napi_build)
            napi_build = (int)e->valuedouble;
    }
    char dir[PATH_MAX * 2], rel[PATH_MAX + 128], path[PATH_MAX * 2];
    prebuild_expand(mpath, c->v, mname, jstr(pkg, "version"), jstr(pkg, "name"), napi_build, dir, sizeof dir);
    const char *d = strncmp(dir, "./", 2) == 0 ? dir + 2 : dir;
    if (snprintf(rel, sizeof rel, "%s/%s.node", d, mname) >= (int)sizeof rel) {
        c->a->none_why = "binary.module_path expands to an over-long path";
        return;
    }
    pjoin(path, sizeof path, c->pkgdir, rel);
    if (is_file(path))
        choose(c, rel, report_printf(c->r, "binary.module_path %s expanded for this runtime", mpath));
    else {
        add_cand(c, rel, CAND_ABSENT, "the path node-pre-gyp computes for this runtime; no file there");
        c->a->none_why = report_printf(c->r, "node-pre-gyp looks for %s, which is not installed", rel);
    }
}

/* ---------- napi-rs ---------- */

/* Node's resolution of a package name from dir: dir/node_modules/NAME, then upwards. */
bool pkg_resolve(const char *from, const char *name, const char *root, char *out, size_t n)
{
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s", from);
    /* Inside an image the walk up stops at the image's root, and every link resolves in it. */
    size_t floor = root ? strlen(root) : 0;
    for (int depth = 0; depth < 64; depth++) {
        const char *base = strrchr(dir, '/');
        if (!base || strcmp(base + 1, "node_modules") != 0) {
            char cand[PATH_MAX * 2 + 32], pj[PATH_MAX * 2 + 48];
            snprintf(cand, sizeof cand, "%s/node_modules/%s", dir, name);
            pjoin(pj, sizeof pj, cand, "package.json");
            char real[PATH_MAX];
            if (root ? sysroot_real(root, pj, real, sizeof real) == 0 && is_file(real) : is_file(pj)) {
                if (root && sysroot_real(root, cand, real, sizeof real) == 0)
                    return snprintf(out, n, "%s", real) < (int)n;
                return !root && snprintf(out, n, "%s", cand) < (int)n;
            }
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir || (size_t)(slash - dir) < floor)
            break;
        *slash = '\0';
    }
    return false;
}

static void rule_napi_rs(sel_ctx *c, const cJSON *pkg)
{
    const cJSON *napi = cJSON_GetObjectItemCaseSensitive(pkg, "napi");
    const char *bin = jstr(napi, "binaryName");
    if (!bin)
        bin = jstr(napi, "name");
    const char *pname = jstr(pkg, "name");
    const char *triple = napirs_triple(c->v);
    if (!bin || !pname) {
        c->a->none_why = "package.json napi names no binary";
        return;
    }
    if (!triple) {
        c->a->none_why = report_printf(c->r, "napi-rs has no platform triple for %s-%s", c->v->platform, c->v->arch);
        return;
    }
    char rel[PATH_MAX * 2], path[PATH_MAX * 2];
    snprintf(rel, sizeof rel, "%s.%s.node", bin, triple);
    pjoin(path, sizeof path, c->pkgdir, rel);
    bool chosen = false;
    if (is_file(path)) {
        choose(c, rel, report_printf(c->r, "the local file for %s", triple));
        chosen = true;
    }
    /* Platform packages: optionalDependencies named <package>-<triple>. */
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(pkg, "optionalDependencies"), *e;
    size_t plen = strlen(pname);
    cJSON_ArrayForEach(e, opt)
    {
        const char *dn = e->string;
        if (!dn || strncmp(dn, pname, plen) != 0 || dn[plen] != '-')
            continue;
        const char *t = dn + plen + 1;
        char pkgpath[PATH_MAX * 2];
        bool present = pkg_resolve(c->pkgdir, dn, c->root, pkgpath, sizeof pkgpath);
        char file[PATH_MAX * 2] = "";
        if (present) {
            cJSON *pj = NULL;
            char pjp[PATH_MAX * 2 + 16];
            pjoin(pjp, sizeof pjp, pkgpath, "package.json");
            pj = pkg_read_json(pjp);
            const char *main = jstr(pj, "main");
            pjoin(file, sizeof file, pkgpath, main ? main : report_printf(c->r, "%s.%s.node", bin, t));
            cJSON_Delete(pj);
        }
        const char *shown = report_printf(c->r, "%s (%s)", dn, present ? file : "not installed");
        if (strcmp(t, triple) != 0) {
            add_cand(c, shown, CAND_REJECTED, report_printf(c->r, "for %s, the runtime is %s", t, triple));
        } else if (chosen) {
            add_cand(c, shown, CAND_NOT_REACHED, "napi-rs takes the local file first");
        } else if (present && is_file(file)) {
            add_cand(c, shown, CAND_CHOSEN, report_printf(c->r, "the platform package for %s", triple));
            c->a->chosen = report_strdup(c->r, file);
            chosen = true;
        } else {
            add_cand(c, shown, CAND_ABSENT, "the platform package for this runtime is not installed");
        }
    }
    if (!chosen)
        c->a->none_why = report_printf(c->r, "napi-rs finds neither %s nor an installed %s-%s", rel, pname, triple);
}

/* ---------- platform packages (optionalDependencies with os/cpu/libc) ---------- */

/* Does a package.json list (os, cpu or libc) admit value? Absent: yes. "!x" entries exclude. */
static bool list_admits(const cJSON *list, const char *value)
{
    if (!cJSON_IsArray(list) || !value)
        return true;
    bool any_positive = false, hit = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const char *v = cJSON_GetStringValue(e);
        if (!v)
            continue;
        if (v[0] == '!') {
            if (strcmp(v + 1, value) == 0)
                return false;
        } else {
            any_positive = true;
            hit = hit || strcmp(v, value) == 0;
        }
    }
    return !any_positive || hit;
}

bool pkg_json_is_platform(const cJSON *pj)
{
    return cJSON_GetObjectItemCaseSensitive(pj, "os") || cJSON_GetObjectItemCaseSensitive(pj, "cpu");
}

/* The shown name of a path: from the last node_modules/ on, else as it is. */
static const char *shown_path(const char *path)
{
    const char *nm = path_node_modules(path);
    return nm ? nm + strlen("/node_modules/") : path;
}

/* The .node file a platform package holds: its main when that is one, else its only .node
 * file, else the one node-gyp-build's tags rank first in their directory. */
static bool platform_file(sel_ctx *c, const char *dir, const cJSON *pj, const char *reason)
{
    const char *main = jstr(pj, "main");
    char p[PATH_MAX * 2];
    const char *pre = report_printf(c->r, "%s/", shown_path(dir));
    if (main && ends_with(main, ".node") && pjoin(p, sizeof p, dir, strncmp(main, "./", 2) == 0 ? main + 2 : main) &&
        is_file(p)) {
        add_cand(c, shown_path(p), CAND_CHOSEN, report_printf(c->r, "%s; its main", reason));
        c->a->chosen = report_strdup(c->r, p);
        return true;
    }
    names f = {NULL, NULL, 0};
    find_files(dir, 3, is_node_name, false, &f, 64);
    bool found = false;
    if (f.n == 1) {
        add_cand(c, shown_path(f.v[0]), CAND_CHOSEN, report_printf(c->r, "%s; its only .node file", reason));
        c->a->chosen = report_strdup(c->r, f.v[0]);
        found = true;
    } else if (f.n > 1) {
        /* Several flavours (node.napi.glibc.node, node.abi115.musl.node...) in one directory. */
        const char *slash = strrchr(f.v[0], '/');
        char fdir[PATH_MAX * 2];
        snprintf(fdir, sizeof fdir, "%.*s", (int)(slash - f.v[0]), f.v[0]);
        c->out_dir = report_strdup(c->r, fdir);
        c->out_pre = report_printf(c->r, "%s/", shown_path(fdir));
        found = ngb_rank_dir(c, fdir, c->out_pre);
        c->out_dir = c->out_pre = NULL;
        if (!found)
            c->a->none_why =
                report_printf(c->r, "%s holds %zu .node files, and none has tags that fit the runtime", pre, f.n);
    }
    names_free(&f);
    return found;
}

/* optionalDependencies that are installed platform packages: the first whose os, cpu and
 * libc fit the runtime, and its file. Returns true when one was chosen. */
static bool rule_platform_packages(sel_ctx *c, const cJSON *pkg)
{
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(pkg, "optionalDependencies"), *e;
    size_t absent = 0;
    bool chosen = false;
    cJSON_ArrayForEach(e, opt)
    {
        char dir[PATH_MAX * 2], pjp[PATH_MAX * 2 + 16];
        if (!e->string || !pkg_resolve(c->pkgdir, e->string, c->root, dir, sizeof dir)) {
            absent++;
            continue;
        }
        pjoin(pjp, sizeof pjp, dir, "package.json");
        cJSON *pj = pkg_read_json(pjp);
        char real[PATH_MAX];
        if (!pj || !pkg_json_is_platform(pj) || sysroot_real(c->root, dir, real, sizeof real) != 0) {
            cJSON_Delete(pj);
            continue;
        }
        add_reached(c->r, c->s, real);
        const cJSON *os = cJSON_GetObjectItemCaseSensitive(pj, "os"),
                    *cpu = cJSON_GetObjectItemCaseSensitive(pj, "cpu"),
                    *libc = cJSON_GetObjectItemCaseSensitive(pj, "libc");
        const char *shown = report_printf(c->r, "%s/", e->string);
        if (!list_admits(os, c->v->platform) || !list_admits(cpu, c->v->arch) || !list_admits(libc, c->v->rt_libc)) {
            char *os_s = cJSON_PrintUnformatted(os), *cpu_s = cJSON_PrintUnformatted(cpu),
                 *libc_s = cJSON_PrintUnformatted(libc);
            add_cand(c, shown, CAND_REJECTED,
                     report_printf(c->r, "its package.json says os %s, cpu %s, libc %s; the runtime is %s-%s, %s",
                                   os_s ? os_s : "any", cpu_s ? cpu_s : "any", libc_s ? libc_s : "any", c->v->platform,
                                   c->v->arch, c->v->rt_libc));
            cJSON_free(os_s);
            cJSON_free(cpu_s);
            cJSON_free(libc_s);
        } else if (chosen) {
            add_cand(c, shown, CAND_NOT_REACHED, "an earlier platform package fits too");
        } else {
            chosen = platform_file(c, real, pj,
                                   report_printf(c->r, "the installed platform package %s fits %s-%s (%s)", e->string,
                                                 c->v->platform, c->v->arch, c->v->rt_libc));
            if (!chosen)
                add_cand(c, shown, CAND_ABSENT, "it fits the runtime, but holds no .node file (a library package?)");
        }
        cJSON_Delete(pj);
    }
    if (!chosen && !c->a->none_why)
        c->a->none_why =
            absent ? report_printf(c->r,
                                   "no installed platform package fits %s-%s (%s); %zu optional dependencies are not "
                                   "installed (npm skips those for other platforms)",
                                   c->v->platform, c->v->arch, c->v->rt_libc, absent)
                   : report_printf(c->r, "no installed platform package fits %s-%s (%s)", c->v->platform, c->v->arch,
                                   c->v->rt_libc);
    return chosen;
}

/* True when some installed optionalDependency is a platform package (os/cpu fields). */
static bool has_platform_packages(const char *pkgdir, const char *root, const cJSON *pkg)
{
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(pkg, "optionalDependencies"), *e;
    cJSON_ArrayForEach(e, opt)
    {
        char dir[PATH_MAX * 2], pjp[PATH_MAX * 2 + 16];
        if (!e->string || !pkg_resolve(pkgdir, e->string, root, dir, sizeof dir))
            continue;
        pjoin(pjp, sizeof pjp, dir, "package.json");
        cJSON *pj = pkg_read_json(pjp);
        bool yes = pj && pkg_json_is_platform(pj);
        cJSON_Delete(pj);
        /* Only one that holds native code: sharp's libvips packages hold shared libraries. */
        names f = {NULL, NULL, 0};
        if (yes)
            find_files(dir, 3, is_node_name, false, &f, 1);
        yes = f.n > 0;
        names_free(&f);
        if (yes)
            return true;
    }
    return false;
}

/* ---------- node-gyp-build-optional-packages 5.x ---------- */

static void rule_node_gyp_build(sel_ctx *c, const cJSON *pkg);

/* node-gyp-build, except that Bun and Deno get abi "unsupported" (only napi builds fit), and
 * that after the package's own directories it looks in the platform package
 * @NAME/NAME-PLATFORM-ARCH (NAME-PLATFORM-ARCH for a scoped name). */
static void rule_ngb_optional(sel_ctx *c, const cJSON *pkg)
{
    loader_view v = *c->v;
    if (strcmp(c->rt->kind, "bun") == 0 || strcmp(c->rt->kind, "deno") == 0)
        v.abi = "unsupported";
    const loader_view *saved = c->v;
    c->v = &v;
    rule_node_gyp_build(c, pkg);
    if (!c->a->chosen) {
        const char *name = jstr(pkg, "name");
        const char *pp = !name            ? NULL
                         : name[0] == '@' ? report_printf(c->r, "%s-%s-%s", name, v.platform, v.arch)
                                          : report_printf(c->r, "@%s/%s-%s-%s", name, name, v.platform, v.arch);
        char dir[PATH_MAX * 2], real[PATH_MAX];
        if (pp && pkg_resolve(c->pkgdir, pp, c->root, dir, sizeof dir) &&
            sysroot_real(c->root, dir, real, sizeof real) == 0) {
            add_reached(c->r, c->s, real);
            c->out_dir = report_strdup(c->r, real);
            c->out_pre = report_printf(c->r, "%s/", pp);
            if (ngb_rank_dir(c, real, c->out_pre))
                c->a->none_why = NULL;
            c->out_dir = c->out_pre = NULL;
        } else if (pp) {
            c->a->none_why = report_printf(c->r, "%s; nor is the platform package %s installed", c->a->none_why, pp);
        }
    }
    c->v = saved;
}

/* ---------- the package ---------- */

void rules_view(report *r, const runtime_facts *rt, const char *root, const select_overrides *o, loader_view *v)
{
    memset(v, 0, sizeof *v);
    /* node-gyp-build: electron only when process.versions.electron is set; Bun and Deno are node. */
    v->runtime = strcmp(rt->kind, "electron") == 0 ? "electron" : "node";
    v->electron = strcmp(rt->kind, "electron") == 0 ? rt->product_version : NULL;
    v->abi = rt->modules >= 0 ? report_printf(r, "%d", rt->modules) : "undefined";
    v->uv = rt->uv ? report_printf(r, "%.*s", (int)strcspn(rt->uv, "."), rt->uv) : "";
    const char *m = rt->machine ? rt->machine : "";
    const abi_machine *am = abi_machine_of_name(m);
    v->arch = am ? am->node_arch : report_strdup(r, m);
    v->platform = "linux";
    /* node-gyp-build: musl exactly when /etc/alpine-release exists (in the image, when given). */
    char alpine[PATH_MAX * 2];
    sysroot_host(root, "/etc/alpine-release", alpine, sizeof alpine);
    v->libc = is_file(alpine) ? "musl" : "glibc";
    /* napi-rs asks the runtime itself (process.report's glibc version), so its libc is the runtime's. */
    v->rt_libc = rt->libc && strcmp(rt->libc, "musl") == 0 ? "musl" : "glibc";
    if (o && o->arch)
        v->arch = o->arch;
    if (o && o->platform)
        v->platform = o->platform;
    if (o && o->libc)
        v->libc = v->rt_libc = o->libc;
    v->armv = strcmp(v->arch, "arm64") == 0 ? "8" : "";
    v->node_version = rt->version;
    v->napi = rt->napi;
}

/* The loader rules, in the order pick_rule tries them, each with the name reports give it. */
typedef enum rule_id {
    RULE_NAPI_RS,
    RULE_NODE_PRE_GYP,
    RULE_NGB_OPTIONAL,
    RULE_NODE_GYP_BUILD,
    RULE_BINDINGS,
    RULE_PLATFORM_PACKAGES,
    RULE_BUILD_RELEASE,
} rule_id;

/* The rules' table takes no result: whether one chose a file is in the selection. */
static void rule_platform_packages_any(sel_ctx *c, const cJSON *pkg) { rule_platform_packages(c, pkg); }

static void rule_build_release(sel_ctx *c, const cJSON *pkg)
{
    (void)pkg;
    if (!ngb_build_dir(c, c->s->pkgdir, "build/Release"))
        c->a->none_why = "no loader rule applies and build/Release holds no .node file";
}

static const struct {
    const char *name;
    void (*apply)(sel_ctx *c, const cJSON *pkg);
} rules[] = {
    [RULE_NAPI_RS] = {"napi-rs", rule_napi_rs},
    [RULE_NODE_PRE_GYP] = {"node-pre-gyp", rule_node_pre_gyp},
    [RULE_NGB_OPTIONAL] = {"node-gyp-build-optional-packages", rule_ngb_optional},
    [RULE_NODE_GYP_BUILD] = {"node-gyp-build", rule_node_gyp_build},
    [RULE_BINDINGS] = {"bindings", rule_bindings},
    [RULE_PLATFORM_PACKAGES] = {"optionalDependencies", rule_platform_packages_any},
    [RULE_BUILD_RELEASE] = {"build/Release", rule_build_release},
};

/* The rule behind a package's loading, recognised from its package.json and layout. */
static rule_id pick_rule(const cJSON *pkg, const char *pkgdir, const char *root, const char **why, report *r)
{
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "napi"))) {
        *why = "package.json has a napi field (napi-rs)";
        return RULE_NAPI_RS;
    }
    const char *v;
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "binary")) &&
        ((v = dep(pkg, "@mapbox/node-pre-gyp")) || (v = dep(pkg, "node-pre-gyp")))) {
        *why = report_printf(r, "package.json binary, and it depends on node-pre-gyp %s", v);
        return RULE_NODE_PRE_GYP;
    }
    if ((v = dep(pkg, "node-gyp-build-optional-packages"))) {
        *why = report_printf(r, "it depends on node-gyp-build-optional-packages %s", v);
        return RULE_NGB_OPTIONAL;
    }
    if ((v = dep(pkg, "node-gyp-build"))) {
        *why = report_printf(r, "it depends on node-gyp-build %s", v);
        return RULE_NODE_GYP_BUILD;
    }
    if ((v = dep(pkg, "bindings"))) {
        *why = report_printf(r, "it depends on bindings %s", v);
        return RULE_BINDINGS;
    }
    if (has_platform_packages(pkgdir, root, pkg)) {
        *why = "its optionalDependencies include installed platform packages (os/cpu in their package.json)";
        return RULE_PLATFORM_PACKAGES;
    }
    char p[PATH_MAX * 2];
    pjoin(p, sizeof p, pkgdir, "prebuilds");
    if (is_dir(p)) {
        *why = "a prebuilds/ directory in node-gyp-build's layout (no loader dependency declared)";
        return RULE_NODE_GYP_BUILD;
    }
    *why = "build/Release, as require('./build/Release/...') loads it";
    return RULE_BUILD_RELEASE;
}

const char *pkg_install_builds(const char *pkgdir, const cJSON *pkg)
{
    char p[PATH_MAX * 2];
    pjoin(p, sizeof p, pkgdir, "binding.gyp");
    if (is_file(p) || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pkg, "gypfile")))
        return "it builds it with node-gyp (binding.gyp)";
    const cJSON *scripts = cJSON_GetObjectItemCaseSensitive(pkg, "scripts");
    static const char *const hooks[] = {"preinstall", "install", "postinstall"};
    for (size_t i = 0; i < 3; i++) {
        const char *cmd = jstr(scripts, hooks[i]);
        if (cmd && (strstr(cmd, "prebuild-install") || strstr(cmd, "node-pre-gyp") || strstr(cmd, "node-gyp") ||
                    strstr(cmd, "cmake-js")))
            return "its install script downloads or builds it";
    }
    return NULL;
}

const char *pkg_install_hook(const cJSON *pkg)
{
    const cJSON *scripts = cJSON_GetObjectItemCaseSensitive(pkg, "scripts");
    static const char *const hooks[] = {"preinstall", "install", "postinstall"};
    for (size_t i = 0; i < 3; i++)
        if (jstr(scripts, hooks[i]))
            return jstr(scripts, hooks[i]);
    return NULL;
}

/* The file require() starts from, as package.json names it: the exports map's "." entry (its
 * require, node or default condition), else main, else index.js. NULL when the map says nothing
 * that a file check could settle (nested conditions, patterns). */
static const char *entry_of(const cJSON *pkg)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(pkg, "exports");
    if (!e) {
        const char *m = jstr(pkg, "main");
        return m && *m ? m : "index.js";
    }
    if (cJSON_IsObject(e) && cJSON_GetObjectItemCaseSensitive(e, "."))
        e = cJSON_GetObjectItemCaseSensitive(e, ".");
    if (cJSON_IsString(e))
        return e->valuestring;
    static const char *const conds[] = {"require", "node", "default"};
    for (size_t i = 0; cJSON_IsObject(e) && i < 3; i++)
        if (jstr(e, conds[i]))
            return jstr(e, conds[i]);
    return NULL;
}

/* The entry file require() would load is missing (as Node completes a main): the package was
 * never put in place. */
static const char *main_missing(report *r, const char *pkgdir, const cJSON *pkg)
{
    const char *m = entry_of(pkg);
    if (!m)
        return NULL;
    static const char *const tails[] = {"", ".js", ".json", ".node", "/index.js", "/index.json", "/index.node"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        char p[PATH_MAX * 2];
        if (snprintf(p, sizeof p, "%s/%s%s", pkgdir, m, tails[i]) < (int)sizeof p && is_file(p))
            return NULL;
    }
    return report_strdup(r, m);
}

/* After the rules found no file: never built or never put in place (fail), or no way to tell
 * (error: the selection phase then weighs the package's files that could load). */
static void settle_none(sel_ctx *c, const cJSON *pkg)
{
    selection *s = c->s;
    sel_answer *a = c->a;
    if (a->chosen) {
        a->outcome = SEL_CHOSEN;
        return;
    }
    const char *how = pkg_install_builds(c->pkgdir, pkg);
    const char *hook = pkg_install_hook(pkg);
    const char *gone = hook ? main_missing(c->r, c->pkgdir, pkg) : NULL;
    /* Has it any .node file? Looked for level by level: a prebuilt directory next to a large
     * source tree is found without walking the tree. */
    bool any = false;
    for (int depth = 0; depth <= 6 && !any && !gone; depth++) {
        names f = {NULL, NULL, 0};
        find_files(c->pkgdir, depth, is_node_name, false, &f, 1);
        any = f.n > 0;
        names_free(&f);
    }
    if (gone) {
        a->outcome = SEL_UNBUILT;
        a->none_why = report_printf(c->r,
                                    "its entry file %s is missing: its install script (%s) puts the package in place "
                                    "and has not run (installed with --ignore-scripts?): npm rebuild %s",
                                    gone, hook, s->name ? s->name : c->pkgdir);
    } else if (!any && s->nreached == 0 && how) {
        a->outcome = SEL_UNBUILT;
        a->none_why = report_printf(c->r,
                                    "no .node file: %s at install time, and its install script has not run (installed "
                                    "with --ignore-scripts?): npm rebuild %s",
                                    how, s->name ? s->name : c->pkgdir);
    } else if (c->rule == RULE_BUILD_RELEASE) {
        a->outcome = SEL_UNKNOWN;
        a->none_why = report_printf(c->r,
                                    "cannot tell which file this package loads: no loader rule applies%s, and "
                                    "build/Release holds no .node file",
                                    any ? " to its .node files" : "");
    } else {
        a->outcome = SEL_NONE;
    }
}

int rules_select(report *r, const char *pkgdir, const runtime_facts *rt, const char *root, const select_overrides *o,
                 selection *out, diag *d)
{
    memset(out, 0, sizeof *out);
    out->step = STEP_RULES;
    char real[PATH_MAX * 2], pj[PATH_MAX + 16];
    if (!realpath(pkgdir, real))
        return diag_errno(d, DIAG_IO, "%s", pkgdir);
    pjoin(pj, sizeof pj, real, "package.json");
    cJSON *pkg = pkg_read_json(pj);
    if (!pkg)
        return diag_set(d, DIAG_IO, "%s: not a package (no readable package.json)", pkgdir);
    out->pkgdir = report_strdup(r, real);
    out->name = report_strdup(r, jstr(pkg, "name"));
    out->version = report_strdup(r, jstr(pkg, "version"));
    loader_view *v = report_alloc(r, sizeof *v);
    if (!v) {
        cJSON_Delete(pkg);
        return diag_set(d, DIAG_NOMEM, "out of memory");
    }
    rules_view(r, rt, root, o, v);
    out->seen_as = report_printf(r, "runtime=%s abi=%s uv=%s%s%s libc=%s platform=%s arch=%s", v->runtime, v->abi,
                                 v->uv, v->armv[0] ? " armv=" : "", v->armv, v->libc, v->platform, v->arch);
    if (strcmp(rt->kind, "bun") == 0 || strcmp(rt->kind, "deno") == 0)
        out->seen_note =
            report_printf(r, "%s is seen as node by the loader (it reports node %s / modules %d), but its engine is %s",
                          rt->kind, rt->version ? rt->version : "?", rt->modules,
                          strcmp(rt->engine, "jsc") == 0 ? "JavaScriptCore" : rt->engine);
    sel_answer *a = &out->rules;
    const char *why = "";
    rule_id rule = pick_rule(pkg, real, root, &why, r);
    a->rule = rules[rule].name;
    a->rule_why = why;
    sel_ctx c = {r, out, a, v, out->pkgdir, 0, NULL, NULL, root, rule, rt};
    rules[rule].apply(&c, pkg);
    /* A loader of its own (rollup's napi-rs names its platform packages @rollup/rollup-*) still
     * ends in a platform package: when the rule finds none, the platform packages may. */
    if (!a->chosen && rule != RULE_PLATFORM_PACKAGES && has_platform_packages(out->pkgdir, c.root, pkg)) {
        const char *before = a->none_why;
        a->none_why = NULL;
        if (rule_platform_packages(&c, pkg)) {
            a->rule_why = report_printf(r, "%s found none (%s); its installed platform packages decide", a->rule,
                                        before ? before : "no file");
            a->rule = rules[RULE_PLATFORM_PACKAGES].name;
            c.rule = RULE_PLATFORM_PACKAGES;
        } else {
            a->none_why = report_printf(r, "%s; %s", before ? before : "no file", a->none_why);
        }
    }
    settle_none(&c, pkg);
    /* The chosen file's own package (a platform package) is reached too. */
    if (a->chosen)
        rules_reach_owner(r, out, a->chosen);
    cJSON_Delete(pkg);
    return 0;
}

static bool under(const char *path, const char *dir)
{
    size_t l = strlen(dir);
    return strncmp(path, dir, l) == 0 && path[l] == '/';
}

static bool considered_in(const candidate *cands, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++) {
        const char *cp = cands[i].path;
        size_t cl = strlen(cp);
        /* A rejected directory ("prebuilds/darwin-arm64/") covers the files in it. */
        if (strcmp(cp, rel) == 0 || (cl && cp[cl - 1] == '/' && strncmp(rel, cp, cl) == 0))
            return true;
    }
    return false;
}

bool select_considered(const selection *s, const char *path)
{
    if ((s->observed.chosen && strcmp(s->observed.chosen, path) == 0) ||
        (s->rules.chosen && strcmp(s->rules.chosen, path) == 0))
        return true;
    for (size_t i = 0; i < s->nreached; i++)
        if (under(path, s->reached[i]))
            return true;
    for (size_t i = 0; i < s->nasks; i++)
        if (strcmp(s->asks[i].file, path) == 0)
            return true;
    if (!s->pkgdir || !under(path, s->pkgdir))
        return false;
    const char *rel = path + strlen(s->pkgdir) + 1;
    return considered_in(s->observed.cands, s->observed.ncands, rel) ||
           considered_in(s->rules.cands, s->rules.ncands, rel);
}

/* Some optionalDependency is named like a platform package (it names a platform and an
 * architecture): the package expects native code from one, installed or not. */
static bool names_platform_packages(const cJSON *pkg)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(pkg, "optionalDependencies"))
    {
        prebuild_target t;
        if (e->string && prebuild_platform_name(e->string, &t))
            return true;
    }
    return false;
}

bool select_is_native(const char *pkgdir, const char *root)
{
    char p[PATH_MAX * 2 + 32];
    pjoin(p, sizeof p, pkgdir, "binding.gyp");
    if (is_file(p))
        return true;
    static const char *const dirs[] = {"prebuilds", "build/Release", "build/Debug", "lib/binding", NULL};
    for (size_t i = 0; dirs[i]; i++) {
        pjoin(p, sizeof p, pkgdir, dirs[i]);
        if (is_dir(p))
            return true;
    }
    pjoin(p, sizeof p, pkgdir, "package.json");
    cJSON *pkg = pkg_read_json(p);
    bool native = pkg && (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "napi")) ||
                          (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "binary")) &&
                           (dep(pkg, "@mapbox/node-pre-gyp") || dep(pkg, "node-pre-gyp"))) ||
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pkg, "gypfile")) ||
                          dep(pkg, "node-gyp-build") || dep(pkg, "node-gyp-build-optional-packages") ||
                          dep(pkg, "bindings") || pkg_install_builds(pkgdir, pkg) ||
                          has_platform_packages(pkgdir, root, pkg) || names_platform_packages(pkg));
    cJSON_Delete(pkg);
    return native;
}

bool select_is_platform_package(const char *pkgdir)
{
    char p[PATH_MAX * 2 + 32];
    pjoin(p, sizeof p, pkgdir, "package.json");
    cJSON *pkg = pkg_read_json(p);
    bool yes = pkg && pkg_json_is_platform(pkg);
    cJSON_Delete(pkg);
    return yes;
}

char *select_package_name(const char *dir)
{
    char p[PATH_MAX * 2 + 32];
    if (!is_dir(dir) || !pjoin(p, sizeof p, dir, "package.json"))
        return NULL;
    cJSON *pkg = pkg_read_json(p);
    const char *name = jstr(pkg, "name");
    char *out = name ? strdup(name) : NULL;
    cJSON_Delete(pkg);
    return out;
}
