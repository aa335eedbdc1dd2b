/* probe/check.c — orchestration of the checks: runtime preparation (facts and global scope,
 * once per runtime), the addon's local scope per pair, then the checks in SPEC order. */
#define _GNU_SOURCE
#include "probe/check.h"
#include "probe/cache.h"

#include "probe/addon.h"
#include "probe/checks/checks.h"
#include "probe/dynamic.h"
#include "probe/observe.h"
#include "probe/runtime.h"
#include "probe/scope.h"
#include "probe/select.h"
#include "probe/symname.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct prepared {
    runtime_facts *facts;
    const char *name; /* what results call it (rt_name) */
    scope global;
    bool have_scope;
    const char *label;
    const char *problem;    /* why checks against it cannot run, or NULL */
    const char *no_run;     /* why it cannot run code here (dlopen/execute are then errors), or NULL */
    const char *emulator;   /* --emulator, for a runtime of another machine; else NULL */
    const char *no_observe; /* why packages are not observed in it (the rules decide), or NULL */
} prepared;

/* What the runtimes did when a package was require()d: one entry per package directory. */
typedef struct observed {
    const char *dir;       /* this machine's real path */
    const char *spec;      /* what require() is given, as a chrooted runtime sees it */
    const char *spec_host; /* the same by this machine's paths (no image, or under --emulator) */
    obs_pkg *per_rt;       /* one per runtime (state OBS_UNSEEN where it was not observed) */
    size_t nrt;
} observed;

/* A pair waiting for its real load. Everything a worker reads is fixed when it is queued. */
typedef struct pending {
    size_t result;              /* index into the report's results */
    size_t rt;                  /* index into rts */
    const runtime_facts *facts; /* the runtime's, in the report (it never moves) */
    const char *emulator;       /* run it under this, or NULL */
    const char *addon;          /* absolute path */
    const char *pkg;            /* package root for ctx.require */
    const char *smoke;          /* this target's smoke module and expected value */
    const char *expect;
    dyn_outcome lazy, now;
    bool now_ran;
} pending;

struct checker {
    report *r;
    check_opts opts;
    ldso *l;
    sym_memo *memo; /* demangled names, shared by every pair of the run */
    struct read_addon {
        const elf_obj *o;
        const addon_facts *af;
        bool dm_tried;          /* its cache entry of demangled names was looked for */
        char *dm_key, *dm_path; /* that entry's key and path (probe/cache.h), or NULL */
        const char *dm_pairs;   /* what the entry holds (probe/symname.h), or NULL */
        char *dm_saved;         /* dm_pairs when this run wrote them (owned), or NULL */
        size_t dm_len;
    } * read;               /* facts already read, by parsed file: hard-linked copies (pnpm's store, */
    size_t nread, read_cap; /* bench/run.py's tree) are one file under many names */
    prepared *rts;
    size_t nrts;
    /* The real loads start as soon as they are queued, on up to -j worker threads, while
     * this thread goes on with the static checks of the next pairs: a runtime's start-up
     * (25 ms for Node) then hides the static work instead of following it. Jobs are
     * allocated one by one, so a worker's job never moves when the list grows. */
    pending **pend;
    size_t npend, pend_cap;
    size_t next; /* the next job a worker takes */
    bool closed; /* no more jobs: idle workers return */
    pthread_t tids[64];
    unsigned nworkers;
    bool started;  /* workers were started (or could not be: then checker_finish runs the jobs) */
    observed *obs; /* sorted by dir */
    size_t nobs;
    report **scratch; /* arenas of observations made on worker threads (-j); freed last */
    size_t nscratch;
    pthread_mutex_t lock;
    pthread_cond_t more;
};

