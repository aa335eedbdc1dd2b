/* report/json.c — the JSON report, schema "abiprobe/1" (report/abiprobe-1.schema.json).
 * Fields may be added, never renamed. Every string is made valid UTF-8 first (invalid bytes
 * become U+FFFD), because paths and symbol names come from untrusted files.
 *
 * The report is written as it is walked, with no tree in between: building a cJSON tree
 * of a large report and printing it cost more than all the checks of a pair. The layout
 * is cJSON's formatted print (tabs, "key":<tab>value, ", " between array elements), so
 * reports stay byte-identical to those earlier versions wrote and `merge` reproduces. */
#include "report/report.h"
#include "report/clean.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The streaming writer: a fixed buffer flushed to the stream, and one frame per open
 * object or array (whether it is an object, and whether it has an item yet). */
enum { JW_BUF = 16384, JW_DEPTH = 64 };

typedef struct jw {
    FILE *out;
    size_t len;
    int depth;
    bool err;
    bool is_obj[JW_DEPTH];
    bool any[JW_DEPTH];
    char buf[JW_BUF];
} jw;

static void jw_flush(jw *w)
{
    if (w->len && fwrite(w->buf, 1, w->len, w->out) != w->len)
        w->err = true;
    w->len = 0;
}

static void jw_put(jw *w, const char *s, size_t n)
{
    if (n <= JW_BUF - w->len) { /* the common case, and mostly a few bytes */
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        return;
    }
    while (n) {
        if (w->len == JW_BUF)
            jw_flush(w);
        size_t k = JW_BUF - w->len < n ? JW_BUF - w->len : n;
        memcpy(w->buf + w->len, s, k);
        w->len += k, s += k, n -= k;
    }
}

static void jw_ch(jw *w, char c)
{
    if (w->len == JW_BUF)
        jw_flush(w);
    w->buf[w->len++] = c;
}

static void jw_tabs(jw *w, int n)
{
    static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    for (; n > 0; n -= 16)
        jw_put(w, tabs, n < 16 ? (size_t)n : 16);
}

/* Bytes that a JSON string carries as they are: printable ASCII but the quote and the
 * backslash. NUL is not one, so a scan for them stops at the end of the string. */
