/* report/json.c — the JSON report, schema "abiprobe/1" (SPEC). Fields may be added, never
 * renamed. Every string is made valid UTF-8 first (invalid bytes become U+FFFD), because
 * paths and symbol names come from untrusted files. */
#include "report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A cJSON string node holding s as valid UTF-8; NULL s gives JSON null. Every string given
 * here lives in the report (or is a literal) and so outlives the tree, which is printed and
 * deleted inside report_write_json: valid strings are referenced, not copied. */
static cJSON *jstr(const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n] && p[n] < 0x80) /* the common case: plain ASCII */
        n++;
    if (!p[n])
        return cJSON_CreateStringReference(s);
    size_t bad = 0;
    n += strlen(s + n);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) {
            bad++;
            i++;
        } else {
            i += k;
        }
    }
    if (!bad)
        return cJSON_CreateStringReference(s);
    char *fixed = malloc(n + 2 * bad + 1);
    if (!fixed)
        return cJSON_CreateNull();
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(fixed + o, p + i, k);
            o += k;
            i += k;
        }
    }
    fixed[o] = '\0';
    cJSON *j = cJSON_CreateString(fixed);
    free(fixed);
    return j;
}

/* Keys are literals, so cJSON need not copy them (the CS variant). */
static void put_str(cJSON *o, const char *key, const char *s) { cJSON_AddItemToObjectCS(o, key, jstr(s)); }

/* A non-negative integer, or null for the "unknown" sentinel (< 0). */
static void put_int(cJSON *o, const char *key, long long v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, (double)v);
}

static cJSON *group_counts(const unsigned *counts)
{
    cJSON *g = cJSON_CreateObject();
    for (int i = 0; i < RESULT_NGROUPS; i++)
        cJSON_AddNumberToObject(g, result_group_names[i], counts[i]);
    return g;
}

static cJSON *addon_json(const addon_facts *a, bool with_imports)
{
    cJSON *j = cJSON_CreateObject();
    put_str(j, "path", a->path);
    put_str(j, "format", a->format);
    put_str(j, "format_desc", a->format_desc);
    put_str(j, "machine", a->machine);
    put_int(j, "class", a->elf_class ? a->elf_class : -1);
    put_str(j, "byte_order", a->byte_order);
    put_str(j, "type", a->elf_type);
    put_str(j, "osabi", a->osabi);
    put_str(j, "kind", a->kind);
    put_str(j, "registration", a->registration);
    put_str(j, "entry", a->entry);
    put_int(j, "modules", a->modules);
    put_str(j, "modules_registry", a->modules_registry);
    put_int(j, "napi_version", a->napi_version);
    if (a->napi_version_note)
        put_str(j, "napi_version_note", a->napi_version_note);
    put_str(j, "libc", a->libc);
    put_str(j, "interp", a->interp);
    put_str(j, "soname", a->soname);
    cJSON *needed = cJSON_AddArrayToObject(j, "needed");
    for (size_t i = 0; i < a->nneeded; i++)
        cJSON_AddItemToArray(needed, jstr(a->needed[i]));
    put_str(j, "rpath", a->rpath);
    put_str(j, "runpath", a->runpath);
    cJSON_AddBoolToObject(j, "bind_now", a->bind_now);
    if (a->elf_note)
        put_str(j, "elf_note", a->elf_note);
    cJSON *req = cJSON_AddObjectToObject(j, "requires");
    put_str(req, "glibc", a->max_glibc);
    put_str(req, "glibcxx", a->max_glibcxx);
    put_str(req, "cxxabi", a->max_cxxabi);
    cJSON_AddNumberToObject(j, "exports", (double)a->nexports);
    cJSON *imp = cJSON_AddObjectToObject(j, "imports");
    cJSON_AddNumberToObject(imp, "total", (double)a->nimports);
    cJSON_AddItemToObject(imp, "by_group", group_counts(a->imports_by_group));
    cJSON *syms = with_imports ? cJSON_AddArrayToObject(imp, "symbols") : NULL;
    for (size_t i = 0; syms && i < a->nimports; i++) {
        const sym_entry *s = &a->imports[i];
        cJSON *e = cJSON_CreateObject();
        put_str(e, "name", s->name);
        put_str(e, "demangled", s->demangled);
        put_str(e, "group", s->group);
        put_str(e, "version", s->version);
        put_str(e, "library", s->ver_file);
        cJSON_AddBoolToObject(e, "weak", s->weak);
        cJSON_AddItemToArray(syms, e);
    }
    put_str(j, "selected_by", a->selected_by);
    if (a->error)
        put_str(j, "error", a->error);
    return j;
}

