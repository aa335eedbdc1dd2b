/* probe/select.c — reading a package the way its loader does. Directory listings are
 * sorted by byte order, as libuv's scandir (and so Node's fs.readdirSync) returns them;
 * ties in node-gyp-build's ranking keep that order (its sort is stable). */
#define _GNU_SOURCE
#include "select.h"

#include "spawn.h"

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
    size_t n;
} names;

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The sorted entries of dir (without . and ..); empty when it cannot be read. */
static names list_dir(const char *dir)
{
    names out = {NULL, 0};
    DIR *d = opendir(dir);
    if (!d)
        return out;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) && out.n < MAX_ENTRIES) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (out.n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(out.v, cap * sizeof *nv);
            if (!nv)
                break;
            out.v = nv;
        }
        if (!(out.v[out.n] = strdup(e->d_name)))
            break;
        out.n++;
    }
    closedir(d);
    if (out.n > 1)
        qsort(out.v, out.n, sizeof *out.v, cmp_name);
    return out;
}

static void names_free(names *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
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

static cJSON *read_json(const char *path)
{
    char *text = spawn_read_file(path, PACKAGE_JSON_MAX, NULL);
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
    selection *s;
    const loader_view *v;
    const char *pkgdir;
    size_t cap;
} sel_ctx;

static candidate *add_cand(sel_ctx *c, const char *rel, const char *st, const char *reason)
{
    if (c->s->ncands == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        candidate *n = report_alloc(c->r, cap * sizeof *n);
        if (!n)
            return NULL;
        if (c->s->ncands)
            memcpy(n, c->s->cands, c->s->ncands * sizeof *n);
        c->s->cands = n;
        c->cap = cap;
    }
    candidate *k = &c->s->cands[c->s->ncands++];
    k->path = report_strdup(c->r, rel);
    k->status = st;
    k->reason = report_strdup(c->r, reason);
    return k;
}

static void choose(sel_ctx *c, const char *rel, const char *reason)
{
    add_cand(c, rel, "chosen", reason);
    c->s->chosen = report_printf(c->r, "%s/%s", c->pkgdir, rel);
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
            add_cand(c, rel, "outranked", "node-gyp-build takes only the first .node file (by name) there");
        }
    }
    names_free(&n);
    return found;
}

typedef struct ranked {
    const char *file;
    ngb_tags tags;
} ranked;

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
            add_cand(c, rel, "outranked",
                     report_printf(c->r, "a single-architecture directory (%s) ranks first", best));
        else
            add_cand(c, rel, "rejected",
                     report_printf(c->r, "for %s, the runtime is %s-%s", tuples.v[i], c->v->platform, c->v->arch));
    }
    bool found = false;
    if (best) {
        char tdir[PATH_MAX * 2];
        pjoin(tdir, sizeof tdir, dir, best);
        names files = list_dir(tdir);
        ranked *ok = calloc(files.n ? files.n : 1, sizeof *ok);
        size_t nok = 0;
        for (size_t i = 0; ok && i < files.n; i++) {
            ngb_tags t;
            char why[160], rel[PATH_MAX];
            ngb_parse_tags(files.v[i], &t);
            snprintf(rel, sizeof rel, "%sprebuilds/%s/%s", relbase, best, files.v[i]);
            const char *no = ngb_reject(&t, c->v, why, sizeof why);
            if (no) {
                if (t.valid)
                    add_cand(c, rel, "rejected", no);
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
            snprintf(rel, sizeof rel, "%sprebuilds/%s/%s", relbase, best, ok[i].file);
            if (i == 0) {
                const ngb_tags *t = &ok[0].tags;
                const char *why = t->abi[0] ? report_printf(c->r, "abi%s = modules %s", t->abi, c->v->abi)
                                  : t->napi
                                      ? report_printf(c->r, "an N-API build (napi), any modules ABI")
                                      : report_printf(c->r, "no ABI tag: node-gyp-build takes it for any runtime");
                choose(c, rel, report_printf(c->r, "%s%s%s", why, t->libc ? ", " : "", t->libc ? t->libc : ""));
            } else {
                const ngb_tags *w = &ok[0].tags, *t = &ok[i].tags;
                bool same_rt =
                    (!w->runtime && !t->runtime) || (w->runtime && t->runtime && strcmp(w->runtime, t->runtime) == 0);
                const char *why = !same_rt                      ? "the winner names this runtime exactly"
                                  : strcmp(w->abi, t->abi) != 0 ? "an abi build ranks before a napi build"
                                                                : "the winner has more tags";
                add_cand(c, rel, "outranked", report_printf(c->r, "%s (%s)", why, ok[0].file));
            }
        }
        found = nok > 0;
        free(ok);
        names_free(&files);
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
            c->s->rule_why = report_printf(c->r, "%s; %s=%s", c->s->rule_why, var, env);
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
    c->s->none_why =
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
        size_t before = c->s->ncands;
        const char *chosen = c->s->chosen;
        ngb_prebuilds(c, base, relbase);
        c->s->chosen = chosen;
        for (size_t i = before; i < c->s->ncands; i++)
            if (strcmp(c->s->cands[i].status, "chosen") == 0) {
                c->s->cands[i].status = "not reached";
                c->s->cands[i].reason = "node-gyp-build found a local build first";
            }
    }
}

