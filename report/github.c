/* report/github.c — GitHub Actions workflow commands: ::error for failing and unchecked
 * pairs and stale expectations, ::warning for warnings and unreferenced .node files,
 * ::notice for declared failures.
 * (The Markdown step summary is written by the caller, from report/markdown.c.) */
#include "report/clean.h"
#include "report/report.h"

#include <string.h>

/* The workflow-command syntax of cleaned text: % CR LF always; : and , in properties too. */
typedef struct esc_ctx {
    FILE *f;
    bool property;
} esc_ctx;

static void esc_run(void *arg, const char *run, size_t n)
{
    const esc_ctx *e = arg;
    for (size_t i = 0; i < n; i++) {
        switch (run[i]) {
        case '%': fputs("%25", e->f); break;
        case '\r': fputs("%0D", e->f); break;
        case '\n': fputs("%0A", e->f); break;
        case ':': e->property ? fputs("%3A", e->f) : fputc(':', e->f); break;
        case ',': e->property ? fputs("%2C", e->f) : fputc(',', e->f); break;
        default: fputc(run[i], e->f);
        }
    }
}

/* Write s cleaned by the one sanitizer (report/clean.h), then escaped for a workflow command. */
static void esc(FILE *f, const char *s, bool property)
{
    esc_ctx e = {f, property};
    s = s ? s : "";
    clean_write(s, strlen(s), CLEAN_NEWLINES, esc_run, &e);
}

static void command(FILE *f, const char *kind, const result *res, const char *fmt_a, const char *a, const char *b)
{
    char title[256], label[256], t[600];
    snprintf(t, sizeof t, "abiprobe: %s on %s", result_title(res, title, sizeof title),
             result_runtime_label(res, label, sizeof label));
    /* file= points at what to fix: the package's package.json, or the .node file itself. */
    fprintf(f, "::%s file=", kind);
    if (res->sel && res->sel->pkgdir) {
        esc(f, res->sel->pkgdir, true);
        esc(f, "/package.json", true);
    } else {
        esc(f, res->addon && res->addon->path ? res->addon->path : res->target, true);
    }
    fputs(",title=", f);
    esc(f, t, true);
    fputs("::", f);
    esc(f, fmt_a, false);
    esc(f, a, false);
    if (b) {
        fputs(" — ", f);
        esc(f, b, false);
    }
    fputc('\n', f);
}

int report_write_github(const report *r, const report_opts *o, FILE *out)
{
    (void)o;
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        if ((res->kind == RESULT_UNREFERENCED) && res->addon) {
            /* No verdict, but never out of sight: a .node file nothing reaches. */
            fputs("::warning file=", out);
            esc(out, res->addon->path, true);
            fputs(",title=abiprobe: unreferenced .node file::", out);
            esc(out, res->addon->path, false);
            fputs(": no loader of its package reaches it; it got no verdict\n", out);
            continue;
        }
        if (res->kind != RESULT_PAIR)
            continue;
        const check *k = NULL;
        const char *why = result_reason(res, &k);
        if (result_expected_failure(res))
            command(out, "notice", res, "failed as declared: ", res->expect_reason, why);
        else if (result_stale(res))
            command(out, "error", res,
                    "declared to fail, but it passed (remove the stale expectation): ", res->expect_reason, NULL);
        else if (res->verdict == STATUS_FAIL || res->verdict == STATUS_ERROR) {
            char line[1200];
            int n =
                snprintf(line, sizeof line, "%s%s: %s", res->verdict == STATUS_ERROR ? "could not be checked: " : "",
                         k ? check_id_names[k->id] : "?", why ? why : "");
            /* The symbol a real dlopen names in its "undefined symbol:" message. */
            if (k && k->first && n > 0 && (size_t)n < sizeof line) {
                const char *shown = k->first;
                for (size_t m = 0; m < k->nmissing; m++)
                    if (strcmp(k->missing[m].name, k->first) == 0 && k->missing[m].demangled)
                        shown = k->missing[m].demangled;
                snprintf(line + n, sizeof line - (size_t)n, "; ld.so stops at: %s", shown);
            }
            command(out, "error", res, "", line, k ? k->hint : NULL);
        } else if (k && k->status == STATUS_WARN) {
            char line[1200];
            snprintf(line, sizeof line, "%s: %s", check_id_names[k->id], why);
            command(out, "warning", res, "", line, k->hint);
        }
    }
    report_totals t = report_count(r);
    fprintf(out, "abiprobe: %zu passed, %zu failed", t.pass, t.fail);
    if (t.expected)
        fprintf(out, ", %zu failed as declared", t.expected);
    if (t.error)
        fprintf(out, ", %zu could not be checked", t.error);
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}
