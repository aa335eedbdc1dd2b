/* probe/pkg/select.c — the selection phase (see select.h for the steps). Observations are
 * made in batches, one runtime process per runtime and project, on up to -j threads, each
 * thread with an arena of its own; the decision for a package and runtime is made on the
 * calling thread, from what was observed, the rules and, for the agreement step and the
 * predicted refusal, the checker's static checks. */
#define _GNU_SOURCE
#include "probe/pkg/select.h"

#include "probe/dynamic.h"
#include "probe/elf.h"
#include "probe/paths.h"
#include "probe/pkg/observe.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { REFUSALS_MAX = 4 };

typedef struct batch batch;

/* A runtime's observer started early (pkgsel_prestart), waiting on stdin for its request. */
typedef struct prestarted {
    dyn_proc *proc;          /* NULL when none */
    const char *deno_config; /* the configuration it was started with (Deno's) */
} prestarted;

/* One package directory the phase knows. */
typedef struct entry {
    const char *dir;     /* this machine's real path */
    const char *project; /* the directory whose node_modules holds it (or itself), this machine's path */
    pkg_own own;
    bool own_ok;       /* own was read (else the package is unreadable) */
    bool observed;     /* the runtimes were asked (or could not be) */
    obs_pkg *per_rt;   /* one per runtime (OBS_UNSEEN where it was not asked) */
    selection **ruled; /* per runtime: the rules' selection, made while the runtimes were asked, or NULL */
} entry;

struct pkgsel {
    report *r;
    pkgsel_opts o;
    pkgsel_judge judge;
    void *judge_arg;
    pkgsel_runtime *rts;
    size_t nrts;
    entry **e; /* sorted by dir (kept so as they are added); entries never move */
    size_t ne;
    report **scratch; /* arenas of observations made on worker threads */
    size_t nscratch;
    own_known known; /* a walk's .node files (scan), or none */
    bool have_known;
    batch *running;  /* the observation under way, or NULL */
    prestarted *pre; /* per runtime: its observer, started before the packages were known */
};

int pkgsel_create(pkgsel **out, report *r, const pkgsel_opts *o, pkgsel_judge judge, void *judge_arg, diag *d)
{
    pkgsel *p = calloc(1, sizeof *p);
    if (!p)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    p->r = r;
    p->o = *o;
    p->judge = judge;
    p->judge_arg = judge_arg;
    *out = p;
    return 0;
}

void pkgsel_destroy(pkgsel *p)
{
    if (!p)
        return;
    pkgsel_wait(p); /* never leave a thread running on freed state */
    for (size_t i = 0; p->pre && i < p->nrts; i++)
        dyn_abandon(p->pre[i].proc); /* started early, never needed */
    free(p->pre);
    for (size_t i = 0; i < p->ne; i++)
        free(p->e[i]);
    free(p->e);
    free(p->rts);
    for (size_t i = 0; i < p->nscratch; i++) {
        report_free(p->scratch[i]);
        free(p->scratch[i]);
    }
    free(p->scratch);
    free(p);
}

int pkgsel_add_runtime(pkgsel *p, const pkgsel_runtime *rt, diag *d)
{
    pkgsel_runtime *n = realloc(p->rts, (p->nrts + 1) * sizeof *n);
    if (!n)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    p->rts = n;
    p->rts[p->nrts++] = *rt;
    return 0;
}

/* ---------- the packages the phase knows ---------- */

