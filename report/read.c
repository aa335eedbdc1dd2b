/* report/read.c — reading an abiprobe/1 JSON report back into the result model, for `merge`:
 * the inverse of report/json.c. Every field json.c writes is read; a field it does not know is
 * an error that names it (a report from another version would otherwise lose it silently),
 * and so is a value of the wrong type. Fields json.c derives (the summary, an expectation's
 * outcome) are recomputed by the writers, not copied. */
#include "report/read.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

typedef struct reader {
    report *r;
    report_interns *seen;
    char *err;
    size_t errlen;
    bool failed;
} reader;

static void fail(reader *rd, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(reader *rd, const char *where, const char *fmt, ...)
{
    if (rd->failed)
        return;
    rd->failed = true;
    int n = snprintf(rd->err, rd->errlen, "%s: ", where);
    if (n < 0 || (size_t)n >= rd->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* o is an object whose every key is in keys (NULL-terminated). */
static bool object_of(reader *rd, const cJSON *o, const char *where, const char *const *keys)
{
    if (!cJSON_IsObject(o)) {
        fail(rd, where, "not an object");
        return false;
    }
    for (const cJSON *c = o->child; c; c = c->next) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], c->string) != 0)
            i++;
        if (!keys[i]) {
            fail(rd, where, "unknown field \"%s\" (a report from another version of abiprobe?)", c->string);
            return false;
        }
    }
    return true;
}

/* A string field, copied into the report: NULL when absent or null. */
static const char *get_str(reader *rd, const cJSON *o, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        fail(rd, where, "\"%s\" is not a string", key);
        return NULL;
    }
    return report_strdup(rd->r, v->valuestring);
}

/* A non-negative integer field; -1 when absent or null (json.c's "unknown"). */
static long long get_int(reader *rd, const cJSON *o, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return -1;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e15 ||
        v->valuedouble != (double)(long long)v->valuedouble) {
        fail(rd, where, "\"%s\" is not a non-negative integer", key);
        return -1;
    }
    return (long long)v->valuedouble;
}

static size_t get_count(reader *rd, const cJSON *o, const char *key, const char *where)
{
    long long v = get_int(rd, o, key, where);
    return v < 0 ? 0 : (size_t)v;
}

static bool get_bool(reader *rd, const cJSON *o, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return false;
    if (!cJSON_IsBool(v)) {
        fail(rd, where, "\"%s\" is not true or false", key);
        return false;
    }
    return cJSON_IsTrue(v);
}

/* An array field (absent: NULL, count 0), with room for its elements allocated. */
static const cJSON *get_array(reader *rd, const cJSON *o, const char *key, const char *where, size_t elem, void **out,
                              size_t *n)
{
    *n = 0;
    if (out)
        *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsArray(v)) {
        fail(rd, where, "\"%s\" is not an array", key);
        return NULL;
    }
    *n = (size_t)cJSON_GetArraySize(v);
    if (out && *n && !(*out = report_alloc(rd->r, *n * elem))) {
        fail(rd, where, "out of memory");
        *n = 0;
        return NULL;
    }
    return v;
}

/* An array of strings. */
static const char **get_strings(reader *rd, const cJSON *o, const char *key, const char *where, size_t *n)
{
    void *mem;
    const cJSON *arr = get_array(rd, o, key, where, sizeof(const char *), &mem, n);
    const char **out = mem;
    size_t i = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e && !rd->failed; e = e->next, i++) {
        if (!cJSON_IsString(e))
            fail(rd, where, "\"%s\"[%zu] is not a string", key, i);
        else
            out[i] = report_strdup(rd->r, e->valuestring);
    }
    return out;
}

/* The index of field key's value in names (NULL-terminated), or -1 after failing with what
 * was there and what may be: `"when" is "soon", not a time (load, call)`. */
static int get_name(reader *rd, const cJSON *o, const char *key, const char *where, const char *const *names,
                    const char *what)
{
    const char *v = get_str(rd, o, key, where);
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        if (v && strcmp(v, names[i]) == 0)
            return i;
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", names[i]);
    }
    fail(rd, where, "\"%s\" is %s%s%s, not %s (%s)", key, v ? "\"" : "", v ? v : "missing", v ? "\"" : "", what, list);
    return -1;
}

