/* report/junit.c — JUnit XML: one testsuite per runtime, one testcase per target. A failure's
 * message is the one-line reason; its body lists the failing checks with their details,
 * including the first missing symbols. `error` results are <error>; a declared failure that
 * failed is <skipped> with its reason; a stale one is a <failure>. All text is escaped and
 * made valid UTF-8 XML. */
#include "report.h"

#include <string.h>

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len = c < 0x80                   ? 1
                 : (c >= 0xc2 && c <= 0xdf) ? 2
                 : (c >= 0xe0 && c <= 0xef) ? 3
                 : (c >= 0xf0 && c <= 0xf4) ? 4
                                            : 0;
    if (!len || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Write s escaped for XML text and attributes; bytes XML 1.0 cannot carry become U+FFFD. */
static void xml(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k = utf8_len(p + i, n - i);
        if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\'')
            fputs("&apos;", f);
        else if (c == '\n' || c == '\t')
            fputc(c, f);
        else if (c < 0x20 || k == 0)
            fputs("\xef\xbf\xbd", f);
        else {
            fwrite(p + i, 1, k, f);
            i += k;
            continue;
        }
        i++;
    }
}

static void body(FILE *f, const result *res)
{
    for (size_t i = 0; i < res->nchecks; i++) {
        const check *k = &res->checks[i];
        if (k->status != STATUS_FAIL && k->status != STATUS_ERROR)
            continue;
        fprintf(f, "%s %s: ", k->id, status_name(k->status));
        xml(f, k->message);
        fputc('\n', f);
        if (k->first) {
            fputs("  ld.so stops at: ", f);
            xml(f, k->first);
            fputc('\n', f);
        }
        for (size_t m = 0; m < k->nmissing && m < 20; m++) {
            fprintf(f, "  missing (%s, %s%s): ", k->missing[m].group, k->missing[m].when,
                    k->missing[m].resolved_to ? ", stub" : "");
            xml(f, k->missing[m].demangled ? k->missing[m].demangled : k->missing[m].name);
            fputc('\n', f);
        }
        if (k->nmissing > 20)
            fprintf(f, "  … %zu more\n", k->nmissing - 20);
        for (size_t d = 0; d < k->ndetails && d < 20; d++) {
            fputs("  ", f);
            xml(f, k->details[d]);
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
        nun += r->results[i].unreferenced && r->results[i].addon;
    fprintf(out, "<testsuites name=\"abiprobe\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
            t.total + nun, t.fail, t.error, t.expected + nun);
    /* Suites by runtime, in the order runtimes first appear. */
    for (size_t i = 0; i < r->nresults; i++) {
        const result *lead = &r->results[i];
        if (!lead->has_verdict || !lead->runtime)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = r->results[k].has_verdict && r->results[k].runtime == lead->runtime;
        if (seen)
            continue;
        char label[256];
        size_t n = 0, nf = 0, ne = 0, ns = 0;
        for (size_t k = i; k < r->nresults; k++) {
            const result *res = &r->results[k];
            if (!res->has_verdict || res->runtime != lead->runtime)
                continue;
            n++;
            nf += (res->verdict == STATUS_FAIL && !result_expected_failure(res)) || result_stale(res);
            ne += res->verdict == STATUS_ERROR;
            ns += result_expected_failure(res);
        }
        fputs("  <testsuite name=\"", out);
        xml(out, result_runtime_label(lead, label, sizeof label));
        fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n", n, nf, ne, ns);
        for (size_t k = i; k < r->nresults; k++) {
            const result *res = &r->results[k];
            if (!res->has_verdict || res->runtime != lead->runtime)
                continue;
            char title[256];
            fputs("    <testcase classname=\"abiprobe.", out);
            xml(out, res->runtime->kind);
            fputs("\" name=\"", out);
            xml(out, result_title(res, title, sizeof title));
            fputs("\">\n", out);
            const char *why = result_reason(res, NULL);
            if (result_expected_failure(res)) {
                fputs("      <skipped message=\"expected failure: ", out);
                xml(out, res->expect_reason);
                fputs("\"/>\n", out);
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
            if (!res->unreferenced || !res->addon)
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