int checker_create(checker **out, report *r, const check_opts *o, diag *d)
{
    checker *c = calloc(1, sizeof *c);
    if (!c)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    c->r = r;
    c->opts = *o;
    c->memo = sym_memo_new(); /* NULL only when out of memory: then nothing is remembered */
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->more, NULL);
    int lrc = ldso_create_in(&c->l, o->sysroot, d);
    /* --emulator without --sysroot: the static library search uses qemu-user's prefix, as the
     * emulated loader will, so the static checks and the real load see the same libraries. */
    const char *prefix = getenv("QEMU_LD_PREFIX");
    if (lrc == 0 && o->emulator && !o->sysroot && prefix && *prefix)
        ldso_set_overlay(c->l, prefix);
    if (lrc != 0) {
        pthread_cond_destroy(&c->more);
        pthread_mutex_destroy(&c->lock);
        sym_memo_free(c->memo);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void join_workers(checker *c, bool run_rest);

void checker_destroy(checker *c)
{
    if (!c)
        return;
    join_workers(c, false); /* never leave a worker running on freed state */
    for (size_t i = 0; i < c->nrts; i++)
        scope_free(&c->rts[i].global);
    for (size_t i = 0; i < c->npend; i++) {
        dyn_outcome_free(&c->pend[i]->lazy);
        dyn_outcome_free(&c->pend[i]->now);
        free(c->pend[i]);
    }
    free(c->pend);
    free(c->rts);
    free(c->obs);
    for (size_t i = 0; i < c->nscratch; i++) {
        report_free(c->scratch[i]);
        free(c->scratch[i]);
    }
    free(c->scratch);
    pthread_cond_destroy(&c->more);
    pthread_mutex_destroy(&c->lock);
    ldso_destroy(c->l);
    sym_memo_free(c->memo);
    for (size_t i = 0; i < c->nread; i++) {
        free(c->read[i].dm_key);
        free(c->read[i].dm_path);
        free(c->read[i].dm_saved);
    }
    free(c->read);
    free(c);
}

int checker_add_runtime(checker *c, const char *rt, diag *d) { return checker_add_named_runtime(c, rt, NULL, d); }

int checker_add_named_runtime(checker *c, const char *rt, const char *name, diag *d)
{
    prepared *n = realloc(c->rts, (c->nrts + 1) * sizeof *n);
    if (!n)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    c->rts = n;
    prepared *p = &c->rts[c->nrts++];
    memset(p, 0, sizeof *p);
    if (!(p->facts = report_alloc(c->r, sizeof *p->facts)))
        return diag_set(d, DIAG_NOMEM, "out of memory");
    p->name = report_strdup(c->r, name ? name : rt);
    runtime_opts ro = {c->opts.timeout_ms, c->opts.sysroot, c->l};
    char why[256];
    int rc = runtime_facts_read(c->r, rt, &ro, p->facts, d);
    const runtime_facts *f = p->facts;
    const char *ver = f->product_version ? f->product_version : f->version;
    const char *base = strrchr(rt, '/') ? strrchr(rt, '/') + 1 : rt;
    p->label = ver ? report_printf(c->r, "%s %s", f->kind, ver) : report_printf(c->r, "%s (%s)", f->kind, base);
    if (rc != 0)
        p->problem = report_strdup(c->r, d->msg);
    /* Code runs only in a runtime that answered here, a library runtime of this machine, or a
     * runtime of another machine under the --emulator the user named. */
    p->emulator = f->foreign && !f->library ? c->opts.emulator : NULL;
    bool emulated = p->emulator != NULL;
    if (p->problem)
        p->no_run = p->problem;
    else if (c->opts.sysroot && f->foreign && !emulated)
        p->no_run = report_printf(
            c->r, "%s is built for %s, not for this machine: it cannot run here (--emulator runs it under qemu-user)",
            p->label, f->machine ? f->machine : "another machine");
    else if (c->opts.sysroot && f->library)
        p->no_run = report_printf(c->r, "%s is a shared-library runtime inside an image: not run", p->label);
    else if (c->opts.sysroot && !emulated && dyn_root_possible(c->opts.sysroot, why, sizeof why))
        p->no_run = report_strdup(c->r, why);
    else if (!c->opts.sysroot && !emulated && f->facts_from != FACTS_RUNTIME && !(f->library && !f->foreign))
        p->no_run = report_printf(c->r, "%s cannot run here: %s", p->label, f->note ? f->note : "unknown reason");
    if (c->opts.select == SELECT_RULES)
        p->no_observe = "--select rules: no JavaScript from the package ran";
    else if (p->no_run)
        p->no_observe = report_printf(c->r, "the runtime cannot be asked: %s", p->no_run);
    else if (f->library)
        p->no_observe = report_printf(c->r, "%s is a shared-library runtime: it runs no package JavaScript", p->label);
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

/* The package root for ctx.require: the nearest directory up from the addon with a
 * package.json, else the addon's own directory. */
static const char *package_root(report *r, const char *addon)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", addon);
    for (int depth = 0; depth < 8; depth++) {
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
        char pj[PATH_MAX + 16];
        snprintf(pj, sizeof pj, "%s/package.json", dir);
        if (access(pj, R_OK) == 0)
            return report_strdup(r, dir);
    }
    const char *slash = strrchr(addon, '/');
    return report_printf(r, "%.*s", slash ? (int)(slash - addon) : 1, slash ? addon : ".");
}

static int queue(checker *c, pending *q);

/* What one target's real loads need, fixed when the target is run (check_target, resolved). */
typedef struct run_req {
    const char *smoke;  /* the smoke module, or NULL */
    const char *expect; /* the value it must return (JSON), or NULL */
} run_req;

/* Queue the real load. Returns NULL when it is queued, or why it will not happen, with
 * *st the status its checks then get; the caller records that after the static checks, so
 * the report keeps its order. */
static const char *start_load(checker *c, const run_req *t, result *res, size_t rt, const char *path, status *st)
{
    prepared *p = &c->rts[rt];
    *st = STATUS_ERROR;
    if (c->opts.static_only) {
        *st = STATUS_SKIP;
        return "not run: --static-only";
    }
    if (p->no_run)
        return report_printf(c->r, "not run: %s", p->no_run);
    char abs[PATH_MAX];
    pending *q = calloc(1, sizeof *q);
    /* Inside --sysroot the path is the image's, as the chrooted runtime will see it. */
    if (q && c->opts.sysroot)
        snprintf(abs, sizeof abs, "%s", path);
    if (!q || (!c->opts.sysroot && !realpath(path, abs))) {
        free(q);
        return "not run: out of memory or the path vanished";
    }
    q->result = (size_t)(res - c->r->results);
    q->rt = rt;
    q->facts = p->facts;
    q->emulator = p->emulator;
    q->addon = report_strdup(c->r, abs);
    q->pkg = c->opts.sysroot ? NULL : package_root(c->r, abs);
    q->smoke = t->smoke;
    q->expect = t->expect;
    if (queue(c, q) != 0) {
        free(q);
        return "not run: out of memory";
    }
    return NULL;
}

/* The names an addon's checks demangle are kept with it in the user's cache (probe/cache.h,
 * probe/symname.h): demangling was a sixth of Bun's failing pair (0.5 ms of 3.3), and a
 * file checked again (the next CI step, the next preflight) needs the same names. The kind changes with
 * the compiler whose demangler wrote them. */
static const char demangled_kind[] = "demangled-1 " __VERSION__;

/* The record of addon o, with its cache entry read into the memo on its first pair. */
static struct read_addon *demangled_load(checker *c, const elf_obj *o)
{
    struct read_addon *ra = NULL;
    for (size_t i = 0; i < c->nread && !ra; i++)
        if (c->read[i].o == o)
            ra = &c->read[i];
    if (!ra || !c->memo)
        return NULL;
    if (!ra->dm_tried) {
        ra->dm_tried = true;
        char key[PATH_MAX + 256], path[PATH_MAX];
        if (cache_locate(elf_obj_path(o), demangled_kind, "demangled", "", key, sizeof key, path, sizeof path) &&
            (ra->dm_key = strdup(key)) && (ra->dm_path = strdup(path)))
            ra->dm_pairs = sym_memo_load(c->memo, path, key, &ra->dm_len);
    }
    return ra->dm_key && ra->dm_path ? ra : NULL;
}

/* Keep what res's checks demangled afresh in ra's cache entry. */
static void demangled_save(checker *c, struct read_addon *ra, const result *res)
{
    size_t n = 0, at = 0;
    for (size_t k = 0; k < res->nchecks; k++)
        n += res->checks[k].nmissing;
    const char **names = n ? malloc(n * sizeof *names) : NULL;
    if (!names)
        return;
    for (size_t k = 0; k < res->nchecks; k++)
        for (size_t i = 0; i < res->checks[k].nmissing; i++)
            names[at++] = res->checks[k].missing[i].name;
    size_t len;
    char *pairs = sym_memo_save(c->memo, ra->dm_path, ra->dm_key, ra->dm_pairs, ra->dm_len, names, n, &len);
    if (pairs) {
        free(ra->dm_saved);
        ra->dm_pairs = ra->dm_saved = pairs;
        ra->dm_len = len;
    }
    free(names);
}

/* Returns -1 (d set) when the addon could not be read at this point (it changed or vanished
 * since its facts were read): the run's input is then unreadable. */
static int check_pair(checker *c, const run_req *t, size_t rt, result *res, const char *path, const addon_facts *af,
                      diag *d)
{
    prepared *p = &c->rts[rt];
    scope s;
    if (scope_copy(&s, &p->global, d) != 0 || scope_add_local(c->l, &s, path, d) != 0) {
        rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, d->msg);
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR, d->msg);
        scope_free(&s);
        return -1;
    }
    check_ctx x = {c->r,     res,    c->l, &s, scope_elf(c->l, &s, s.local_root), af, p->facts, scope_elf(c->l, &s, 0),
                   p->label, c->memo};
    if (check_format(&x) != STATUS_PASS) {
        /* Wrong class or machine: no library search, symbol lookup or load means anything. */
        rest(c->r, res, static_ids + 1, NSTATIC - 1, STATUS_SKIP, "not run: format failed");
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_SKIP,
             c->opts.static_only ? "not run: --static-only" : "not run: format failed");
    } else {
        /* The real load starts now, on a worker, while the static checks run here, so the
         * runtime's start-up hides them. Static failures do not stop it: it proves what they
         * predict. */
        status dst;
        const char *why = start_load(c, t, res, rt, path, &dst);
        status (*const fns[])(check_ctx *) = {check_libc,    check_needed,  check_versions,
                                              check_symbols, check_modules, check_napi};
        struct read_addon *ra = demangled_load(c, x.addon);
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
            fns[i](&x);
        if (ra)
            demangled_save(c, ra, res);
        if (why)
            rest(c->r, res, dynamic_ids, NDYNAMIC, dst, why);
    }
    scope_free(&s);
    return 0;
}