static void get_groups(reader *rd, const cJSON *o, const char *key, const char *where, unsigned *counts)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!g)
        return;
    if (!object_of(rd, g, where, result_group_names))
        return;
    for (int i = 0; i < SYMGROUP_COUNT; i++)
        counts[i] = (unsigned)get_count(rd, g, result_group_names[i], where);
}

static bool get_status(reader *rd, const cJSON *o, const char *key, const char *where, status *out)
{
    int i = get_name(rd, o, key, where, status_names, "a status");
    if (i >= 0)
        *out = (status)i;
    return i >= 0;
}

/* A "libraries" array (inspect -v's, or the needed check's): never NULL when present. */
static lib_found *get_libraries(reader *rd, const cJSON *j, const char *where, size_t *n)
{
    void *mem;
    const cJSON *libs = get_array(rd, j, "libraries", where, sizeof(lib_found), &mem, n);
    static const char *const lib_keys[] = {"name", "path", "via", "needed_by", "searched", NULL};
    lib_found *lf = mem;
    size_t i = 0;
    for (const cJSON *e = libs ? libs->child : NULL; e && !rd->failed; e = e->next, i++) {
        if (!object_of(rd, e, where, lib_keys))
            break;
        lf[i].name = get_str(rd, e, "name", where);
        lf[i].path = get_str(rd, e, "path", where);
        lf[i].via = get_str(rd, e, "via", where);
        lf[i].needed_by = get_str(rd, e, "needed_by", where);
        lf[i].searched = get_str(rd, e, "searched", where);
    }
    return lf ? lf : report_alloc(rd->r, 1);
}

/* The versions check's "versions" array. */
static version_gap *get_gaps(reader *rd, const cJSON *j, const char *where, size_t *n)
{
    void *mem;
    const cJSON *arr = get_array(rd, j, "versions", where, sizeof(version_gap), &mem, n);
    static const char *const keys[] = {"library", "path", "version", "newest", "required_by", "weak", "no_info", NULL};
    version_gap *g = mem;
    size_t i = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e && !rd->failed; e = e->next, i++) {
        if (!object_of(rd, e, where, keys))
            break;
        g[i] = (version_gap){get_str(rd, e, "library", where),     get_str(rd, e, "path", where),
                             get_str(rd, e, "version", where),     get_str(rd, e, "newest", where),
                             get_str(rd, e, "required_by", where), get_bool(rd, e, "weak", where),
                             get_bool(rd, e, "no_info", where)};
    }
    return g ? g : report_alloc(rd->r, 1);
}

