/* probe/checks/dlopen.c — `dlopen`: did the real runtime load the addon? The verdict comes
 * from the driver's handshake, with the runtime's own message on failure; a process that
 * ended without a handshake never passes. When the default (lazy) load works, an RTLD_NOW
 * load in a process of its own reveals the lazy time bombs. */
#define _GNU_SOURCE
#include "probe/checks/checks.h"

#include "probe/dynamic.h"

#include <string.h>

/* One line from a possibly multi-line runtime message. A continuation line that only repeats
 * what the first says (Deno adds "path: FILE" after "FILE: undefined symbol: ...") is left out. */
static const char *one_line(report *r, const char *msg)
{
    char *s = (char *)report_strdup(r, msg ? msg : "");
    if (!s)
        return ""; /* out of memory: an empty message, never a NULL for %s */
    size_t first = strcspn(s, "\r\n");
    /* line points at a line break (or the end); its text follows the breaks. */
    for (char *line = s + first; *line;) {
        char *text = line + strspn(line, "\r\n");
        char *end = text + strcspn(text, "\r\n");
        char *t = text + strspn(text, " \t"); /* stops at a break: t <= end */
        size_t tl = (size_t)(end - t);
        if (tl > 6 && strncmp(t, "path: ", 6) == 0 && memmem(s, first, t + 6, tl - 6)) {
            memmove(line, end, strlen(end) + 1); /* the path, within the first line: said already */
            continue;
        }
        line = end;
    }
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return s;
}

/* "exit 0", "killed by SIGSEGV", "timed out after 5.0 s" and the last stderr line. */
static void add_process_details(report *r, check *k, const dyn_outcome *o)
{
    char how[64];
    size_t len = 0;
    const char *line = spawn_last_line(o->proc.err, o->proc.err_len, &len);
    report_check_ended(r, k, spawn_describe(&o->proc, how, sizeof how), line, len, true);
}

/* Why a process that did not report ended, as a phrase: "exited 0", "was killed by SIGSEGV". */
static const char *ending(report *r, const dyn_outcome *o)
{
    char how[64];
    spawn_describe(&o->proc, how, sizeof how);
    if (o->proc.timed_out)
        return report_printf(r, "did not finish within %.0f s (killed at the timeout)", o->proc.elapsed_ms / 1000.0);
    if (o->proc.term_signal)
        return report_printf(r, "was %s", how);
    return report_printf(r, "exited %d", o->proc.exit_code);
}

/* True when the static napi check failed on the declared version: it then explains a crash or
 * a refusal in the load (measured per runtime, abi/napi_declared_table.c). */
static bool declaration_explains(const result *res)
{
    for (size_t i = 0; i < res->nchecks; i++)
        if (res->checks[i].id == CHECK_NAPI)
            return res->checks[i].status == STATUS_FAIL && res->checks[i].message &&
                   strncmp(res->checks[i].message, NAPI_DECLARES, strlen(NAPI_DECLARES)) == 0;
    return false;
}