/* Where real is, or would go, in the sorted entries. */
static size_t slot(const pkgsel *p, const char *real)
{
    size_t lo = 0, hi = p->ne;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(p->e[mid]->dir, real) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static entry *find(const pkgsel *p, const char *real)
{
    size_t i = slot(p, real);
    return i < p->ne && strcmp(p->e[i]->dir, real) == 0 ? p->e[i] : NULL;
}

/* The project a package belongs to: the directory whose node_modules holds it (the first
 * node_modules of its path: pnpm's store and nested trees are the same project), or itself. */
static const char *project_of(report *r, const char *dir)
{
    const char *nm = strstr(dir, "/node_modules/");
    return nm ? report_printf(r, "%.*s", nm == dir ? 1 : (int)(nm - dir), dir) : dir;
}

/* A new entry for real (a package directory), in its sorted place. NULL when out of memory. */
static entry *add_entry(pkgsel *p, const char *real)
{
    entry **ne = realloc(p->e, (p->ne + 1) * sizeof *ne);
    entry *e = calloc(1, sizeof *e);
    if (ne)
        p->e = ne;
    if (!ne || !e) {
        free(e);
        return NULL;
    }
    e->dir = report_strdup(p->r, real);
    e->project = project_of(p->r, e->dir);
    diag od;
    diag_clear(&od);
    e->own_ok = own_read(p->r, real, p->o.sysroot, p->have_known ? &p->known : NULL, &e->own, &od) == 0;
    e->per_rt = report_alloc(p->r, (p->nrts ? p->nrts : 1) * sizeof *e->per_rt);
    e->ruled = report_alloc(p->r, (p->nrts ? p->nrts : 1) * sizeof *e->ruled);
    if (!e->per_rt || !e->ruled) {
        free(e);
        return NULL;
    }
    size_t at = slot(p, real);
    memmove(p->e + at + 1, p->e + at, (p->ne - at) * sizeof *p->e);
    p->e[at] = e;
    p->ne++;
    return e;
}

void pkgsel_known_nodes(pkgsel *p, const char *const *nodes, size_t n)
{
    p->known = (own_known){nodes, n};
    p->have_known = true;
}

const pkg_own *pkgsel_own(pkgsel *p, const char *pkgdir)
{
    /* Callers mostly hold real paths already (a walk's, a selection's): those need no realpath,
     * which costs a readlink per path component. */
    entry *e = find(p, pkgdir);
    if (e)
        return e->own_ok ? &e->own : NULL;
    char real[PATH_MAX];
    if (!realpath(pkgdir, real))
        return NULL;
    if (!(e = find(p, real)) && !(e = add_entry(p, real)))
        return NULL;
    return e->own_ok ? &e->own : NULL;
}

/* ---------- observing ---------- */

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

/* The paths of v as the runtime sees them: the image's inside --sysroot (a chrooted runtime). */
static const char **shown_all(report *r, const char *root, const char *const *v, size_t n)
{
    const char **out = n ? report_alloc(r, n * sizeof *out) : NULL;
    for (size_t i = 0; out && i < n; i++)
        out[i] = report_strdup(r, sysroot_shown(root, v[i]));
    return out;
}

/* The package's .node files that an ELF of machine (a runtime's) could be, as the runtime sees
 * them: the candidates its observer loads when require() asks for none of its files. */
static void candidates_of(report *r, const entry *e, const char *machine, const char *root, obs_target *t)
{
    const char **v = e->own.nnodes && machine ? report_alloc(r, e->own.nnodes * sizeof *v) : NULL;
    size_t n = 0;
    for (size_t i = 0; v && i < e->own.nnodes; i++) {
        file_sniff fs;
        file_sniff_path(e->own.nodes[i], &fs);
        if (fs.format == FILE_FORMAT_ELF && strcmp(fs.machine, machine) == 0)
            v[n++] = report_strdup(r, sysroot_shown(root, e->own.nodes[i]));
    }
    t->candidates = v;
    t->ncandidates = n;
}

/* The request for entry e as runtime rt sees it (root: the image the runtime is chrooted into,
 * or NULL). */
static void target_of(report *r, const entry *e, const char *root, obs_target *t)
{
    memset(t, 0, sizeof *t);
    const char *img = report_strdup(r, sysroot_shown(root, e->dir));
    require_spec(r, img, &t->spec, &t->from);
    t->dir = img;
    if (e->own_ok) {
        t->own = shown_all(r, root, e->own.dirs, e->own.ndirs);
        t->nown = t->own ? e->own.ndirs : 0;
    }
}

/* The project's Deno configuration (deno.json or deno.jsonc, in it or a directory above), as
 * the runtime sees it, or NULL. */
static const char *deno_config(report *r, const char *project, const char *root)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", project);
    size_t floor = root ? strlen(root) : 0;
    for (int depth = 0; depth < 64; depth++) {
        static const char *const names[] = {"deno.json", "deno.jsonc"};
        for (size_t i = 0; i < 2; i++) {
            char f[PATH_MAX + 16];
            if (snprintf(f, sizeof f, "%s/%s", dir, names[i]) < (int)sizeof f && access(f, R_OK) == 0)
                return report_strdup(r, sysroot_shown(root, f));
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir || (size_t)(slash - dir) < floor)
            break;
        *slash = '\0';
    }
    return NULL;
}

/* The job of runtime rt's observer for packages of project (strings in r). */
static dyn_job observer_job(const pkgsel *p, const pkgsel_runtime *rt, report *r, const char *project)
{
    bool deno = strcmp(rt->facts->kind, "deno") == 0;
    return (dyn_job){.runtime = rt->facts->exe,
                     .kind = rt->facts->kind,
                     .self_exe = p->o.self_exe,
                     .timeout_ms = p->o.timeout_ms,
                     .sysroot = p->o.sysroot,
                     .emulator = rt->emulator,
                     .deno_config = deno ? deno_config(r, project, p->o.sysroot) : NULL};
}

/* One runtime's observation of a list of entries, on a thread of its own under -j. */
typedef struct obs_work {
    const pkgsel *p;
    size_t rt;
    entry **list;
    size_t n;
    report *arena; /* where the observation's strings live */
    int rc;
    prestarted pre; /* the runtime's observer started early, for the first project, or none */
} obs_work;

/* Observe list[0..n) in runtime w->rt, one process per project (the list is grouped by it).
 * refuse: for a single package, the loads to refuse. */
static int observe_list(obs_work *w, const char *const *refuse_files, const char *const *refuse_msgs, size_t nrefuse,
                        obs_pkg *out)
{
    const pkgsel *p = w->p;
    const pkgsel_runtime *rt = &p->rts[w->rt];
    /* A chrooted runtime sees the image's paths. Under qemu-user's -L the image serves only the
     * loader and libraries: the files its JavaScript opens go by this machine's paths. */
    const char *root = p->o.sysroot && !rt->emulator ? p->o.sysroot : NULL;
    obs_target *t = calloc(w->n ? w->n : 1, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < w->n; i++) {
        target_of(w->arena, w->list[i], root, &t[i]);
        if (!p->o.stand_in && w->list[i]->own_ok && !nrefuse)
            candidates_of(w->arena, w->list[i], rt->facts->machine, root, &t[i]);
        t[i].refuse_files = refuse_files;
        t[i].refuse_msgs = refuse_msgs;
        t[i].nrefuse = nrefuse;
    }
    int rc = 0;
    for (size_t first = 0; first < w->n && rc == 0;) {
        size_t end = first + 1;
        while (end < w->n && strcmp(w->list[end]->project, w->list[first]->project) == 0)
            end++;
        dyn_job j = observer_job(p, rt, w->arena, w->list[first]->project);
        diag d;
        diag_clear(&d);
        /* The observer started early serves the first project, when it was started for the
         * configuration this one needs. */
        dyn_proc *started = w->pre.proc;
        w->pre.proc = NULL;
        if (started && !((!j.deno_config && !w->pre.deno_config) ||
                         (j.deno_config && w->pre.deno_config && strcmp(j.deno_config, w->pre.deno_config) == 0))) {
            dyn_abandon(started);
            started = NULL;
        }
        rc = observe_packages(w->arena, &j, p->o.stand_in, t + first, end - first, out + first, started, &d);
        first = end;
    }
    free(t);
    return rc;
}

