/* probe/pkg/observe.c — running the observation driver over a list of packages and folding its
 * event lines into one record per package. The driver appends a line per event as it happens,
 * so when a package kills the process (a crash in an addon's initialiser, process.exit, a
 * hang past the deadline), the lines say which package it was; that one is recorded, and a new
 * process starts at the next. A process killed at the deadline after it made progress is no
 * verdict on the package it was in: that package is tried again first, in a process of its own.
 *
 * The events, as probe/pkg/observe.cjs sends them (its header is the other half of this list):
 *   start          package i begins                          obs_pkg cleared
 *   ask            it asks for a .node file                  obs_ask: file, real, from, via, binding, copy_of
 *   loaded         how that load went                        obs_ask: settled, ok, message, predicted,
 *                                                            now_*, type, keys
 *   required       its require() returned or threw           threw, threw_code, after_stand_in
 *   binding        a binding module of it was required       nbinding
 *   candidates     its candidates are loaded next            candidates (asks with via "candidate")
 *   async-error    an error thrown later, outside require()  async_error
 *   end            it is done                                state OBS_DONE, mapped, maps_read
 *   done           every package of the request was tried    *done
 *   failed         the driver itself failed                  (nothing: the packages it did not reach
 *                                                            stay unseen and are tried again) */
#define _GNU_SOURCE
#include "probe/pkg/observe.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BATCH = 1000 };

/* A growing array of n elements of size sz in the report's arena (amortized doubling). */
static void *grow(report *r, void *v, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *nv = report_alloc(r, ncap * sz);
    if (!nv)
        return NULL;
    if (n)
        memcpy(nv, v, n * sz);
    *cap = ncap;
    return nv;
}

static const char *str(report *r, const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? report_strdup(r, s) : NULL;
}

/* Per-package capacities of the arrays being grown, kept beside out while parsing. */
typedef struct caps {
    size_t asks, mapped;
} caps;

static void fold(report *r, const cJSON *ev, obs_pkg *out, caps *cp, size_t n, size_t *open, bool *done)
{
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "ev"));
    const cJSON *ij = cJSON_GetObjectItemCaseSensitive(ev, "i");
    if (!kind)
        return;
    if (strcmp(kind, "done") == 0) {
        *done = true;
        return;
    }
    if (!cJSON_IsNumber(ij) || ij->valuedouble < 0 || ij->valuedouble >= (double)n)
        return; /* an event of no package (an async error between packages) */
    size_t i = (size_t)ij->valuedouble;
    obs_pkg *p = &out[i];
    if (strcmp(kind, "start") == 0) {
        memset(p, 0, sizeof *p);
        cp[i] = (caps){0, 0};
        *open = i;
    } else if (strcmp(kind, "ask") == 0) {
        obs_ask *a = grow(r, p->asks, p->nasks, &cp[i].asks, sizeof *a);
        if (!a)
            return;
        p->asks = a;
        a = &p->asks[p->nasks++];
        memset(a, 0, sizeof *a);
        a->file = str(r, ev, "file");
        a->real = str(r, ev, "real");
        a->from = str(r, ev, "from");
        a->via = str(r, ev, "via");
        a->binding = str(r, ev, "binding");
        a->copy_of = str(r, ev, "copy_of");
        a->candidate = a->via && strcmp(a->via, "candidate") == 0;
        if (!a->file) /* a malformed line: never an ask without a file */
            p->nasks--;
    } else if (strcmp(kind, "loaded") == 0) {
        if (!p->nasks)
            return;
        obs_ask *a = &p->asks[p->nasks - 1];
        a->settled = true;
        a->ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "ok"));
        a->message = str(r, ev, "message");
        a->predicted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "predicted"));
        const cJSON *now = cJSON_GetObjectItemCaseSensitive(ev, "now"), *k;
        if (a->ok && cJSON_IsObject(now)) {
            a->now_present = true;
            a->now_ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(now, "ok"));
            a->now_unsupported = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(now, "unsupported"));
            a->now_message = str(r, now, "message");
        }
        a->type = str(r, ev, "type");
        const cJSON *keys = cJSON_GetObjectItemCaseSensitive(ev, "keys");
        int nk = cJSON_IsArray(keys) ? cJSON_GetArraySize(keys) : 0;
        if (nk > 0 && (a->keys = report_alloc(r, (size_t)nk * sizeof *a->keys))) {
            cJSON_ArrayForEach(k, keys)
            {
                if (cJSON_IsString(k))
                    a->keys[a->nkeys++] = report_strdup(r, k->valuestring);
            }
        }
    } else if (strcmp(kind, "async-error") == 0) {
        if (!p->async_error)
            p->async_error = str(r, ev, "message");
    } else if (strcmp(kind, "required") == 0) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "threw");
        if (cJSON_IsObject(t)) {
            p->threw = str(r, t, "message");
            if (!p->threw)
                p->threw = "(an exception without a message)";
            p->threw_code = str(r, t, "code");
            p->after_stand_in = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "after_stand_in"));
        }
    } else if (strcmp(kind, "binding") == 0) {
        p->nbinding++;
    } else if (strcmp(kind, "candidates") == 0) {
        p->candidates = true;
    } else if (strcmp(kind, "end") == 0) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(ev, "mapped"), *e;
        if (cJSON_IsArray(m)) {
            p->maps_read = true;
            cJSON_ArrayForEach(e, m)
            {
                const char *f = cJSON_GetStringValue(e);
                const char **v = f ? grow(r, p->mapped, p->nmapped, &cp[i].mapped, sizeof *v) : NULL;
                if (!v)
                    continue;
                p->mapped = v;
                p->mapped[p->nmapped++] = report_strdup(r, f);
            }
        }
        p->state = OBS_DONE;
        if (*open == i)
            *open = n;
    }
}

