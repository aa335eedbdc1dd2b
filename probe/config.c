/* probe/config.c — parsing the --config file with cJSON, field by field, so that every
 * error says which field is wrong. */
#define _GNU_SOURCE
#include "probe/config.h"
#include "probe/paths.h"

#include "probe/spawn.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CONFIG_MAX = 4 << 20 };

static char *resolve(const char *dir, const char *p)
{
    char *out = NULL;
    if (p[0] == '/' || !dir || !*dir)
        return strdup(p);
    if (asprintf(&out, "%s/%s", dir, p) < 0)
        return NULL;
    return out;
}

/* A runtime value: a path (with a slash) resolves against dir; a command name stays. */
static char *resolve_runtime(const char *dir, const char *p) { return strchr(p, '/') ? resolve(dir, p) : strdup(p); }

static int bad(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(diag *d, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return diag_set(d, DIAG_USAGE, "config: %s", msg);
}

static const char *const known_top[] = {"runtimes", "targets", "smoke", "expect"};
static const char *const known_smoke[] = {"module", "expect"};
static const char *const known_expect[] = {"target", "runtime", "verdict", "reason"};

/* The first member of object o whose name is not in known[0..n), or NULL. */
static const char *unknown_member(const cJSON *o, const char *const *known, size_t n)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(m->string, known[i]) == 0;
        if (!ok)
            return m->string;
    }
    return NULL;
}

int config_parse(config *out, const char *text, size_t n, const char *dir, diag *d)
{
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, false);
    int rc = -1;
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        return bad(d, "not valid JSON (the problem is near byte %zu of %zu)", at, n);
    }
    /* One JSON value and nothing after it but white space: trailing text is never ignored. */
    for (const char *p = end; p && p < text + n; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            bad(d, "text after the JSON value, at byte %zu of %zu", (size_t)(p - text), n);
            goto done;
        }
    if (!cJSON_IsObject(root)) {
        bad(d, "the top level must be an object");
        goto done;
    }
    const cJSON *f;
    cJSON_ArrayForEach(f, root)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof known_top / sizeof known_top[0]; i++)
            known = known || strcmp(f->string, known_top[i]) == 0;
        if (!known) {
            bad(d, "%s: unknown field (known: runtimes, targets, smoke, expect)", f->string);
            goto done;
        }
    }
    /* runtimes: {"name": "path or command"} */
    const cJSON *rts = cJSON_GetObjectItemCaseSensitive(root, "runtimes");
    if (!cJSON_IsObject(rts) || !rts->child) {
        bad(d, "runtimes: must be an object naming at least one runtime, e.g. {\"node\": \"node\"}");
        goto done;
    }
    if (!(out->runtimes = calloc((size_t)cJSON_GetArraySize(rts), sizeof *out->runtimes)))
        goto nomem;
    cJSON_ArrayForEach(f, rts)
    {
        if (!cJSON_IsString(f) || !*f->valuestring) {
            bad(d, "runtimes.%s: must be a path or a command name (a string)", f->string);
            goto done;
        }
        config_runtime *r = &out->runtimes[out->nruntimes++];
        r->name = strdup(f->string);
        r->path = resolve_runtime(dir, f->valuestring);
        if (!r->name || !r->path)
            goto nomem;
    }
    /* targets: ["path", ...]; optional (scan walks its DIRs; check may name targets itself) */
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (tg && (!cJSON_IsArray(tg) || !tg->child)) {
        bad(d, "targets: must be an array of paths (addon files or package directories)");
        goto done;
    }
    if (tg && !(out->targets = calloc((size_t)cJSON_GetArraySize(tg), sizeof *out->targets)))
        goto nomem;
    size_t i = 0;
    cJSON_ArrayForEach(f, tg)
    {
        if (!cJSON_IsString(f) || !*f->valuestring) {
            bad(d, "targets[%zu]: must be a path (a string)", i);
            goto done;
        }
        config_target *t = &out->targets[out->ntargets++];
        t->raw = strdup(f->valuestring);
        t->path = resolve(dir, f->valuestring);
        if (!t->raw || !t->path)
            goto nomem;
        i++;
    }
    /* smoke: {"target": {"module": "x.mjs", "expect": <json>}} */
    const cJSON *sm = cJSON_GetObjectItemCaseSensitive(root, "smoke");
    if (sm && !cJSON_IsObject(sm)) {
        bad(d, "smoke: must be an object keyed by target");
        goto done;
    }
    if (sm) {
        if (!(out->smoke = calloc((size_t)cJSON_GetArraySize(sm) + 1, sizeof *out->smoke)))
            goto nomem;
        cJSON_ArrayForEach(f, sm)
        {
            const cJSON *mod = cJSON_GetObjectItemCaseSensitive(f, "module");
            if (!cJSON_IsObject(f) || !cJSON_IsString(mod) || !*mod->valuestring) {
                bad(d, "smoke.%s.module: must name an ES module (a string)", f->string);
                goto done;
            }
            const char *odd = unknown_member(f, known_smoke, 2);
            if (odd) {
                bad(d, "smoke.%s.%s: unknown field (known: module, expect)", f->string, odd);
                goto done;
            }
            config_smoke *s = &out->smoke[out->nsmoke++];
            s->match = strdup(f->string);
            s->module = resolve(dir, mod->valuestring);
            if (!s->match || !s->module)
                goto nomem;

            const cJSON *ex = cJSON_GetObjectItemCaseSensitive(f, "expect");
            if (ex && !(s->expect_json = cJSON_PrintUnformatted(ex)))
                goto nomem;
        }
    }
    /* expect: [{"target", "runtime", "verdict", "reason"}] */
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(root, "expect");
    if (ex && !cJSON_IsArray(ex)) {
        bad(d, "expect: must be an array of {target, runtime, verdict, reason}");
        goto done;
    }
    if (ex) {
        if (!(out->expect = calloc((size_t)cJSON_GetArraySize(ex) + 1, sizeof *out->expect)))
            goto nomem;
        i = 0;
        cJSON_ArrayForEach(f, ex)
        {
            const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "target"));
            const char *r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "runtime"));
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "verdict"));
            const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "reason"));
            if (!cJSON_IsObject(f)) {
                bad(d, "expect[%zu]: must be an object", i);
                goto done;
            }
            const char *odd = unknown_member(f, known_expect, 4);
            if (odd) {
                bad(d, "expect[%zu].%s: unknown field (known: target, runtime, verdict, reason)", i, odd);
                goto done;
            }
            if (!t || !*t) {
                bad(d, "expect[%zu].target: must name a target (package name or path)", i);
                goto done;
            }
            if (!r || !*r) {
                bad(d, "expect[%zu].runtime: must name a runtime of runtimes", i);
                goto done;
            }
            bool found = false;
            for (size_t k = 0; k < out->nruntimes; k++)
                found = found || strcmp(out->runtimes[k].name, r) == 0;
            if (!found) {
                bad(d, "expect[%zu].runtime: \"%s\" is not in runtimes", i, r);
                goto done;
            }
            if (!v || (strcmp(v, "pass") != 0 && strcmp(v, "fail") != 0)) {
                bad(d, "expect[%zu].verdict: must be \"pass\" or \"fail\"", i);
                goto done;
            }
            if (strcmp(v, "fail") == 0 && (!why || !*why)) {
                bad(d, "expect[%zu].reason: a declared failure needs its reason", i);
                goto done;
            }
            config_expect *e = &out->expect[out->nexpect++];
            e->target = strdup(t);
            e->runtime = strdup(r);
            e->fail = strcmp(v, "fail") == 0;
            e->reason = why ? strdup(why) : NULL;
            if (!e->target || !e->runtime || (why && !e->reason))
                goto nomem;
            i++;
        }
    }
    rc = 0;
    goto done;