/* One addon file against runtime rt, into res. rc/ad: how reading the addon went. Returns
 * -1 (d set) when the file turned unreadable during the checks. */
static int check_file(checker *c, const run_req *t, size_t rt, result *res, const char *path, const addon_facts *af,
                      int rc, const diag *ad, diag *d)
{
    int ret = 0;
    prepared *p = &c->rts[rt];
    if (rc != 0 && ad->code == DIAG_FOREIGN) {
        check *k = report_add_check(c->r, res, "format", STATUS_FAIL, "%s", af->format_desc);
        if (k)
            k->hint = "a .node file for another operating system: install the linux prebuild";
        rest(c->r, res, static_ids + 1, NSTATIC - 1, STATUS_SKIP, "not run: format failed");
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_SKIP,
             c->opts.static_only ? "not run: --static-only" : "not run: format failed");
    } else if (rc != 0 && res->sel && ad->code == DIAG_FORMAT) {
        /* The file a package loads is corrupt or truncated: the package is broken, which is a
         * finding (exit 1), not a check that could not be made. */
        check *k =
            report_add_check(c->r, res, "format", STATUS_FAIL, "the file this package loads is corrupt: %s", ad->msg);
        if (k)
            k->hint = "reinstall the package (npm ci), or rebuild its native part (npm rebuild)";
        rest(c->r, res, static_ids + 1, NSTATIC - 1, STATUS_SKIP, "not run: format failed");
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_SKIP,
             c->opts.static_only ? "not run: --static-only" : "not run: format failed");
    } else if (rc != 0) {
        rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, ad->msg);
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR, ad->msg);
    } else if (!p->have_scope) {
        rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, p->problem);
        rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR, p->problem);
    } else {
        ret = check_pair(c, t, rt, res, path, af, d);
    }
    result_settle(res);
    return ret;
}

/* The addon's facts. Its ELF is opened through the run's ldso, so the load scope that each
 * runtime's checks build reuses this one parse instead of opening the file again. A file the
 * reader refuses goes the plain way, which names what it is (Mach-O, PE, ...). */
