/* probe/check.c — orchestration of the checks: runtime preparation (facts and global scope,
 * once per runtime), the addon's local scope per pair, then the checks in SPEC order. */
#define _GNU_SOURCE
#include "check.h"

#include "addon.h"
#include "checks/checks.h"
#include "runtime.h"
#include "scope.h"

#include <stdlib.h>
#include <string.h>

typedef struct prepared {
    runtime_facts *facts;
    scope global;
    bool have_scope;
    const char *label;
    const char *problem; /* why checks against it cannot run, or NULL */
} prepared;

struct checker {
    report *r;
    check_opts opts;
    ldso *l;
    prepared *rts;
    size_t nrts;
};

int checker_create(checker **out, report *r, const check_opts *o, diag *d)
{
    checker *c = calloc(1, sizeof *c);
    if (!c)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    c->r = r;
    c->opts = *o;
    if (ldso_create(&c->l, d) != 0) {
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void checker_destroy(checker *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nrts; i++)
        scope_free(&c->rts[i].global);
    free(c->rts);
    ldso_destroy(c->l);
    free(c);
}

int checker_add_runtime(checker *c, const char *rt, diag *d)
{
    prepared *n = realloc(c->rts, (c->nrts + 1) * sizeof *n);
    if (!n)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    c->rts = n;
    prepared *p = &c->rts[c->nrts++];
    memset(p, 0, sizeof *p);
    if (!(p->facts = report_alloc(c->r, sizeof *p->facts)))
        return diag_set(d, DIAG_NOMEM, "out of memory");
    runtime_opts ro = {c->opts.timeout_ms};
    int rc = runtime_facts_read(c->r, rt, &ro, p->facts, d);
    const runtime_facts *f = p->facts;
    const char *ver = f->product_version ? f->product_version : f->version;
    p->label = ver ? report_printf(c->r, "%s %s", f->kind, ver) : report_strdup(c->r, rt);
    if (rc != 0)
        p->problem = report_strdup(c->r, d->msg);
    if (f->exe && f->machine) {
        diag sd;
        if (scope_global(c->l, f->exe, &p->global, &sd) == 0)
            p->have_scope = true;
        else if (!p->problem)
            p->problem = report_strdup(c->r, sd.msg);
    } else if (!p->problem) {
        p->problem = report_printf(c->r, "runtime %s: its executable could not be read", rt);
    }
    return rc;
}

/* Every remaining check of a result gets one status and reason. */
static void rest(report *r, result *res, const char *const *ids, size_t n, status st, const char *why)
{
    for (size_t i = 0; i < n; i++)
        report_add_check(r, res, ids[i], st, "%s", why);
}

static const char *const static_ids[] = {"format", "libc", "needed", "versions", "symbols", "modules", "napi"};
static const char *const dynamic_ids[] = {"dlopen", "execute"};
enum { NSTATIC = 7, NDYNAMIC = 2 };

static void dynamic_checks(checker *c, result *res)
{
    if (c->opts.static_only)
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_SKIP, "not run: --static-only");
    else
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR,
             "not run: the real load is not in this build yet (use --static-only)");
}

static void check_pair(checker *c, prepared *p, result *res, const char *path, const addon_facts *af)
{
    scope s;
    diag d;
    if (scope_copy(&s, &p->global, &d) != 0 || scope_add_local(c->l, &s, path, &d) != 0) {
        rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, d.msg);
        scope_free(&s);
        return;
    }
    check_ctx x = {c->r,    res, c->l, &s, scope_elf(c->l, &s, s.local_root), af, p->facts, scope_elf(c->l, &s, 0),
                   p->label};
    if (check_format(&x) != STATUS_PASS) {
        /* Wrong class or machine: no library search or symbol lookup means anything. */
        rest(c->r, res, static_ids + 1, NSTATIC - 1, STATUS_SKIP, "not run: format failed");
    } else {
        status (*const fns[])(check_ctx *) = {check_libc,    check_needed,  check_versions,
                                              check_symbols, check_modules, check_napi};
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
            fns[i](&x);
    }
    dynamic_checks(c, res);
    scope_free(&s);
}

int checker_run(checker *c, const char *path, diag *d)
{
    addon_facts *af = report_alloc(c->r, sizeof *af);
    if (!af)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    diag ad;
    diag_clear(&ad);
    int rc = addon_facts_read(c->r, path, af, &ad);
    for (size_t i = 0; i < c->nrts; i++) {
        prepared *p = &c->rts[i];
        result *res = report_add(c->r);
        if (!res)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        res->addon = af;
        res->runtime = p->facts;
        if (rc != 0 && ad.code == DIAG_FOREIGN) {
            check *k = report_add_check(c->r, res, "format", STATUS_FAIL, "%s", af->format_desc);
            if (k)
                k->hint = "a .node file for another operating system: install the linux prebuild";
            rest(c->r, res, static_ids + 1, NSTATIC - 1, STATUS_SKIP, "not run: format failed");
            dynamic_checks(c, res);
        } else if (rc != 0) {
            rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, ad.msg);
            rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR, ad.msg);
        } else if (!p->have_scope) {
            rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, p->problem);
            rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR, p->problem);
        } else {
            check_pair(c, p, res, path, af);
        }
        result_settle(res);
    }
    if (rc != 0 && ad.code != DIAG_FOREIGN) {
        *d = ad;
        return -1;
    }
    return 0;
}