/* The observation of a batch of packages, running in the background (pkgsel_observe). */
struct batch {
    const pkgsel *p;
    entry **fresh; /* the packages, grouped by project */
    obs_work *w;   /* one per runtime; arena NULL where it is not asked */
    pthread_t *tid;
    bool *started;
    pthread_t coordinator;
    bool running; /* the coordinator thread started */
};

static void *observe_work(void *arg)
{
    obs_work *w = arg;
    obs_pkg *out = calloc(w->n ? w->n : 1, sizeof *out);
    w->rc = out ? observe_list(w, NULL, NULL, 0, out) : -1;
    dyn_abandon(w->pre.proc); /* not used (no package for it) */
    w->pre.proc = NULL;
    for (size_t i = 0; out && w->rc == 0 && i < w->n; i++)
        w->list[i]->per_rt[w->rt] = out[i];
    free(out);
    return NULL;
}

/* A new arena for a worker thread, kept until the phase is destroyed (selections point into
 * it); NULL when out of memory. */
static report *scratch_arena(pkgsel *p)
{
    report **ns = realloc(p->scratch, (p->nscratch + 1) * sizeof *ns);
    if (!ns)
        return NULL;
    p->scratch = ns;
    report *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    report_init(a, "observe");
    p->scratch[p->nscratch++] = a;
    return a;
}

static int cmp_project(const void *a, const void *b)
{
    const entry *x = *(entry *const *)a, *y = *(entry *const *)b;
    int c = strcmp(x->project, y->project);
    return c ? c : strcmp(x->dir, y->dir);
}

/* Observe the batch's packages in every runtime that can be asked: in waves of -j threads, each
 * runtime with an arena of its own. Runs on the batch's own thread. */
static void *observe_batch(void *arg)
{
    batch *b = arg;
    const pkgsel *p = b->p;
    size_t jobs = p->o.jobs ? p->o.jobs : 1;
    for (size_t next = 0; next < p->nrts;) {
        size_t first = next, nw = 0;
        for (; next < p->nrts && nw < jobs; next++) {
            if (!b->w[next].arena)
                continue;
            b->started[next] = jobs > 1 && pthread_create(&b->tid[next], NULL, observe_work, &b->w[next]) == 0;
            if (!b->started[next])
                observe_work(&b->w[next]);
            nw++;
        }
        for (size_t k = first; k < next; k++)
            if (b->started[k])
                pthread_join(b->tid[k], NULL);
    }
    return NULL;
}

static void batch_free(batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->w && i < b->p->nrts; i++)
        dyn_abandon(b->w[i].pre.proc);
    free(b->fresh);
    free(b->w);
    free(b->tid);
    free(b->started);
    free(b);
}

int pkgsel_wait(pkgsel *p)
{
    batch *b = p->running;
    if (!b)
        return 0;
    if (b->running)
        pthread_join(b->coordinator, NULL);
    else
        observe_batch(b); /* no thread could start: observe here */
    int rc = 0;
    for (size_t i = 0; i < p->nrts; i++)
        rc = b->w[i].rc != 0 ? -1 : rc;
    batch_free(b);
    p->running = NULL;
    return rc;
}

void pkgsel_prestart(pkgsel *p, const char *dir)
{
    char real[PATH_MAX];
    if (p->pre || !realpath(dir, real) || !(p->pre = calloc(p->nrts ? p->nrts : 1, sizeof *p->pre)))
        return;
    const char *project = project_of(p->r, real);
    for (size_t i = 0; i < p->nrts; i++) {
        const pkgsel_runtime *rt = &p->rts[i];
        if (rt->no_observe || rt->problem)
            continue;
        dyn_job j = observer_job(p, rt, p->r, project);
        j.observe = ""; /* its request comes later, on stdin */
        dyn_outcome o;
        if (dyn_start(&j, &p->pre[i].proc, &o) == 0)
            p->pre[i].deno_config = j.deno_config;
        dyn_outcome_free(&o);
    }
}

int pkgsel_observe(pkgsel *p, const char *const *dirs, size_t n, diag *d)
{
    if (pkgsel_wait(p) != 0)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    batch *b = calloc(1, sizeof *b);
    size_t nr = p->nrts ? p->nrts : 1;
    if (!b || !(b->fresh = calloc(n ? n : 1, sizeof *b->fresh)) || !(b->w = calloc(nr, sizeof *b->w)) ||
        !(b->tid = calloc(nr, sizeof *b->tid)) || !(b->started = calloc(nr, sizeof *b->started)))
        goto nomem;
    b->p = p;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char real[PATH_MAX];
        entry *e = NULL;
        if (!realpath(dirs[i], real) || ((e = find(p, real)) && e->observed))
            continue; /* asked already, or named twice (an entry is marked as it is taken) */
        if (!e && !(e = add_entry(p, real)))
            goto nomem;
        e->observed = true;
        b->fresh[m++] = e;
    }
    /* One process per project: the new packages grouped by it. */
    qsort(b->fresh, m, sizeof *b->fresh, cmp_project);
    size_t todo = 0;
    for (size_t i = 0; i < p->nrts; i++) {
        b->w[i] = (obs_work){p, i, b->fresh, m, NULL, 0, {NULL, NULL}};
        if (m && p->pre) { /* the runtime's early observer goes with this batch */
            b->w[i].pre = p->pre[i];
            p->pre[i].proc = NULL;
        }
        if (m && !p->rts[i].no_observe && !p->rts[i].problem && !(b->w[i].arena = scratch_arena(p)))
            goto nomem;
        todo += b->w[i].arena != NULL;
    }
    if (!todo) {
        batch_free(b);
        return 0;
    }
    /* The runtimes work while the caller goes on (the checker judges the files the packages are
     * likely to load meanwhile); pkgsel_wait, or the first decision, waits for them. */
    p->running = b;
    b->running = pthread_create(&b->coordinator, NULL, observe_batch, b) == 0;
    return 0;