static int read_addon(checker *c, const char *image, const char *host, addon_facts *af, diag *d)
{
    diag od;
    diag_clear(&od);
    const elf_obj *o = ldso_open(c->l, image, &od);
    if (!o)
        return addon_facts_read(c->r, host, c->opts.list_imports, af, d);
    for (size_t i = 0; i < c->nread; i++)
        if (c->read[i].o == o) {
            *af = *c->read[i].af; /* the facts live in the report; only the path differs */
            af->path = report_strdup(c->r, host);
            return 0;
        }
    int rc = addon_facts_from_elf(c->r, o, c->opts.list_imports, af, d);
    af->path = report_strdup(c->r, host);
    if (rc != 0) {
        af->error = report_strdup(c->r, d->msg);
        return rc;
    }
    if (c->nread == c->read_cap) { /* doubling: a scan reads thousands of files */
        size_t cap = c->read_cap ? c->read_cap * 2 : 16;
        struct read_addon *n = realloc(c->read, cap * sizeof *n);
        if (!n) /* out of memory: the next copy is read again, nothing worse */
            return 0;
        c->read = n;
        c->read_cap = cap;
    }
    c->read[c->nread++] = (struct read_addon){.o = o, .af = af};
    return 0;
}

/* ---------- observed selection ---------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int cmp_observed(const void *a, const void *b)
{
    return strcmp(((const observed *)a)->dir, ((const observed *)b)->dir);
}

static const observed *find_observed(const checker *c, const char *dir)
{
    observed key = {dir, NULL, NULL, NULL, 0};
    return c->nobs ? bsearch(&key, c->obs, c->nobs, sizeof *c->obs, cmp_observed) : NULL;
}

/* What require() is given for a package, as the application would write it, and where it
 * resolves from: an installed package by its name under the nearest node_modules, from the
 * directory holding that node_modules; any other package (a workspace, the root) by its
 * absolute directory. img is the path the runtime sees. */
static void require_spec(report *r, const char *img, const char **spec, const char **from)
{
    const char *nm = path_node_modules(img);
    if (nm && nm[14] && nm[14] != '.') {
        *spec = report_strdup(r, nm + 14);
        *from = nm == img ? "/" : report_printf(r, "%.*s", (int)(nm - img), img);
    } else {
        *spec = report_strdup(r, img);
        *from = *spec;
    }
}

/* One runtime's observation of the packages, on a thread of its own under -j: it allocates
 * from an arena of its own, since the report's is not shared between threads. */
typedef struct obs_work {
    checker *c;
    size_t rt;
    const obs_target *targets;
    size_t n;
    report *arena; /* where the observation's strings live */
    obs_pkg *out;
    int rc;
} obs_work;

static void *observe_one(void *arg)
{
    obs_work *w = arg;
    const prepared *p = &w->c->rts[w->rt];
    dyn_job j = {.runtime = p->facts->exe,
                 .kind = p->facts->kind,
                 .self_exe = w->c->opts.self_exe,
                 .timeout_ms = w->c->opts.timeout_ms,
                 .sysroot = w->c->opts.sysroot,
                 .emulator = p->emulator};
    diag d;
    diag_clear(&d);
    w->rc = observe_packages(w->arena, &j, w->c->opts.static_only, w->targets, w->n, w->out, &d);
    return NULL;
}

/* A new arena for a worker thread, kept by the checker until it is destroyed (the report's
 * selections point into it); NULL when out of memory. */
static report *scratch_arena(checker *c)
{
    report **ns = realloc(c->scratch, (c->nscratch + 1) * sizeof *ns);
    if (!ns)
        return NULL;
    c->scratch = ns;
    report *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    report_init(a, "observe");
    c->scratch[c->nscratch++] = a;
    return a;
}

/* Observe the m new packages (at c->obs[c->nobs...]) in every runtime that can be asked: one
 * runtime process each, up to -j of them at once. -1 when out of memory. */
static int observe_runtimes(checker *c, const obs_target *t, const obs_target *th, size_t m)
{
    const char *root = c->opts.sysroot;
    size_t jobs = c->opts.jobs ? c->opts.jobs : 1;
    size_t nr = c->nrts ? c->nrts : 1;
    obs_work *w = calloc(nr, sizeof *w);
    pthread_t *tid = calloc(nr, sizeof *tid);
    bool *started = calloc(nr, sizeof *started);
    int rc = -1;
    if (!w || !tid || !started)
        goto done;
    size_t todo = 0;
    for (size_t i = 0; i < c->nrts; i++) {
        if (c->rts[i].no_observe)
            continue;
        w[i] = (obs_work){c, i, root && !c->rts[i].emulator ? t : th, m, c->r, calloc(m, sizeof(obs_pkg)), 0};
        if (!w[i].out)
            goto done;
        todo++;
    }
    if (jobs > 1 && todo > 1) {
        /* In waves of -j threads. */
        for (size_t next = 0; next < c->nrts;) {
            size_t first = next, nw = 0;
            for (; next < c->nrts && nw < jobs; next++) {
                if (!w[next].out)
                    continue;
                if (!(w[next].arena = scratch_arena(c)))
                    goto done;
                started[next] = pthread_create(&tid[next], NULL, observe_one, &w[next]) == 0;
                if (!started[next])
                    observe_one(&w[next]); /* no thread could start: do it here */
                nw++;
            }
            for (size_t k = first; k < next; k++)
                if (started[k])
                    pthread_join(tid[k], NULL);
        }
    } else {
        for (size_t i = 0; i < c->nrts; i++)
            if (w[i].out)
                observe_one(&w[i]);
    }
    for (size_t i = 0; i < c->nrts; i++) {
        if (!w[i].out)
            continue;
        if (w[i].rc != 0)
            goto done;
        for (size_t k = 0; k < m; k++)
            c->obs[c->nobs + k].per_rt[i] = w[i].out[k];
    }
    rc = 0;
done:
    for (size_t i = 0; w && i < c->nrts; i++)
        free(w[i].out);
    free(w);
    free(tid);
    free(started);
    return rc;
}

