/* report/result.c — the result model: an arena for its strings, results and checks. */
#include "report/result.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const result_group_names[SYMGROUP_COUNT + 1] = {"v8", "node", "napi", "uv", "libc", "c++", "other", NULL};

const char *const cand_status_names[CAND_STATUS_COUNT + 1] = {[CAND_CHOSEN] = "chosen",
                                                              [CAND_REJECTED] = "rejected",
                                                              [CAND_OUTRANKED] = "outranked",
                                                              [CAND_NOT_REACHED] = "not reached",
                                                              [CAND_ABSENT] = "absent",
                                                              [CAND_ALSO_LOADED] = "also loaded",
                                                              [CAND_REFUSED] = "refused",
                                                              [CAND_CANDIDATE] = "candidate",
                                                              [CAND_OTHERS] = "another package's",
                                                              NULL};

const char *const check_id_names[CHECK_COUNT + 1] = {[CHECK_SELECT] = "select",
                                                     [CHECK_FORMAT] = "format",
                                                     [CHECK_LIBC] = "libc",
                                                     [CHECK_NEEDED] = "needed",
                                                     [CHECK_VERSIONS] = "versions",
                                                     [CHECK_SYMBOLS] = "symbols",
                                                     [CHECK_MODULES] = "modules",
                                                     [CHECK_NAPI] = "napi",
                                                     [CHECK_DLOPEN] = "dlopen",
                                                     [CHECK_EXECUTE] = "execute",
                                                     NULL};

const char *const sel_step_names[STEP_COUNT + 1] = {[STEP_REQUIRE] = "require",
                                                    [STEP_BINDING] = "binding module",
                                                    [STEP_RULES] = "rules",
                                                    [STEP_AGREEMENT] = "agreement",
                                                    NULL};

const char *const facts_source_names[] = {[FACTS_ELF] = "elf", [FACTS_RUNTIME] = "runtime+elf", NULL};

const char *const sel_outcome_names[] = {
    [SEL_CHOSEN] = "chosen", [SEL_NONE] = "none", [SEL_UNBUILT] = "unbuilt", [SEL_UNKNOWN] = "unknown", NULL};

const char *const sym_when_names[] = {[WHEN_LOAD] = "load", [WHEN_CALL] = "call", NULL};