static cJSON *runtime_json(const runtime_facts *rt)
{
    cJSON *j = cJSON_CreateObject();
    put_str(j, "path", rt->path);
    put_str(j, "exe", rt->exe);
    put_str(j, "kind", rt->kind);
    put_str(j, "engine", rt->engine);
    put_str(j, "engine_version", rt->engine_version);
    put_str(j, "version", rt->version);
    put_str(j, "product_version", rt->product_version);
    put_int(j, "modules", rt->modules);
    put_int(j, "napi", rt->napi);
    put_str(j, "v8", rt->v8);
    put_str(j, "uv", rt->uv);
    put_str(j, "registry", rt->registry);
    put_str(j, "machine", rt->machine);
    put_str(j, "libc", rt->libc);
    put_str(j, "interp", rt->interp);
    cJSON_AddBoolToObject(j, "library", rt->library);
    cJSON *ex = cJSON_AddObjectToObject(j, "exports");
    cJSON_AddNumberToObject(ex, "total", (double)rt->nexports);
    cJSON_AddItemToObject(ex, "by_group", group_counts(rt->exports_by_group));
    put_str(j, "facts_from", rt->facts_from);
    put_str(j, "note", rt->note);
    if (rt->error)
        put_str(j, "error", rt->error);
    return j;
}

static cJSON *candidates_json(const candidate *cands, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject();
        put_str(c, "path", cands[i].path);
        put_str(c, "status", cands[i].status);
        put_str(c, "reason", cands[i].reason);
        cJSON_AddItemToArray(arr, c);
    }
    return arr;
}

static cJSON *selection_json(const selection *s)
{
    cJSON *j = cJSON_CreateObject();
    put_str(j, "package", s->pkgdir);
    put_str(j, "name", s->name);
    put_str(j, "version", s->version);
    put_str(j, "rule", s->rule);
    put_str(j, "rule_why", s->rule_why);
    put_str(j, "seen_as", s->seen_as);
    put_str(j, "seen_note", s->seen_note);
    put_str(j, "chosen", s->chosen);
    if (!s->chosen)
        put_str(j, "none_why", s->none_why);
    static const char *const outcomes[] = {"chosen", "none", "unbuilt", "unknown"};
    put_str(j, "outcome", outcomes[s->outcome]);
    cJSON_AddBoolToObject(j, "observed", s->observed);
    if (s->observed)
        cJSON_AddBoolToObject(j, "stand_in", s->stand_in);
    if (s->load_error)
        put_str(j, "load_error", s->load_error);
    if (s->note)
        put_str(j, "note", s->note);
    if (s->observed) {
        cJSON *asked = cJSON_AddArrayToObject(j, "asked");
        for (size_t i = 0; i < s->nasks; i++) {
            cJSON *a = cJSON_CreateObject();
            put_str(a, "file", s->asks[i].file);
            put_str(a, "from", s->asks[i].from);
            put_str(a, "via", s->asks[i].via);
            cJSON_AddBoolToObject(a, "ok", s->asks[i].ok);
            if (s->asks[i].message)
                put_str(a, "message", s->asks[i].message);
            if (s->asks[i].predicted)
                cJSON_AddBoolToObject(a, "predicted", true);
            cJSON_AddItemToArray(asked, a);
        }
        if (!s->stand_in && s->mapped_known) {
            cJSON *mapped = cJSON_AddArrayToObject(j, "mapped");
            for (size_t i = 0; i < s->nmapped; i++)
                cJSON_AddItemToArray(mapped, jstr(s->mapped[i]));
        }
        cJSON *rules = cJSON_AddObjectToObject(j, "rules");
        put_str(rules, "rule", s->rules_rule);
        put_str(rules, "rule_why", s->rules_why);
        put_str(rules, "chosen", s->rules_chosen);
        if (!s->rules_chosen)
            put_str(rules, "none_why", s->rules_none_why);
        cJSON_AddItemToObject(rules, "candidates", candidates_json(s->rules_cands, s->nrules_cands));
        if (s->differs)
            put_str(j, "differs", s->differs);
    }
    cJSON_AddItemToObject(j, "candidates", candidates_json(s->cands, s->ncands));
    return j;
}

