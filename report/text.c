/* report/text.c — the human report: one block per result, a label column, colour only when
 * the caller asks for it (a TTY without NO_COLOR). */
#define _GNU_SOURCE
#include "report/clean.h"
#include "abi/napi.h"
#include "report/report.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SHOW_SYMBOLS = 10 };

typedef struct out_ctx {
    FILE *f;
    bool color;
    int verbose;
} out_ctx;

static const char *c_on(const out_ctx *c, const char *code) { return c->color ? code : ""; }

#define BOLD(c) c_on(c, "\033[1m")
#define DIM(c) c_on(c, "\033[2m")
#define RED(c) c_on(c, "\033[31m")
#define YELLOW(c) c_on(c, "\033[33m")
#define GREEN(c) c_on(c, "\033[32m")
#define RESET(c) c_on(c, "\033[0m")

/* fprintf for this writer: every %s argument goes through the one sanitizer (report/clean.h),
 * so that nothing from a file (a name with ESC or BEL in it, invalid UTF-8) reaches the
 * terminal as it is; a newline inside one (Node's multi-line loader messages) starts an
 * indented continuation line. It knows the conversions this file uses: %s with '-', a width
 * or *, and a precision .N or .*; %d, %u and %zu. */
static void tprintf(const out_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(const out_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            size_t n = strcspn(p, "%");
            fwrite(p, 1, n, c->f);
            p += n;
            continue;
        }
        p++;
        bool left = false;
        int width = 0, prec = -1;
        if (*p == '-') {
            left = true;
            p++;
        }
        if (*p == '*') {
            width = va_arg(ap, int);
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        bool z = false;
        if (*p == 'z') {
            z = true;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            s = s ? s : "";
            size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
            char *raw = strndup(s, n);
            char *clean = raw ? clean_dup(raw, CLEAN_NEWLINES | (c->color ? CLEAN_SGR : 0)) : NULL;
            const char *out = clean ? clean : "?";
            if (!strchr(out, '\n')) {
                fprintf(c->f, left ? "%-*s" : "%*s", width, out);
            } else {
                for (const char *q = out; *q;) {
                    size_t k = strcspn(q, "\n");
                    fwrite(q, 1, k, c->f);
                    q += k;
                    if (*q == '\n') {
                        q++;
                        q += strspn(q, " \t");
                        fprintf(c->f, "\n%18s", "");
                    }
                }
            }
            free(clean);
            free(raw);
            break;
        }
        case 'd': fprintf(c->f, left ? "%-*d" : "%*d", width, va_arg(ap, int)); break;
        case 'u':
            if (z)
                fprintf(c->f, left ? "%-*zu" : "%*zu", width, va_arg(ap, size_t));
            else
                fprintf(c->f, left ? "%-*u" : "%*u", width, va_arg(ap, unsigned));
            break;
        case '%': fputc('%', c->f); break;
        default: break; /* a conversion this file does not use */
        }
        if (*p)
            p++;
    }
    va_end(ap);
}

static void label(const out_ctx *c, const char *name) { tprintf(c, "  %s%-9s%s ", DIM(c), name, RESET(c)); }

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s && s[1] ? s + 1 : path ? path : "?";
}

/* "v8 290 · node 4 · ..." for the non-zero groups. */
static void group_line(const out_ctx *c, const unsigned *counts)
{
    bool first = true;
    for (int g = 0; g < SYMGROUP_COUNT; g++) {
        if (!counts[g])
            continue;
        tprintf(c, "%s%s %u", first ? "" : " · ", result_group_names[g], counts[g]);
        first = false;
    }
    if (first)
        fputs("none", c->f);
}

