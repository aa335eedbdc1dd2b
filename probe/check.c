/* probe/check.c — the loop over pairs and checks: runtime preparation (facts and global scope,
 * once per runtime), each target against each runtime, the checks in the order of the check
 * table (probe/checks/checks.h), and the worker queue of the real loads. Which file a package
 * loads is the selection phase's question (probe/pkg/select.h); this file hands it the static
 * checks as its judge. */
#define _GNU_SOURCE
#include "probe/check.h"
#include "probe/cache.h"

#include "abi/machine.h"

#include "probe/addon.h"
#include "probe/checks/checks.h"
#include "probe/dynamic.h"
#include "probe/pkg/select.h"
#include "probe/runtime.h"
#include "probe/scope.h"
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

/* A file the selection phase had judged for a runtime: its static checks, kept so that the
 * pair that then checks the same file does not run them twice. */
typedef struct judged {
    size_t rt;
    const char *file; /* this machine's real path */
    result *res;      /* addon facts and static checks (not in the report's list) */
    int rc;           /* how reading the addon went */
    diag ad;
} judged;

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
    size_t ndone; /* real loads finished (under lock), for the progress line */
    size_t next;  /* the next job a worker takes */
    bool closed;  /* no more jobs: idle workers return */
    pthread_t tids[64];
    unsigned nworkers;
    bool started;   /* workers were started (or could not be: then checker_finish runs the jobs) */
    pkgsel *sel;    /* the selection phase */
    judged *judged; /* files the phase had judged (in the report's arena) */
    size_t njudged, judged_cap;
    pthread_mutex_t lock;
    pthread_cond_t more;
};

static int judge(void *arg, size_t rt, const char *file, pkg_verdict *out);

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
    pkgsel_opts so = {o->sysroot, o->self_exe ? o->self_exe : "", o->timeout_ms, o->jobs, o->static_only, o->overrides};
    if (lrc == 0 && pkgsel_create(&c->sel, r, &so, judge, c, d) != 0) {
        ldso_destroy(c->l);
        lrc = -1;
    }
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
    pkgsel_destroy(c->sel);
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

static int add_runtime(checker *c, const char *rt, const char *name, const char *unusable, diag *d);

int checker_add_named_runtime(checker *c, const char *rt, const char *name, diag *d)
{
    return add_runtime(c, rt, name, NULL, d);
}

int checker_add_unusable_runtime(checker *c, const char *name, const char *why, diag *d)
{
    return add_runtime(c, name, name, why, d);
}

size_t checker_runtime_exes(const checker *c, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nrts && n < max; i++)
        if (c->rts[i].facts->exe)
            out[n++] = c->rts[i].facts->exe;
    return n;
}

void checker_note_runtime(checker *c, const char *note)
{
    if (!c->nrts || !note || !*note)
        return;
    runtime_facts *f = c->rts[c->nrts - 1].facts;
    f->note = f->note ? report_printf(c->r, "%s; %s", note, f->note) : report_strdup(c->r, note);
}

/* --libc, --arch and --platform describe another machine than the runtime's own (its loader's
 * view without them): the runtime here cannot answer for it, so the rules decide. Why, or NULL
 * when they describe its own. */
static const char *another_machine(report *r, const select_overrides *o, const runtime_facts *f, const char *root)
{
    loader_view own;
    rules_view(r, f, root, NULL, &own);
    if (o->arch && strcmp(o->arch, own.arch) != 0)
        return report_printf(r, "--arch %s describes another machine than this runtime's (%s): the rules decide",
                             o->arch, own.arch);
    if (o->libc && strcmp(o->libc, own.rt_libc) != 0)
        return report_printf(r, "--libc %s describes another machine than this runtime's (%s): the rules decide",
                             o->libc, own.rt_libc);
    if (o->platform && strcmp(o->platform, own.platform) != 0)
        return report_printf(r, "--platform %s describes another system than this runtime's (%s): the rules decide",
                             o->platform, own.platform);
    return NULL;
}

