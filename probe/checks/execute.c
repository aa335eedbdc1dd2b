/* probe/checks/execute.c — `execute`: after the load, in the same process, the exports
 * object is usable (its keys are listed), or the smoke module's default export returns the
 * expected value, compared as JSON. */
#include "probe/checks/checks.h"

#include "probe/dynamic.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *str_of(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* "a, b, c" from a JSON array of strings, at most 12. */
static const char *keys_of(report *r, const cJSON *keys)
{
    const char *s = "";
    int n = 0, total = cJSON_GetArraySize(keys);
    const cJSON *k;
    cJSON_ArrayForEach(k, keys)
    {
        if (!cJSON_IsString(k) || n == 12)
            continue;
        s = report_printf(r, "%s%s%s", s, n++ ? ", " : "", k->valuestring);
    }
    if (total > 12)
        s = report_printf(r, "%s, … (%d in all)", s, total);
    return s;
}

status check_execute(report *r, result *res, const dyn_view *v)
{
    const dyn_outcome *o = v->lazy;
    check *k;
    if (v->library) {
        report_add_check(r, res, "execute", STATUS_ERROR,
                         "%s is a shared-library runtime: it has no JS entry point to run a smoke test", v->rt_label);
        return STATUS_ERROR;
    }
    cJSON *hs = o->reported ? cJSON_Parse(o->handshake) : NULL;
    const cJSON *load = cJSON_GetObjectItemCaseSensitive(hs, "load");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(hs, "execute");
    bool loaded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(load, "ok")) || strcmp(o->stage, "loaded") == 0 ||
                  strcmp(o->stage, "execute") == 0;
    status st;
    if (!o->started || !loaded) {
        report_add_check(r, res, "execute", STATUS_SKIP, "not run: dlopen %s", o->started ? "failed" : "could not run");
        cJSON_Delete(hs);
        return STATUS_SKIP;
    }
    if (!cJSON_IsObject(ex)) {
        char how[64];
        spawn_describe(&o->proc, how, sizeof how);
        k = report_add_check(r, res, "execute", STATUS_FAIL, "the process ended (%s) during %s, before reporting", how,
                             v->smoke ? "the smoke test" : "the exports check");
        size_t len = 0;
        const char *line = spawn_last_line(o->proc.err, o->proc.err_len, &len);
        if (k && line)
            report_check_detail(r, k, "stderr: %.*s", (int)(len > 400 ? 400 : len), line);
        cJSON_Delete(hs);
        return STATUS_FAIL;
    }
    bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "ok"));
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "smoke"))) {
        const cJSON *keys = cJSON_GetObjectItemCaseSensitive(ex, "keys");
        if (ok)
            report_add_check(r, res, "execute", STATUS_PASS, "exports usable: %s",
                             cJSON_GetArraySize(keys) ? keys_of(r, keys) : "(no keys)");
        else
            report_add_check(r, res, "execute", STATUS_FAIL, "the exports are a %s, not an object",
                             str_of(ex, "type") ? str_of(ex, "type") : "?");
        cJSON_Delete(hs);
        return ok ? STATUS_PASS : STATUS_FAIL;
    }
    if (!ok && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "syntax"))) {
        /* The smoke module does not parse: the user's input is wrong (exit 2), not the addon. */
        const char *msg = str_of(ex, "message"), *where = str_of(ex, "where");
        k = report_add_check(r, res, "execute", STATUS_ERROR, "the smoke module does not parse: %s%s%.*s",
                             where ? where : v->smoke, ": ", (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "");
        res->input_error = report_printf(r, "--smoke %s: %.*s", where ? where : v->smoke,
                                         (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "SyntaxError");
        if (k)
            k->hint = "fix the smoke module";
        cJSON_Delete(hs);
        return STATUS_ERROR;
    }
    if (!ok) {
        const char *msg = str_of(ex, "message");
        k = report_add_check(r, res, "execute", STATUS_FAIL, "the smoke test threw: %s", msg ? msg : "(no message)");
        if (k)
            k->hint = "the addon loads but does not work here: run its own tests in this runtime";
        cJSON_Delete(hs);
        return STATUS_FAIL;
    }
    const char *got = str_of(ex, "json");
    if (!v->expect_json) {
        k = report_add_check(r, res, "execute", STATUS_PASS, "returned %s", got ? got : "undefined");
        if (k)
            k->value_json = report_strdup(r, got);
        cJSON_Delete(hs);
        return STATUS_PASS;
    }
    cJSON *a = got ? cJSON_Parse(got) : NULL, *b = cJSON_Parse(v->expect_json);
    bool same = a && b && cJSON_Compare(a, b, true);
    st = same ? STATUS_PASS : STATUS_FAIL;
    k = report_add_check(r, res, "execute", st, "returned %s (expected %s)", got ? got : "undefined", v->expect_json);
    if (k) {
        k->value_json = report_strdup(r, got);
        if (!same)
            k->hint = "the addon loads but computes something else here: run its own tests in this runtime";
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(hs);
    return st;
}