static addon_facts *read_addon(reader *rd, const cJSON *j, const char *where)
{
    static const char *const keys[] = {"path",
                                       "format",
                                       "format_desc",
                                       "machine",
                                       "class",
                                       "byte_order",
                                       "type",
                                       "osabi",
                                       "kind",
                                       "registration",
                                       "entry",
                                       "modules",
                                       "modules_registry",
                                       "napi_version",
                                       "napi_version_note",
                                       "libc",
                                       "interp",
                                       "soname",
                                       "needed",
                                       "rpath",
                                       "runpath",
                                       "bind_now",
                                       "elf_note",
                                       "libraries",
                                       "requires",
                                       "exports",
                                       "imports",
                                       "selected_by",
                                       "error",
                                       NULL};
    addon_facts *a = report_alloc(rd->r, sizeof *a);
    if (!a) {
        fail(rd, where, "out of memory");
        return NULL;
    }
    if (!object_of(rd, j, where, keys))
        return a;
    a->path = get_str(rd, j, "path", where);
    a->format = get_str(rd, j, "format", where);
    a->format_desc = get_str(rd, j, "format_desc", where);
    a->machine = get_str(rd, j, "machine", where);
    long long cls = get_int(rd, j, "class", where);
    a->elf_class = cls < 0 ? 0 : (int)cls;
    a->byte_order = get_str(rd, j, "byte_order", where);
    a->elf_type = get_str(rd, j, "type", where);
    a->osabi = get_str(rd, j, "osabi", where);
    a->kind = get_str(rd, j, "kind", where);
    a->registration = get_str(rd, j, "registration", where);
    a->entry = get_str(rd, j, "entry", where);
    a->modules = (int)get_int(rd, j, "modules", where);
    a->modules_registry = get_str(rd, j, "modules_registry", where);
    a->napi_version = (int)get_int(rd, j, "napi_version", where);
    a->napi_version_note = get_str(rd, j, "napi_version_note", where);
    a->libc = get_str(rd, j, "libc", where);
    a->interp = get_str(rd, j, "interp", where);
    a->soname = get_str(rd, j, "soname", where);
    a->needed = get_strings(rd, j, "needed", where, &a->nneeded);
    a->rpath = get_str(rd, j, "rpath", where);
    a->runpath = get_str(rd, j, "runpath", where);
    a->bind_now = get_bool(rd, j, "bind_now", where);
    a->elf_note = get_str(rd, j, "elf_note", where);
    if (cJSON_GetObjectItemCaseSensitive(j, "libraries"))
        a->libs = get_libraries(rd, j, where, &a->nlibs);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(j, "requires");
    static const char *const req_keys[] = {"glibc", "glibcxx", "cxxabi", NULL};
    if (req && object_of(rd, req, where, req_keys)) {
        a->max_glibc = get_str(rd, req, "glibc", where);
        a->max_glibcxx = get_str(rd, req, "glibcxx", where);
        a->max_cxxabi = get_str(rd, req, "cxxabi", where);
    }
    a->nexports = get_count(rd, j, "exports", where);
    const cJSON *imp = cJSON_GetObjectItemCaseSensitive(j, "imports");
    static const char *const imp_keys[] = {"total", "by_group", "symbols", NULL};
    if (imp && object_of(rd, imp, where, imp_keys)) {
        a->nimports = get_count(rd, imp, "total", where);
        get_groups(rd, imp, "by_group", where, a->imports_by_group);
        void *mem;
        size_t n;
        const cJSON *syms = get_array(rd, imp, "symbols", where, sizeof(sym_entry), &mem, &n);
        static const char *const sym_keys[] = {"name", "demangled", "group", "version", "library", "weak", NULL};
        sym_entry *s = mem;
        size_t i = 0;
        for (const cJSON *e = syms ? syms->child : NULL; e && !rd->failed; e = e->next, i++) {
            if (!object_of(rd, e, where, sym_keys))
                break;
            s[i].name = get_str(rd, e, "name", where);
            s[i].demangled = get_str(rd, e, "demangled", where);
            int g = get_name(rd, e, "group", where, result_group_names, "a symbol group");
            s[i].group = g >= 0 ? (sym_group)g : SYMGROUP_OTHER;
            s[i].version = get_str(rd, e, "version", where);
            s[i].ver_file = get_str(rd, e, "library", where);
            s[i].weak = get_bool(rd, e, "weak", where);
        }
        /* The symbol list is written for inspect only; its length is the import count then. */
        if (syms && n != a->nimports)
            fail(rd, where, "imports.total is %zu but %zu symbols are listed", a->nimports, n);
        a->imports = s;
    }
    a->selected_by = get_str(rd, j, "selected_by", where);
    a->error = get_str(rd, j, "error", where);
    return a;
}