/* rt's facts (or, with unusable, why it cannot be had at all) for the run's runtimes. */
static int add_runtime(checker *c, const char *rt, const char *name, const char *unusable, diag *d)
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
    int rc;
    if (unusable) {
        runtime_facts_unknown(c->r, p->name, unusable, p->facts);
        rc = diag_set(d, DIAG_SPAWN, "%s", unusable);
    } else {
        rc = runtime_facts_read(c->r, rt, &ro, p->facts, d);
    }
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
    const char *other = another_machine(c->r, &c->opts.overrides, f, c->opts.sysroot);
    if (c->opts.select == SELECT_RULES)
        p->no_observe = "--select rules: no JavaScript from the package ran";
    else if (other)
        p->no_observe = other;
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
    pkgsel_runtime sr = {p->facts, p->emulator, p->no_observe, p->have_scope ? NULL : p->problem};
    if (pkgsel_add_runtime(c->sel, &sr, d) != 0)
        return -1;
    return rc;
}

/* The checks of phase ph from id from on (in table order) get one status and reason. */
static void rest(report *r, result *res, check_phase ph, check_id from, status st, const char *why)
{
    for (size_t i = from; i < CHECK_COUNT; i++)
        if (check_table[i].phase == ph)
            report_add_check(r, res, check_table[i].id, st, "%s", why);
}

/* Why the real loads of a pair whose format failed (or whose file is not there) do not run. */
static const char *not_loaded(const checker *c, const char *why)
{
    return c->opts.static_only ? "not run: --static-only" : why;
}

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

/* The dynamic checks of res from a real load that has already happened (the runtime's own
 * require() of the package, while it was asked which file the package loads). */
static void record_load(checker *c, size_t rt, result *res, const dyn_outcome *seen)
{
    const prepared *p = &c->rts[rt];
    dyn_view v = {seen, NULL, false, p->label, NULL, NULL, c->opts.timeout_ms};
    check_ctx x = {.r = c->r, .res = res, .rt = p->facts, .rt_label = p->label, .dyn = &v};
    for (size_t k = 0; k < CHECK_COUNT; k++)
        if (check_table[k].phase == PHASE_DYNAMIC)
            check_table[k].run(&x);
}

/* The dynamic checks of a pair whose static ones are recorded: skipped when its format failed,
 * as why says when its real load will not run (with dst), else from the load the runtime's own
 * require() made (seen); a load queued by start_load is recorded by checker_finish. */
static void dynamic_part(checker *c, size_t rt, result *res, bool format_ok, const char *why, status dst,
                         const dyn_outcome *seen)
{
    if (!format_ok)
        rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, STATUS_SKIP, not_loaded(c, "not run: format failed"));
    else if (why)
        rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, dst, why);
    else if (seen)
        record_load(c, rt, res, seen);
}

/* The static checks of a pair, in table order, and its real load queued as soon as its format
 * passes (load: false for a file the selection phase judges, which gets no real load). Returns
 * -1 (d set) when the addon could not be read at this point (it changed or vanished since its
 * facts were read): the run's input is then unreadable. */
static int check_pair(checker *c, const run_req *t, size_t rt, result *res, const char *path, const addon_facts *af,
                      bool load, const dyn_outcome *seen, diag *d)
{
    prepared *p = &c->rts[rt];
    scope s;
    if (scope_copy(&s, &p->global, d) != 0 || scope_add_local(c->l, &s, path, d) != 0) {
        rest(c->r, res, PHASE_STATIC, CHECK_FORMAT, STATUS_ERROR, d->msg);
        if (load)
            rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, STATUS_ERROR, d->msg);
        scope_free(&s);
        return -1;
    }
    check_ctx x = {c->r,     res,     c->l, &s, scope_elf(c->l, &s, s.local_root), af, p->facts, scope_elf(c->l, &s, 0),
                   p->label, c->memo, NULL};
    struct read_addon *ra = NULL;
    status dst = STATUS_SKIP;
    const char *why = NULL;
    bool format_ok = true;
    for (size_t i = 0; i < CHECK_COUNT; i++) {
        const check_def *k = &check_table[i];
        if (k->phase != PHASE_STATIC)
            continue;
        if (!format_ok) {
            /* Wrong class or machine: no library search, symbol lookup or load means anything. */
            report_add_check(c->r, res, k->id, STATUS_SKIP, "not run: format failed");
            continue;
        }
        if (k->run(&x) != STATUS_PASS && k->id == CHECK_FORMAT) {
            format_ok = false;
            continue;
        }
        if (k->id == CHECK_FORMAT) {
            /* The real load starts now, on a worker, while the static checks run here, so the
             * runtime's start-up hides them. Static failures do not stop it: it proves what
             * they predict. */
            if (load && !seen)
                why = start_load(c, t, res, rt, path, &dst);
            ra = demangled_load(c, x.addon);
        }
    }
    if (ra)
        demangled_save(c, ra, res);
    if (load)
        dynamic_part(c, rt, res, format_ok, why, dst, seen);
    scope_free(&s);
    return 0;
}