/* ---------- bindings ---------- */

/* The name passed to bindings('...') in the package's main file, or NULL. */
static const char *bindings_name(sel_ctx *c, const cJSON *pkg)
{
    const char *main = jstr(pkg, "main");
    char path[PATH_MAX * 2];
    pjoin(path, sizeof path, c->pkgdir, main ? main : "index.js");
    if (is_dir(path))
        snprintf(path + strlen(path), sizeof path - strlen(path), "/index.js");
    else if (!is_file(path) && strlen(path) + 4 < sizeof path)
        strcat(path, ".js");
    char *js = spawn_read_file(path, MAIN_JS_MAX, NULL);
    const char *found = NULL;
    for (char *p = js; p && (p = strstr(p, "bindings")) && !found; p += 8) {
        char *q = p + 8;
        while (*q == ' ' || *q == ')' || *q == '\'' || *q == '"')
            q++; /* require('bindings')('x') */
        if (*q != '(')
            continue;
        q++;
        while (*q == ' ')
            q++;
        if (*q == '{') { /* bindings({ bindings: 'x', ... }) */
            char *b = strstr(q, "bindings");
            char *e = b ? strpbrk(b + 8, "'\"") : NULL;
            q = e;
        }
        if (!q || (*q != '\'' && *q != '"'))
            continue;
        char quote = *q++;
        char *end = strchr(q, quote);
        if (end && end - q > 0 && end - q < 200)
            found = report_printf(c->r, "%.*s%s", (int)(end - q), q,
                                  (end - q > 5 && strncmp(end - 5, ".node", 5) == 0) ? "" : ".node");
    }
    free(js);
    return found;
}

static void rule_bindings(sel_ctx *c, const cJSON *pkg)
{
    const char *name = bindings_name(c, pkg);
    if (!name) {
        c->s->none_why = "the package uses bindings, but its main file names no binding abiprobe can read";
        return;
    }
    c->s->rule_why = report_printf(c->r, "%s; bindings('%s')", c->s->rule_why, name);
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
            add_cand(c, rel, "not reached", "bindings stops at the first file that exists");
        }
    }
    if (!chosen)
        c->s->none_why = report_printf(c->r, "bindings finds no %s in its %d search paths", name, 13);
}

/* ---------- node-pre-gyp ---------- */

static void rule_node_pre_gyp(sel_ctx *c, const cJSON *pkg)
{
    const cJSON *bin = cJSON_GetObjectItemCaseSensitive(pkg, "binary");
    const char *mname = jstr(bin, "module_name"), *mpath = jstr(bin, "module_path");
    if (!mname || !mpath) {
        c->s->none_why = "package.json binary lacks module_name or module_path";
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
        c->s->none_why = "binary.module_path expands to an over-long path";
        return;
    }
    pjoin(path, sizeof path, c->pkgdir, rel);
    if (is_file(path))
        choose(c, rel, report_printf(c->r, "binary.module_path %s expanded for this runtime", mpath));
    else {
        add_cand(c, rel, "absent", "the path node-pre-gyp computes for this runtime; no file there");
        c->s->none_why = report_printf(c->r, "node-pre-gyp looks for %s, which is not installed", rel);
    }
}