/* clang-format off */
static const bool plain[256] = { /* rows of 16: 0x22 is '"', 0x5c is '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

/* s as a JSON string: valid UTF-8 copied, invalid bytes as U+FFFD, and the escapes cJSON
 * uses (two-character ones where JSON has them, \u00xx for the other control bytes). */
static void jw_string(jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    jw_ch(w, '"');
    for (size_t i = 0;;) {
        size_t j = i;
        while (plain[p[j]])
            j++;
        jw_put(w, s + i, j - i);
        i = j;
        unsigned char c = p[i];
        if (!c)
            break;
        if (c >= 0x80) {
            /* clean_utf8_len stops at the first byte that is not a continuation, so at the NUL */
            size_t k = clean_utf8_len(p + i, 4);
            if (k)
                jw_put(w, s + i, k);
            else
                jw_put(w, "\xef\xbf\xbd", 3);
            i += k ? k : 1;
            continue;
        }
        static const char two[] = "\"\"\\\\\bb\ff\nn\rr\tt";
        const char *e = NULL;
        for (const char *t = two; *t; t += 2)
            if (*t == (char)c)
                e = t;
        if (e) {
            char esc[2] = {'\\', e[1]};
            jw_put(w, esc, 2);
        } else {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            jw_put(w, esc, 6);
        }
        i++;
    }
    jw_ch(w, '"');
}

/* What comes before an item: nothing at the top, ", " between array elements, and the
 * newline, indentation and key of an object member. */
static void jw_item(jw *w, const char *key)
{
    if (w->depth == 0)
        return;
    int d = w->depth - 1;
    if (w->is_obj[d]) {
        jw_put(w, w->any[d] ? ",\n" : "\n", w->any[d] ? 2 : 1);
        jw_tabs(w, w->depth);
        jw_string(w, key ? key : "");
        jw_put(w, ":\t", 2);
    } else if (w->any[d]) {
        jw_put(w, ", ", 2);
    }
    w->any[d] = true;
}

static void jw_open(jw *w, const char *key, bool obj)
{
    jw_item(w, key);
    jw_ch(w, obj ? '{' : '[');
    if (w->depth == JW_DEPTH) { /* deeper than any report: the caller's bug, kept visible */
        w->err = true;
        return;
    }
    w->is_obj[w->depth] = obj;
    w->any[w->depth] = false;
    w->depth++;
}

static void jw_obj(jw *w, const char *key) { jw_open(w, key, true); }
static void jw_arr(jw *w, const char *key) { jw_open(w, key, false); }

static void jw_end(jw *w)
{
    if (w->depth == 0)
        return;
    w->depth--;
    if (w->is_obj[w->depth]) {
        jw_ch(w, '\n');
        jw_tabs(w, w->depth);
        jw_ch(w, '}');
    } else {
        jw_ch(w, ']');
    }
}

/* A string, or JSON null for NULL. */
static void put_str(jw *w, const char *key, const char *s)
{
    jw_item(w, key);
    if (s)
        jw_string(w, s);
    else
        jw_put(w, "null", 4);
}

static void put_num(jw *w, const char *key, long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", v);
    jw_item(w, key);
    jw_put(w, b, (size_t)n);
}

/* A non-negative integer, or null for the "unknown" sentinel (< 0). */
static void put_int(jw *w, const char *key, long long v)
{
    if (v < 0)
        put_str(w, key, NULL);
    else
        put_num(w, key, v);
}

static void put_bool(jw *w, const char *key, bool b)
{
    jw_item(w, key);
    jw_put(w, b ? "true" : "false", b ? 4 : 5);
}

/* A parsed JSON value (a smoke test's result), laid out like the rest. */
static void put_parsed(jw *w, const char *key, const cJSON *v)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        jw_open(w, key, cJSON_IsObject(v));
        for (const cJSON *c = v->child; c; c = c->next)
            put_parsed(w, c->string, c);
        jw_end(w);
    } else if (cJSON_IsString(v)) {
        put_str(w, key, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble, back = 0;
        char b[32];
        if (isnan(d) || isinf(d)) {
            put_str(w, key, NULL);
            return;
        }
        snprintf(b, sizeof b, "%1.15g", d);
        bool exact = sscanf(b, "%lg", &back) == 1;
        double diff = back > d ? back - d : d - back;
        double mag = (back < 0 ? -back : back) > (d < 0 ? -d : d) ? (back < 0 ? -back : back) : (d < 0 ? -d : d);
        if (!exact || diff > mag * DBL_EPSILON)
            snprintf(b, sizeof b, "%1.17g", d);
        jw_item(w, key);
        jw_put(w, b, strlen(b));
    } else if (cJSON_IsBool(v)) {
        put_bool(w, key, cJSON_IsTrue(v));
    } else {
        put_str(w, key, NULL);
    }
}

static void group_counts(jw *w, const char *key, const unsigned *counts)
{
    jw_obj(w, key);
    for (int i = 0; i < SYMGROUP_COUNT; i++)
        put_num(w, result_group_names[i], counts[i]);
    jw_end(w);
}

static void libraries_json(jw *w, const lib_found *libs, size_t n)
{
    jw_arr(w, "libraries");
    for (size_t i = 0; i < n; i++) {
        jw_obj(w, NULL);
        put_str(w, "name", libs[i].name);
        put_str(w, "path", libs[i].path);
        put_str(w, "via", libs[i].via);
        put_str(w, "needed_by", libs[i].needed_by);
        if (libs[i].searched)
            put_str(w, "searched", libs[i].searched);
        jw_end(w);
    }
    jw_end(w);
}