static void print_imports(const out_ctx *c, const addon_facts *a)
{
    for (int g = 0; g < SYMGROUP_COUNT; g++) {
        if (!a->imports_by_group[g])
            continue;
        tprintf(c, "            %s%s%s (%u)\n", BOLD(c), result_group_names[g], RESET(c), a->imports_by_group[g]);
        unsigned shown = 0;
        for (size_t i = 0; i < a->nimports; i++) {
            const sym_entry *s = &a->imports[i];
            if ((int)s->group != g)
                continue;
            if (!c->verbose && shown == SHOW_SYMBOLS) {
                tprintf(c, "              … %u more (-v lists them all)\n", a->imports_by_group[g] - shown);
                break;
            }
            shown++;
            tprintf(c, "              %s", s->demangled ? s->demangled : s->name);
            if (s->version)
                tprintf(c, " %s@%s%s", DIM(c), s->version, RESET(c));
            if (s->weak)
                tprintf(c, " %s(weak)%s", DIM(c), RESET(c));
            fputc('\n', c->f);
        }
    }
}

static void print_addon(const out_ctx *c, const addon_facts *a)
{
    tprintf(c, "%s%s%s\n", BOLD(c), base_name(a->path), RESET(c));
    label(c, "path");
    tprintf(c, "%s\n", a->path);
    if (a->error) {
        label(c, "format");
        if (a->format_desc)
            tprintf(c, "%s · %s\n", a->format_desc, a->machine);
        else
            tprintf(c, "%s\n", a->format);
        label(c, "error");
        tprintf(c, "%s%s%s\n", RED(c), a->error, RESET(c));
        return;
    }
    label(c, "format");
    tprintf(c, "%s · %s · OS ABI %s\n", a->format_desc, a->machine, a->osabi);
    label(c, "kind");
    tprintf(c, "%s", a->kind);
    if (a->registration)
        tprintf(c, " · registers by %s (%s)", a->registration, a->entry);
    if (a->modules >= 0) {
        tprintf(c, " · modules %d", a->modules);
        if (a->modules_registry)
            tprintf(c, " (%s)", a->modules_registry);
    }
    fputc('\n', c->f);
    label(c, "napi");
    if (a->napi_version == NAPI_VERSION_EXPERIMENTAL_ID)
        fputs("declares NAPI_VERSION_EXPERIMENTAL\n", c->f);
    else if (a->napi_version >= 0)
        tprintf(c, "declares version %d\n", a->napi_version);
    else
        tprintf(c, "%s\n", a->napi_version_note ? a->napi_version_note : "no declared version");
    label(c, "libc");
    tprintf(c, "%s", a->libc);
    if (a->max_glibc || a->max_glibcxx || a->max_cxxabi) {
        fputs(" · requires", c->f);
        const char *v[] = {a->max_glibc, a->max_glibcxx, a->max_cxxabi};
        for (int i = 0; i < 3; i++)
            if (v[i])
                tprintf(c, " %s", v[i]);
    }
    fputc('\n', c->f);
    label(c, "needed");
    for (size_t i = 0; i < a->nneeded; i++)
        tprintf(c, "%s%s", i ? ", " : "", a->needed[i]);
    fputs(a->nneeded ? "\n" : "none\n", c->f);
    for (size_t i = 0; i < a->nlibs; i++) { /* -v: how ld.so finds each one */
        const lib_found *lf = &a->libs[i];
        const char *by = strrchr(lf->needed_by, '/') ? strrchr(lf->needed_by, '/') + 1 : lf->needed_by;
        if (lf->path)
            tprintf(c, "  %s => %s (%s; needed by %s)\n", lf->name, lf->path, lf->via, by);
        else
            tprintf(c, "  %s => %snot found%s (needed by %s; looked in %s)\n", lf->name, RED(c), RESET(c), by,
                    lf->searched);
    }
    if (a->rpath || a->runpath) {
        label(c, a->runpath ? "runpath" : "rpath");
        tprintf(c, "%s\n", a->runpath ? a->runpath : a->rpath);
    }
    if (a->bind_now) {
        label(c, "binding");
        fputs("BIND_NOW: every symbol is resolved at load\n", c->f);
    }
    if (a->elf_note) {
        label(c, "headers");
        tprintf(c, "%s%s%s\n", YELLOW(c), a->elf_note, RESET(c));
    }
    label(c, "imports");
    tprintf(c, "%zu: ", a->nimports);
    group_line(c, a->imports_by_group);
    fputc('\n', c->f);
    if (c->verbose)
        print_imports(c, a);
    label(c, "exports");
    tprintf(c, "%zu\n", a->nexports);
}