/* ---------- napi-rs ---------- */

/* Node's resolution of a package name from dir: dir/node_modules/NAME, then upwards. */
static bool resolve_package(const char *from, const char *name, char *out, size_t n)
{
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s", from);
    for (int depth = 0; depth < 64; depth++) {
        const char *base = strrchr(dir, '/');
        if (!base || strcmp(base + 1, "node_modules") != 0) {
            if (snprintf(out, n, "%s/node_modules/%s", dir, name) >= (int)n)
                return false;
            char pj[PATH_MAX * 2 + 16];
            pjoin(pj, sizeof pj, out, "package.json");
            if (is_file(pj))
                return true;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
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
        c->s->none_why = "package.json napi names no binary";
        return;
    }
    if (!triple) {
        c->s->none_why = report_printf(c->r, "napi-rs has no platform triple for %s-%s", c->v->platform, c->v->arch);
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
        bool present = resolve_package(c->pkgdir, dn, pkgpath, sizeof pkgpath);
        char file[PATH_MAX * 2], shown[PATH_MAX * 2];
        if (present) {
            cJSON *pj = NULL;
            char pjp[PATH_MAX * 2 + 16];
            pjoin(pjp, sizeof pjp, pkgpath, "package.json");
            pj = read_json(pjp);
            const char *main = jstr(pj, "main");
            pjoin(file, sizeof file, pkgpath, main ? main : report_printf(c->r, "%s.%s.node", bin, t));
            cJSON_Delete(pj);
        }
        snprintf(shown, sizeof shown, "%s (%s)", dn, present ? file : "not installed");
        if (strcmp(t, triple) != 0) {
            add_cand(c, shown, "rejected", report_printf(c->r, "for %s, the runtime is %s", t, triple));
        } else if (chosen) {
            add_cand(c, shown, "not reached", "napi-rs takes the local file first");
        } else if (present && is_file(file)) {
            add_cand(c, shown, "chosen", report_printf(c->r, "the platform package for %s", triple));
            c->s->chosen = report_strdup(c->r, file);
            chosen = true;
        } else {
            add_cand(c, shown, "absent", "the platform package for this runtime is not installed");
        }
    }
    if (!chosen)
        c->s->none_why = report_printf(c->r, "napi-rs finds neither %s nor an installed %s-%s", rel, pname, triple);
}

/* ---------- the package ---------- */

void select_view(report *r, const runtime_facts *rt, const select_overrides *o, loader_view *v)
{
    memset(v, 0, sizeof *v);
    /* node-gyp-build: electron only when process.versions.electron is set; Bun and Deno are node. */
    v->runtime = strcmp(rt->kind, "electron") == 0 ? "electron" : "node";
    v->electron = strcmp(rt->kind, "electron") == 0 ? rt->product_version : NULL;
    v->abi = rt->modules >= 0 ? report_printf(r, "%d", rt->modules) : "undefined";
    v->uv = rt->uv ? report_printf(r, "%.*s", (int)strcspn(rt->uv, "."), rt->uv) : "";
    const char *m = rt->machine ? rt->machine : "";
    v->arch = strcmp(m, "x86_64") == 0    ? "x64"
              : strcmp(m, "aarch64") == 0 ? "arm64"
              : strcmp(m, "i386") == 0    ? "ia32"
              : strcmp(m, "arm") == 0     ? "arm"
                                          : report_strdup(r, m);
    v->platform = "linux";
    /* node-gyp-build: musl exactly when /etc/alpine-release exists (in the image, when given). */
    char alpine[PATH_MAX * 2];
    snprintf(alpine, sizeof alpine, "%s/etc/alpine-release", o && o->sysroot ? o->sysroot : "");
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

static const char *pick_rule(const cJSON *pkg, const char *pkgdir, const char **why, report *r)
{
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "napi"))) {
        *why = "package.json has a napi field (napi-rs)";
        return "napi-rs";
    }
    const char *v;
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "binary")) &&
        ((v = dep(pkg, "@mapbox/node-pre-gyp")) || (v = dep(pkg, "node-pre-gyp")))) {
        *why = report_printf(r, "package.json binary, and it depends on node-pre-gyp %s", v);
        return "node-pre-gyp";
    }
    if ((v = dep(pkg, "node-gyp-build"))) {
        *why = report_printf(r, "it depends on node-gyp-build %s", v);
        return "node-gyp-build";
    }
    if ((v = dep(pkg, "bindings"))) {
        *why = report_printf(r, "it depends on bindings %s", v);
        return "bindings";
    }
    char p[PATH_MAX * 2];
    pjoin(p, sizeof p, pkgdir, "prebuilds");
    if (is_dir(p)) {
        *why = "a prebuilds/ directory in node-gyp-build's layout (no loader dependency declared)";
        return "node-gyp-build";
    }
    *why = "build/Release, as require('./build/Release/...') loads it";
    return "build/Release";
}