int checker_observe(checker *c, const char *const *pkgdirs, size_t n, diag *d)
{
    if (n == 0)
        return 0;
    int rc = -1;
    const char *root = c->opts.sysroot;
    observed *grown = realloc(c->obs, (c->nobs + n) * sizeof *grown);
    if (grown)
        c->obs = grown;
    obs_target *t = calloc(n, sizeof *t);
    obs_target *th = calloc(n, sizeof *th); /* this machine's paths: for a runtime under an emulator */
    const char **dirs = NULL;
    size_t m = 0;
    if (!grown || !t || !th)
        goto nomem;
    /* The new directories by real path, sorted, each once (a check may name one twice). */
    size_t nd = 0;
    if (!(dirs = calloc(n, sizeof *dirs)))
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        char real[PATH_MAX];
        if (realpath(pkgdirs[i], real) && !find_observed(c, real) && !(dirs[nd++] = report_strdup(c->r, real)))
            goto nomem;
    }
    qsort(dirs, nd, sizeof *dirs, cmp_str);
    for (size_t i = 0; i < nd; i++) {
        if (i && strcmp(dirs[i], dirs[i - 1]) == 0)
            continue;
        const char *real = dirs[i];
        observed *o = &c->obs[c->nobs + m];
        o->dir = real;
        o->nrt = c->nrts;
        if (!(o->per_rt = report_alloc(c->r, (c->nrts ? c->nrts : 1) * sizeof *o->per_rt)))
            goto nomem;
        /* A chrooted runtime sees the image's paths. Under qemu-user's -L the image serves only
         * the loader and libraries: the files its JavaScript opens go by this machine's paths. */
        const char *img = sysroot_shown(root, real);
        require_spec(c->r, img, &o->spec, &t[m].from);
        t[m].spec = o->spec;
        require_spec(c->r, real, &o->spec_host, &th[m].from);
        th[m].spec = o->spec_host;
        m++;
    }
    if (m && observe_runtimes(c, t, th, m) != 0)
        goto nomem;
    c->nobs += m;
    qsort(c->obs, c->nobs, sizeof *c->obs, cmp_observed);
    rc = 0;
    goto done;
nomem:
    diag_set(d, DIAG_NOMEM, "out of memory");
done:
    free(dirs);
    free(th);
    free(t);
    return rc;
}

/* The select check of a package result, from its selection. */
static check *select_check(checker *c, result *res, const prepared *p)
{
    selection *sel = res->sel;
    check *k = NULL;
    switch (sel->outcome) {
    case SEL_CHOSEN: {
        const char *why = "";
        for (size_t j = 0; j < sel->ncands; j++)
            if (sel->cands[j].status == CAND_CHOSEN)
                why = sel->cands[j].reason;
        k = report_add_check(c->r, res, "select", STATUS_PASS, "%s (%s: %s)", selection_shown(sel), sel->rule, why);
        if (!k)
            return NULL;
        if (sel->load_error)
            report_check_detail(c->r, k, "%s could not load it: %s", p->label, sel->load_error);
        for (size_t j = 0; j < sel->ncands; j++)
            if (sel->observed && sel->cands[j].status != CAND_CHOSEN)
                report_check_detail(c->r, k, "%s: %s: %s", sel->cands[j].path, cand_status_names[sel->cands[j].status],
                                    sel->cands[j].reason);
        if (sel->differs)
            report_check_detail(c->r, k, "%s", sel->differs);
        if (sel->note)
            report_check_detail(c->r, k, "%s", sel->note);
        return k;
    }
    case SEL_NONE:
        k = report_add_check(c->r, res, "select", STATUS_FAIL, "%s", sel->none_why);
        if (k)
            k->hint = "install a build for this runtime (npm rebuild), or use a runtime the package ships one for";
        break;
    case SEL_UNBUILT:
        k = report_add_check(c->r, res, "select", STATUS_FAIL, "%s", sel->none_why);
        if (k)
            k->hint = report_printf(c->r, "run its install script: npm rebuild %s", sel->name ? sel->name : "");
        break;
    case SEL_UNKNOWN:
        k = report_add_check(c->r, res, "select", STATUS_ERROR, "%s", sel->none_why);
        if (k)
            k->hint =
                "check the package's .node file directly (abiprobe check FILE.node), or run without --select rules";
        break;
    }
    for (size_t j = 0; k && j < sel->ncands; j++)
        report_check_detail(c->r, k, "%s: %s: %s", sel->cands[j].path, cand_status_names[sel->cands[j].status],
                            sel->cands[j].reason);
    if (k && sel->note)
        report_check_detail(c->r, k, "%s", sel->note);
    return k;
}

/* The selection of runtime i for pkgdir: what the runtime did when it was asked, else the
 * rules, saying why; an error when it should have been asked and could not be. */
static int select_for(checker *c, size_t i, const char *pkgdir, selection *sel, diag *d)
{
    const prepared *p = &c->rts[i];
    char real[PATH_MAX];
    const observed *ob = realpath(pkgdir, real) ? find_observed(c, real) : NULL;
    const obs_pkg *op = ob && i < ob->nrt && ob->per_rt[i].state != OBS_UNSEEN ? &ob->per_rt[i] : NULL;
    const char *root = c->opts.sysroot;
    bool image_view = root && !p->emulator; /* a chrooted runtime reports the image's paths */
    int src = op ? select_observed(c->r, pkgdir, p->facts, c->opts.sysroot, &c->opts.overrides, op,
                                   image_view ? ob->spec : ob->spec_host, image_view ? root : NULL, c->opts.static_only,
                                   sel, d)
                 : select_package(c->r, pkgdir, p->facts, c->opts.sysroot, &c->opts.overrides, sel, d);
    if (src != 0)
        return -1;
    if (!p->have_scope) {
        /* No facts, or no ELF, for this runtime: its loader can be neither asked nor emulated
         * (the package's name and version above still stand), and no check can be carried out.
         * One error says why. */
        sel->outcome = SEL_UNKNOWN;
        sel->rule = sel->rule_why = sel->seen_as = sel->seen_note = NULL; /* the loader's view of nothing */
        sel->chosen = NULL;
        sel->none_why = report_printf(c->r, "cannot tell which file this package loads: %s", p->problem);
        sel->ncands = 0;
        sel->note = NULL;
        return 0;
    }
    if (!op) {
        /* The rules decided: say so, and why the runtime was not asked (or could not run at
         * all when it was: an image whose runtime lacks its loader, say). */
        const char *why = p->no_observe                            ? p->no_observe
                          : ob && i < ob->nrt && ob->per_rt[i].why ? ob->per_rt[i].why
                                                                   : "the runtime was not asked";
        const char *emu = report_printf(c->r, "emulated: %s", why);
        sel->note = sel->note ? report_printf(c->r, "%s; %s", sel->note, emu) : emu;
    }
    return 0;
}

