/* probe/fetch.c — runtimes by name and version from the npm registry (see fetch.h). The user's
 * npm does the talking (`npm view` to resolve, `npm install --ignore-scripts` into a private
 * directory to fetch, which checks the tarball against the registry's integrity); this file
 * chooses the package and the version, keeps the cache, and checks the executable's SHA-512
 * (nettle) against what it recorded when it was fetched. */
#define _GNU_SOURCE
#include "probe/fetch.h"

#include "probe/cache.h"
#include "probe/interrupt.h"
#include "probe/paths.h"
#include "probe/runtime.h"
#include "probe/semver.h"
#include "probe/spawn.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    MANIFEST_MAX = 64 * 1024,
    VIEW_MAX = 8 * 1024 * 1024,      /* npm view's answer: every version of a package */
    INSTALL_TIMEOUT_MS = 15 * 60000, /* a download of a hundred megabytes on a slow line */
    SHA512_B64 = BASE64_ENCODE_RAW_LENGTH(SHA512_DIGEST_SIZE) + 1,
};
static const char MANIFEST[] = "abiprobe-fetch.json";

static const char *const RUNTIMES[] = {"node", "bun", "deno", NULL};

bool fetch_is_spec(const char *rt)
{
    const char *at = rt ? strchr(rt, '@') : NULL;
    if (!at || at == rt || strchr(rt, '/'))
        return false;
    for (size_t i = 0; RUNTIMES[i]; i++)
        if (strlen(RUNTIMES[i]) == (size_t)(at - rt) && strncmp(rt, RUNTIMES[i], (size_t)(at - rt)) == 0)
            return true;
    return false;
}

/* This CPU has AVX2 (Bun's default x64 build needs it; its -baseline build does not): cpuid on
 * x86-64, no file read. */
static bool cpu_has_avx2(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return true; /* cannot tell: the default build, as Bun's own installer picks it */
    char line[8192];
    bool flags = false, avx2 = false;
    while (!flags && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) == 0) {
            flags = true;
            for (char *t = strtok(strchr(line, ':') ? strchr(line, ':') + 1 : line, " \t\n"); t;
                 t = strtok(NULL, " \t\n"))
                avx2 = avx2 || strcmp(t, "avx2") == 0;
        }
    }
    fclose(f);
    return !flags || avx2;
#endif
}

int fetch_package_for(const char *name, const fetch_opts *o, char *pkg, size_t pn, const char **exe_rel, diag *d)
{
    bool arm = o->machine && strcmp(o->machine, "aarch64") == 0;
    bool x64 = !o->machine || strcmp(o->machine, "x86_64") == 0;
    bool musl = o->libc && strcmp(o->libc, "musl") == 0;
    if (!arm && !x64)
        return diag_set(d, DIAG_USAGE, "no official build of %s for %s on the npm registry (x86_64 and aarch64 only)",
                        name, o->machine);
    if (strcmp(name, "node") == 0) {
        if (musl)
            return diag_set(d, DIAG_USAGE,
                            "Node.js publishes no musl build on the npm registry (name a musl node by its path)");
        snprintf(pkg, pn, "node-linux-%s", arm ? "arm64" : "x64");
        *exe_rel = "bin/node";
    } else if (strcmp(name, "bun") == 0) {
        bool baseline = !arm && o->here && !cpu_has_avx2();
        snprintf(pkg, pn, "@oven/bun-linux-%s%s%s", arm ? "aarch64" : "x64", musl ? "-musl" : "",
                 baseline ? "-baseline" : "");
        *exe_rel = "bin/bun";
    } else if (strcmp(name, "deno") == 0) {
        if (musl)
            return diag_set(d, DIAG_USAGE, "Deno publishes no musl build on the npm registry");
        snprintf(pkg, pn, "@deno/linux-%s-glibc", arm ? "arm64" : "x64");
        *exe_rel = "deno";
    } else {
        return diag_set(d, DIAG_USAGE, "%s is not a runtime that can be fetched by version (node, bun or deno)", name);
    }
    return 0;
}