nomem:
    diag_set(d, DIAG_NOMEM, "out of memory");
done:
    cJSON_Delete(root);
    if (rc != 0)
        config_free(out);
    return rc;
}

int config_load(config *out, const char *path, diag *d)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    char *text = path_read_file(path, CONFIG_MAX, &len);
    if (!text)
        return diag_set(d, DIAG_USAGE, "config: %s: cannot be read (missing, not a regular file, empty or over 4 MiB)",
                        path);
    char real[PATH_MAX], dir[PATH_MAX];
    if (!realpath(path, real))
        snprintf(real, sizeof real, "%s", path);
    const char *slash = strrchr(real, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - real) : 1, slash ? real : ".");
    int rc = config_parse(out, text, len, dir, d);
    free(text);
    /* A smoke module that is not there would only show as a failing execute check: it is the
     * config's mistake, and said as such. */
    for (size_t i = 0; rc == 0 && i < out->nsmoke; i++)
        if (access(out->smoke[i].module, R_OK) != 0) {
            rc = bad(d, "smoke.%s.module: %s: %s", out->smoke[i].match, out->smoke[i].module, strerror(errno));
            config_free(out);
        }
    return rc;
}

void config_free(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nruntimes; i++) {
        free(c->runtimes[i].name);
        free(c->runtimes[i].path);
    }
    for (size_t i = 0; i < c->ntargets; i++) {
        free(c->targets[i].raw);
        free(c->targets[i].path);
    }
    for (size_t i = 0; i < c->nsmoke; i++) {
        free(c->smoke[i].match);
        free(c->smoke[i].module);
        cJSON_free(c->smoke[i].expect_json);
    }
    for (size_t i = 0; i < c->nexpect; i++) {
        free(c->expect[i].target);
        free(c->expect[i].runtime);
        free(c->expect[i].reason);
    }
    free(c->runtimes);
    free(c->targets);
    free(c->smoke);
    free(c->expect);
    memset(c, 0, sizeof *c);
}

bool config_matches(const char *name, const char *target_raw, const char *target_path, const char *pkgname)
{
    if (pkgname && strcmp(name, pkgname) == 0)
        return true;
    if (target_raw && strcmp(name, target_raw) == 0)
        return true;
    if (target_path && strcmp(name, target_path) == 0)
        return true;
    /* The last path component: "isolated-vm" for ".../node_modules/isolated-vm". */
    const char *base = target_path ? strrchr(target_path, '/') : NULL;
    return base && strcmp(name, base + 1) == 0;
}