int select_package(report *r, const char *pkgdir, const runtime_facts *rt, const select_overrides *o, selection *out,
                   diag *d)
{
    memset(out, 0, sizeof *out);
    char real[PATH_MAX * 2], pj[PATH_MAX + 16];
    if (!realpath(pkgdir, real))
        return diag_errno(d, DIAG_IO, "%s", pkgdir);
    pjoin(pj, sizeof pj, real, "package.json");
    cJSON *pkg = read_json(pj);
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
    select_view(r, rt, o, v);
    out->seen_as = report_printf(r, "runtime=%s abi=%s uv=%s%s%s libc=%s platform=%s arch=%s", v->runtime, v->abi,
                                 v->uv, v->armv[0] ? " armv=" : "", v->armv, v->libc, v->platform, v->arch);
    if (strcmp(rt->kind, "bun") == 0 || strcmp(rt->kind, "deno") == 0)
        out->seen_note =
            report_printf(r, "%s is seen as node by the loader (it reports node %s / modules %d), but its engine is %s",
                          rt->kind, rt->version ? rt->version : "?", rt->modules,
                          strcmp(rt->engine, "jsc") == 0 ? "JavaScriptCore" : rt->engine);
    const char *why = "";
    out->rule = pick_rule(pkg, real, &why, r);
    out->rule_why = why;
    sel_ctx c = {r, out, v, out->pkgdir, 0};
    if (strcmp(out->rule, "napi-rs") == 0)
        rule_napi_rs(&c, pkg);
    else if (strcmp(out->rule, "node-pre-gyp") == 0)
        rule_node_pre_gyp(&c, pkg);
    else if (strcmp(out->rule, "bindings") == 0)
        rule_bindings(&c, pkg);
    else if (strcmp(out->rule, "node-gyp-build") == 0)
        rule_node_gyp_build(&c, pkg);
    else if (!ngb_build_dir(&c, out->pkgdir, "build/Release"))
        out->none_why = "no loader rule applies and build/Release holds no .node file";
    cJSON_Delete(pkg);
    return 0;
}

bool select_considered(const selection *s, const char *path)
{
    size_t pl = strlen(s->pkgdir);
    if (strncmp(path, s->pkgdir, pl) != 0 || path[pl] != '/')
        return false;
    const char *rel = path + pl + 1;
    for (size_t i = 0; i < s->ncands; i++) {
        const char *cp = s->cands[i].path;
        size_t cl = strlen(cp);
        /* A rejected directory ("prebuilds/darwin-arm64/") covers the files in it. */
        if (strcmp(cp, rel) == 0 || (cl && cp[cl - 1] == '/' && strncmp(rel, cp, cl) == 0))
            return true;
    }
    return s->chosen && strcmp(s->chosen, path) == 0;
}

bool select_is_native(const char *pkgdir)
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
    cJSON *pkg = read_json(p);
    bool native = pkg && (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "napi")) ||
                          (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pkg, "binary")) &&
                           (dep(pkg, "@mapbox/node-pre-gyp") || dep(pkg, "node-pre-gyp"))) ||
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pkg, "gypfile")));
    cJSON_Delete(pkg);
    return native;
}