/* ---------- the executable's SHA-512 ---------- */

static int sha512_file(const char *path, char out[SHA512_B64])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    struct sha512_ctx ctx;
    sha512_init(&ctx);
    ssize_t n;
    while ((n = read(fd, buf, CHUNK)) > 0)
        sha512_update(&ctx, (size_t)n, buf);
    int e = n < 0 ? errno : 0;
    free(buf);
    close(fd);
    if (e) {
        errno = e;
        return -1;
    }
    uint8_t digest[SHA512_DIGEST_SIZE];
    sha512_digest(&ctx, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest);
    out[BASE64_ENCODE_RAW_LENGTH(SHA512_DIGEST_SIZE)] = '\0';
    return 0;
}

/* ---------- the cache ---------- */

/* "<cache>/abiprobe/runtimes/npm": the fetched runtimes, one directory each. */
static int npm_root(char *buf, size_t n, diag *d)
{
    if (!cache_root("runtimes/npm", buf, n))
        return diag_set(d, DIAG_SPAWN, "no cache directory to keep a fetched runtime in (set XDG_CACHE_HOME or HOME)");
    return 0;
}

/* "@oven/bun-linux-x64" -> "@oven+bun-linux-x64" (one directory level per entry). */
static void flat_name(const char *pkg, char *buf, size_t n)
{
    snprintf(buf, n, "%s", pkg);
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = '+';
}

/* A path made of parts, "" when it does not fit (it then names nothing that exists). */
static void path_of(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void path_of(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= n)
        buf[0] = '\0';
}

static void entry_dir(const char *root, const char *pkg, const char *version, char *buf, size_t n)
{
    char flat[128];
    flat_name(pkg, flat, sizeof flat);
    path_of(buf, n, "%s/%s@%s", root, flat, version);
}

static void exe_in(const char *dir, const char *pkg, const char *exe_rel, char *buf, size_t n)
{
    path_of(buf, n, "%s/node_modules/%s/%s", dir, pkg, exe_rel);
}