static void addon_json(jw *w, const addon_facts *a, bool with_imports)
{
    jw_obj(w, "addon");
    put_str(w, "path", a->path);
    put_str(w, "format", a->format);
    put_str(w, "format_desc", a->format_desc);
    put_str(w, "machine", a->machine);
    put_int(w, "class", a->elf_class ? a->elf_class : -1);
    put_str(w, "byte_order", a->byte_order);
    put_str(w, "type", a->elf_type);
    put_str(w, "osabi", a->osabi);
    put_str(w, "kind", a->kind);
    put_str(w, "registration", a->registration);
    put_str(w, "entry", a->entry);
    put_int(w, "modules", a->modules);
    put_str(w, "modules_registry", a->modules_registry);
    put_int(w, "napi_version", a->napi_version);
    if (a->napi_version_note)
        put_str(w, "napi_version_note", a->napi_version_note);
    put_str(w, "libc", a->libc);
    put_str(w, "interp", a->interp);
    put_str(w, "soname", a->soname);
    jw_arr(w, "needed");
    for (size_t i = 0; i < a->nneeded; i++)
        put_str(w, NULL, a->needed[i]);
    jw_end(w);
    put_str(w, "rpath", a->rpath);
    put_str(w, "runpath", a->runpath);
    put_bool(w, "bind_now", a->bind_now);
    if (a->elf_note)
        put_str(w, "elf_note", a->elf_note);
    if (a->libs)
        libraries_json(w, a->libs, a->nlibs);
    jw_obj(w, "requires");
    put_str(w, "glibc", a->max_glibc);
    put_str(w, "glibcxx", a->max_glibcxx);
    put_str(w, "cxxabi", a->max_cxxabi);
    jw_end(w);
    put_num(w, "exports", (long long)a->nexports);
    jw_obj(w, "imports");
    put_num(w, "total", (long long)a->nimports);
    group_counts(w, "by_group", a->imports_by_group);
    if (with_imports) {
        jw_arr(w, "symbols");
        for (size_t i = 0; i < a->nimports; i++) {
            const sym_entry *s = &a->imports[i];
            jw_obj(w, NULL);
            put_str(w, "name", s->name);
            put_str(w, "demangled", s->demangled);
            put_str(w, "group", result_group_names[s->group]);
            put_str(w, "version", s->version);
            put_str(w, "library", s->ver_file);
            put_bool(w, "weak", s->weak);
            jw_end(w);
        }
        jw_end(w);
    }
    jw_end(w);
    put_str(w, "selected_by", a->selected_by);
    if (a->error)
        put_str(w, "error", a->error);
    jw_end(w);
}

static void runtime_json(jw *w, const runtime_facts *rt)
{
    jw_obj(w, "runtime");
    put_str(w, "path", rt->path);
    put_str(w, "exe", rt->exe);
    put_str(w, "kind", rt->kind);
    put_str(w, "engine", rt->engine);
    put_str(w, "engine_version", rt->engine_version);
    put_str(w, "version", rt->version);
    put_str(w, "product_version", rt->product_version);
    put_int(w, "modules", rt->modules);
    put_int(w, "napi", rt->napi);
    put_str(w, "v8", rt->v8);
    put_str(w, "uv", rt->uv);
    put_str(w, "registry", rt->registry);
    put_str(w, "machine", rt->machine);
    put_str(w, "libc", rt->libc);
    put_str(w, "interp", rt->interp);
    put_bool(w, "library", rt->library);
    jw_obj(w, "exports");
    put_num(w, "total", (long long)rt->nexports);
    group_counts(w, "by_group", rt->exports_by_group);
    jw_end(w);
    put_str(w, "facts_from", facts_source_names[rt->facts_from]);
    put_str(w, "note", rt->note);
    if (rt->error)
        put_str(w, "error", rt->error);
    jw_end(w);
}

static void candidates_json(jw *w, const candidate *cands, size_t n)
{
    jw_arr(w, "candidates");
    for (size_t i = 0; i < n; i++) {
        jw_obj(w, NULL);
        put_str(w, "path", cands[i].path);
        put_str(w, "status", cand_status_names[cands[i].status]);
        put_str(w, "reason", cands[i].reason);
        jw_end(w);
    }
    jw_end(w);
}