/* "V8 13.6" from "13.6.233.17-node.53". */
static void short_version(char *buf, size_t n, const char *v)
{
    int len = 0, dots = 0;
    while (v[len] && (v[len] != '.' || ++dots < 2) && (size_t)len + 1 < n)
        len++;
    snprintf(buf, n, "%.*s", len, v);
}

/* "bun 1.4.4 · JavaScriptCore, reports node 26.3.0 / modules 147" (no newline). */
static void runtime_title(const out_ctx *c, const runtime_facts *rt)
{
    const char *engine = strcmp(rt->engine, "jsc") == 0  ? "JavaScriptCore"
                         : strcmp(rt->engine, "v8") == 0 ? "V8"
                                                         : "engine unknown";
    tprintf(c, "%s%s %s%s · %s", BOLD(c), rt->kind,
            rt->product_version ? rt->product_version
            : rt->version       ? rt->version
                                : "(version unknown)",
            RESET(c), engine);
    if (strcmp(rt->engine, "v8") == 0 && rt->engine_version) {
        char sv[32];
        short_version(sv, sizeof sv, rt->engine_version);
        tprintf(c, " %s", sv);
    }
    if (rt->product_version && rt->version)
        tprintf(c, ", reports node %s / modules %d", rt->version, rt->modules);
    else if (rt->modules >= 0)
        tprintf(c, ", modules %d", rt->modules);
}

static void print_runtime(const out_ctx *c, const runtime_facts *rt)
{
    bool bun = strcmp(rt->kind, "bun") == 0;
    runtime_title(c, rt);
    fputc('\n', c->f);
    label(c, "path");
    tprintf(c, "%s", rt->path);
    if (rt->exe && strcmp(rt->exe, rt->path) != 0)
        tprintf(c, " → %s", rt->exe);
    fputc('\n', c->f);
    label(c, "engine");
    tprintf(c, "%s", rt->engine);
    if (rt->engine_version)
        tprintf(c, bun ? " (WebKit %s)" : " %s", rt->engine_version);
    if (bun)
        tprintf(c, " · reports v8 %s, but runs JavaScriptCore with a partial V8 shim", rt->v8 ? rt->v8 : "(none)");
    fputc('\n', c->f);
    label(c, "abi");
    if (rt->modules >= 0)
        tprintf(c, "modules %d%s%s%s", rt->modules, rt->registry ? " (" : "", rt->registry ? rt->registry : "",
                rt->registry ? ")" : "");
    else
        fputs("modules unknown", c->f);
    if (rt->napi >= 0)
        tprintf(c, " · napi %d", rt->napi);
    if (rt->uv)
        tprintf(c, " · uv %s", rt->uv);
    fputc('\n', c->f);
    label(c, "binary");
    tprintf(c, "%s · %s%s · exports %zu: ", rt->machine ? rt->machine : "?", rt->libc ? rt->libc : "?",
            rt->library ? " · shared library" : "", rt->nexports);
    group_line(c, rt->exports_by_group);
    fputc('\n', c->f);
    label(c, "facts");
    tprintf(c, "%s\n", rt->facts_from == FACTS_RUNTIME ? "from the runtime itself and its ELF" : "from its ELF alone");
    if (rt->note) {
        label(c, "note");
        tprintf(c, "%s%s%s\n", YELLOW(c), rt->note, RESET(c));
    }
    if (rt->error) {
        label(c, "error");
        tprintf(c, "%s%s%s\n", RED(c), rt->error, RESET(c));
    }
}

/* ---------- check results ---------- */

static const char *mark(const out_ctx *c, status st, const char **color)
{
    switch (st) {
    case STATUS_PASS: *color = GREEN(c); return "✓";
    case STATUS_FAIL: *color = RED(c); return "✗";
    case STATUS_ERROR: *color = YELLOW(c); return "!";
    case STATUS_WARN: *color = YELLOW(c); return "⚠";
    case STATUS_SKIP: *color = DIM(c); return "–";
    }
    *color = "";
    return "?";
}