static runtime_facts *read_runtime(reader *rd, const cJSON *j, const char *where)
{
    static const char *const keys[] = {
        "path",    "exe",     "kind",    "engine",     "engine_version", "version", "product_version",
        "modules", "napi",    "v8",      "uv",         "registry",       "machine", "libc",
        "interp",  "library", "exports", "facts_from", "note",           "error",   NULL};
    runtime_facts *rt = report_alloc(rd->r, sizeof *rt);
    if (!rt) {
        fail(rd, where, "out of memory");
        return NULL;
    }
    if (!object_of(rd, j, where, keys))
        return rt;
    rt->path = get_str(rd, j, "path", where);
    rt->exe = get_str(rd, j, "exe", where);
    rt->kind = get_str(rd, j, "kind", where);
    rt->engine = get_str(rd, j, "engine", where);
    rt->engine_version = get_str(rd, j, "engine_version", where);
    rt->version = get_str(rd, j, "version", where);
    rt->product_version = get_str(rd, j, "product_version", where);
    rt->modules = (int)get_int(rd, j, "modules", where);
    rt->napi = (int)get_int(rd, j, "napi", where);
    rt->v8 = get_str(rd, j, "v8", where);
    rt->uv = get_str(rd, j, "uv", where);
    rt->registry = get_str(rd, j, "registry", where);
    rt->machine = get_str(rd, j, "machine", where);
    rt->libc = get_str(rd, j, "libc", where);
    rt->interp = get_str(rd, j, "interp", where);
    rt->library = get_bool(rd, j, "library", where);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exports");
    static const char *const ex_keys[] = {"total", "by_group", NULL};
    if (ex && object_of(rd, ex, where, ex_keys)) {
        rt->nexports = get_count(rd, ex, "total", where);
        get_groups(rd, ex, "by_group", where, rt->exports_by_group);
    }
    int ff = get_name(rd, j, "facts_from", where, facts_source_names, "a source of facts");
    rt->facts_from = ff >= 0 ? (facts_source)ff : FACTS_ELF;
    rt->note = get_str(rd, j, "note", where);
    rt->error = get_str(rd, j, "error", where);
    return rt;
}

void report_interns_free(report_interns *in)
{
    for (size_t i = 0; i < in->n; i++)
        cJSON_free(in->keys[i]);
    free(in->keys);
    free(in->facts);
    memset(in, 0, sizeof *in);
}

/* The runtime facts of j, shared with every earlier result whose runtime object is the same. */
static runtime_facts *intern_runtime(reader *rd, const cJSON *j, const char *where)
{
    char *key = cJSON_PrintUnformatted(j);
    report_interns *in = rd->seen;
    for (size_t i = 0; key && i < in->n; i++)
        if (strcmp(in->keys[i], key) == 0) {
            cJSON_free(key);
            return in->facts[i];
        }
    runtime_facts *rt = read_runtime(rd, j, where);
    if (!key || !rt)
        return rt;
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 8;
        char **keys = realloc(in->keys, cap * sizeof *keys);
        if (keys)
            in->keys = keys;
        runtime_facts **facts = keys ? realloc(in->facts, cap * sizeof *facts) : NULL;
        if (!facts) {
            cJSON_free(key);
            fail(rd, where, "out of memory");
            return rt;
        }
        in->facts = facts;
        in->cap = cap;
    }
    in->keys[in->n] = key;
    in->facts[in->n++] = rt;
    return rt;
}

static candidate *read_candidates(reader *rd, const cJSON *o, const char *where, size_t *n)
{
    void *mem;
    const cJSON *arr = get_array(rd, o, "candidates", where, sizeof(candidate), &mem, n);
    candidate *c = mem;
    static const char *const keys[] = {"path", "status", "reason", NULL};
    size_t i = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e && !rd->failed; e = e->next, i++) {
        if (!object_of(rd, e, where, keys))
            break;
        c[i].path = get_str(rd, e, "path", where);
        int st = get_name(rd, e, "status", where, cand_status_names, "a candidate's status");
        if (st < 0)
            break;
        c[i].status = (cand_status)st;
        c[i].reason = get_str(rd, e, "reason", where);
    }
    return c;
}

/* The fields one answer has, at the top of a selection or in its "rules". */
static void read_answer(reader *rd, const cJSON *j, const char *where, sel_answer *a)
{
    a->rule = get_str(rd, j, "rule", where);
    a->rule_why = get_str(rd, j, "rule_why", where);
    a->chosen = get_str(rd, j, "chosen", where);
    a->none_why = get_str(rd, j, "none_why", where);
    a->cands = read_candidates(rd, j, where, &a->ncands);
}