/* One addon file against runtime rt, into res. rc/ad: how reading the addon went. load: queue
 * its real load. Returns -1 (d set) when the file turned unreadable during the checks. */
static int check_file(checker *c, const run_req *t, size_t rt, result *res, const char *path, const addon_facts *af,
                      int rc, const diag *ad, bool load, const dyn_outcome *seen, diag *d)
{
    int ret = 0;
    prepared *p = &c->rts[rt];
    check *k = NULL;
    if (rc != 0 && ad->code == DIAG_FOREIGN) {
        k = report_add_check(c->r, res, CHECK_FORMAT, STATUS_FAIL, "%s", af->format_desc);
        if (k)
            k->hint = "a .node file for another operating system: install the linux prebuild";
    } else if (rc != 0 && res->sel && ad->code == DIAG_FORMAT) {
        /* The file a package loads is corrupt or truncated: the package is broken, which is a
         * finding (exit 1), not a check that could not be made. */
        k = report_add_check(c->r, res, CHECK_FORMAT, STATUS_FAIL, "the file this package loads is corrupt: %s",
                             ad->msg);
        if (k)
            k->hint = "reinstall the package (npm ci), or rebuild its native part (npm rebuild)";
    } else if (rc != 0 || !p->have_scope) {
        const char *why = rc != 0 ? ad->msg : p->problem;
        rest(c->r, res, PHASE_STATIC, CHECK_FORMAT, STATUS_ERROR, why);
        if (load)
            rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, STATUS_ERROR, why);
    } else {
        ret = check_pair(c, t, rt, res, path, af, load, seen, d);
    }
    if (k) {
        rest(c->r, res, PHASE_STATIC, CHECK_LIBC, STATUS_SKIP, "not run: format failed");
        if (load)
            rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, STATUS_SKIP, not_loaded(c, "not run: format failed"));
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

/* ---------- packages ---------- */

static int judge(void *arg, size_t rt, const char *file, pkg_verdict *out);

void checker_prestart(checker *c, const char *dir)
{
    if (c->opts.select != SELECT_RULES)
        pkgsel_prestart(c->sel, dir);
}

int checker_observe(checker *c, const char *const *pkgdirs, size_t n, diag *d)
{
    if (pkgsel_observe(c->sel, pkgdirs, n, d) != 0)
        return -1;
    /* While the runtimes are asked, the files the packages are likely to load are checked here:
     * the decisions then find them judged, and the runtimes' start-up hides the static work. */
    for (size_t i = 0; i < n; i++)
        for (size_t rt = 0; rt < c->nrts; rt++) {
            const char **files;
            size_t nf = pkgsel_predict(c->sel, rt, pkgdirs[i], &files);
            for (size_t k = 0; k < nf; k++) {
                pkg_verdict v;
                judge(c, rt, files[k], &v);
            }
        }
    return 0;
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
        if (x->id == CHECK_SYMBOLS && x->nload && x->first)
            return report_printf(r, "%s: undefined symbol: %s", res->addon->path, x->first);
        if (x->id == CHECK_FORMAT || x->id == CHECK_LIBC || x->id == CHECK_NEEDED || x->id == CHECK_VERSIONS ||
            x->id == CHECK_MODULES)
            return report_printf(r, "%s: %s", res->addon->path, x->message);
    }
    return NULL;
}

static judged *find_judged(checker *c, size_t rt, const char *file)
{
    for (size_t i = 0; i < c->njudged; i++)
        if (c->judged[i].rt == rt && strcmp(c->judged[i].file, file) == 0)
            return &c->judged[i];
    return NULL;
}

/* The addon facts of file for a result of the package whose results begin at first: shared with
 * an earlier runtime's result that chose the same file, else read (rc and ad say how). */
static addon_facts *facts_for(checker *c, size_t first, size_t upto, const char *file, int *rc, diag *ad)
{
    *rc = 0;
    for (size_t k = first; k < upto; k++)
        if (c->r->results[k].addon && strcmp(c->r->results[k].addon->path, file) == 0)
            return c->r->results[k].addon;
    addon_facts *af = report_alloc(c->r, sizeof *af);
    if (af)
        *rc = read_addon(c, sysroot_shown(c->opts.sysroot, file), file, af, ad);
    return af;
}