static void selection_json(jw *w, const selection *s)
{
    const sel_answer *a = selection_answer(s);
    jw_obj(w, "selection");
    put_str(w, "package", s->pkgdir);
    put_str(w, "name", s->name);
    put_str(w, "version", s->version);
    put_str(w, "rule", a->rule);
    put_str(w, "rule_why", a->rule_why);
    put_str(w, "seen_as", s->seen_as);
    put_str(w, "seen_note", s->seen_note);
    put_str(w, "chosen", a->chosen);
    if (!a->chosen)
        put_str(w, "none_why", a->none_why);
    put_str(w, "outcome", sel_outcome_names[a->outcome]);
    put_str(w, "step", sel_step_names[s->step]);
    put_bool(w, "observed", s->asked);
    if (s->asked)
        put_bool(w, "stand_in", s->stand_in);
    if (s->stand_in_threw)
        put_bool(w, "stand_in_threw", true);
    if (s->load_error)
        put_str(w, "load_error", s->load_error);
    if (s->note)
        put_str(w, "note", s->note);
    if (s->nmissing_platform) {
        jw_arr(w, "missing_platform");
        for (size_t i = 0; i < s->nmissing_platform; i++)
            put_str(w, NULL, s->missing_platform[i]);
        jw_end(w);
    }
    if (s->asked) {
        jw_arr(w, "asked");
        for (size_t i = 0; i < s->nasks; i++) {
            const sel_ask *k = &s->asks[i];
            jw_obj(w, NULL);
            put_str(w, "file", k->file);
            put_str(w, "from", k->from);
            put_str(w, "via", k->via);
            put_bool(w, "ok", k->ok);
            if (k->message)
                put_str(w, "message", k->message);
            if (k->predicted)
                put_bool(w, "predicted", true);
            put_bool(w, "own", k->own);
            if (k->copy_of)
                put_str(w, "copy_of", k->copy_of);
            if (k->binding)
                put_str(w, "binding", k->binding);
            jw_end(w);
        }
        jw_end(w);
        if (!s->stand_in && s->mapped_known) {
            jw_arr(w, "mapped");
            for (size_t i = 0; i < s->nmapped; i++)
                put_str(w, NULL, s->mapped[i]);
            jw_end(w);
        }
        jw_obj(w, "rules");
        put_str(w, "rule", s->rules.rule);
        put_str(w, "rule_why", s->rules.rule_why);
        put_str(w, "chosen", s->rules.chosen);
        if (!s->rules.chosen)
            put_str(w, "none_why", s->rules.none_why);
        put_str(w, "outcome", sel_outcome_names[s->rules.outcome]);
        candidates_json(w, s->rules.cands, s->rules.ncands);
        jw_end(w);
        if (s->differs)
            put_str(w, "differs", s->differs);
    }
    candidates_json(w, a->cands, a->ncands);
    jw_end(w);
}

static void check_json(jw *w, const check *k)
{
    jw_obj(w, NULL);
    put_str(w, "id", check_id_names[k->id]);
    put_str(w, "status", status_name(k->status));
    put_str(w, "message", k->message);
    if (k->hint)
        put_str(w, "hint", k->hint);
    if (k->value_json) {
        cJSON *v = cJSON_Parse(k->value_json);
        if (v)
            put_parsed(w, "value", v);
        else
            put_str(w, "value", k->value_json);
        cJSON_Delete(v);
    }
    if (k->details.n) {
        jw_arr(w, "details");
        for (size_t i = 0; i < k->details.n; i++)
            put_str(w, NULL, k->details.v[i]);
        jw_end(w);
    }
    if (k->libs)
        libraries_json(w, k->libs, k->nlibs);
    if (k->ended) {
        jw_obj(w, "ended");
        put_str(w, "process", k->ended->process);
        put_str(w, "stderr", k->ended->stderr_line);
        jw_end(w);
    }
    if (k->loader_message)
        put_str(w, "loader_message", k->loader_message);
    if (k->gaps) {
        jw_arr(w, "versions");
        for (size_t i = 0; i < k->ngaps; i++) {
            const version_gap *g = &k->gaps[i];
            jw_obj(w, NULL);
            put_str(w, "library", g->library);
            put_str(w, "path", g->path);
            put_str(w, "version", g->version);
            put_str(w, "newest", g->newest);
            put_str(w, "required_by", g->required_by);
            put_bool(w, "weak", g->weak);
            put_bool(w, "no_info", g->no_info);
            jw_end(w);
        }
        jw_end(w);
    }
    if (k->nmissing || k->id == CHECK_SYMBOLS) {
        if (k->first || k->nmissing)
            put_str(w, "first", k->first);
        jw_obj(w, "counts");
        put_num(w, "load", k->nload);
        put_num(w, "call", k->ncall);
        put_num(w, "stub", k->nstub);
        group_counts(w, "by_group", k->missing_by_group);
        jw_end(w);
        jw_arr(w, "missing");
        for (size_t i = 0; i < k->nmissing; i++) {
            const missing_sym *m = &k->missing[i];
            jw_obj(w, NULL);
            put_str(w, "name", m->name);
            put_str(w, "demangled", m->demangled);
            put_str(w, "group", result_group_names[m->group]);
            put_str(w, "when", sym_when_names[m->when]);
            if (m->resolved_to)
                put_str(w, "resolved_to", m->resolved_to);
            if (m->version)
                put_str(w, "version", m->version);
            put_str(w, "required_by", m->required_by);
            jw_end(w);
        }
        jw_end(w);
    }
    jw_end(w);
}