/* Columns a UTF-8 string takes (one per code point; good enough for these labels). */
static size_t cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

enum { CHECK_INDENT = 6, LINE_WIDTH = 118 };

/* Passing and skipped checks share lines: "format ✓ x86_64 ELF shared object   libc ✓ glibc". */
typedef struct packer {
    const out_ctx *c;
    size_t col;
} packer;

static void pack_flush(packer *p)
{
    if (p->col) {
        fputc('\n', p->c->f);
        p->col = 0;
    }
}

static void pack_add(packer *p, const check *k)
{
    const char *color;
    const char *m = mark(p->c, k->status, &color);
    size_t w = strlen(check_id_names[k->id]) + 3 + cols(k->message ? k->message : "");
    if (p->col && p->col + 4 + w > LINE_WIDTH)
        pack_flush(p);
    if (!p->col) {
        tprintf(p->c, "%*s", CHECK_INDENT, "");
        p->col = CHECK_INDENT;
    } else {
        fputs("    ", p->c->f);
        p->col += 4;
    }
    tprintf(p->c, "%s%s%s %s%s%s %s", DIM(p->c), check_id_names[k->id], RESET(p->c), color, m, RESET(p->c),
            k->message ? k->message : "");
    p->col += w;
}

static const char *sym_text(const missing_sym *m) { return m->demangled ? m->demangled : m->name; }

static void print_missing(const out_ctx *c, const check *k)
{
    const int ind = CHECK_INDENT + 12;
    if (k->first) {
        const char *shown = k->first;
        for (size_t i = 0; i < k->nmissing; i++)
            if (strcmp(k->missing[i].name, k->first) == 0)
                shown = sym_text(&k->missing[i]);
        tprintf(c, "%*sld.so stops at: %s\n", ind, "", shown);
    } else if (k->nload + k->ncall) {
        tprintf(c, "%*sloads, then dies at the first call of any of these\n", ind, "");
    }
    tprintf(c, "%*s", ind, "");
    bool more = k->nstub > 10;
    for (int g = 0; g < SYMGROUP_COUNT; g++)
        more = more || k->missing_by_group[g] > SHOW_SYMBOLS;
    if (k->nload + k->ncall)
        group_line(c, k->missing_by_group);
    if (k->nstub) {
        tprintf(c, "%sstub %u (", k->nload + k->ncall ? " · " : "", k->nstub);
        unsigned shown = 0;
        for (size_t i = 0; i < k->nmissing && shown < 10; i++)
            if (k->missing[i].resolved_to)
                tprintf(c, "%s%s", shown++ ? ", " : "", k->missing[i].name);
        tprintf(c, "%s)", k->nstub > shown ? ", …" : "");
    }
    if (!c->verbose && more)
        fputs("      -v lists them all", c->f);
    fputc('\n', c->f);
    for (int g = 0; g < SYMGROUP_COUNT; g++) {
        if (!k->missing_by_group[g])
            continue;
        tprintf(c, "%*s%s (%u)\n", ind, "", result_group_names[g], k->missing_by_group[g]);
        unsigned shown = 0;
        for (size_t i = 0; i < k->nmissing; i++) {
            const missing_sym *m = &k->missing[i];
            if (m->resolved_to || (int)m->group != g)
                continue;
            if (!c->verbose && shown == SHOW_SYMBOLS) {
                tprintf(c, "%*s… %u more\n", ind + 2, "", k->missing_by_group[g] - shown);
                break;
            }
            shown++;
            tprintf(c, "%*s%s%s%s %s%s%s\n", ind + 2, "", sym_text(m), m->version ? "@" : "",
                    m->version ? m->version : "", DIM(c), sym_when_names[m->when], RESET(c));
        }
    }
}