struct arena_chunk {
    arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

enum { ARENA_CHUNK = 64 * 1024 };

const char *const status_names[] = {[STATUS_PASS] = "pass", [STATUS_FAIL] = "fail", [STATUS_ERROR] = "error",
                                    [STATUS_SKIP] = "skip", [STATUS_WARN] = "warn", NULL};

const char *status_name(status s) { return (unsigned)s <= STATUS_WARN ? status_names[s] : "error"; }

void report_init(report *r, const char *command)
{
    memset(r, 0, sizeof *r);
    r->command = command;
    r->exit_status = -1;
}

void report_free(report *r)
{
    if (!r)
        return;
    arena_chunk *c = r->arena;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(r->results);
    r->arena = NULL;
    r->results = NULL;
    r->nresults = r->cap = 0;
}

void *report_alloc(report *r, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    arena_chunk *c = r->arena;
    if (!c || c->size - c->used < size) {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->size = cap;
        /* A big one-off block goes behind the current chunk so the current one keeps filling. */
        if (r->arena && cap == size) {
            c->next = r->arena->next;
            r->arena->next = c;
        } else {
            c->next = r->arena;
            r->arena = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

const char *report_strdup(report *r, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = report_alloc(r, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

__attribute__((format(printf, 2, 0))) static const char *report_vprintf(report *r, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = report_alloc(r, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

const char *report_printf(report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *s = report_vprintf(r, fmt, ap);
    va_end(ap);
    return s;
}

result *report_add(report *r)
{
    if (r->nresults == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        result *n = realloc(r->results, cap * sizeof *n);
        if (!n)
            return NULL;
        r->results = n;
        r->cap = cap;
    }
    result *res = &r->results[r->nresults++];
    memset(res, 0, sizeof *res);
    return res;
}

check *report_add_check(report *r, result *res, check_id id, status st, const char *fmt, ...)
{
    if (!res->checks && !(res->checks = report_alloc(r, RESULT_MAX_CHECKS * sizeof *res->checks)))
        return NULL;
    if (res->nchecks >= RESULT_MAX_CHECKS)
        return NULL;
    check *c = &res->checks[res->nchecks++];
    c->id = id;
    c->status = st;
    va_list ap;
    va_start(ap, fmt);
    c->message = report_vprintf(r, fmt, ap);
    va_end(ap);
    return c;
}

int report_check_detail(report *r, check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *line = report_vprintf(r, fmt, ap);
    va_end(ap);
    if (!line)
        return -1;
    return report_strs_push(r, &c->details, line);
}

int report_grow(report *r, void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : first;
    void *nv = report_alloc(r, ncap * elem), *old;
    if (!nv)
        return -1;
    /* v is the address of a typed pointer: read and written as bytes, never through a void ** */
    memcpy(&old, v, sizeof old);
    if (n)
        memcpy(nv, old, n * elem);
    memcpy(v, &nv, sizeof nv);
    *cap = ncap;
    return 0;
}

int report_strs_push(report *r, str_vec *s, const char *str)
{
    if (report_grow(r, &s->v, s->n, &s->cap, sizeof *s->v, 8) != 0)
        return -1;
    s->v[s->n++] = str;
    return 0;
}

void result_settle(result *res)
{
    bool fail = false, error = false;
    for (size_t i = 0; i < res->nchecks; i++) {
        fail = fail || res->checks[i].status == STATUS_FAIL;
        error = error || res->checks[i].status == STATUS_ERROR;
    }
    res->kind = RESULT_PAIR;
    res->verdict = fail ? STATUS_FAIL : error ? STATUS_ERROR : STATUS_PASS;
}

bool result_expected_failure(const result *res)
{
    return (res->kind == RESULT_PAIR) && res->expect_set && res->expected_fail && res->verdict == STATUS_FAIL;
}

bool result_stale(const result *res)
{
    return (res->kind == RESULT_PAIR) && res->expect_set && res->expected_fail && res->verdict == STATUS_PASS;
}

report_totals report_count(const report *r)
{
    report_totals t = {0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        if (res->kind != RESULT_PAIR)
            continue;
        t.total++;
        if (result_expected_failure(res)) {
            t.expected++;
        } else if (result_stale(res)) {
            t.stale++;
            t.fail++;
        } else if (res->verdict == STATUS_FAIL) {
            t.fail++;
        } else if (res->verdict == STATUS_ERROR) {
            t.error++;
        } else {
            t.pass++;
        }
    }
    return t;
}

status report_verdict(const report *r)
{
    report_totals t = report_count(r);
    return t.fail ? STATUS_FAIL : t.error ? STATUS_ERROR : STATUS_PASS;
}

const char *result_reason(const result *res, const check **which)
{
    static const status order[] = {STATUS_FAIL, STATUS_ERROR, STATUS_WARN};
    for (size_t o = 0; o < 3; o++)
        for (size_t i = 0; i < res->nchecks; i++)
            if (res->checks[i].status == order[o]) {
                if (which)
                    *which = &res->checks[i];
                return res->checks[i].message;
            }
    if (which)
        *which = NULL;
    return NULL;
}

const char *result_title(const result *res, char *buf, size_t n)
{
    if (res->sel && res->sel->name) {
        snprintf(buf, n, "%s%s%s", res->sel->name, res->sel->version ? " " : "",
                 res->sel->version ? res->sel->version : "");
        return buf;
    }
    const char *p = res->addon && res->addon->path ? res->addon->path : res->target ? res->target : "?";
    const char *slash = strrchr(p, '/');
    snprintf(buf, n, "%s", slash && slash[1] ? slash + 1 : p);
    return buf;
}

const char *result_runtime_label(const result *res, char *buf, size_t n)
{
    const runtime_facts *rt = res->runtime;
    if (!rt) {
        snprintf(buf, n, "?");
        return buf;
    }
    const char *v = rt->product_version ? rt->product_version : rt->version;
    if (v)
        snprintf(buf, n, "%s %s", rt->kind, v);
    else
        snprintf(buf, n, "%s (%s)", rt->kind, rt->path ? rt->path : "?");
    return buf;
}

const sel_answer *selection_answer(const selection *s)
{
    return s->step == STEP_REQUIRE || s->step == STEP_BINDING ? &s->observed : &s->rules;
}

const char *selection_shown(const selection *s)
{
    const char *chosen = selection_answer(s)->chosen;
    if (!chosen)
        return NULL;
    size_t pl = s->pkgdir ? strlen(s->pkgdir) : 0;
    if (pl && strncmp(chosen, s->pkgdir, pl) == 0 && chosen[pl] == '/')
        return chosen + pl + 1;
    const char *nm = path_node_modules(chosen);
    return nm ? nm + strlen("/node_modules/") : chosen;
}

const char *path_node_modules(const char *path)
{
    const char *nm = NULL;
    for (const char *p = path; (p = strstr(p, "/node_modules/")); p++)
        nm = p;
    return nm;
}

const char *report_lib_missing_line(report *r, const lib_found *l)
{
    return report_printf(r, "%s needed by %s: looked in %s", l->name, l->needed_by,
                         l->searched ? l->searched : "nowhere");
}

const char *report_gap_line(report *r, const version_gap *g)
{
    if (g->no_info)
        return report_printf(r, "%s (%s) has no version information; %s asks for %s", g->library, g->path,
                             g->required_by, g->version);
    return report_printf(r, "%s (%s) lacks %s%s%s%s, required by %s", g->library, g->path, g->version,
                         g->newest ? " (newest: " : "", g->newest ? g->newest : "", g->newest ? ")" : "",
                         g->required_by);
}

void report_check_ended(report *r, check *k, const char *process, const char *stderr_line, size_t stderr_len,
                        bool say_process)
{
    proc_end *e = report_alloc(r, sizeof *e);
    if (!e)
        return;
    e->process = report_strdup(r, process);
    e->stderr_line =
        stderr_line ? report_printf(r, "%.*s", (int)(stderr_len > 400 ? 400 : stderr_len), stderr_line) : NULL;
    k->ended = e;
    if (say_process && e->process)
        report_check_detail(r, k, "process: %s", e->process);
    if (e->stderr_line)
        report_check_detail(r, k, "stderr: %s", e->stderr_line);
}

static int cmp_str0(const char *a, const char *b) { return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL); }

int runtime_cmp(const runtime_facts *a, const runtime_facts *b)
{
    if (a == b)
        return 0;
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    int c = cmp_str0(a->path, b->path);
    if (!c)
        c = cmp_str0(a->kind, b->kind);
    if (!c)
        c = cmp_str0(a->product_version ? a->product_version : a->version,
                     b->product_version ? b->product_version : b->version);
    return c;
}

/* report_group_by_target's sort key: target, then the runtime of a pair, then place; equal
 * runtimes of one target end up side by side. */
typedef struct grouped {
    const char *target;
    const runtime_facts *rt; /* a pair's runtime, else NULL */
    size_t at, first;
} grouped;

static int cmp_grouped(const void *pa, const void *pb)
{
    const grouped *a = pa, *b = pb;
    int c = cmp_str0(a->target, b->target);
    if (!c)
        c = runtime_cmp(a->rt, b->rt);
    return c ? c : (a->at > b->at) - (a->at < b->at);
}

static bool same_pair(const grouped *a, const grouped *b)
{
    return a->rt && b->rt && a->target && b->target && !cmp_str0(a->target, b->target) && !runtime_cmp(a->rt, b->rt);
}

static int cmp_first(const void *pa, const void *pb)
{
    const grouped *a = pa, *b = pb;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

int report_group_by_target(report *r, size_t *a, size_t *b)
{
    size_t n = r->nresults;
    if (n < 2)
        return 0;
    grouped *g = malloc(n * sizeof *g);
    result *out = malloc(n * sizeof *out);
    int rc = -1;
    if (!g || !out)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const result *res = &r->results[i];
        g[i] = (grouped){res->target, res->kind == RESULT_PAIR ? res->runtime : NULL, i, i};
    }
    qsort(g, n, sizeof *g, cmp_grouped);
    rc = 0;
    for (size_t s = 0; s < n;) {
        /* One target's results (a result without a target is a group of its own). */
        size_t e = s + 1, first = g[s].at;
        while (e < n && g[s].target && !cmp_str0(g[e].target, g[s].target))
            e++;
        for (size_t i = s; i < e; i++) {
            first = g[i].at < first ? g[i].at : first;
            if (i > s && rc == 0 && same_pair(&g[i - 1], &g[i])) {
                *a = g[i - 1].at;
                *b = g[i].at;
                rc = 1;
            }
        }
        for (size_t i = s; i < e; i++)
            g[i].first = first;
        s = e;
    }
    if (rc != 0)
        goto done;
    qsort(g, n, sizeof *g, cmp_first);
    for (size_t i = 0; i < n; i++)
        out[i] = r->results[g[i].at];
    memcpy(r->results, out, n * sizeof *out);
done:
    free(g);
    free(out);
    return rc;
}