nomem:
    batch_free(b);
    return diag_set(d, DIAG_NOMEM, "out of memory");
}

/* The rules' selection of runtime rt for the package at pkgdir (entry e when known): the one
 * made while the runtimes were asked, else made now. -1 when pkgdir is no readable package. */
static int ruled(pkgsel *p, entry *e, size_t rt, const char *pkgdir, selection *out, diag *d)
{
    if (e && e->ruled[rt]) {
        *out = *e->ruled[rt]; /* made once: the decision builds on a copy, and never edits its arrays */
        return 0;
    }
    if (rules_select(p->r, pkgdir, p->rts[rt].facts, p->o.sysroot, &p->o.overrides, out, d) != 0)
        return -1;
    selection *keep = e ? report_alloc(p->r, sizeof *keep) : NULL;
    if (keep) {
        *keep = *out;
        e->ruled[rt] = keep;
    }
    return 0;
}

size_t pkgsel_predict(pkgsel *p, size_t rt, const char *pkgdir, const char ***files)
{
    report *r = p->r;
    selection s;
    diag d;
    *files = NULL;
    if (rt >= p->nrts || p->rts[rt].problem)
        return 0;
    if (ruled(p, find(p, pkgdir), rt, pkgdir, &s, &d) != 0)
        return 0;
    if (s.rules.chosen) {
        const char **one = report_alloc(r, sizeof *one);
        if (one)
            one[0] = s.rules.chosen;
        *files = one;
        return one ? 1 : 0;
    }
    const pkg_own *o = s.rules.outcome == SEL_UNKNOWN ? pkgsel_own(p, pkgdir) : NULL;
    *files = o ? o->nodes : NULL;
    return o ? o->nnodes : 0;
}

/* ---------- deciding ---------- */

/* The first line of a message, at most 600 bytes, for the report. */
static const char *first_line(report *r, const char *m)
{
    if (!m)
        return NULL;
    size_t n = strcspn(m, "\n");
    return report_printf(r, "%.*s", (int)(n > 600 ? 600 : n), m);
}

/* The shown name of a path: from the last node_modules/ on, else as it is. */
static const char *shown_path(const char *path)
{
    const char *nm = path_node_modules(path);
    return nm ? nm + strlen("/node_modules/") : path;
}

/* A path relative to the package when it is inside it, else its shown name. */
static const char *relative(report *r, const selection *s, const char *path)
{
    size_t pl = s->pkgdir ? strlen(s->pkgdir) : 0;
    if (pl && strncmp(path, s->pkgdir, pl) == 0 && path[pl] == '/')
        return path + pl + 1;
    return report_strdup(r, shown_path(path));
}

/* The error require() threw names the package itself as missing (no entry point that require()
 * can load): that says nothing about native code. */
static bool not_requirable(const obs_pkg *o, const char *spec)
{
    if (!o->threw || !o->threw_code)
        return false;
    if (strcmp(o->threw_code, "ERR_PACKAGE_PATH_NOT_EXPORTED") == 0 || strcmp(o->threw_code, "ERR_REQUIRE_ESM") == 0)
        return true;
    if (strcmp(o->threw_code, "MODULE_NOT_FOUND") != 0 || !spec)
        return false;
    char q1[PATH_MAX + 8], q2[PATH_MAX + 8];
    snprintf(q1, sizeof q1, "'%s'", spec);
    snprintf(q2, sizeof q2, "\"%s\"", spec);
    return strstr(o->threw, q1) || strstr(o->threw, q2);
}

/* A path of the runtime's (image_root: inside a chroot, the image's) as this machine's real path. */
static const char *host_path(report *r, const char *image_root, const char *file)
{
    if (!file)
        return NULL;
    if (image_root)
        return report_printf(r, "%s%s", image_root, file);
    char real[PATH_MAX];
    return realpath(file, real) ? report_strdup(r, real) : report_strdup(r, file);
}

/* An ask's file as this machine's real path: from the real path the runtime reported, which
 * needs no realpath() (a readlink per path component) here. */
static const char *ask_host(report *r, const char *image_root, const obs_ask *a)
{
    if (!a->real)
        return host_path(r, image_root, a->file);
    return image_root ? report_printf(r, "%s%s", image_root, a->real) : a->real;
}

/* How the observation o of entry e went, into out (asks, mapped); the index of the chosen ask
 * (the first of the package's own files that loaded, else the last of them), or -1. */
static long take_asks(report *r, const entry *e, const obs_pkg *o, const char *image_root, selection *out)
{
    long pick = -1, last = -1;
    if (o->nasks && (out->asks = report_alloc(r, o->nasks * sizeof *out->asks))) {
        for (size_t i = 0; i < o->nasks; i++) {
            const obs_ask *a = &o->asks[i];
            if (a->candidate)
                continue; /* loaded by the observer, not asked for by the package */
            sel_ask *k = &out->asks[out->nasks++];
            k->file = ask_host(r, image_root, a);
            k->from = a->from;
            k->via = a->via;
            k->ok = a->settled && a->ok;
            k->message = a->ok ? NULL : a->settled ? a->message : "the process ended while this file was loading";
            k->predicted = a->predicted;
            /* The observer reports both as real paths already. */
            k->copy_of = a->copy_of && image_root ? host_path(r, image_root, a->copy_of) : a->copy_of;
            k->binding = a->binding && image_root ? host_path(r, image_root, a->binding) : a->binding;
            k->own = k->copy_of || (e->own_ok && own_holds(&e->own, k->file));
            if (!k->own)
                continue;
            last = (long)(out->nasks - 1);
            if (pick < 0 && k->ok)
                pick = (long)(out->nasks - 1);
        }
    }
    out->mapped_known = o->maps_read;
    if (o->maps_read && o->nmapped && (out->mapped = report_alloc(r, o->nmapped * sizeof *out->mapped))) {
        for (size_t i = 0; i < o->nmapped; i++)
            out->mapped[i] = image_root ? report_printf(r, "%s%s", image_root, o->mapped[i]) : o->mapped[i];
        out->nmapped = o->nmapped;
    }
    return pick >= 0 ? pick : last;
}