static cJSON *check_json(const check *k)
{
    cJSON *c = cJSON_CreateObject();
    put_str(c, "id", k->id);
    put_str(c, "status", status_name(k->status));
    put_str(c, "message", k->message);
    if (k->hint)
        put_str(c, "hint", k->hint);
    if (k->value_json) {
        cJSON *v = cJSON_Parse(k->value_json);
        cJSON_AddItemToObject(c, "value", v ? v : jstr(k->value_json));
    }
    if (k->ndetails) {
        cJSON *det = cJSON_AddArrayToObject(c, "details");
        for (size_t i = 0; i < k->ndetails; i++)
            cJSON_AddItemToArray(det, jstr(k->details[i]));
    }
    if (k->nmissing || strcmp(k->id, "symbols") == 0) {
        if (k->first || k->nmissing)
            put_str(c, "first", k->first);
        cJSON *cnt = cJSON_AddObjectToObject(c, "counts");
        cJSON_AddNumberToObject(cnt, "load", k->nload);
        cJSON_AddNumberToObject(cnt, "call", k->ncall);
        cJSON_AddNumberToObject(cnt, "stub", k->nstub);
        cJSON_AddItemToObject(cnt, "by_group", group_counts(k->missing_by_group));
        cJSON *arr = cJSON_AddArrayToObject(c, "missing");
        for (size_t i = 0; i < k->nmissing; i++) {
            const missing_sym *m = &k->missing[i];
            cJSON *e = cJSON_CreateObject();
            put_str(e, "name", m->name);
            put_str(e, "demangled", m->demangled);
            put_str(e, "group", m->group);
            put_str(e, "when", m->when);
            if (m->resolved_to)
                put_str(e, "resolved_to", m->resolved_to);
            if (m->version)
                put_str(e, "version", m->version);
            put_str(e, "required_by", m->required_by);
            cJSON_AddItemToArray(arr, e);
        }
    }
    return c;
}

int report_write_json(const report *r, const report_opts *o, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    put_str(root, "schema", "abiprobe/1");
    cJSON *tool = cJSON_AddObjectToObject(root, "tool");
    put_str(tool, "name", "abiprobe");
    put_str(tool, "version", o->tool_version);
    put_str(root, "command", r->command);
    if (r->note)
        put_str(root, "note", r->note);
    if (r->default_runtime)
        put_str(root, "default_runtime", r->default_runtime);
    if (r->ninputs) {
        cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
        for (size_t i = 0; i < r->ninputs; i++)
            cJSON_AddItemToArray(inputs, jstr(r->inputs[i]));
    }
    if (r->exit_status >= 0)
        cJSON_AddNumberToObject(root, "exit_status", r->exit_status);
    report_totals t = report_count(r);
    if (t.total) {
        put_str(root, "verdict", status_name(report_verdict(r)));
        cJSON *sum = cJSON_AddObjectToObject(root, "summary");
        cJSON_AddNumberToObject(sum, "total", (double)t.total);
        cJSON_AddNumberToObject(sum, "pass", (double)t.pass);
        cJSON_AddNumberToObject(sum, "fail", (double)t.fail);
        cJSON_AddNumberToObject(sum, "error", (double)t.error);
        cJSON_AddNumberToObject(sum, "expected", (double)t.expected);
        cJSON_AddNumberToObject(sum, "stale", (double)t.stale);
    } else {
        size_t errors = 0;
        for (size_t i = 0; i < r->nresults; i++)
            errors += (r->results[i].addon && r->results[i].addon->error) ||
                      (r->results[i].runtime && r->results[i].runtime->error);
        cJSON *sum = cJSON_AddObjectToObject(root, "summary");
        cJSON_AddNumberToObject(sum, "total", (double)r->nresults);
        cJSON_AddNumberToObject(sum, "error", (double)errors);
    }
    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        cJSON *j = cJSON_CreateObject();
        if (res->target)
            put_str(j, "target", res->target);
        if (res->addon)
            cJSON_AddItemToObject(j, "addon", addon_json(res->addon, !res->has_verdict));
        if (res->runtime)
            cJSON_AddItemToObject(j, "runtime", runtime_json(res->runtime));
        if (res->sel)
            cJSON_AddItemToObject(j, "selection", selection_json(res->sel));
        if (res->unreferenced)
            cJSON_AddBoolToObject(j, "unreferenced", true);
        if (res->has_verdict) {
            put_str(j, "verdict", status_name(res->verdict));
            if (res->rt_name)
                put_str(j, "runtime_name", res->rt_name);
            if (res->expect_set) {
                cJSON *e = cJSON_AddObjectToObject(j, "expected");
                put_str(e, "verdict", res->expected_fail ? "fail" : "pass");
                put_str(e, "reason", res->expect_reason);
                put_str(e, "outcome",
                        result_expected_failure(res) ? "failed as declared"
                        : result_stale(res)          ? "stale: it passed"
                                                     : "as declared");
            }
            cJSON *checks = cJSON_AddArrayToObject(j, "checks");
            for (size_t k = 0; k < res->nchecks; k++)
                cJSON_AddItemToArray(checks, check_json(&res->checks[k]));
        }
        cJSON_AddItemToArray(results, j);
    }
    /* One buffer large enough for most reports: growing by doubling copies the text each time. */
    char *text = cJSON_PrintBuffered(root, 1 << 17, 1);
    cJSON_Delete(root);
    if (!text)
        return -1;
    int rc = fputs(text, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
    cJSON_free(text);
    return rc;
}