static void print_check_block(const out_ctx *c, const check *k)
{
    const char *color;
    const char *m = mark(c, k->status, &color);
    tprintf(c, "%*s%s%-9s%s %s%s%s %s\n", CHECK_INDENT, "", DIM(c), check_id_names[k->id], RESET(c), color, m, RESET(c),
            k->message ? k->message : "");
    /* napi's missing functions are the symbols check's too, and its message names them. */
    if (k->nmissing && (k->id != CHECK_NAPI || c->verbose))
        print_missing(c, k);
    size_t limit = c->verbose ? k->details.n : (k->details.n < SHOW_SYMBOLS ? k->details.n : SHOW_SYMBOLS);
    /* A single detail that the message already quotes is not repeated. */
    bool quoted = k->details.n == 1 && k->message && strstr(k->message, k->details.v[0]);
    for (size_t i = 0; i < limit && !quoted; i++)
        tprintf(c, "%*s%s\n", CHECK_INDENT + 12, "", k->details.v[i]);
    if (limit < k->details.n)
        tprintf(c, "%*s… %zu more (-v lists them all)\n", CHECK_INDENT + 12, "", k->details.n - limit);
    if (k->hint && (k->status == STATUS_FAIL || k->status == STATUS_WARN))
        tprintf(c, "%*s→ %s\n", CHECK_INDENT + 10, "", k->hint);
}

/* A check with nothing but its status and message. */
static bool plain(const check *k) { return !k->details.n && !k->nmissing && !k->hint; }

/* n consecutive plain checks with one status and message: their ids, then the message once. */
static void print_run(const out_ctx *c, const check *k, size_t n)
{
    const char *color;
    const char *m = mark(c, k->status, &color);
    tprintf(c, "%*s%s", CHECK_INDENT, "", DIM(c));
    for (size_t i = 0; i < n; i++)
        tprintf(c, "%s%s", i ? ", " : "", check_id_names[k[i].id]);
    tprintf(c, "%s %s%s%s %s\n", RESET(c), color, m, RESET(c), k->message ? k->message : "");
}

static void print_pair(const out_ctx *c, const result *res)
{
    const char *color;
    const char *m = mark(c, res->verdict, &color);
    tprintf(c, "  %s%s%s ", color, m, RESET(c));
    /* A passing pair is one line (-v shows its checks): the runtime, and which file it loads
     * for a package. */
    bool warned = false;
    for (size_t i = 0; i < res->nchecks; i++)
        warned = warned || res->checks[i].status == STATUS_WARN || res->checks[i].status == STATUS_ERROR;
    if (!c->verbose && res->verdict == STATUS_PASS && !warned && !result_expected_failure(res) && !result_stale(res)) {
        char rl[256];
        result_runtime_label(res, rl, sizeof rl);
        const sel_answer *a = res->sel ? selection_answer(res->sel) : NULL;
        tprintf(c, "%s%s%s", BOLD(c), rl, RESET(c));
        if (a && a->chosen)
            tprintf(c, " %s· %s%s", DIM(c), selection_shown(res->sel), RESET(c));
        fputc('\n', c->f);
        return;
    }
    runtime_title(c, res->runtime);
    fputc('\n', c->f);
    if (result_expected_failure(res))
        tprintf(c, "      %sdeclared to fail:%s %s (does not fail the run)\n", YELLOW(c), RESET(c), res->expect_reason);
    else if (result_stale(res))
        tprintf(c, "      %sdeclared to fail (%s), but it passed: the expectation is stale, remove it%s\n", RED(c),
                res->expect_reason, RESET(c));
    /* One reason for every check (an unreadable addon or runtime) is said once. */
    bool same = res->nchecks > 1;
    for (size_t i = 1; i < res->nchecks && same; i++)
        same = res->checks[i].status == res->checks[0].status &&
               strcmp(res->checks[i].message ? res->checks[i].message : "",
                      res->checks[0].message ? res->checks[0].message : "") == 0;
    if (same && res->checks[0].status == STATUS_ERROR) {
        tprintf(c, "%*s%serror%s    %s\n", CHECK_INDENT, "", YELLOW(c), RESET(c), res->checks[0].message);
        return;
    }
    packer p = {c, 0};
    for (size_t i = 0; i < res->nchecks; i++) {
        const check *k = &res->checks[i];
        bool quiet = (k->status == STATUS_PASS || k->status == STATUS_SKIP) && !k->details.n && !k->nmissing;
        if (quiet && k->status == STATUS_SKIP) {
            /* Checks skipped for one and the same reason ("not run: no file selected") say it once. */
            size_t run = 1;
            while (i + run < res->nchecks && plain(&res->checks[i + run]) &&
                   res->checks[i + run].status == STATUS_SKIP &&
                   strcmp(res->checks[i + run].message ? res->checks[i + run].message : "",
                          k->message ? k->message : "") == 0)
                run++;
            if (run > 2) {
                pack_flush(&p);
                print_run(c, res->checks + i, run);
                i += run - 1;
                continue;
            }
        }
        if (quiet) {
            pack_add(&p, k);
        } else {
            pack_flush(&p);
            /* Checks that were not run for one and the same reason say it once. */
            size_t run = 1;
            while (i + run < res->nchecks && plain(k) && plain(&res->checks[i + run]) &&
                   res->checks[i + run].status == k->status &&
                   strcmp(res->checks[i + run].message ? res->checks[i + run].message : "",
                          k->message ? k->message : "") == 0)
                run++;
            if (run > 1) {
                print_run(c, res->checks + i, run);
                i += run - 1;
            } else {
                print_check_block(c, k);
            }
        }
    }
    pack_flush(&p);
}