/* The runtime asked for the package's own file asks[k]: the observed answer. */
static void observed_choice(report *r, const obs_pkg *o, size_t k, selection *out)
{
    sel_answer *a = &out->observed;
    const sel_ask *c = &out->asks[k];
    out->step = c->binding ? STEP_BINDING : STEP_REQUIRE;
    a->outcome = SEL_CHOSEN;
    a->rule = "observed";
    a->chosen = c->copy_of ? c->copy_of : c->file;
    a->rule_why = report_printf(
        r, "%s asked for it (%s)%s%s%s%s%s", c->from ? shown_path(c->from) : "the package", c->via ? c->via : "require",
        c->binding ? "; require() of the package asked for none of its files, so its binding module " : "",
        c->binding ? relative(r, out, c->binding) : "", c->binding ? " was required, as at first use" : "",
        c->copy_of ? report_printf(r, "; it loads a byte-identical copy, %s", c->file) : "",
        out->stand_in ? "; a stand-in answered, no native code ran" : "");
    if (!c->ok)
        out->load_error = first_line(r, c->message ? c->message : "it did not load");
    if (o->state != OBS_DONE)
        out->note = o->why;
    /* A real load that the runtime reports as done is confirmed in /proc/self/maps. */
    if (!out->stand_in && c->ok && !o->maps_read && o->state == OBS_DONE)
        out->note = "the load is not confirmed: /proc/self/maps could not be read there (an image without /proc)";
    if (!out->stand_in && c->ok && o->maps_read) {
        bool mapped = false;
        for (size_t i = 0; i < out->nmapped && !mapped; i++)
            mapped = strcmp(out->mapped[i], c->file) == 0;
        if (!mapped)
            out->note =
                report_printf(r, "the runtime reports that it loaded %s, but /proc/self/maps does not show it mapped",
                              shown_path(c->file));
    }
    if (out->stand_in && o->threw && o->after_stand_in) {
        out->stand_in_threw = true;
        const char *n = report_printf(r,
                                      "the package's own code did not run to the end on a stand-in (it threw: %s); "
                                      "the file it asked for stands",
                                      first_line(r, o->threw));
        out->note = out->note ? report_printf(r, "%s; %s", out->note, n) : n;
    }
    if ((a->cands = report_alloc(r, out->nasks * sizeof *a->cands))) {
        for (size_t i = 0; i < out->nasks; i++) {
            const sel_ask *x = &out->asks[i];
            cand_status st = i == k ? CAND_CHOSEN : !x->own ? CAND_OTHERS : x->ok ? CAND_ALSO_LOADED : CAND_REFUSED;
            const char *why =
                st == CAND_CHOSEN ? a->rule_why
                : st == CAND_OTHERS
                    ? report_printf(r, "asked for from %s; another package's file, judged in that package's result",
                                    x->from ? x->from : "?")
                : st == CAND_ALSO_LOADED
                    ? report_printf(r, "asked for from %s", x->from ? x->from : "?")
                    : report_printf(r, "%s: %s",
                                    x->predicted ? "refused as the static checks predict" : "the runtime refused it",
                                    first_line(r, x->message ? x->message : "?"));
            a->cands[i] = (candidate){relative(r, out, x->file), st, why};
        }
        a->ncands = out->nasks;
    }
    if (out->rules.chosen && strcmp(out->rules.chosen, a->chosen) != 0)
        out->differs = report_printf(r, "the emulated rules (%s) would pick %s instead", out->rules.rule,
                                     shown_path(out->rules.chosen));
    else if (!out->rules.chosen)
        out->differs = report_printf(r, "the emulated rules (%s) find no file: %s", out->rules.rule,
                                     out->rules.none_why ? out->rules.none_why : "none");
    rules_reach_owner(r, out, a->chosen);
}

/* require() threw a "cannot find" for a file inside the package: a package that its install
 * script puts in place (copies or builds its files), installed without running it. */
static bool never_put_in_place(const entry *e, const obs_pkg *o)
{
    if (!e->own_ok || !e->own.install || !o->threw_code ||
        (strcmp(o->threw_code, "MODULE_NOT_FOUND") != 0 && strcmp(o->threw_code, "ERR_MODULE_NOT_FOUND") != 0))
        return false;
    char q[PATH_MAX + 8];
    snprintf(q, sizeof q, "%s/", e->dir);
    return strstr(o->threw, q) || strstr(o->threw, ".node'");
}

/* Decide from the observation o of entry e. Returns true when it decided; otherwise *why says
 * why the rules have to. spec: what require() was given. */