static char *read_small(const char *path, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (!buf || n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The file's identity as the manifest records it: a change of any part means a re-hash. */
static void identity(const struct stat *st, char *buf, size_t n)
{
    snprintf(buf, n, "%ju:%ju:%jd:%ld.%09ld:%ld.%09ld", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
             (intmax_t)st->st_size, (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, (long)st->st_ctim.tv_sec,
             st->st_ctim.tv_nsec);
}

static int write_manifest(const char *dir, const char *pkg, const char *version, const char *integrity,
                          const char *exe_rel, const char *sha, const struct stat *st)
{
    char id[256], path[PATH_MAX];
    identity(st, id, sizeof id);
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return -1;
    cJSON_AddStringToObject(m, "package", pkg);
    cJSON_AddStringToObject(m, "version", version);
    cJSON_AddStringToObject(m, "integrity", integrity);
    cJSON_AddStringToObject(m, "exe", exe_rel);
    cJSON_AddStringToObject(m, "sha512", sha);
    cJSON_AddStringToObject(m, "identity", id);
    cJSON_AddNumberToObject(m, "size", (double)st->st_size);
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    if (!text)
        return -1;
    snprintf(path, sizeof path, "%s/%s", dir, MANIFEST);
    cache_store(path, text, strlen(text));
    free(text);
    return 0;
}

typedef enum cached_state { CACHED_OK, CACHED_NONE, CACHED_DAMAGED } cached_state;

/* Is pkg@version in the cache, and is its executable the one that was fetched? why gets what
 * is wrong with a damaged entry. */
static cached_state check_cached(const char *dir, const char *pkg, const char *version, const char *exe_rel, char *why,
                                 size_t wn)
{
    char path[PATH_MAX], exe[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, MANIFEST);
    struct stat st;
    if (stat(dir, &st) != 0)
        return CACHED_NONE;
    char *text = read_small(path, MANIFEST_MAX);
    cJSON *m = text ? cJSON_Parse(text) : NULL;
    free(text);
    const char *sha = jstr(m, "sha512"), *id = jstr(m, "identity"), *integrity = jstr(m, "integrity");
    if (!m || !sha || !id || !integrity || !jstr(m, "package") || strcmp(jstr(m, "package"), pkg) != 0 ||
        !jstr(m, "version") || strcmp(jstr(m, "version"), version) != 0) {
        snprintf(why, wn, "its manifest (%s) is missing or unreadable", path);
        cJSON_Delete(m);
        return CACHED_DAMAGED;
    }
    exe_in(dir, pkg, exe_rel, exe, sizeof exe);
    char now[256];
    if (stat(exe, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, wn, "its executable %s is gone", exe);
        cJSON_Delete(m);
        return CACHED_DAMAGED;
    }
    identity(&st, now, sizeof now);
    cached_state s = CACHED_OK;
    if (strcmp(now, id) != 0) {
        /* Touched, copied or written to: only its bytes can say whether it is still the same. */
        char got[SHA512_B64];
        if (sha512_file(exe, got) != 0 || strcmp(got, sha) != 0 || (double)st.st_size != jnum(m, "size")) {
            snprintf(why, wn, "the bytes of %s changed since it was fetched (its SHA-512 is not the one recorded)",
                     exe);
            s = CACHED_DAMAGED;
        } else {
            write_manifest(dir, pkg, version, integrity, exe_rel, sha, &st);
        }
    }
    cJSON_Delete(m);
    return s;
}

/* The cached versions of pkg (malloc'd strings in *out), for the registry's absence. */
static size_t cached_versions(const char *root, const char *pkg, char ***out)
{
    char flat[128];
    flat_name(pkg, flat, sizeof flat);
    size_t fl = strlen(flat), n = 0, cap = 0;
    *out = NULL;
    DIR *dir = opendir(root);
    if (!dir)
        return 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strncmp(e->d_name, flat, fl) != 0 || e->d_name[fl] != '@')
            continue;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 16;
            char **nv = realloc(*out, c * sizeof *nv);
            if (!nv)
                break;
            *out = nv;
            cap = c;
        }
        if (((*out)[n] = strdup(e->d_name + fl + 1)))
            n++;
    }
    closedir(dir);
    return n;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---------- npm ---------- */

typedef struct npm {
    char path[PATH_MAX];
    unsigned timeout_ms;
} npm;

/* Run npm with args (no shell); res holds what it said. -1 when it could not be started. */
static int npm_run(const npm *n, const char *const *args, unsigned timeout_ms, spawn_res *res, diag *d)
{
    const char *argv[24];
    size_t k = 0;
    argv[k++] = n->path;
    for (size_t i = 0; args[i] && k < 23; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    /* npm's own chatter off: no update check, no funding lines, no colour. */
    const char *set[] = {"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false",
                         "NO_COLOR=1", NULL};
    char **env = spawn_env_with(set);
    if (!env)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    spawn_req q = {argv, (const char *const *)env, NULL, timeout_ms, 0, VIEW_MAX, 64 * 1024};
    int rc = spawn_run(&q, res, d);
    free(env);
    return rc;
}

/* npm's error as --json gives it ({"error": {"code", "summary"}}), else its last line. */
static void npm_error(const spawn_res *res, char *code, size_t cn, char *said, size_t sn)
{
    code[0] = said[0] = '\0';
    cJSON *j = res->out ? cJSON_Parse(res->out) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    if (jstr(e, "code"))
        snprintf(code, cn, "%s", jstr(e, "code"));
    if (jstr(e, "summary"))
        snprintf(said, sn, "%s", jstr(e, "summary"));
    cJSON_Delete(j);
    for (const char *p = res->err; !code[0] && p && (p = strstr(p, "npm error code ")); p++)
        snprintf(code, cn, "%.*s", (int)strcspn(p + 15, " \n"), p + 15);
    /* The first "npm error" line that says something (not its code, errno, or log file). */
    for (const char *p = res->err; !said[0] && p && (p = strstr(p, "npm error ")); p++) {
        const char *t = p + 10;
        size_t len = strcspn(t, "\n");
        if (strncmp(t, "code ", 5) && strncmp(t, "errno ", 6) && strncmp(t, "syscall ", 8) &&
            strncmp(t, "A complete log", 14) && len > 0)
            snprintf(said, sn, "%.*s", (int)(len > 300 ? 300 : len), t);
    }
    size_t ll = 0;
    const char *line = spawn_last_line(res->err, res->err_len, &ll);
    if (!said[0] && line)
        snprintf(said, sn, "%.*s", (int)(ll > 300 ? 300 : ll), line);
    if (!said[0]) {
        char how[64];
        snprintf(said, sn, "npm %s", spawn_describe(res, how, sizeof how));
    }
}

/* Errors that mean "the registry says no", not "the registry could not be asked". */
static bool registry_answered(const char *code) { return strcmp(code, "E404") == 0 || strcmp(code, "ETARGET") == 0; }

typedef struct versions {
    char **v;
    size_t n;
    cJSON *tags; /* the dist-tags object, owned by doc */
    cJSON *doc;
} versions;

/* npm view PKG versions dist-tags: every published version and the dist-tags. 0; 1 when the
 * registry could not be asked (code and said say why); -1 with d for anything else. */
static int npm_versions(const npm *n, const char *pkg, versions *out, char *code, size_t cn, char *said, size_t sn,
                        diag *d)
{
    memset(out, 0, sizeof *out);
    const char *args[] = {"view", pkg, "versions", "dist-tags", "--json", "--fetch-retries=0", "--loglevel=error",
                          NULL};
    spawn_res res;
    if (npm_run(n, args, n->timeout_ms, &res, d) != 0)
        return -1;
    int rc = -1;
    if (!res.exited || res.exit_code != 0) {
        npm_error(&res, code, cn, said, sn);
        if (registry_answered(code))
            diag_set(d, DIAG_USAGE, "npm has no package %s (%s)", pkg, said);
        else
            rc = 1;
        goto done;
    }
    out->doc = cJSON_Parse(res.out ? res.out : "");
    cJSON *vs = cJSON_GetObjectItemCaseSensitive(out->doc, "versions");
    out->tags = cJSON_GetObjectItemCaseSensitive(out->doc, "dist-tags");
    size_t nv = cJSON_IsArray(vs) ? (size_t)cJSON_GetArraySize(vs) : cJSON_IsString(vs) ? 1 : 0;
    if (!nv || !(out->v = calloc(nv, sizeof *out->v))) {
        diag_set(d, DIAG_SPAWN, "npm view %s: no versions in its answer", pkg);
        goto done;
    }
    if (cJSON_IsString(vs)) {
        out->v[out->n++] = vs->valuestring;
    } else {
        const cJSON *x;
        cJSON_ArrayForEach(x, vs) if (cJSON_IsString(x)) out->v[out->n++] = x->valuestring;
    }
    rc = 0;
done:
    spawn_res_free(&res);
    if (rc != 0) {
        free(out->v);
        cJSON_Delete(out->doc);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

static void versions_free(versions *v)
{
    free(v->v);
    cJSON_Delete(v->doc);
}

/* The registry's integrity for pkg@version (npm view ... dist.integrity). */
static int npm_integrity(const npm *n, const char *pkg, const char *version, char *out, size_t on, diag *d)
{
    char spec[192];
    snprintf(spec, sizeof spec, "%s@%s", pkg, version);
    const char *args[] = {"view", spec, "dist.integrity", "--json", "--fetch-retries=1", "--loglevel=error", NULL};
    spawn_res res;
    if (npm_run(n, args, n->timeout_ms, &res, d) != 0)
        return -1;
    int rc = -1;
    cJSON *j = res.exited && res.exit_code == 0 && res.out ? cJSON_Parse(res.out) : NULL;
    if (cJSON_IsString(j) && strncmp(j->valuestring, "sha512-", 7) == 0) {
        snprintf(out, on, "%s", j->valuestring);
        rc = 0;
    } else {
        char code[64], said[400];
        npm_error(&res, code, sizeof code, said, sizeof said);
        diag_set(d, DIAG_SPAWN, "npm view %s dist.integrity: %s", spec, said);
    }
    cJSON_Delete(j);
    spawn_res_free(&res);
    return rc;
}

/* Fetch pkg@version into a private directory next to the cache entry, check it, record its
 * manifest, and move it into place. */
static int install(const npm *n, const fetch_opts *o, const char *root, const char *pkg, const char *version,
                   const char *exe_rel, const char *dest, diag *d)
{
    char tmp[PATH_MAX], spec[192], exe[PATH_MAX];
    snprintf(spec, sizeof spec, "%s@%s", pkg, version);
    if (snprintf(tmp, sizeof tmp, "%s/.fetch-XXXXXX", root) >= (int)sizeof tmp || path_mkdir_parents(tmp, 0700) != 0 ||
        !mkdtemp(tmp))
        return diag_errno(d, DIAG_SPAWN, "%s: cannot make a directory in %s", spec, root);
    if (!interrupt_add_path(tmp, true)) {
        rmdir(tmp);
        return diag_set(d, DIAG_SPAWN, "%s: abiprobe is being interrupted", spec);
    }
    if (o->say) {
        char line[300];
        snprintf(line, sizeof line, "fetching %s from the npm registry", spec);
        o->say(line);
    }
    /* Another machine's package: npm refuses it here (EBADPLATFORM) unless forced; --force
     * skips that check and no other (the tarball's integrity is still checked). */
    const char *args[] = {"install",
                          "--prefix",
                          tmp,
                          "--ignore-scripts",
                          "--no-save",
                          "--no-package-lock",
                          "--loglevel=error",
                          "--fetch-retries=1",
                          "--no-audit",
                          "--no-fund",
                          spec,
                          o->here ? NULL : "--force",
                          NULL};
    spawn_res res;
    int rc = -1;
    char integrity[200] = "", want[200] = "", sha[SHA512_B64];
    if (npm_run(n, args, INSTALL_TIMEOUT_MS, &res, d) != 0)
        goto out;
    if (!res.exited || res.exit_code != 0) {
        char code[64], said[400];
        npm_error(&res, code, sizeof code, said, sizeof said);
        /* The registry's "no such version" is the user's mistake; anything else, not. */
        diag_set(d, registry_answered(code) ? DIAG_USAGE : DIAG_SPAWN, "%s: npm install failed: %s", spec, said);
        spawn_res_free(&res);
        goto out;
    }
    spawn_res_free(&res);
    /* npm checked the tarball against the integrity the registry gave it; its record of that
     * must be the registry's own. */
    char lock[PATH_MAX], key[160];
    path_of(lock, sizeof lock, "%s/node_modules/%s%s", tmp, ".package-lock", ".json");
    snprintf(key, sizeof key, "node_modules/%s", pkg);
    char *text = read_small(lock, MANIFEST_MAX * 4);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "packages"), key);
    if (jstr(entry, "integrity"))
        snprintf(integrity, sizeof integrity, "%s", jstr(entry, "integrity"));
    cJSON_Delete(j);
    if (!integrity[0]) {
        diag_set(d, DIAG_SPAWN, "%s: npm installed it but recorded no integrity for it (%s)", spec, lock);
        goto out;
    }
    if (npm_integrity(n, pkg, version, want, sizeof want, d) != 0)
        goto out;
    if (strcmp(integrity, want) != 0) {
        diag_set(d, DIAG_SPAWN, "%s: the tarball's integrity %s is not the registry's %s: not used", spec, integrity,
                 want);
        goto out;
    }
    exe_in(tmp, pkg, exe_rel, exe, sizeof exe);
    struct stat st;
    if (stat(exe, &st) != 0 || !S_ISREG(st.st_mode)) {
        diag_set(d, DIAG_SPAWN, "%s: the package has no %s", spec, exe_rel);
        goto out;
    }
    if (!(st.st_mode & S_IXUSR))
        chmod(exe, st.st_mode | S_IXUSR);
    if (sha512_file(exe, sha) != 0 || stat(exe, &st) != 0) {
        diag_errno(d, DIAG_SPAWN, "%s: cannot read %s", spec, exe);
        goto out;
    }
    if (write_manifest(tmp, pkg, version, integrity, exe_rel, sha, &st) != 0) {
        diag_set(d, DIAG_NOMEM, "out of memory");
        goto out;
    }
    /* Into place. Another abiprobe may have put the same version there meanwhile: it is as good. */
    if (rename(tmp, dest) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
        diag_errno(d, DIAG_SPAWN, "%s: cannot move it into %s", spec, dest);
        goto out;
    }
    rc = 0;
out:
    interrupt_remove_tree(tmp); /* gone already when it was moved into place */
    return rc;
}

/* ---------- resolution ---------- */

/* d's message, prefixed with what was asked: "node@99: ..." (copied first: d is the target). */
static int prefixed(diag *d, diag_code code, const char *spec)
{
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg);
    return diag_set(d, code, "%s: %s", spec, msg);
}

int fetch_runtime(const char *spec, const fetch_opts *o, fetched *out, diag *d)
{
    memset(out, 0, sizeof *out);
    const char *at = strchr(spec, '@');
    char name[16], pkg[96], root[PATH_MAX], dir[PATH_MAX];
    const char *range = at ? at + 1 : "", *exe_rel = NULL;
    snprintf(name, sizeof name, "%.*s", at ? (int)(at - spec) : 0, spec);
    if (!*range)
        return diag_set(d, DIAG_USAGE, "%s: name a version, a range or a dist-tag after the @ (%s@26, %s@latest)", spec,
                        name, name);
    bool tag = !semver_is_range(range);
    if (tag && (strlen(range) > 64 ||
                strspn(range, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(range)))
        return diag_set(d, DIAG_USAGE, "%s: '%s' is neither a version, a range nor a dist-tag", spec, range);
    if (fetch_package_for(name, o, pkg, sizeof pkg, &exe_rel, d) != 0)
        return prefixed(d, DIAG_USAGE, spec);
    if (npm_root(root, sizeof root, d) != 0)
        return -1;
    snprintf(out->package, sizeof out->package, "%s", pkg);

    semver exact;
    bool is_exact = !tag && semver_parse(range, &exact) == 0;
    bool damaged = false;
    char damage[PATH_MAX + 128] = "";
    /* An exact version that is cached and intact needs no registry at all. */
    if (is_exact) {
        snprintf(out->version, sizeof out->version, "%s", range);
        entry_dir(root, pkg, out->version, dir, sizeof dir);
        cached_state s = check_cached(dir, pkg, out->version, exe_rel, damage, sizeof damage);
        if (s == CACHED_OK)
            goto found;
        damaged = s == CACHED_DAMAGED;
    }
    npm n = {"", o->timeout_ms ? o->timeout_ms : 60000};
    diag nd;
    if (runtime_resolve("npm", n.path, sizeof n.path, &nd) != 0) {
        if (damaged)
            return diag_set(d, DIAG_SPAWN,
                            "%s: the cached %s@%s is damaged (%s), and there is no npm to fetch it again", spec, pkg,
                            out->version, damage);
        return diag_set(d, DIAG_SPAWN,
                        "%s: npm is not on PATH, and it fetches runtimes by version (install npm, or name the "
                        "runtime's path)",
                        spec);
    }
    if (!is_exact) {
        versions v;
        char code[64] = "", said[400] = "";
        int vr = npm_versions(&n, pkg, &v, code, sizeof code, said, sizeof said, d);
        if (vr < 0)
            return prefixed(d, d->code, spec);
        if (vr == 0) {
            long best = -1;
            if (tag) {
                const char *t = jstr(v.tags, range);
                for (size_t i = 0; t && i < v.n && best < 0; i++)
                    if (strcmp(v.v[i], t) == 0)
                        best = (long)i;
            } else {
                best = semver_max_satisfying((const char *const *)v.v, v.n, range);
            }
            if (best < 0) {
                long newest = semver_max_satisfying((const char *const *)v.v, v.n, "*");
                const char *latest = jstr(v.tags, "latest");
                diag_set(d, DIAG_USAGE, "%s: %s has no %s %s; the newest is %s", spec, pkg,
                         tag ? "dist-tag" : "version matching", range,
                         latest        ? latest
                         : newest >= 0 ? v.v[newest]
                                       : "none");
                versions_free(&v);
                return -1;
            }
            snprintf(out->version, sizeof out->version, "%s", v.v[best]);
            versions_free(&v);
        } else {
            /* The registry could not be asked: the newest cached match stands in, and the report says so. */
            char **cv;
            size_t nc = cached_versions(root, pkg, &cv);
            long best = semver_max_satisfying((const char *const *)cv, nc, tag ? "*" : range);
            for (; best >= 0; best = -1) {
                entry_dir(root, pkg, cv[best], dir, sizeof dir);
                if (check_cached(dir, pkg, cv[best], exe_rel, damage, sizeof damage) == CACHED_OK) {
                    snprintf(out->version, sizeof out->version, "%s", cv[best]);
                    snprintf(out->note, sizeof out->note,
                             "the npm registry could not be asked (%s): %s@%s is the newest cached %s, and a newer "
                             "one may exist",
                             said, pkg, out->version, tag ? "version" : "match");
                }
            }
            free_strs(cv, nc);
            if (out->version[0])
                goto found;
            return diag_set(d, DIAG_SPAWN,
                            "%s: the npm registry could not be asked (%s), and no %s of %s is cached%s%s", spec, said,
                            tag ? "version" : "matching version", pkg, damage[0] ? ": " : "", damage);
        }
        entry_dir(root, pkg, out->version, dir, sizeof dir);
        cached_state s = check_cached(dir, pkg, out->version, exe_rel, damage, sizeof damage);
        if (s == CACHED_OK)
            goto found;
        damaged = s == CACHED_DAMAGED;
    }
    /* Not cached, or damaged: fetched (again). A damaged entry goes first, so that it is never run. */
    if (damaged)
        interrupt_remove_tree(dir);
    if (install(&n, o, root, pkg, out->version, exe_rel, dir, d) != 0) {
        if (damaged) {
            char msg[sizeof d->msg];
            snprintf(msg, sizeof msg, "%s", d->msg);
            return diag_set(d, DIAG_SPAWN, "%s: the cached %s@%s was damaged (%s) and could not be fetched again: %s",
                            spec, pkg, out->version, damage, msg);
        }
        return -1; /* install's message names the package and version */
    }
    if (check_cached(dir, pkg, out->version, exe_rel, damage, sizeof damage) != CACHED_OK)
        return diag_set(d, DIAG_SPAWN, "%s: fetched, but %s", spec, damage);
found:
    exe_in(dir, pkg, exe_rel, out->exe, sizeof out->exe);
    return 0;
}