size_t observe_parse(report *r, const char *lines, size_t len, obs_pkg *out, size_t n, bool *done)
{
    size_t open = n;
    *done = false;
    caps *cp = calloc(n ? n : 1, sizeof *cp);
    if (!cp)
        return n;
    const char *p = lines, *end = lines ? lines + len : NULL;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* a line cut short when the process died: not an event */
        cJSON *ev = cJSON_ParseWithLength(p, (size_t)(nl - p));
        if (ev)
            fold(r, ev, out, cp, n, &open, done);
        cJSON_Delete(ev);
        p = nl + 1;
    }
    free(cp);
    return open;
}

/* key: [strings...] on o; false when out of memory. */
static bool add_strings(cJSON *o, const char *key, const char *const *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; a && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(v[i])))
            return false;
    return a != NULL;
}

/* The request for packages [first, end), numbered from first: each round sends only its own
 * packages, so restarts cost what they serve. */
static char *request(const obs_target *t, size_t end, size_t first, bool stub)
{
    cJSON *root = cJSON_CreateObject(), *list = NULL;
    char *text = NULL;
    if (!root || !cJSON_AddStringToObject(root, "mode", stub ? "stub" : "load") ||
        !cJSON_AddNumberToObject(root, "first", (double)first) || !(list = cJSON_AddArrayToObject(root, "packages")))
        goto done;
    for (size_t i = first; i < end; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(list, o) || !cJSON_AddStringToObject(o, "spec", t[i].spec) ||
            !cJSON_AddStringToObject(o, "from", t[i].from) ||
            (t[i].dir && !cJSON_AddStringToObject(o, "dir", t[i].dir)) || !add_strings(o, "own", t[i].own, t[i].nown) ||
            (t[i].ncandidates && !add_strings(o, "candidates", t[i].candidates, t[i].ncandidates)))
            goto done;
        cJSON *refuse = t[i].nrefuse ? cJSON_AddArrayToObject(o, "refuse") : NULL;
        for (size_t k = 0; k < t[i].nrefuse; k++) {
            cJSON *x = cJSON_CreateObject();
            if (!x || !cJSON_AddItemToArray(refuse, x) || !cJSON_AddStringToObject(x, "file", t[i].refuse_files[k]) ||
                !cJSON_AddStringToObject(x, "message", t[i].refuse_msgs[k]))
                goto done;
        }
    }
    text = cJSON_PrintUnformatted(root);