static bool from_observation(report *r, const entry *e, const obs_pkg *o, const char *image_root, const char *spec,
                             selection *out, const char **why)
{
    out->asked = true;
    sel_answer *a = &out->observed;
    a->rule = "observed";
    long k = take_asks(r, e, o, image_root, out);
    if (k >= 0) {
        observed_choice(r, o, (size_t)k, out);
        return true;
    }
    size_t others = 0;
    for (size_t i = 0; i < out->nasks; i++)
        others += !out->asks[i].own;
    const char *name = out->name ? out->name : e->dir;
    if (o->state == OBS_DONE && o->threw && !not_requirable(o, spec) && !(out->stand_in && o->after_stand_in)) {
        out->step = STEP_REQUIRE;
        if (never_put_in_place(e, o)) {
            /* The package's files were never put in place: its install script copies or builds them. */
            a->outcome = SEL_UNBUILT;
            a->rule_why = "require() cannot find a file of the package";
            a->none_why = report_printf(r,
                                        "%s: its install script (%s) puts the package's files in place and has not "
                                        "run (installed with --ignore-scripts?): npm rebuild %s",
                                        first_line(r, o->threw), e->own.install, name);
        } else if (out->rules.outcome == SEL_UNBUILT) {
            /* Whatever the runtime's words (Deno's name no file), the package shows it was never
             * built or put in place: its entry file or its native part is missing, and its install
             * script makes them. */
            a->outcome = SEL_UNBUILT;
            a->rule_why = "require() failed on a package that was never built or put in place";
            a->none_why =
                report_printf(r, "%s (the runtime's words); %s", first_line(r, o->threw), out->rules.none_why);
        } else {
            /* The package's JavaScript threw before asking for any file of its own: its refusal. */
            a->outcome = SEL_NONE;
            a->rule_why = "require() threw before any .node file of the package was asked for";
            a->none_why = report_printf(r, "%s (the package's own words, from require())", first_line(r, o->threw));
        }
        return true;
    }
    if (o->state == OBS_DIED || o->state == OBS_TIMEOUT) {
        /* require() itself ended the process, or never returned, before asking for a file:
         * what the application would load cannot be told, whatever the rules pick. */
        out->step = STEP_REQUIRE;
        a->outcome = SEL_UNKNOWN;
        a->rule_why = "require() did not finish";
        a->none_why = report_printf(r, "cannot tell which file this package loads: %s (the rules, %s, %s %s)", o->why,
                                    out->rules.rule, out->rules.chosen ? "would pick" : "find none:",
                                    out->rules.chosen     ? shown_path(out->rules.chosen)
                                    : out->rules.none_why ? out->rules.none_why
                                                          : "no file");
        return true;
    }
    /* Nothing of its own was asked for: the rules decide, and say why they had to. */
    a->outcome = SEL_UNKNOWN;
    if (o->state != OBS_DONE)
        *why = o->why;
    else if (o->threw && out->stand_in && o->after_stand_in)
        *why = report_printf(r,
                             "require() threw after a stand-in was handed out (%s): the package's own code did not run "
                             "to the end on a stand-in, so that is not its loader's refusal",
                             first_line(r, o->threw));
    else if (o->threw)
        *why = report_printf(r, "require() cannot load the package itself (%s)", first_line(r, o->threw));
    else if (others)
        *why = report_printf(r, "require() asked only for other packages' files (%zu, judged in their own results)%s",
                             others, o->nbinding ? ", and so did its binding modules" : "");
    else
        *why = report_printf(
            r, "require() asked for no .node file%s: the package loads its native part later, at first use",
            o->nbinding ? ", nor did its binding modules" : "");
    if (out->stand_in && o->threw && o->after_stand_in)
        out->stand_in_threw = true;
    a->none_why = *why;
    return false;
}

/* The agreement step: no rule decides, so the package's files that could load on the target are
 * weighed. One verdict for them all stands; verdicts that differ are an error that names them. */
static void agreement(pkgsel *p, size_t rt, const entry *e, selection *out)
{
    report *r = p->r;
    sel_answer *a = &out->rules;
    if (!e || !e->own_ok || !e->own.nnodes || !p->judge)
        return;
    const char **fit = report_alloc(r, e->own.nnodes * sizeof *fit);
    pkg_verdict *v = report_alloc(r, e->own.nnodes * sizeof *v);
    candidate *cands = report_alloc(r, e->own.nnodes * sizeof *cands);
    if (!fit || !v || !cands)
        return;
    size_t nfit = 0, npass = 0, nfail = 0, nerr = 0;
    const char *unfit = "";
    for (size_t i = 0; i < e->own.nnodes; i++) {
        pkg_verdict x = {0};
        if (p->judge(p->judge_arg, rt, e->own.nodes[i], &x) != 0 || !x.fits) {
            unfit = report_printf(r, "%s%s%s (%s)", unfit, *unfit ? "; " : "", relative(r, out, e->own.nodes[i]),
                                  x.reason ? x.reason : "unreadable");
            continue;
        }
        fit[nfit] = e->own.nodes[i];
        v[nfit++] = x;
        npass += x.st == STATUS_PASS;
        nfail += x.st == STATUS_FAIL;
        nerr += x.st == STATUS_ERROR;
    }
    const char *prior = a->none_why;
    out->step = STEP_AGREEMENT;
    a->rule = "candidates";
    if (nfit == 0) {
        a->outcome = SEL_NONE;
        a->rule_why = "no loader rule decides; the package's own .node files were weighed";
        a->none_why = report_printf(r, "none of its %zu .node files can load here: %s", e->own.nnodes, unfit);
        return;
    }
    for (size_t i = 0; i < nfit; i++)
        cands[i] = (candidate){relative(r, out, fit[i]), CAND_CANDIDATE,
                               v[i].st == STATUS_PASS ? "its static checks pass"
                                                      : report_printf(r, "%s", v[i].reason ? v[i].reason : "?")};
    a->cands = cands;
    a->ncands = nfit;
    bool agree = (npass == nfit) || (nfail == nfit) || (nerr == nfit);
    if (agree) {
        a->outcome = SEL_CHOSEN;
        a->chosen = fit[0];
        cands[0].status = CAND_CHOSEN;
        a->rule_why = report_printf(r,
                                    "no loader rule decides (%s); %s of the package that could load here %s the same "
                                    "verdict, %s",
                                    prior ? prior : "none applies", nfit == 1 ? "the one file" : "every file",
                                    nfit == 1 ? "gives" : "gets", status_name(v[0].st));
        const char *n =
            report_printf(r, "%s (%zu file%s that could load here)",
                          nfit == 1 ? "the one candidate decides" : "its candidates agree", nfit, nfit == 1 ? "" : "s");
        out->note = out->note ? report_printf(r, "%s; %s", out->note, n) : n;
        return;
    }
    a->outcome = SEL_UNKNOWN;
    a->rule_why = "no loader rule decides; the package's files that could load here were weighed, and they disagree";
    const char *list = "";
    for (size_t i = 0; i < nfit; i++)
        list = report_printf(r, "%s%s%s %s", list, i ? "; " : "", cands[i].path,
                             v[i].st == STATUS_PASS
                                 ? "passes"
                                 : report_printf(r, "%ss (%s)", status_name(v[i].st), v[i].reason ? v[i].reason : "?"));
    a->none_why = report_printf(
        r, "cannot tell which file this package loads: its files that could load here disagree: %s", list);
}