static selection *read_selection(reader *rd, const cJSON *j, const char *where)
{
    static const char *const keys[] = {
        "package",  "name",    "version", "rule",     "rule_why",         "seen_as",        "seen_note",  "chosen",
        "none_why", "outcome", "step",    "observed", "stand_in",         "stand_in_threw", "load_error", "note",
        "asked",    "mapped",  "rules",   "differs",  "missing_platform", "candidates",     NULL};
    selection *s = report_alloc(rd->r, sizeof *s);
    if (!s) {
        fail(rd, where, "out of memory");
        return NULL;
    }
    if (!object_of(rd, j, where, keys))
        return s;
    s->pkgdir = get_str(rd, j, "package", where);
    s->name = get_str(rd, j, "name", where);
    s->version = get_str(rd, j, "version", where);
    s->seen_as = get_str(rd, j, "seen_as", where);
    s->seen_note = get_str(rd, j, "seen_note", where);
    s->asked = get_bool(rd, j, "observed", where);
    /* The top level is the answer that decided: the runtime's for the require and binding-module
     * steps, else the rules'. A report without "step" is from before steps were named. */
    if (cJSON_GetObjectItemCaseSensitive(j, "step")) {
        int step = get_name(rd, j, "step", where, sel_step_names, "a selection step");
        if (step >= 0)
            s->step = (sel_step)step;
    } else {
        const char *rule = get_str(rd, j, "rule", where);
        s->step = rule && strcmp(rule, "observed") == 0 ? STEP_REQUIRE : STEP_RULES;
    }
    sel_answer *top = s->step == STEP_REQUIRE || s->step == STEP_BINDING ? &s->observed : &s->rules;
    read_answer(rd, j, where, top);
    int outcome = get_name(rd, j, "outcome", where, sel_outcome_names, "an outcome");
    if (outcome >= 0)
        top->outcome = (sel_outcome)outcome;
    s->stand_in = get_bool(rd, j, "stand_in", where);
    s->stand_in_threw = get_bool(rd, j, "stand_in_threw", where);
    s->load_error = get_str(rd, j, "load_error", where);
    s->note = get_str(rd, j, "note", where);
    void *mem;
    const cJSON *asked = get_array(rd, j, "asked", where, sizeof(sel_ask), &mem, &s->nasks);
    s->asks = mem;
    static const char *const ask_keys[] = {"file",      "from", "via",     "ok",      "message",
                                           "predicted", "own",  "copy_of", "binding", NULL};
    size_t i = 0;
    for (const cJSON *e = asked ? asked->child : NULL; e && !rd->failed; e = e->next, i++) {
        if (!object_of(rd, e, where, ask_keys))
            break;
        s->asks[i].file = get_str(rd, e, "file", where);
        s->asks[i].from = get_str(rd, e, "from", where);
        s->asks[i].via = get_str(rd, e, "via", where);
        s->asks[i].ok = get_bool(rd, e, "ok", where);
        s->asks[i].message = get_str(rd, e, "message", where);
        s->asks[i].predicted = get_bool(rd, e, "predicted", where);
        s->asks[i].own = get_bool(rd, e, "own", where);
        s->asks[i].copy_of = get_str(rd, e, "copy_of", where);
        s->asks[i].binding = get_str(rd, e, "binding", where);
    }
    s->mapped_known = cJSON_GetObjectItemCaseSensitive(j, "mapped") != NULL;
    s->mapped = get_strings(rd, j, "mapped", where, &s->nmapped);
    s->missing_platform = get_strings(rd, j, "missing_platform", where, &s->nmissing_platform);
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(j, "rules");
    static const char *const rules_keys[] = {"rule", "rule_why", "chosen", "none_why", "outcome", "candidates", NULL};
    if (rules && object_of(rd, rules, where, rules_keys) && top != &s->rules) {
        read_answer(rd, rules, where, &s->rules);
        if (cJSON_GetObjectItemCaseSensitive(rules, "outcome")) {
            int o = get_name(rd, rules, "outcome", where, sel_outcome_names, "an outcome");
            if (o >= 0)
                s->rules.outcome = (sel_outcome)o;
        } else {
            s->rules.outcome = s->rules.chosen ? SEL_CHOSEN : SEL_NONE;
        }
    }
    s->differs = get_str(rd, j, "differs", where);
    return s;
}