/* The selection phase's judge: the static checks of file for runtime rt, kept for the pair
 * that then checks the same file. */
static int judge(void *arg, size_t rt, const char *file, pkg_verdict *out)
{
    checker *c = arg;
    judged *j = find_judged(c, rt, file);
    if (!j) {
        if (report_grow(c->r, &c->judged, c->njudged, &c->judged_cap, sizeof *c->judged, 8) != 0)
            return -1;
        result *res = report_alloc(c->r, sizeof *res);
        if (!res)
            return -1;
        j = &c->judged[c->njudged];
        *j = (judged){rt, report_strdup(c->r, file), res, 0, {0}};
        diag_clear(&j->ad);
        res->kind = RESULT_PAIR;
        res->runtime = c->rts[rt].facts;
        res->sel = report_alloc(c->r, sizeof *res->sel); /* a package's file: a corrupt one is a finding */
        res->addon = facts_for(c, 0, 0, file, &j->rc, &j->ad);
        if (!res->addon)
            return -1;
        diag d;
        diag_clear(&d);
        check_file(c, NULL, rt, res, sysroot_shown(c->opts.sysroot, file), res->addon, j->rc, &j->ad, false, NULL, &d);
        c->njudged++;
    }
    const result *res = j->res;
    out->st = res->verdict;
    out->fits = true;
    for (size_t k = 0; k < res->nchecks; k++)
        if ((res->checks[k].id == CHECK_FORMAT || res->checks[k].id == CHECK_LIBC) &&
            res->checks[k].status != STATUS_PASS)
            out->fits = false;
    out->reason = result_reason(res, NULL);
    out->refusal = predicted_refusal(c->r, res);
    return 0;
}

/* The checks of runtime i's result (at index at) for the file its selection chose, or the
 * select failure alone. first: the package's first result (runtimes that pick the same file
 * share its facts). Returns -1 (d set) when the file turned unreadable. */
static int package_checks(checker *c, const run_req *t, size_t i, size_t first, size_t at, diag *d)
{
    prepared *p = &c->rts[i];
    result *res = &c->r->results[at];
    const sel_answer *a = selection_answer(res->sel);
    check_ctx sx = {.r = c->r, .res = res, .rt = p->facts, .rt_label = p->label};
    check_table[CHECK_SELECT].run(&sx);
    if (!a->chosen) {
        /* No file: the package itself stands as the addon of the result. */
        addon_facts *af = report_alloc(c->r, sizeof *af);
        if (af) {
            af->path = res->sel->pkgdir;
            af->format = "none";
            af->kind = "unknown";
            af->modules = af->napi_version = -1;
            af->selected_by = a->rule;
            af->error = "no file selected";
        }
        res->addon = af;
        status st = a->outcome == SEL_UNKNOWN ? STATUS_ERROR : STATUS_SKIP;
        const char *nr =
            a->outcome == SEL_UNKNOWN ? "not run: which file loads cannot be told" : "not run: no file selected";
        rest(c->r, res, PHASE_STATIC, CHECK_FORMAT, st, nr);
        rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, st, nr);
        result_settle(res);
        return 0;
    }
    const char *image = sysroot_shown(c->opts.sysroot, a->chosen);
    const judged *j = find_judged(c, i, a->chosen);
    /* The runtime's require() already loaded the file for real, in the process that was asked:
     * that load is the dlopen check's answer, and its exports the execute check's (a smoke module
     * needs a load of its own). */
    dyn_outcome real_load, *seen = &real_load;
    if (c->opts.static_only || t->smoke || !pkgsel_real_load(c->sel, i, res->sel->pkgdir, a->chosen, seen))
        seen = NULL;
    if (j) {
        /* The selection phase already ran its static checks: they are taken as they are. */
        res->addon = report_alloc(c->r, sizeof *res->addon);
        if (!res->addon)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        *res->addon = *j->res->addon;
        res->addon->selected_by = a->rule;
        bool format_ok = true;
        for (size_t k = 0; k < j->res->nchecks; k++) {
            const check *x = &j->res->checks[k];
            check *y = report_add_check(c->r, res, x->id, x->status, "%s", "");
            if (y)
                *y = *x;
            format_ok = format_ok && !(x->id == CHECK_FORMAT && x->status != STATUS_PASS);
        }
        status dst = STATUS_ERROR;
        const char *why = !format_ok || seen ? NULL : j->rc != 0 ? j->ad.msg : start_load(c, t, res, i, image, &dst);
        dynamic_part(c, i, res, format_ok, why, dst, seen);
        result_settle(res);
        return 0;
    }
    diag ad;
    diag_clear(&ad);
    int rc = 0;
    addon_facts *af = facts_for(c, first, at, a->chosen, &rc, &ad);
    if (!af)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    af->selected_by = a->rule;
    res->addon = af;
    return check_file(c, t, i, res, image, af, rc, &ad, true, seen, d);
}