status check_dlopen(check_ctx *c)
{
    report *r = c->r;
    result *res = c->res;
    const dyn_view *v = c->dyn;
    const dyn_outcome *o = v->lazy;
    check *k;
    if (!o->started) {
        k = report_add_check(r, res, CHECK_DLOPEN, STATUS_ERROR, "could not run %s: %s", v->rt_label, o->error);
        return STATUS_ERROR;
    }
    status st;
    if (!o->load.present) {
        if (o->stage == DYN_LOADED || o->stage == DYN_EXECUTE) {
            /* It loaded; what ended the process afterwards is the execute check's finding. */
            k = report_add_check(r, res, CHECK_DLOPEN, STATUS_PASS, "loads in %s (the process then %s)", v->rt_label,
                                 ending(r, o));
            st = STATUS_PASS;
        } else if (o->stage == DYN_LOADING) {
            /* The driver reached dlopen and the process ended inside it: the addon did that. */
            k = report_add_check(r, res, CHECK_DLOPEN, STATUS_FAIL,
                                 "the process %s while loading the addon, before reporting", ending(r, o));
            if (k)
                k->hint = declaration_explains(res)
                              ? "the N-API version the addon declares is above the runtime's: see the napi check"
                              : "the addon's initialisation ends or hangs the process: run it under the runtime by "
                                "hand to see why";
            st = STATUS_FAIL;
        } else {
            k = report_add_check(r, res, CHECK_DLOPEN, STATUS_ERROR, "%s %s before the driver reached the load",
                                 v->rt_label, ending(r, o));
            st = STATUS_ERROR;
        }
        if (k)
            add_process_details(r, k, o);
        return st;
    }
    if (!o->load.ok) {
        const char *msg = o->load.message;
        k = report_add_check(r, res, CHECK_DLOPEN, STATUS_FAIL, "%s", one_line(r, msg ? msg : "the load failed"));
        if (k && msg && strpbrk(msg, "\n\r\t"))
            k->loader_message = report_strdup(r, msg); /* the message is it on one line */
        if (k) {
            /* The message is the loader's whole text on one line (Node wraps NODE_MODULE_VERSION's
             * over five): it is said once, not again as details. */
            if (msg && strstr(msg, "NODE_MODULE_VERSION"))
                k->hint = "rebuild the addon for this runtime (npm rebuild), or use the runtime it was built for";
            else if (msg && strstr(msg, "undefined symbol"))
                k->hint = "the runtime lacks what the addon links against: see the symbols check";
            else if (declaration_explains(res))
                k->hint = "the N-API version the addon declares is above the runtime's: see the napi check";
            else if (msg && strstr(msg, "did not self-register"))
                k->hint = "the addon registered nothing this runtime accepts: see the modules check";
        }
        return STATUS_FAIL;
    }
    /* Loaded; now the RTLD_NOW load: in the same process's handshake ("now"), or from a
     * process of its own. */
    const dyn_load *nl =
        v->now ? (v->now->reported && v->now->load.present ? &v->now->load : NULL) : (o->now.present ? &o->now : NULL);
    /* A static abiprobe cannot dlopen: ld.so's trace bound every symbol, but no constructor ran. */
    if (o->traced) {
        bool now_ok = nl && nl->ok;
        k = report_add_check(r, res, CHECK_DLOPEN, STATUS_WARN,
                             now_ok
                                 ? "every symbol binds in ld.so's trace with %s preloaded, lazily and with RTLD_NOW; "
                                   "the addon's constructors did not run"
                                 : "binds lazily in ld.so's trace with %s preloaded, but not with RTLD_NOW: %s",
                             v->rt_label, now_ok ? "" : one_line(r, nl ? nl->message : "no report"));
        if (k)
            k->hint = "this static abiprobe cannot dlopen a shared-library runtime; the dynamically linked abiprobe "
                      "(built from source) loads it for real, constructors included";
        return STATUS_WARN;
    }
    if (!v->now && !o->now.present) {
        report_add_check(r, res, CHECK_DLOPEN, STATUS_PASS, "loads in %s", v->rt_label);
        return STATUS_PASS;
    }
    if (nl && nl->ok) {
        report_add_check(r, res, CHECK_DLOPEN, STATUS_PASS, "loads in %s, lazily and with RTLD_NOW", v->rt_label);
        st = STATUS_PASS;
    } else if (nl && nl->unsupported) {
        report_add_check(r, res, CHECK_DLOPEN, STATUS_PASS, "loads in %s (it cannot load with RTLD_NOW: %s)",
                         v->rt_label, nl->message ? nl->message : "no reason given");
        st = STATUS_PASS;
    } else if (nl) {
        k = report_add_check(r, res, CHECK_DLOPEN, STATUS_WARN, "loads in %s lazily, but not with RTLD_NOW: %s",
                             v->rt_label, one_line(r, nl->message));
        if (k)
            k->hint = "symbols bound at first call are missing: the process dies when that code runs (see symbols)";
        st = STATUS_WARN;
    } else {
        k = report_add_check(r, res, CHECK_DLOPEN, STATUS_WARN,
                             "loads in %s lazily; the RTLD_NOW load %s before reporting", v->rt_label,
                             ending(r, v->now));
        if (k)
            add_process_details(r, k, v->now);
        st = STATUS_WARN;
    }
    return st;
}