/* When no file loads and a platform package for the target is not installed, that is the cause:
 * it leads the answer's words. */
static void name_missing(report *r, selection *out)
{
    sel_answer *a = out->step == STEP_REQUIRE || out->step == STEP_BINDING ? &out->observed : &out->rules;
    if (!out->nmissing_platform || a->outcome == SEL_CHOSEN)
        return;
    const char *list = "";
    for (size_t i = 0; i < out->nmissing_platform; i++)
        list = report_printf(r, "%s%s%s", list, i ? ", " : "", out->missing_platform[i]);
    a->none_why =
        report_printf(r, "its platform package %s (an optionalDependency for this target) is not installed: %s", list,
                      a->none_why ? a->none_why : "no file");
}

/* Observe entry e again in runtime rt alone, with files[0..n) refused as msgs say. */
static int observe_refusing(pkgsel *p, size_t rt, entry *e, const char *const *files, const char *const *msgs, size_t n,
                            obs_pkg *out)
{
    entry *one[] = {e};
    obs_work w = {p, rt, one, 1, p->r, 0, {NULL, NULL}};
    return observe_list(&w, files, msgs, n, out);
}

int pkgsel_decide(pkgsel *p, size_t rt, const char *pkgdir, selection *out, diag *d)
{
    report *r = p->r;
    if (pkgsel_wait(p) != 0)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    const pkgsel_runtime *R = &p->rts[rt];
    char real[PATH_MAX];
    entry *e = realpath(pkgdir, real) ? find(p, real) : NULL;
    if ((!e || !e->observed) && realpath(pkgdir, real)) {
        const char *one[] = {real};
        if (pkgsel_observe(p, one, 1, d) != 0 || pkgsel_wait(p) != 0)
            return diag_set(d, DIAG_NOMEM, "out of memory");
        e = find(p, real);
    }
    if (ruled(p, e, rt, pkgdir, out, d) != 0)
        return -1;
    out->stand_in = p->o.stand_in;
    if (R->problem) {
        /* No facts, or no ELF, for this runtime: its loader can be neither asked nor emulated
         * (the package's name and version above still stand), and no check can be carried out. */
        out->seen_as = out->seen_note = NULL;
        out->rules = (sel_answer){SEL_UNKNOWN,
                                  NULL,
                                  NULL,
                                  NULL,
                                  report_printf(r, "cannot tell which file this package loads: %s", R->problem),
                                  NULL,
                                  0};
        return 0;
    }
    loader_view v;
    rules_view(r, R->facts, p->o.sysroot, &p->o.overrides, &v);
    if (e && e->own_ok)
        out->nmissing_platform =
            own_missing_platform(r, &e->own, v.platform, v.arch, v.rt_libc, &out->missing_platform);
    const obs_pkg *o = e && e->per_rt[rt].state != OBS_UNSEEN ? &e->per_rt[rt] : NULL;
    const char *root = p->o.sysroot;
    const char *image_root = root && !R->emulator ? root : NULL;
    const char *why = NULL;
    if (o) {
        obs_target t;
        target_of(r, e, image_root, &t);
        if (from_observation(r, e, o, image_root, t.spec, out, &why)) {
            /* Under stand-ins a loader that falls back from a file that fails to load was never put
             * to the test: where the static checks say the chosen file would not load, the package
             * is asked again with that load refused, in the words the checks predict. */
            const char *files[REFUSALS_MAX], *msgs[REFUSALS_MAX];
            size_t n = 0;
            while (p->o.stand_in && p->judge && out->observed.chosen && n < REFUSALS_MAX) {
                pkg_verdict x = {0};
                if (p->judge(p->judge_arg, rt, out->observed.chosen, &x) != 0 || !x.refusal)
                    break;
                files[n] = report_strdup(r, sysroot_shown(image_root, out->observed.chosen));
                msgs[n] = x.refusal;
                n++;
                obs_pkg o2;
                if (observe_refusing(p, rt, e, files, msgs, n, &o2) != 0)
                    return diag_set(d, DIAG_NOMEM, "out of memory");
                selection s2;
                const char *why2 = NULL;
                diag sd;
                if (ruled(p, e, rt, pkgdir, &s2, &sd) != 0)
                    break;
                s2.stand_in = true;
                s2.missing_platform = out->missing_platform;
                s2.nmissing_platform = out->nmissing_platform;
                bool decided = from_observation(r, e, &o2, image_root, t.spec, &s2, &why2);
                const char *was = selection_shown(out);
                if (decided && s2.observed.chosen && strcmp(s2.observed.chosen, out->observed.chosen) != 0 &&
                    s2.nasks && s2.asks[s2.nasks - 1].ok) {
                    /* It falls back to another file: that is the one to check. */
                    s2.note = report_printf(r, "with %s refused as the static checks predict, the package asks for %s",
                                            was, selection_shown(&s2));
                    *out = s2;
                    continue;
                }
                const char *n2 = o2.state == OBS_DONE && o2.threw && !strstr(o2.threw, x.refusal)
                                     ? report_printf(r,
                                                     "with this file refused as the static checks predict, require() "
                                                     "throws: %.600s",
                                                     o2.threw)
                                 : o2.state == OBS_DONE && !o2.threw
                                     ? "with this file refused as the static checks predict, require() still returns: "
                                       "the package goes on without it"
                                     : NULL;
                if (n2)
                    out->note = out->note ? report_printf(r, "%s; %s", out->note, n2) : n2;
                break;
            }
            name_missing(r, out);
            return 0;
        }
    } else {
        why = R->no_observe ? R->no_observe : e && e->per_rt[rt].why ? e->per_rt[rt].why : "the runtime was not asked";
        why = report_printf(r, "emulated: %s", why);
    }
    /* The rules decide. */
    out->step = STEP_RULES;
    sel_answer *a = &out->rules;
    if (o && a->outcome == SEL_NONE)
        a->outcome = SEL_UNKNOWN; /* require() went through without its file: the rules' "none" is no refusal */
    if (a->outcome == SEL_UNKNOWN)
        agreement(p, rt, e, out);
    if (a->outcome == SEL_UNKNOWN && o) {
        a->none_why =
            report_printf(r, "%s; %s", a->none_why ? a->none_why : "cannot tell which file this package loads", why);
    } else if (why) {
        const char *n = a->chosen && out->step == STEP_RULES
                            ? report_printf(r, "%s; the rules (%s) find the file", why, a->rule)
                            : why;
        out->note = out->note ? report_printf(r, "%s; %s", n, out->note) : n;
    }
    name_missing(r, out);
    return 0;
}