static void print_candidates(const out_ctx *c, const char *title, const candidate *cands, size_t n)
{
    if (n)
        tprintf(c, "  %s%s%s\n", DIM(c), title, RESET(c));
    for (size_t i = 0; i < n; i++) {
        const candidate *k = &cands[i];
        bool chosen = k->status == CAND_CHOSEN;
        tprintf(c, "      %s%s%s %s  %s%s: %s%s\n", chosen ? GREEN(c) : DIM(c), chosen ? "✓" : "·", RESET(c), k->path,
                DIM(c), cand_status_names[k->status], k->reason, RESET(c));
    }
}

static void print_selection(const out_ctx *c, const result *res)
{
    const selection *s = res->sel;
    const sel_answer *a = selection_answer(s);
    char title[256];
    tprintf(c, "%s%s%s · ", BOLD(c), result_title(res, title, sizeof title), RESET(c));
    runtime_title(c, res->runtime);
    fputc('\n', c->f);
    label(c, "package");
    tprintf(c, "%s\n", s->pkgdir ? s->pkgdir : res->target);
    if (!a->rule) {
        label(c, "error");
        tprintf(c, "%s%s%s\n", RED(c), a->none_why ? a->none_why : "unreadable", RESET(c));
        return;
    }
    label(c, "loader");
    tprintf(c, "%s (%s)\n", a->rule, a->rule_why);
    label(c, "decided");
    tprintf(c, "by %s\n", sel_step_names[s->step]);
    label(c, "sees");
    tprintf(c, "%s\n", s->seen_as);
    if (s->seen_note) {
        label(c, "note");
        tprintf(c, "%s%s%s\n", YELLOW(c), s->seen_note, RESET(c));
    }
    label(c, "chosen");
    if (a->chosen)
        tprintf(c, "%s%s%s\n", GREEN(c), selection_shown(s), RESET(c));
    else
        tprintf(c, "%snone: %s%s\n", RED(c), a->none_why, RESET(c));
    for (size_t i = 0; i < s->nmissing_platform; i++) {
        label(c, "missing");
        tprintf(c, "%s%s%s (a platform package for this target, not installed)\n", RED(c), s->missing_platform[i],
                RESET(c));
    }
    if (s->load_error) {
        label(c, "refused");
        tprintf(c, "%s%s%s\n", RED(c), s->load_error, RESET(c));
    }
    if (s->note) {
        label(c, "note");
        tprintf(c, "%s%s%s\n", YELLOW(c), s->note, RESET(c));
    }
    print_candidates(c, s->asked && a == &s->observed ? "asked for, in order" : "candidates", a->cands, a->ncands);
    if (s->asked && a == &s->observed) {
        label(c, "rules");
        tprintf(c, "%s (%s): %s\n", s->rules.rule ? s->rules.rule : "?", s->rules.rule_why ? s->rules.rule_why : "",
                s->rules.chosen     ? s->rules.chosen
                : s->rules.none_why ? s->rules.none_why
                                    : "no file");
        if (s->differs) {
            label(c, "differs");
            tprintf(c, "%s%s%s\n", YELLOW(c), s->differs, RESET(c));
        }
        print_candidates(c, "the rules' candidates", s->rules.cands, s->rules.ncands);
    } else if (s->asked) {
        print_candidates(c, "asked for, in order", s->observed.cands, s->observed.ncands);
    }
}