static void read_check(reader *rd, const cJSON *j, check *k, const char *where)
{
    static const char *const keys[] = {"id",     "status",  "message",   "hint",     "value", "details",        "first",
                                       "counts", "missing", "libraries", "versions", "ended", "loader_message", NULL};
    if (!object_of(rd, j, where, keys))
        return;
    int id = get_name(rd, j, "id", where, check_id_names, "a check id");
    if (id >= 0)
        k->id = (check_id)id;
    get_status(rd, j, "status", where, &k->status);
    k->message = get_str(rd, j, "message", where);
    k->hint = get_str(rd, j, "hint", where);
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(j, "value");
    if (value) {
        char *text = cJSON_PrintUnformatted(value);
        k->value_json = report_strdup(rd->r, text);
        cJSON_free(text);
    }
    k->details.v = get_strings(rd, j, "details", where, &k->details.n);
    k->details.cap = k->details.n;
    if (cJSON_GetObjectItemCaseSensitive(j, "libraries"))
        k->libs = get_libraries(rd, j, where, &k->nlibs);
    if (cJSON_GetObjectItemCaseSensitive(j, "versions"))
        k->gaps = get_gaps(rd, j, where, &k->ngaps);
    const cJSON *ended = cJSON_GetObjectItemCaseSensitive(j, "ended");
    static const char *const ended_keys[] = {"process", "stderr", NULL};
    if (ended && object_of(rd, ended, where, ended_keys) && (k->ended = report_alloc(rd->r, sizeof *k->ended))) {
        k->ended->process = get_str(rd, ended, "process", where);
        k->ended->stderr_line = get_str(rd, ended, "stderr", where);
    }
    k->loader_message = get_str(rd, j, "loader_message", where);
    k->first = get_str(rd, j, "first", where);
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(j, "counts");
    static const char *const cnt_keys[] = {"load", "call", "stub", "by_group", NULL};
    if (cnt && object_of(rd, cnt, where, cnt_keys)) {
        k->nload = (unsigned)get_count(rd, cnt, "load", where);
        k->ncall = (unsigned)get_count(rd, cnt, "call", where);
        k->nstub = (unsigned)get_count(rd, cnt, "stub", where);
        get_groups(rd, cnt, "by_group", where, k->missing_by_group);
    }
    void *mem;
    const cJSON *arr = get_array(rd, j, "missing", where, sizeof(missing_sym), &mem, &k->nmissing);
    k->missing = mem;
    static const char *const m_keys[] = {"name",        "demangled", "group",       "when",
                                         "resolved_to", "version",   "required_by", NULL};
    size_t i = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e && !rd->failed; e = e->next, i++) {
        if (!object_of(rd, e, where, m_keys))
            break;
        missing_sym *m = &k->missing[i];
        m->name = get_str(rd, e, "name", where);
        m->demangled = get_str(rd, e, "demangled", where);
        int g = get_name(rd, e, "group", where, result_group_names, "a symbol group");
        m->group = g >= 0 ? (sym_group)g : SYMGROUP_OTHER;
        int w = get_name(rd, e, "when", where, sym_when_names, "a time");
        m->when = w >= 0 ? (sym_when)w : WHEN_LOAD;
        m->resolved_to = get_str(rd, e, "resolved_to", where);
        m->version = get_str(rd, e, "version", where);
        m->required_by = get_str(rd, e, "required_by", where);
    }
}

