/* probe/checks/execute.c — `execute`: after the load, in the same process, the exports
 * object is usable (its keys are listed), or the smoke module's default export returns the
 * expected value, compared as JSON. */
#include "probe/checks/checks.h"

#include "probe/dynamic.h"

#include <cjson/cJSON.h>
#include <string.h>

/* "a, b, c" from the exports' keys, at most 12. */
static const char *keys_of(report *r, const dyn_exec *e)
{
    const char *s = "";
    for (size_t i = 0; i < e->nkeys && i < 12; i++)
        s = report_printf(r, "%s%s%s", s, i ? ", " : "", e->keys[i]);
    if (e->nkeys > 12)
        s = report_printf(r, "%s, … (%zu in all)", s, e->nkeys);
    return s;
}

status check_execute(check_ctx *c)
{
    report *r = c->r;
    result *res = c->res;
    const dyn_view *v = c->dyn;
    const dyn_outcome *o = v->lazy;
    check *k;
    if (v->library) {
        report_add_check(r, res, CHECK_EXECUTE, STATUS_ERROR,
                         "%s is a shared-library runtime: it has no JS entry point to run a smoke test", v->rt_label);
        return STATUS_ERROR;
    }
    const dyn_exec *ex = &o->exec;
    bool loaded = o->load.ok || o->stage == DYN_LOADED || o->stage == DYN_EXECUTE;
    status st;
    if (!o->started || !loaded) {
        report_add_check(r, res, CHECK_EXECUTE, STATUS_SKIP, "not run: dlopen %s",
                         o->started ? "failed" : "could not run");
        return STATUS_SKIP;
    }
    if (!ex->present) {
        char how[64];
        spawn_describe(&o->proc, how, sizeof how);
        k = report_add_check(r, res, CHECK_EXECUTE, STATUS_FAIL, "the process ended (%s) during %s, before reporting",
                             how, v->smoke ? "the smoke test" : "the exports check");
        size_t len = 0;
        const char *line = spawn_last_line(o->proc.err, o->proc.err_len, &len);
        if (k)
            report_check_ended(r, k, how, line, len, false); /* the message says how */
        return STATUS_FAIL;
    }
    if (!ex->smoke) {
        if (ex->ok)
            report_add_check(r, res, CHECK_EXECUTE, STATUS_PASS, "exports usable: %s",
                             ex->nkeys ? keys_of(r, ex) : "(no keys)");
        else
            report_add_check(r, res, CHECK_EXECUTE, STATUS_FAIL, "the exports are a %s, not an object",
                             ex->type ? ex->type : "?");
        return ex->ok ? STATUS_PASS : STATUS_FAIL;
    }
    if (!ex->ok && ex->syntax) {
        /* The smoke module does not parse: the user's input is wrong (exit 2), not the addon. */
        const char *msg = ex->message, *where = ex->where;
        k = report_add_check(r, res, CHECK_EXECUTE, STATUS_ERROR, "the smoke module does not parse: %s%s%.*s",
                             where ? where : v->smoke, ": ", (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "");
        res->input_error = report_printf(r, "--smoke %s: %.*s", where ? where : v->smoke,
                                         (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "SyntaxError");
        if (k)
            k->hint = "fix the smoke module";
        return STATUS_ERROR;
    }
    if (!ex->ok) {
        k = report_add_check(r, res, CHECK_EXECUTE, STATUS_FAIL, "the smoke test threw: %s",
                             ex->message ? ex->message : "(no message)");
        if (k)
            k->hint = "the addon loads but does not work here: run its own tests in this runtime";
        return STATUS_FAIL;
    }
    const char *got = ex->json;
    if (!v->expect_json) {
        k = report_add_check(r, res, CHECK_EXECUTE, STATUS_PASS, "returned %s", got ? got : "undefined");
        if (k)
            k->value_json = report_strdup(r, got);
        return STATUS_PASS;
    }
    cJSON *a = got ? cJSON_Parse(got) : NULL, *b = cJSON_Parse(v->expect_json);
    bool same = a && b && cJSON_Compare(a, b, true);
    st = same ? STATUS_PASS : STATUS_FAIL;
    k = report_add_check(r, res, CHECK_EXECUTE, st, "returned %s (expected %s)", got ? got : "undefined",
                         v->expect_json);
    if (k) {
        k->value_json = report_strdup(r, got);
        if (!same)
            k->hint = "the addon loads but computes something else here: run its own tests in this runtime";
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    return st;
}
