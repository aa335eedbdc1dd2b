/* report/markdown.c — a Markdown summary: a matrix of targets × runtimes with ✅/❌/⚠️
 * cells, then a short section per failure (the symbol ld.so stops at, counts by group,
 * the selection, the failing checks and what to do). */
#include "report/clean.h"
#include "report/report.h"

#include <string.h>

/* Text safe in a table cell and in Markdown: no pipes, newlines, HTML or backticks. */
/* Markdown syntax of cleaned text (report/clean.h): table pipes, HTML, emphasis and links are
 * escaped, and newlines become spaces so a table cell stays one cell. */
static void md_run(void *arg, const char *run, size_t n)
{
    FILE *f = arg;
    for (size_t i = 0; i < n; i++) {
        switch (run[i]) {
        case '|': fputs("\\|", f); break;
        case '\n':
        case '\r': fputc(' ', f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '`': fputc('\'', f); break;
        case '*':
        case '_':
        case '[':
        case ']':
            fputc('\\', f);
            fputc(run[i], f);
            break;
        default: fputc(run[i], f);
        }
    }
}

static void md(FILE *f, const char *s)
{
    s = s ? s : "";
    clean_write(s, strlen(s), CLEAN_NEWLINES, md_run, f);
}

/* Inside a code span only the backtick and the line breaks need care. */
static void code_run(void *arg, const char *run, size_t n)
{
    FILE *f = arg;
    for (size_t i = 0; i < n; i++)
        fputc(run[i] == '`' ? '\'' : (run[i] == '\n' || run[i] == '\r') ? ' ' : run[i], f);
}

static void code(FILE *f, const char *s)
{
    s = s ? s : "";
    fputc('`', f);
    clean_write(s, strlen(s), CLEAN_NEWLINES, code_run, f);
    fputc('`', f);
}

static bool same_target(const result *a, const result *b)
{
    return a->target && b->target && strcmp(a->target, b->target) == 0;
}

static const char *cell(const result *res)
{
    if (result_expected_failure(res))
        return "❌ declared";
    if (result_stale(res))
        return "✅ stale declaration";
    switch (res->verdict) {
    case STATUS_PASS: return "✅";
    case STATUS_FAIL: return "❌";
    default: return "⚠️";
    }
}

static void failing_checks(FILE *f, const result *res)
{
    for (size_t i = 0; i < res->nchecks; i++) {
        const check *k = &res->checks[i];
        if (k->status != STATUS_FAIL && k->status != STATUS_ERROR && k->status != STATUS_WARN)
            continue;
        fprintf(f, "- %s **%s**: ", k->status == STATUS_FAIL ? "❌" : "⚠️", check_id_names[k->id]);
        md(f, k->message);
        fputc('\n', f);
        if (k->first) {
            const char *shown = k->first;
            for (size_t m = 0; m < k->nmissing; m++)
                if (strcmp(k->missing[m].name, k->first) == 0 && k->missing[m].demangled)
                    shown = k->missing[m].demangled;
            fputs("  - ld.so stops at: ", f);
            code(f, shown);
            fputc('\n', f);
        }
        if (k->nmissing) {
            fputs("  - missing by group:", f);
            const char *sep = " ";
            for (int g = 0; g < SYMGROUP_COUNT; g++)
                if (k->missing_by_group[g]) {
                    fprintf(f, "%s%s %u", sep, result_group_names[g], k->missing_by_group[g]);
                    sep = " · ";
                }
            if (k->nstub)
                fprintf(f, "%sstubs %u", sep, k->nstub);
            fprintf(f, " (%u at load, %u at first call)\n", k->nload, k->ncall);
        }
        for (size_t d = 0; d < k->details.n && d < 5; d++) {
            fputs("  - ", f);
            md(f, k->details.v[d]);
            fputc('\n', f);
        }
        if (k->details.n > 5)
            fprintf(f, "  - … %zu more (the text report with -v, or the JSON report, has them all)\n",
                    k->details.n - 5);
        if (k->hint) {
            fputs("  - what to do: ", f);
            md(f, k->hint);
            fputc('\n', f);
        }
    }
}

int report_write_markdown(const report *r, const report_opts *o, FILE *out)
{
    (void)o;
    report_totals t = report_count(r);
    fprintf(out, "## abiprobe: %s\n\n",
            t.fail    ? "❌ incompatible"
            : t.error ? "⚠️ not all checked"
                      : "✅ compatible");
    /* Columns: runtimes in order of appearance. */
    const result *cols[64];
    size_t ncols = 0;
    for (size_t i = 0; i < r->nresults && ncols < 64; i++) {
        if ((r->results[i].kind != RESULT_PAIR))
            continue;
        bool seen = false;
        for (size_t c = 0; c < ncols && !seen; c++)
            seen = cols[c]->runtime == r->results[i].runtime;
        if (!seen)
            cols[ncols++] = &r->results[i];
    }
    char buf[256];
    fputs("| target |", out);
    for (size_t c = 0; c < ncols; c++) {
        fputc(' ', out);
        md(out, result_runtime_label(cols[c], buf, sizeof buf));
        fputs(" |", out);
    }
    fputs("\n|---|", out);
    for (size_t c = 0; c < ncols; c++)
        fputs("---|", out);
    fputc('\n', out);
    for (size_t i = 0; i < r->nresults; i++) {
        const result *row = &r->results[i];
        if ((row->kind != RESULT_PAIR) ||
            (i > 0 && (r->results[i - 1].kind == RESULT_PAIR) && same_target(&r->results[i - 1], row)))
            continue;
        fputs("| ", out);
        md(out, result_title(row, buf, sizeof buf));
        fputs(" |", out);
        for (size_t c = 0; c < ncols; c++) {
            const char *v = " ";
            for (size_t k = i; k < r->nresults && same_target(&r->results[k], row); k++)
                if (r->results[k].runtime == cols[c]->runtime)
                    v = cell(&r->results[k]);
            fprintf(out, " %s |", v);
        }
        fputc('\n', out);
    }
    fprintf(out, "\n%zu passed, %zu failed", t.pass, t.fail);
    if (t.expected)
        fprintf(out, ", %zu failed as declared", t.expected);
    if (t.error)
        fprintf(out, ", %zu could not be checked", t.error);
    fputs(".\n", out);
    bool header = false;
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        if ((res->kind != RESULT_PAIR) || res->verdict == STATUS_PASS)
            continue;
        if (!header) {
            fputs("\n### Details\n", out);
            header = true;
        }
        char label[256];
        fputs("\n#### ", out);
        md(out, result_title(res, buf, sizeof buf));
        fputs(" on ", out);
        md(out, result_runtime_label(res, label, sizeof label));
        fputc('\n', out);
        if (result_expected_failure(res)) {
            fputs("\nDeclared to fail: ", out);
            md(out, res->expect_reason);
            fputs("\n\n", out);
        }
        if (res->sel && selection_answer(res->sel)->chosen) {
            fputs("- selected: ", out);
            code(out, selection_shown(res->sel));
            fputs(" by ", out);
            md(out, selection_answer(res->sel)->rule);
            if (res->sel->seen_note) {
                fputs(" (", out);
                md(out, res->sel->seen_note);
                fputc(')', out);
            }
            fputc('\n', out);
        }
        failing_checks(out, res);
    }
    bool un = false;
    for (size_t i = 0; i < r->nresults; i++) {
        if ((r->results[i].kind != RESULT_UNREFERENCED))
            continue;
        if (!un) {
            fputs("\n### Unreferenced .node files\n\nThey cannot load on the target, and their package has no "
                  "verdict.\n\n",
                  out);
            un = true;
        }
        fputs("- ", out);
        code(out, r->results[i].addon->path);
        if (r->results[i].unreferenced_why) {
            fputs(": ", out);
            md(out, r->results[i].unreferenced_why);
        }
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}