done:
    cJSON_Delete(root);
    return text;
}

int observe_packages(report *r, const dyn_job *base, bool stub, const obs_target *targets, size_t n, obs_pkg *out,
                     dyn_proc *started, diag *d)
{
    memset(out, 0, n * sizeof *out);
    size_t first = 0;
    if (n == 0)
        dyn_abandon(started);
    /* Each round either finishes, records one package, or starts a package of its own: at most
     * two rounds per package end the loop. */
    for (size_t round = 0; first < n && round < 2 * n + 2; round++) {
        /* A process serves at most BATCH packages, so its event lines stay small however big
         * the tree is; the next batch gets a new process. */
        size_t end = n - first > BATCH ? first + BATCH : n;
        char *req = request(targets, end, first, stub);
        if (!req) {
            dyn_abandon(started);
            return diag_set(d, DIAG_NOMEM, "out of memory");
        }
        dyn_job j = *base;
        j.observe = req;
        dyn_outcome o;
        int rc;
        if (started && dyn_send(started, req) == 0) {
            rc = dyn_finish(started, &o); /* the runtime was started before: its start-up is behind it */
        } else {
            if (started) /* it is gone before its request: a new one */
                dyn_abandon(started);
            rc = dyn_run(&j, &o);
        }
        started = NULL;
        free(req);
        char how[96];
        if (rc != 0) {
            const char *why = report_printf(r, "the runtime could not be started: %s", o.error);
            for (size_t i = first; i < n; i++) {
                out[i].state = OBS_UNSEEN;
                out[i].why = why;
            }
            dyn_outcome_free(&o);
            return 0;
        }
        bool done = false;
        size_t open = observe_parse(r, o.events, o.events ? strlen(o.events) : 0, out, end, &done);
        spawn_describe(&o.proc, how, sizeof how);
        /* Where the lines stop: the first package not reported as ended, from first on. */
        size_t next = first;
        while (next < end && out[next].state == OBS_DONE)
            next++;
        if (done || next >= end) {
            dyn_outcome_free(&o);
            first = end;
            continue;
        }
        if (open == end)
            open = n; /* nothing in progress */
        if (open == n) {
            /* It ended between packages, or before the first: nothing to blame a package for. */
            size_t tail_len = 0;
            const char *tail = spawn_last_line(o.proc.err, o.proc.err_len, &tail_len);
            const char *why = tail ? report_printf(r, "the runtime ended (%s) before require()-ing it: %.*s", how,
                                                   (int)(tail_len > 300 ? 300 : tail_len), tail)
                                   : report_printf(r, "the runtime ended (%s) before require()-ing it", how);
            if (next == first) {
                for (size_t i = first; i < n; i++) {
                    out[i].state = OBS_UNSEEN;
                    out[i].why = why;
                }
                dyn_outcome_free(&o);
                break;
            }
            first = next;
        } else if (o.proc.timed_out && open != first) {
            first = open; /* progress was made: the unfinished package gets a process of its own */
        } else if (out[open].candidates) {
            /* require() was done: the process ended in a candidate's load, which was no part of
             * what the package asked for. That load gets a process of its own later. */
            out[open].state = OBS_DONE;
            out[open].why = report_printf(r, "the runtime process ended (%s) while loading its candidates", how);
            first = open + 1;
        } else {
            out[open].state = o.proc.timed_out ? OBS_TIMEOUT : OBS_DIED;
            out[open].why = o.proc.timed_out
                                ? report_printf(r, "require() did not return within the timeout (%s)", how)
                                : report_printf(r, "the runtime process ended (%s) while require()-ing it", how);
            first = open + 1;
        }
        dyn_outcome_free(&o);
    }
    return 0;
}