int report_write_json(const report *r, const report_opts *o, FILE *out)
{
    jw *w = malloc(sizeof *w); /* the buffer needs no zeroing: only what is written is flushed */
    if (!w)
        return -1;
    w->out = out;
    w->len = 0;
    w->depth = 0;
    w->err = false;
    jw_obj(w, NULL);
    put_str(w, "schema", "abiprobe/1");
    jw_obj(w, "tool");
    put_str(w, "name", "abiprobe");
    put_str(w, "version", o->tool_version);
    jw_end(w);
    put_str(w, "command", r->command);
    if (r->note)
        put_str(w, "note", r->note);
    if (r->default_runtime)
        put_str(w, "default_runtime", r->default_runtime);
    if (r->uncontained)
        put_str(w, "uncontained", r->uncontained);
    if (r->ninputs) {
        jw_arr(w, "inputs");
        for (size_t i = 0; i < r->ninputs; i++)
            put_str(w, NULL, r->inputs[i]);
        jw_end(w);
    }
    if (r->exit_status >= 0)
        put_num(w, "exit_status", r->exit_status);
    report_totals t = report_count(r);
    if (t.total) {
        put_str(w, "verdict", status_name(report_verdict(r)));
        jw_obj(w, "summary");
        put_num(w, "total", (long long)t.total);
        put_num(w, "pass", (long long)t.pass);
        put_num(w, "fail", (long long)t.fail);
        put_num(w, "error", (long long)t.error);
        put_num(w, "expected", (long long)t.expected);
        put_num(w, "stale", (long long)t.stale);
    } else {
        size_t errors = 0;
        for (size_t i = 0; i < r->nresults; i++)
            errors += (r->results[i].addon && r->results[i].addon->error) ||
                      (r->results[i].runtime && r->results[i].runtime->error);
        jw_obj(w, "summary");
        put_num(w, "total", (long long)r->nresults);
        put_num(w, "error", (long long)errors);
    }
    jw_end(w);
    jw_arr(w, "results");
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        jw_obj(w, NULL);
        if (res->target)
            put_str(w, "target", res->target);
        if (res->addon)
            addon_json(w, res->addon, (res->kind != RESULT_PAIR));
        if (res->runtime)
            runtime_json(w, res->runtime);
        if (res->sel)
            selection_json(w, res->sel);
        if (res->kind == RESULT_UNREFERENCED) {
            put_bool(w, "unreferenced", true);
            if (res->unreferenced_why)
                put_str(w, "unreferenced_why", res->unreferenced_why);
        }
        if (res->kind == RESULT_PAIR) {
            put_str(w, "verdict", status_name(res->verdict));
            if (res->rt_name)
                put_str(w, "runtime_name", res->rt_name);
            if (res->expect_set) {
                jw_obj(w, "expected");
                put_str(w, "verdict", res->expected_fail ? "fail" : "pass");
                put_str(w, "reason", res->expect_reason);
                put_str(w, "outcome",
                        result_expected_failure(res) ? "failed as declared"
                        : result_stale(res)          ? "stale: it passed"
                                                     : "as declared");
                jw_end(w);
            }
            jw_arr(w, "checks");
            for (size_t k = 0; k < res->nchecks; k++)
                check_json(w, &res->checks[k]);
            jw_end(w);
        }
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    jw_ch(w, '\n');
    jw_flush(w);
    int rc = w->err || ferror(out) ? -1 : 0;
    free(w);
    return rc;
}