static void read_result(reader *rd, const cJSON *j, size_t index)
{
    char where[64];
    snprintf(where, sizeof where, "results[%zu]", index);
    static const char *const keys[] = {"addon",   "runtime",      "selection", "unreferenced", "unreferenced_why",
                                       "verdict", "runtime_name", "expected",  "checks",       "target",
                                       NULL};
    result *res = report_add(rd->r);
    if (!res) {
        fail(rd, where, "out of memory");
        return;
    }
    if (!object_of(rd, j, where, keys))
        return;
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "addon")))
        res->addon = read_addon(rd, v, where);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "runtime")))
        res->runtime = intern_runtime(rd, v, where);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "selection")))
        res->sel = read_selection(rd, v, where);
    res->target = get_str(rd, j, "target", where);
    res->rt_name = get_str(rd, j, "runtime_name", where);
    res->unreferenced_why = get_str(rd, j, "unreferenced_why", where);
    /* What it is follows from what it has, the way json.c writes each kind. */
    res->kind = cJSON_GetObjectItemCaseSensitive(j, "verdict") ? RESULT_PAIR
                : get_bool(rd, j, "unreferenced", where)       ? RESULT_UNREFERENCED
                : res->sel                                     ? RESULT_SELECTION
                : res->addon                                   ? RESULT_ADDON
                                                               : RESULT_RUNTIME;
    if (res->kind == RESULT_PAIR)
        get_status(rd, j, "verdict", where, &res->verdict);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "expected");
    static const char *const e_keys[] = {"verdict", "reason", "outcome", NULL};
    if (e && object_of(rd, e, where, e_keys)) {
        res->expect_set = true;
        const char *ev = get_str(rd, e, "verdict", where);
        if (!ev || (strcmp(ev, "fail") != 0 && strcmp(ev, "pass") != 0))
            fail(rd, where, "expected.verdict is neither \"pass\" nor \"fail\"");
        res->expected_fail = ev && strcmp(ev, "fail") == 0;
        res->expect_reason = get_str(rd, e, "reason", where);
    }
    size_t n;
    const cJSON *checks = get_array(rd, j, "checks", where, 0, NULL, &n);
    if (n > RESULT_MAX_CHECKS) {
        fail(rd, where, "%zu checks, more than the %d a result can hold", n, RESULT_MAX_CHECKS);
        return;
    }
    if (n && !(res->checks = report_alloc(rd->r, n * sizeof *res->checks))) {
        fail(rd, where, "out of memory");
        return;
    }
    size_t i = 0;
    for (const cJSON *c = checks ? checks->child : NULL; c && !rd->failed; c = c->next, i++) {
        char cw[96];
        snprintf(cw, sizeof cw, "%s.checks[%zu]", where, i);
        read_check(rd, c, &res->checks[i], cw);
        res->nchecks = i + 1;
    }
    /* Absent where json.c writes it, a target groups the text report by its addon or package. */
    if (!res->target)
        res->target = res->sel && res->sel->pkgdir ? res->sel->pkgdir : res->addon ? res->addon->path : NULL;
}

int report_read_json(report *r, report_interns *seen, const char *text, size_t len, report_input *in, char *err,
                     size_t errlen)
{
    reader rd = {r, seen, err, errlen, false};
    memset(in, 0, sizeof *in);
    in->exit_status = -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        snprintf(err, errlen, "not JSON (near byte %zu)", end && end >= text ? (size_t)(end - text) : (size_t)0);
        return -1;
    }
    while (end && (size_t)(end - text) < len && strchr(" \t\r\n", *end))
        end++;
    if (end && (size_t)(end - text) < len) {
        snprintf(err, errlen, "text after the JSON report (byte %zu)", (size_t)(end - text));
        cJSON_Delete(root);
        return -1;
    }
    static const char *const keys[] = {"schema",  "tool",   "command",         "note",        "verdict",     "summary",
                                       "results", "inputs", "default_runtime", "exit_status", "uncontained", NULL};
    if (object_of(&rd, root, "report", keys)) {
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
        if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "abiprobe/1") != 0)
            fail(&rd, "schema", "not an abiprobe/1 report");
        const cJSON *tool = cJSON_GetObjectItemCaseSensitive(root, "tool");
        static const char *const tool_keys[] = {"name", "version", NULL};
        if (tool && object_of(&rd, tool, "tool", tool_keys))
            in->tool_version = get_str(&rd, tool, "version", "tool");
        in->command = get_str(&rd, root, "command", "report");
        in->note = get_str(&rd, root, "note", "report");
        in->default_runtime = get_str(&rd, root, "default_runtime", "report");
        in->uncontained = get_str(&rd, root, "uncontained", "report");
        in->exit_status = (int)get_int(&rd, root, "exit_status", "report");
        size_t n, before = r->nresults;
        const cJSON *results = get_array(&rd, root, "results", "report", 0, NULL, &n);
        if (!results && !rd.failed)
            fail(&rd, "report", "no \"results\" array");
        size_t i = 0;
        for (const cJSON *e = results ? results->child : NULL; e && !rd.failed; e = e->next, i++)
            read_result(&rd, e, i);
        in->nresults = r->nresults - before;
    }
    cJSON_Delete(root);
    return rd.failed ? -1 : 0;
}