int checker_select(checker *c, const char *pkgdir, diag *d)
{
    char real[PATH_MAX];
    const char *one[] = {pkgdir};
    if (realpath(pkgdir, real) && !find_observed(c, real) && checker_observe(c, one, 1, d) != 0)
        return -1;
    int ret = 0;
    for (size_t i = 0; i < c->nrts; i++) {
        result *res = report_add(c->r);
        selection *sel = res ? report_alloc(c->r, sizeof *sel) : NULL;
        if (!sel)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        res->runtime = c->rts[i].facts;
        res->rt_name = c->rts[i].name;
        res->target = report_strdup(c->r, pkgdir);
        res->sel = sel;
        res->kind = RESULT_SELECTION;
        diag sd;
        diag_clear(&sd);

        if (select_for(c, i, pkgdir, sel, &sd) != 0) {
            /* Nothing could be read: which file loads cannot be told (never "chosen"). */
            sel->outcome = SEL_UNKNOWN;
            sel->none_why = report_strdup(c->r, sd.msg);
            *d = sd;
            ret = -1;
            break;
        }
    }
    return ret;
}

/* The checks of runtime i's result (at index at) for the file its selection chose, or the
 * select failure alone. first: the package's first result (runtimes that pick the same file
 * share its facts). Returns -1 (d set) when the file turned unreadable. */
static int package_checks(checker *c, const run_req *t, size_t i, size_t first, size_t at, diag *d)
{
    prepared *p = &c->rts[i];
    result *res = &c->r->results[at];
    selection *sel = res->sel;
    if (!sel->chosen) {
        /* No file: the package itself stands as the addon of the result. */
        addon_facts *af = report_alloc(c->r, sizeof *af);
        if (af) {
            af->path = sel->pkgdir;
            af->format = "none";
            af->kind = "unknown";
            af->modules = af->napi_version = -1;
            af->selected_by = sel->rule;
            af->error = "no file selected";
        }
        res->addon = af;
        select_check(c, res, p);
        status st = sel->outcome == SEL_UNKNOWN ? STATUS_ERROR : STATUS_SKIP;
        const char *nr =
            sel->outcome == SEL_UNKNOWN ? "not run: which file loads cannot be told" : "not run: no file selected";
        rest(c->r, res, static_ids, NSTATIC, st, nr);
        rest(c->r, res, dynamic_ids, NDYNAMIC, st, nr);
        result_settle(res);
        return 0;
    }
    select_check(c, res, p);
    addon_facts *af = NULL;
    for (size_t k = first; k < at && !af; k++)
        if (c->r->results[k].addon && strcmp(c->r->results[k].addon->path, sel->chosen) == 0)
            af = c->r->results[k].addon;
    diag ad;
    diag_clear(&ad);
    int rc = 0;
    const char *root = c->opts.sysroot;
    const char *image = sysroot_shown(root, sel->chosen);
    if (!af) {
        if (!(af = report_alloc(c->r, sizeof *af)))
            return diag_set(d, DIAG_NOMEM, "out of memory");
        rc = read_addon(c, image, sel->chosen, af, &ad);
        af->selected_by = sel->rule;
    }
    res->addon = af;
    return check_file(c, t, i, res, image, af, rc, &ad, d);
}

/* What a dlopen of the result's file would say, as the static checks predict it, or NULL
 * when they predict that it loads: a wrong format or C library, a missing library or symbol
 * version, a symbol needed at load time, or a V8-API addon the runtime refuses. */
static const char *predicted_refusal(report *r, const result *res)
{
    for (size_t k = 0; k < res->nchecks; k++) {
        const check *x = &res->checks[k];
        if (x->status != STATUS_FAIL)
            continue;
        if (strcmp(x->id, "symbols") == 0 && x->nload && x->first)
            return report_printf(r, "%s: undefined symbol: %s", res->addon->path, x->first);
        if (strcmp(x->id, "format") == 0 || strcmp(x->id, "libc") == 0 || strcmp(x->id, "needed") == 0 ||
            strcmp(x->id, "versions") == 0 || strcmp(x->id, "modules") == 0)
            return report_printf(r, "%s: %s", res->addon->path, x->message);
    }
    return NULL;
}

/* Under --static-only a stand-in answered the package's load, so a loader that would fall
 * back from a file that fails to load was never put to the test. Where the static checks say
 * the chosen file would not load, the package is require()d again with that load refused,
 * in the words the checks predict: a package that then asks for another file gets that file
 * checked instead; one that throws or goes on without native code says so in the select
 * check. At most four files are refused in turn. */