/* A runtime that could not be found at all: nothing was checked against it. */
static bool runtime_absent(const runtime_facts *rt) { return rt && !rt->exe && rt->error; }

/* The distinct runtimes of a report's pairs, in order of first appearance, each by a result
 * that has it: one column per runtime (runtime_cmp: the same path, kind and version). Few in
 * any report, so a linear search per result. */
enum { MATRIX_MAX = 32 };
typedef struct rt_cols {
    const result *res[MATRIX_MAX];
    size_t n;
    bool overflow;
} rt_cols;

static size_t col_of(rt_cols *k, const result *res, bool add)
{
    for (size_t i = 0; i < k->n; i++)
        if (!runtime_cmp(k->res[i]->runtime, res->runtime))
            return i;
    if (!add)
        return SIZE_MAX;
    if (k->n == MATRIX_MAX) {
        k->overflow = true;
        return SIZE_MAX;
    }
    k->res[k->n] = res;
    return k->n++;
}

static bool same_target(const result *a, const result *b)
{
    return a->target && b->target && strcmp(a->target, b->target) == 0;
}

/* Runtimes that could not be found, said once at the top, each with how many results it left
 * unchecked; their pairs are not listed one by one. */
static void print_absent(const out_ctx *c, const report *r)
{
    rt_cols absent = {0};
    for (size_t i = 0; i < r->nresults; i++)
        if (r->results[i].kind == RESULT_PAIR && runtime_absent(r->results[i].runtime))
            col_of(&absent, &r->results[i], true);
    for (size_t k = 0; k < absent.n; k++) {
        size_t n = 0;
        for (size_t i = 0; i < r->nresults; i++)
            if (r->results[i].kind == RESULT_PAIR && r->results[i].runtime &&
                !runtime_cmp(r->results[i].runtime, absent.res[k]->runtime))
                n++;
        tprintf(c, "%s!%s %s; nothing was checked against it (%zu result%s could not be checked)\n", YELLOW(c),
                RESET(c), absent.res[k]->runtime->error, n, n == 1 ? "" : "s");
    }
}

/* Targets by runtimes, one cell per pair: what a CI matrix wants to see at the end. */
static void print_matrix(const out_ctx *c, const report *r)
{
    rt_cols k = {0};
    size_t namew = 6;
    char title[256];
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        if (res->kind != RESULT_PAIR || !res->runtime || runtime_absent(res->runtime))
            continue;
        col_of(&k, res, true);
        size_t w = cols(result_title(res, title, sizeof title));
        namew = w > namew ? w : namew;
    }
    if (k.n < 2 || k.overflow)
        return;
    enum { NAME_MAX_COLS = 48 };
    namew = namew > NAME_MAX_COLS ? NAME_MAX_COLS : namew;
    size_t colw[MATRIX_MAX];
    char labels[MATRIX_MAX][256];
    fputc('\n', c->f);
    tprintf(c, "%s%-*s%s", BOLD(c), (int)namew, "target", RESET(c));
    for (size_t j = 0; j < k.n; j++) {
        result_runtime_label(k.res[j], labels[j], sizeof labels[j]);
        colw[j] = cols(labels[j]) > 6 ? cols(labels[j]) : 6;
        tprintf(c, "  %s%-*s%s", BOLD(c), (int)colw[j], labels[j], RESET(c));
    }
    fputc('\n', c->f);
    for (size_t i = 0; i < r->nresults;) {
        const result *res = &r->results[i];
        if (res->kind != RESULT_PAIR || !res->runtime) {
            i++;
            continue;
        }
        /* One row per run of results of one target (a single run and a merge list them so). */
        const result *cell[MATRIX_MAX] = {0};
        size_t end = i;
        for (; end < r->nresults && r->results[end].kind == RESULT_PAIR && same_target(&r->results[end], res); end++) {
            size_t j = r->results[end].runtime ? col_of(&k, &r->results[end], false) : SIZE_MAX;
            if (j != SIZE_MAX)
                cell[j] = &r->results[end];
        }
        if (end == i)
            end = i + 1;
        const char *t = result_title(res, title, sizeof title);
        size_t tw = cols(t);
        if (tw > namew) { /* keep the end of a long name: it is the part that differs */
            for (size_t skip = tw - (namew - 1); skip; skip--) /* whole code points, one pass */
                for (t++; ((unsigned char)*t & 0xc0) == 0x80; t++)
                    ;
            tprintf(c, "…%s", t);
        } else {
            tprintf(c, "%s%*s", t, (int)(namew - tw), "");
        }
        for (size_t j = 0; j < k.n; j++) {
            const char *color = "", *m = "–", *word = "";
            if (cell[j]) {
                m = mark(c, cell[j]->verdict, &color);
                word = result_expected_failure(cell[j]) ? "declared" : status_name(cell[j]->verdict);
            }
            tprintf(c, "  %s%s %-*s%s", color, m, j + 1 < k.n ? (int)colw[j] - 2 : 0, word, RESET(c));
        }
        fputc('\n', c->f);
        i = end;
    }
}