bool pkgsel_real_load(pkgsel *p, size_t rt, const char *pkgdir, const char *file, dyn_outcome *lazy)
{
    pkgsel_wait(p);
    char real[PATH_MAX];
    const entry *e = realpath(pkgdir, real) ? find(p, real) : NULL;
    if (p->o.stand_in || !e || rt >= p->nrts || e->per_rt[rt].state != OBS_DONE)
        return false;
    const pkgsel_runtime *R = &p->rts[rt];
    const char *image_root = p->o.sysroot && !R->emulator ? p->o.sysroot : NULL;
    const obs_pkg *o = &e->per_rt[rt];
    for (size_t i = 0; i < o->nasks; i++) {
        const obs_ask *a = &o->asks[i];
        const char *f = ask_host(p->r, image_root, a),
                   *c = a->copy_of && image_root ? host_path(p->r, image_root, a->copy_of) : a->copy_of;
        if (!a->settled || a->predicted || (strcmp(f, file) != 0 && !(c && strcmp(c, file) == 0)))
            continue;
        memset(lazy, 0, sizeof *lazy);
        lazy->started = lazy->reported = true;
        lazy->stage = DYN_DONE;
        lazy->load = (dyn_load){true, a->ok, false, a->ok ? NULL : a->message};
        if (a->ok) {
            lazy->now = (dyn_load){a->now_present, a->now_ok, a->now_unsupported, a->now_message};
            bool usable = a->type && (strcmp(a->type, "object") == 0 || strcmp(a->type, "function") == 0);
            lazy->exec = (dyn_exec){.present = true, .ok = usable, .type = a->type, .keys = a->keys, .nkeys = a->nkeys};
        }
        return true;
    }
    return false;
}

/* The package that owns file, a dependency's: the package that holds it, or, for a platform
 * package, the dependency of e that lists it among its optionalDependencies. */
static bool owner_of(pkgsel *p, const entry *e, const char *file, char *dir, size_t n)
{
    char pjp[PATH_MAX * 2 + 16];
    if (!pkg_holder(file, dir, n) || snprintf(pjp, sizeof pjp, "%s/package.json", dir) >= (int)sizeof pjp)
        return false;
    cJSON *pj = pkg_read_json(pjp);
    bool platform = pj && pkg_json_is_platform(pj);
    cJSON_Delete(pj);
    snprintf(pjp, sizeof pjp, "%s/package.json", e->dir);
    cJSON *mine = platform ? pkg_read_json(pjp) : NULL;
    static const char *const fields[] = {"dependencies", "optionalDependencies"};
    bool found = false;
    for (size_t f = 0; mine && f < 2 && !found; f++) {
        const cJSON *d;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(mine, fields[f]))
        {
            char dep[PATH_MAX * 2];
            const pkg_own *o =
                d->string && pkg_resolve(e->dir, d->string, p->o.sysroot, dep, sizeof dep) ? pkgsel_own(p, dep) : NULL;
            if (o && own_holds(o, file) && snprintf(dir, n, "%s", o->dir) < (int)n) {
                found = true;
                break;
            }
        }
    }
    cJSON_Delete(mine);
    return true;
}

size_t pkgsel_others(pkgsel *p, const char *pkgdir, const char ***dirs)
{
    size_t n = 0, cap = 0;
    *dirs = NULL;
    char real[PATH_MAX];
    pkgsel_wait(p);
    const entry *e = realpath(pkgdir, real) ? find(p, real) : NULL;
    for (size_t rt = 0; e && e->own_ok && rt < p->nrts; rt++) {
        const obs_pkg *o = &e->per_rt[rt];
        const char *image_root = p->o.sysroot && !p->rts[rt].emulator ? p->o.sysroot : NULL;
        for (size_t i = 0; i < o->nasks; i++) {
            if (o->asks[i].candidate)
                continue;
            const char *f = ask_host(p->r, image_root, &o->asks[i]);
            char dir[PATH_MAX * 2];
            if (o->asks[i].copy_of || own_holds(&e->own, f))
                return 0; /* it has a file of its own: its own result judges it */
            if (!owner_of(p, e, f, dir, sizeof dir))
                continue;
            bool dup = false;
            for (size_t k = 0; k < n && !dup; k++)
                dup = strcmp((*dirs)[k], dir) == 0;
            if (dup || report_grow(p->r, dirs, n, &cap, sizeof **dirs, 4) != 0)
                continue;
            (*dirs)[n++] = report_strdup(p->r, dir);
        }
    }
    return n;
}