static int refuse_predicted(checker *c, const run_req *req, size_t i, size_t first, size_t at, const char *pkgdir,
                            diag *d)
{
    const prepared *p = &c->rts[i];
    const char *root = c->opts.sysroot;
    bool image_view = root && !p->emulator;
    char real[PATH_MAX];
    const observed *ob = realpath(pkgdir, real) ? find_observed(c, real) : NULL;
    if (!ob || p->no_observe)
        return 0;
    const char *files[4], *msgs[4];
    size_t n = 0;
    while (n < 4) {
        result *res = &c->r->results[at];
        const selection *sel = res->sel;
        if (!sel->observed || !sel->stand_in || !sel->chosen || !res->addon)
            return 0;
        const char *why = predicted_refusal(c->r, res);
        if (!why)
            return 0;
        files[n] = image_view ? sysroot_shown(root, sel->chosen) : sel->chosen;
        msgs[n] = why;
        n++;
        obs_target t = {image_view ? ob->spec : ob->spec_host, NULL, files, msgs, n};
        const char *from_spec;
        require_spec(c->r, image_view ? sysroot_shown(root, ob->dir) : ob->dir, &from_spec, &t.from);
        dyn_job j = {.runtime = p->facts->exe,
                     .kind = p->facts->kind,
                     .self_exe = c->opts.self_exe,
                     .timeout_ms = c->opts.timeout_ms,
                     .sysroot = root,
                     .emulator = p->emulator};
        obs_pkg o;
        if (observe_packages(c->r, &j, true, &t, 1, &o, d) != 0)
            return -1;
        selection *s2 = report_alloc(c->r, sizeof *s2);
        diag sd;
        diag_clear(&sd);
        if (!s2 || select_observed(c->r, pkgdir, p->facts, c->opts.sysroot, &c->opts.overrides, &o, t.spec,
                                   image_view ? root : NULL, true, s2, &sd) != 0)
            return 0; /* the first answer stands */
        const obs_ask *last = observe_choice(&o);
        check *k = NULL;
        for (size_t x = 0; x < res->nchecks && !k; x++)
            if (strcmp(res->checks[x].id, "select") == 0)
                k = &res->checks[x];
        if (s2->outcome == SEL_CHOSEN && last && last->ok && strcmp(s2->chosen, sel->chosen) != 0) {
            /* It falls back to another file: that is the one to check. */
            s2->note = report_printf(c->r, "with %s refused as the static checks predict, the package asks for %s",
                                     selection_shown(sel), selection_shown(s2));
            res->sel = s2;
            res->addon = NULL;
            res->checks = NULL;
            res->nchecks = 0;
            if (package_checks(c, req, i, first, at, d) != 0)
                return -1;
            continue;
        }
        if (k && o.state == OBS_DONE && o.threw && strstr(o.threw, why) == NULL)
            report_check_detail(
                c->r, k, "with this file refused as the static checks predict, require() throws: %.600s", o.threw);
        else if (k && o.state == OBS_DONE && !o.threw)
            report_check_detail(c->r, k,
                                "with this file refused as the static checks predict, require() still returns: the "
                                "package goes on without it");
        return 0;
    }
    return 0;
}

/* A package directory: each runtime's loader picks the file, then that file is checked. */
static int run_package(checker *c, const run_req *t, const char *pkgdir, diag *d)
{
    size_t first = c->r->nresults;
    int ret = 0;
    for (size_t i = 0; i < c->nrts; i++) {
        prepared *p = &c->rts[i];
        result *res = report_add(c->r);
        selection *sel = res ? report_alloc(c->r, sizeof *sel) : NULL;
        if (!sel)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        res->runtime = p->facts;
        res->target = report_strdup(c->r, pkgdir);
        res->sel = sel;
        res->kind = RESULT_SELECTION; /* a pair once its checks settle it */
        diag sd;
        diag_clear(&sd);
        if (select_for(c, i, pkgdir, sel, &sd) != 0) {
            rest(c->r, res, static_ids, NSTATIC, STATUS_ERROR, sd.msg);
            rest(c->r, res, dynamic_ids, NDYNAMIC, STATUS_ERROR, sd.msg);
            result_settle(res);
            *d = sd;
            ret = -1;
            continue;
        }
        size_t at = (size_t)(res - c->r->results);

        if (package_checks(c, t, i, first, at, &sd) != 0 ||
            (c->opts.static_only && refuse_predicted(c, t, i, first, at, pkgdir, &sd) != 0)) {
            *d = sd;
            ret = -1;
        }
    }
    return ret;
}

int checker_run(checker *c, const char *path, diag *d)
{
    check_target t = {path, NULL, NULL};
    return checker_run_target(c, &t, d);
}

static int run_target(checker *c, const run_req *t, const char *path, diag *d);

int checker_run_target(checker *c, const check_target *target, diag *d)
{
    /* What the real loads of this target need, copied into the report: they run later, on workers. */
    run_req t = {target->smoke ? report_strdup(c->r, target->smoke) : c->opts.smoke,
                 target->smoke ? (target->expect_json ? report_strdup(c->r, target->expect_json) : NULL)
                               : c->opts.expect_json};
    size_t first = c->r->nresults;
    int rc = run_target(c, &t, target->path, d);
    for (size_t i = first; i < c->r->nresults; i++)
        c->r->results[i].rt_name = c->rts[i - first < c->nrts ? i - first : 0].name;
    return rc;
}

static int run_target(checker *c, const run_req *t, const char *path, diag *d)
{
    struct stat st;
    char host[PATH_MAX];
    const char *root = c->opts.sysroot;
    sysroot_host(root, path, host, sizeof host);
    if (stat(host, &st) == 0 && S_ISDIR(st.st_mode)) {
        char real[PATH_MAX];
        const char *one[] = {host};
        if (realpath(host, real) && !find_observed(c, real) && checker_observe(c, one, 1, d) != 0)
            return -1;
        return run_package(c, t, host, d);
    }
    addon_facts *af = report_alloc(c->r, sizeof *af);
    if (!af)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    diag ad;
    diag_clear(&ad);
    int rc = read_addon(c, path, host, af, &ad);
    if (root)
        af->path = report_strdup(c->r, path); /* report the path inside the image */
    for (size_t i = 0; i < c->nrts; i++) {
        result *res = report_add(c->r);
        if (!res)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        res->addon = af;
        res->runtime = c->rts[i].facts;
        res->target = af->path;
        diag pd;
        diag_clear(&pd);
        if (check_file(c, t, i, res, path, af, rc, &ad, &pd) != 0 && rc == 0) {
            ad = pd;
            rc = -1;
        }
    }
    if (rc != 0 && ad.code != DIAG_FOREIGN) {
        *d = ad;
        return -1;
    }
    return 0;
}

