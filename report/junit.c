/* report/junit.c — JUnit XML: one testsuite per runtime, one testcase per target. A failure's
 * message is the one-line reason; its body lists the failing checks with their details,
 * including the first missing symbols. `error` results are <error>; a declared failure that
 * failed passes, with its reason in properties and system-out (never <skipped>, the signal the
 * original incident hid behind); a stale one is a <failure>. All text is escaped and
 * made valid UTF-8 XML. */
#include "report/clean.h"
#include "report/report.h"

#include <string.h>

/* The XML syntax of text that report/clean.h has already cleaned (valid UTF-8, no controls
 * but tab and newline, which XML 1.0 carries). */
static void xml_run(void *arg, const char *run, size_t n)
{
    FILE *f = arg;
    for (size_t i = 0; i < n; i++) {
        switch (run[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(run[i], f);
        }
    }
}

/* Write s for XML text and attributes: cleaned by the one sanitizer, then escaped. */
static void xml(FILE *f, const char *s)
{
    s = s ? s : "";
    clean_write(s, strlen(s), CLEAN_NEWLINES, xml_run, f);
}

static void body(FILE *f, const result *res)
{
    for (size_t i = 0; i < res->nchecks; i++) {
        const check *k = &res->checks[i];
        if (k->status != STATUS_FAIL && k->status != STATUS_ERROR)
            continue;
        fprintf(f, "%s %s: ", check_id_names[k->id], status_name(k->status));
        xml(f, k->message);
        fputc('\n', f);
        if (k->first) {
            fputs("  ld.so stops at: ", f);
            xml(f, k->first);
            fputc('\n', f);
        }
        for (size_t m = 0; m < k->nmissing && m < 20; m++) {
            fprintf(f, "  missing (%s, %s%s): ", result_group_names[k->missing[m].group],
                    sym_when_names[k->missing[m].when], k->missing[m].resolved_to ? ", stub" : "");
            xml(f, k->missing[m].demangled ? k->missing[m].demangled : k->missing[m].name);
            fputc('\n', f);
        }
        if (k->nmissing > 20)
            fprintf(f, "  … %zu more\n", k->nmissing - 20);
        for (size_t d = 0; d < k->details.n && d < 20; d++) {
            fputs("  ", f);
            xml(f, k->details.v[d]);
            fputc('\n', f);
        }
        if (k->hint) {
            fputs("  what to do: ", f);
            xml(f, k->hint);
            fputc('\n', f);
        }
    }
}

int report_write_junit(const report *r, const report_opts *o, FILE *out)
{
    (void)o;
    report_totals t = report_count(r);
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    size_t nun = 0;
    for (size_t i = 0; i < r->nresults; i++)
        nun += (r->results[i].kind == RESULT_UNREFERENCED) && r->results[i].addon;
    fprintf(out, "<testsuites name=\"abiprobe\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
            t.total + nun, t.fail, t.error, nun);
    /* Suites by runtime, in the order runtimes first appear. */
    for (size_t i = 0; i < r->nresults; i++) {
        const result *lead = &r->results[i];
        if ((lead->kind != RESULT_PAIR) || !lead->runtime)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = (r->results[k].kind == RESULT_PAIR) && r->results[k].runtime == lead->runtime;
        if (seen)
            continue;
        char label[256];
        size_t n = 0, nf = 0, ne = 0;
        for (size_t k = i; k < r->nresults; k++) {
            const result *res = &r->results[k];
            if ((res->kind != RESULT_PAIR) || res->runtime != lead->runtime)
                continue;
            n++;
            nf += (res->verdict == STATUS_FAIL && !result_expected_failure(res)) || result_stale(res);
            ne += res->verdict == STATUS_ERROR;
        }
        fputs("  <testsuite name=\"", out);
        xml(out, result_runtime_label(lead, label, sizeof label));
        fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n", n, nf, ne);
        for (size_t k = i; k < r->nresults; k++) {
            const result *res = &r->results[k];
            if ((res->kind != RESULT_PAIR) || res->runtime != lead->runtime)
                continue;
            char title[256];
            fputs("    <testcase classname=\"abiprobe.", out);
            xml(out, res->runtime->kind);
            fputs("\" name=\"", out);
            xml(out, result_title(res, title, sizeof title));
            fputs("\">\n", out);
            const char *why = result_reason(res, NULL);
            if (result_expected_failure(res)) {
                /* Not <skipped>: a skip is the very signal the original incident hid behind. A
                 * declared failure that fails is a passing case that says what was declared. */
                fputs("      <properties>\n        <property name=\"abiprobe.declared\" value=\"fail\"/>\n"
                      "        <property name=\"abiprobe.reason\" value=\"",
                      out);
                xml(out, res->expect_reason);
                fputs("\"/>\n      </properties>\n      <system-out>failed as declared: ", out);
                xml(out, res->expect_reason);
                fputs("\n", out);
                xml(out, why);
                fputs("</system-out>\n", out);
            } else if (result_stale(res)) {
                fputs("      <failure message=\"declared to fail (", out);
                xml(out, res->expect_reason);
                fputs("), but it passed: the expectation is stale\"/>\n", out);
            } else if (res->verdict == STATUS_FAIL || res->verdict == STATUS_ERROR) {
                const char *tag = res->verdict == STATUS_FAIL ? "failure" : "error";
                fprintf(out, "      <%s message=\"", tag);
                xml(out, why);
                fprintf(out, "\" type=\"%s\">", res->verdict == STATUS_FAIL ? "incompatible" : "not-checked");
                body(out, res);
                fprintf(out, "</%s>\n", tag);
            }
            fputs("    </testcase>\n", out);
        }
        fputs("  </testsuite>\n", out);
    }
    /* .node files nothing reaches get no verdict, but they are listed, as skipped cases. */
    if (nun) {
        fprintf(out,
                "  <testsuite name=\"unreferenced .node files\" tests=\"%zu\" failures=\"0\" errors=\"0\" "
                "skipped=\"%zu\">\n",
                nun, nun);
        for (size_t i = 0; i < r->nresults; i++) {
            const result *res = &r->results[i];
            if ((res->kind != RESULT_UNREFERENCED) || !res->addon)
                continue;
            fputs("    <testcase classname=\"abiprobe.unreferenced\" name=\"", out);
            xml(out, res->addon->path);
            fputs("\">\n      <skipped message=\"no loader of its package reaches this file; no verdict\"/>\n"
                  "    </testcase>\n",
                  out);
        }
        fputs("  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
    return ferror(out) ? -1 : 0;
}