int report_write_text(const report *r, const report_opts *o, FILE *out)
{
    out_ctx c = {out, o->color, o->verbose};
    if (r->uncontained)
        tprintf(&c, "%s!%s package code ran uncontained: %s\n", YELLOW(&c), RESET(&c), r->uncontained);
    print_absent(&c, r);
    const result *heading = NULL; /* the last target whose heading was printed */
    for (size_t i = 0; i < r->nresults; i++) {
        const result *res = &r->results[i];
        if (res->kind == RESULT_UNREFERENCED) {
            if (i == 0 || (r->results[i - 1].kind != RESULT_UNREFERENCED))
                tprintf(&c, "%sunreferenced .node files%s (they cannot load on the target; no verdict)\n", BOLD(&c),
                        RESET(&c));
            tprintf(&c, "  %s%s%s\n", res->addon->path, res->unreferenced_why ? ": " : "",
                    res->unreferenced_why ? res->unreferenced_why : "");
            continue;
        }
        if ((res->kind == RESULT_PAIR) && res->runtime) {
            if (runtime_absent(res->runtime))
                continue; /* said once, at the top */
            /* Consecutive results of one target share its heading. */
            char title[256];
            if (!heading || !same_target(heading, res))
                tprintf(&c, "%s%s%s\n", BOLD(&c), result_title(res, title, sizeof title), RESET(&c));
            heading = res;
            print_pair(&c, res);
            continue;
        }
        heading = NULL;
        if (i)
            fputc('\n', out);
        if (res->kind == RESULT_SELECTION && res->sel)
            print_selection(&c, res);
        else if (res->kind == RESULT_ADDON && res->addon)
            print_addon(&c, res->addon);
        else if (res->kind == RESULT_RUNTIME && res->runtime)
            print_runtime(&c, res->runtime);
    }
    print_matrix(&c, r);
    if (r->note)
        tprintf(&c, "%s\n", r->note);
    if (r->default_runtime)
        tprintf(&c, "runtime: %s, the default (no --runtime was named)\n", r->default_runtime);
    report_totals t = report_count(r);
    if (t.total) {
        tprintf(&c, "%s%zu passed, %zu failed", t.fail || t.error ? RED(&c) : GREEN(&c), t.pass, t.fail);
        if (t.expected)
            tprintf(&c, ", %zu failed as declared", t.expected);
        if (t.stale)
            tprintf(&c, " (%zu of them a stale declaration)", t.stale);
        if (t.error)
            tprintf(&c, ", %zu could not be checked", t.error);
        tprintf(&c, "%s\n", RESET(&c));
    }
    return ferror(out) ? -1 : 0;
}