int checker_select(checker *c, const char *pkgdir, diag *d)
{
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
        if (pkgsel_decide(c->sel, i, pkgdir, sel, &sd) != 0) {
            /* Nothing could be read: which file loads cannot be told (never "chosen"). */
            sel->step = STEP_RULES;
            sel->rules.outcome = SEL_UNKNOWN;
            sel->rules.none_why = report_strdup(c->r, sd.msg);
            *d = sd;
            ret = -1;
            break;
        }
    }
    return ret;
}

/* A package directory: each runtime's selection, then the file it chose is checked. */
static int run_package(checker *c, const run_req *t, const char *pkgdir, diag *d)
{
    /* A package with no native code of its own whose require() loads a dependency's: that
     * dependency is what is checked (the user named msgpackr; msgpackr-extract's file loads). */
    const pkg_own *o = pkgsel_own(c->sel, pkgdir);
    const char **others = NULL;
    size_t nothers = o && !o->nnodes && !o->builds && !o->nabsent ? pkgsel_others(c->sel, pkgdir, &others) : 0;
    for (size_t k = 0; k < nothers; k++) {
        size_t before = c->r->nresults;
        int rc = run_package(c, t, others[k], d);
        for (size_t i = before; i < c->r->nresults; i++)
            if (c->r->results[i].sel) {
                selection *s = c->r->results[i].sel;
                c->r->results[i].target = report_strdup(c->r, pkgdir); /* the argument it came from */
                const char *n = report_printf(c->r,
                                              "checked for %s, which has no .node file of its own: its require() "
                                              "loads this package's",
                                              o->name ? o->name : pkgdir);
                s->note = s->note ? report_printf(c->r, "%s; %s", n, s->note) : n;
            }
        if (rc != 0)
            return rc;
    }
    if (nothers)
        return 0;
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
        size_t at = (size_t)(res - c->r->results);
        diag sd;
        diag_clear(&sd);
        if (pkgsel_decide(c->sel, i, pkgdir, sel, &sd) != 0) {
            res = &c->r->results[at];
            rest(c->r, res, PHASE_STATIC, CHECK_FORMAT, STATUS_ERROR, sd.msg);
            rest(c->r, res, PHASE_DYNAMIC, CHECK_FORMAT, STATUS_ERROR, sd.msg);
            result_settle(res);
            *d = sd;
            ret = -1;
            continue;
        }
        if (package_checks(c, t, i, first, at, &sd) != 0) {
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
        c->r->results[i].rt_name = c->rts[c->nrts ? (i - first) % c->nrts : 0].name;
    return rc;
}

static int run_target(checker *c, const run_req *t, const char *path, diag *d)
{
    struct stat st;
    char host[PATH_MAX];
    const char *root = c->opts.sysroot;
    sysroot_host(root, path, host, sizeof host);
    if (stat(host, &st) == 0 && S_ISDIR(st.st_mode))
        return run_package(c, t, host, d);
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
        if (check_file(c, t, i, res, path, af, rc, &ad, true, NULL, &pd) != 0 && rc == 0) {
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
        if (c->opts.progress) {
            pthread_mutex_lock(&c->lock);
            size_t done = ++c->ndone, total = c->npend;
            pthread_mutex_unlock(&c->lock);
            c->opts.progress(c->opts.progress_arg, "loading in the runtimes", done, total);
        }
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
        check_ctx x = {.r = c->r, .res = res, .rt = p->facts, .rt_label = p->label, .dyn = &v};
        for (size_t k = 0; k < CHECK_COUNT; k++)
            if (check_table[k].phase == PHASE_DYNAMIC)
                check_table[k].run(&x);
        result_settle(res);
    }
}

/* Could the .node file at path load on one of the run's runtimes (an ELF file of its machine,
 * or of --arch's)? When not, what says what it is built for. */
static bool fits_a_runtime(const checker *c, const char *path, char *what, size_t n)
{
    file_sniff fs;
    file_sniff_path(path, &fs);
    if (fs.format != FILE_FORMAT_ELF) {
        snprintf(what, n, "%s", fs.format == FILE_FORMAT_UNKNOWN ? "not an ELF file" : fs.desc);
        return false;
    }
    const abi_machine *over = c->opts.overrides.arch ? abi_machine_of_node_arch(c->opts.overrides.arch) : NULL;
    const char *targets = "";
    for (size_t i = 0; i < c->nrts; i++) {
        const char *m = over ? over->name : c->rts[i].facts->machine;
        if (m && strcmp(m, fs.machine) == 0)
            return true;
        targets = m ? m : "?";
    }
    snprintf(what, n, "%s, and the target is %s", fs.desc, c->nrts ? targets : "no runtime");
    return false;
}

/* True when file is one of the files of a package in list (its own directories). */
static bool owned_by_any(checker *c, const char *const *list, size_t n, const char *file)
{
    for (size_t i = 0; i < n; i++) {
        const pkg_own *o = pkgsel_own(c->sel, list[i]);
        if (o && own_holds(o, file))
            return true;
    }
    return false;
}

int checker_scan_targets(checker *c, const char *const *pkgs, size_t npkgs, const char *const *nodes, size_t nnodes,
                         const char ***out, size_t *nout, diag *d)
{
    size_t n = 0, cap = 0;
    const char **v = NULL;
    pkgsel_known_nodes(c->sel, nodes, nnodes); /* the walk's list: packages are not walked again */
    /* A package with a result: one that owns a .node file, builds one at install time, or needs
     * a platform package that npm did not install. */
    for (size_t i = 0; i < npkgs; i++) {
        const pkg_own *o = pkgsel_own(c->sel, pkgs[i]);
        if (!o || !(o->nnodes || o->builds || o->nabsent))
            continue;
        bool keep = o->nnodes > 0 || o->builds;
        for (size_t r = 0; r < c->nrts && !keep; r++) {
            /* The target as each runtime's loader sees it: what the selection names as missing. */
            const char **list = NULL;
            loader_view view;
            rules_view(c->r, c->rts[r].facts, c->opts.sysroot, &c->opts.overrides, &view);
            keep = own_missing_platform(c->r, o, view.platform, view.arch, view.rt_libc, &list) > 0;
        }
        if (!keep)
            continue;
        if (report_grow(c->r, &v, n, &cap, sizeof *v, 32) != 0)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        v[n++] = report_strdup(c->r, pkgs[i]);
    }
    /* A platform package that a package above lists in its optionalDependencies is that
     * package's: its files are judged in that package's result. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool claimed = false;
        for (size_t k = 0; k < n && !claimed; k++) {
            const pkg_own *o = k == i ? NULL : pkgsel_own(c->sel, v[k]);
            for (size_t x = 1; o && x < o->ndirs && !claimed; x++)
                claimed = strcmp(o->dirs[x], v[i]) == 0;
        }
        if (!claimed)
            v[kept++] = v[i];
    }
    n = kept;
    /* Every .node file that could load on the target belongs to a package with a result: its
     * holder, when no package above claims it (a loader of its own that the walk did not know). */
    for (size_t k = 0; k < nnodes; k++) {
        char what[160], dir[PATH_MAX];
        if (!fits_a_runtime(c, nodes[k], what, sizeof what) || owned_by_any(c, v, n, nodes[k]) ||
            !pkg_holder(nodes[k], dir, sizeof dir))
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strcmp(v[i], dir) == 0;
        if (dup)
            continue;
        if (report_grow(c->r, &v, n, &cap, sizeof *v, 32) != 0)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        v[n++] = report_strdup(c->r, dir);
    }
    *out = v;
    *nout = n;
    return 0;
}

int checker_add_unreferenced(checker *c, const char *const *nodes, size_t n, diag *d)
{
    size_t nchecked = c->r->nresults;
    for (size_t k = 0; k < n; k++) {
        bool reached = false;
        for (size_t i = 0; i < nchecked && !reached; i++) {
            const selection *s = c->r->results[i].sel;
            const pkg_own *o = s && s->pkgdir ? pkgsel_own(c->sel, s->pkgdir) : NULL;
            reached = s && (select_considered(s, nodes[k]) || (o && own_holds(o, nodes[k])));
        }
        if (reached)
            continue;
        char what[160];
        bool fits = fits_a_runtime(c, nodes[k], what, sizeof what);
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
        res->unreferenced_why =
            fits ? "no package here claims it" : report_printf(c->r, "it cannot load on the target: %s", what);
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
