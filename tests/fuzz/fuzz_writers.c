/* tests/fuzz/fuzz_writers.c — libFuzzer target: hostile names and symbol strings through every
 * report writer. The input is split at NUL bytes into a file name, a package name, a message,
 * a detail, a symbol, a reason; a report is built from them and written as text (with and
 * without colour), JSON, JUnit, GitHub commands and Markdown. Text, JUnit, GitHub and Markdown
 * must come out as clean UTF-8 with no control byte but newline and tab (colour: only its own
 * sequences); JSON must parse. */
#define _GNU_SOURCE
#include "report/clean.h"
#include "report/report.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *field(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
    char *s = strndup((const char *)*p, n);
    *p = z ? z + 1 : end;
    return s;
}

static char *render(report_writer w, const report *r, bool color, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    report_opts o = {color, 1, "fuzz"};
    w(r, &o, f);
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *f[6];
    for (int i = 0; i < 6; i++)
        f[i] = field(&p, end);
    report r;
    report_init(&r, "check");
    result *res = report_add(&r);
    addon_facts *af = report_alloc(&r, sizeof *af);
    runtime_facts *rt = report_alloc(&r, sizeof *rt);
    selection *sel = report_alloc(&r, sizeof *sel);
    if (!res || !af || !rt || !sel)
        goto done;
    af->path = report_strdup(&r, f[0]);
    af->kind = "v8";
    af->modules = af->napi_version = -1;
    rt->path = rt->exe = report_strdup(&r, f[0]);
    rt->kind = "bun";
    rt->engine = "jsc";
    rt->version = report_strdup(&r, f[1]);
    rt->modules = rt->napi = -1;
    sel->pkgdir = report_strdup(&r, f[0]);
    sel->name = report_strdup(&r, f[1]);
    sel->step = STEP_REQUIRE;
    sel->asked = true;
    sel->observed.rule = "observed";
    sel->observed.rule_why = report_strdup(&r, f[2]);
    sel->observed.chosen = report_printf(&r, "%s/%s", f[0], f[3]);
    res->addon = af;
    res->runtime = rt;
    res->sel = sel;
    res->target = af->path;
    res->rt_name = report_strdup(&r, f[1]);
    res->expect_set = f[5][0] != 0;
    res->expected_fail = true;
    res->expect_reason = report_strdup(&r, f[5]);
    check *k = report_add_check(&r, res, CHECK_SELECT, STATUS_PASS, "%s", f[2]);
    check *s = report_add_check(&r, res, CHECK_SYMBOLS, STATUS_FAIL, "%s", f[2]);
    if (!k || !s)
        goto done;
    report_check_detail(&r, k, "%s", f[3]);
    k->hint = report_strdup(&r, f[5]);
    missing_sym *m = report_alloc(&r, sizeof *m);
    if (m) {
        m->name = report_strdup(&r, f[4]);
        m->demangled = report_strdup(&r, f[4]);
        m->group = SYMGROUP_V8;
        m->when = WHEN_LOAD;
        m->required_by = af->path;
        s->missing = m;
        s->nmissing = 1;
        s->nload = 1;
        s->first = m->demangled;
    }
    s->hint = report_strdup(&r, f[5]);
    result_settle(res);
    static const char *const formats[] = {"text", "junit", "github", "markdown"};
    for (size_t i = 0; i < 4; i++)
        for (int color = 0; color < 2; color++) {
            size_t n = 0;
            char *out = render(report_writer_for(formats[i]), &r, color && i == 0, &n);
            if (out && (strlen(out) != n || !clean_is_clean(out, CLEAN_NEWLINES | (color && i == 0 ? CLEAN_SGR : 0))))
                __builtin_trap(); /* a control byte or invalid UTF-8 got through */
            free(out);
        }
    size_t n = 0;
    char *json = render(report_writer_for("json"), &r, false, &n);
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    if (json && n && !j)
        __builtin_trap();
    cJSON_Delete(j);
    free(json);
done:
    report_free(&r);
    for (int i = 0; i < 6; i++)
        free(f[i]);
    return 0;
}