/* ---------- the dynamic phase ---------- */

static bool loaded_ok(const dyn_outcome *o) { return o->reported && o->load.ok; }

static void run_pending(checker *c, pending *q)
{
    const runtime_facts *f = q->facts;
    dyn_job j = {.runtime = f->exe,
                 .kind = f->kind,
                 .library = f->library,
                 .self_exe = c->opts.self_exe,
                 .addon = q->addon,
                 .execute = true,
                 .smoke = q->smoke,
                 .pkg = q->pkg,
                 .timeout_ms = c->opts.timeout_ms,
                 .sysroot = c->opts.sysroot,
                 .emulator = q->emulator};
    /* The driver answers RTLD_NOW and the default flags in one process; a library runtime
     * (abiprobe __dlopen) needs a second one. */
    j.both = !f->library;
    dyn_run(&j, &q->lazy);
    if (!j.both && loaded_ok(&q->lazy)) {
        j.now = true;
        j.execute = false;
        dyn_run(&j, &q->now);
        q->now_ran = true;
    }
}

/* Take jobs until the queue is closed and empty. */
static void *worker(void *arg)
{
    checker *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        while (c->next >= c->npend && !c->closed)
            pthread_cond_wait(&c->more, &c->lock);
        if (c->next >= c->npend) {
            pthread_mutex_unlock(&c->lock);
            return NULL;
        }
        pending *q = c->pend[c->next++];
        pthread_mutex_unlock(&c->lock);
        run_pending(c, q);
    }
}

/* Append a job; the first one starts the -j workers. */
static int queue(checker *c, pending *q)
{
    pthread_mutex_lock(&c->lock);
    if (c->npend == c->pend_cap) {
        size_t cap = c->pend_cap ? c->pend_cap * 2 : 16;
        pending **n = realloc(c->pend, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&c->lock);
            return -1;
        }
        c->pend = n;
        c->pend_cap = cap;
    }
    c->pend[c->npend++] = q;
    pthread_cond_signal(&c->more);
    pthread_mutex_unlock(&c->lock);
    if (!c->started) {
        c->started = true;
        unsigned want = c->opts.jobs ? c->opts.jobs : 1;
        for (unsigned t = 0; t < want && t < 64; t++)
            if (pthread_create(&c->tids[c->nworkers], NULL, worker, c) == 0)
                c->nworkers++;
    }
    return 0;
}

/* Close the queue and wait for the workers. run_rest: run what no worker took on this
 * thread (none could start); otherwise drop it (the run is being torn down). */
static void join_workers(checker *c, bool run_rest)
{
    pthread_mutex_lock(&c->lock);
    c->closed = true;
    if (!run_rest)
        c->next = c->npend;
    pthread_cond_broadcast(&c->more);
    pthread_mutex_unlock(&c->lock);
    for (unsigned t = 0; t < c->nworkers; t++)
        pthread_join(c->tids[t], NULL);
    c->nworkers = 0;
    if (run_rest)
        worker(c);
}

void checker_finish(checker *c)
{
    join_workers(c, true);
    /* Record in report order, single-threaded: the report's arena is not shared. */
    for (size_t i = 0; i < c->npend; i++) {
        pending *q = c->pend[i];
        result *res = &c->r->results[q->result];
        const prepared *p = &c->rts[q->rt];
        dyn_view v = {&q->lazy,  q->now_ran ? &q->now : NULL, p->facts->library, p->label, q->smoke,
                      q->expect, c->opts.timeout_ms};
        check_dlopen(c->r, res, &v);
        check_execute(c->r, res, &v);
        result_settle(res);
    }
}

int checker_add_unreferenced(checker *c, const char *const *nodes, size_t n, diag *d)
{
    size_t nchecked = c->r->nresults;
    for (size_t k = 0; k < n; k++) {
        bool reached = false;
        for (size_t i = 0; i < nchecked && !reached; i++)
            reached = c->r->results[i].sel && select_considered(c->r->results[i].sel, nodes[k]);
        if (reached)
            continue;
        result *res = report_add(c->r);
        addon_facts *af = res ? report_alloc(c->r, sizeof *af) : NULL;
        if (!af)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        af->path = report_strdup(c->r, nodes[k]);
        af->kind = "unknown";
        af->modules = af->napi_version = -1;
        res->addon = af;
        res->kind = RESULT_UNREFERENCED;
        res->target = af->path;
    }
    return 0;
}

size_t checker_expect(checker *c, const config_expect *x, size_t n, bool *unmatched)
{
    size_t missed = 0;
    for (size_t e = 0; e < n; e++) {
        bool hit = false;
        for (size_t i = 0; i < c->r->nresults; i++) {
            result *res = &c->r->results[i];
            if ((res->kind != RESULT_PAIR) || !res->rt_name || strcmp(res->rt_name, x[e].runtime) != 0 ||
                !config_matches(x[e].target, NULL, res->target, res->sel ? res->sel->name : NULL))
                continue;
            hit = true;
            res->expect_set = true;
            res->expected_fail = x[e].fail;
            res->expect_reason = report_strdup(c->r, x[e].reason ? x[e].reason : "");
        }
        unmatched[e] = !hit;
        missed += !hit;
    }
    return missed;
}
