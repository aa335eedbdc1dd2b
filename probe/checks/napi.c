/* probe/checks/napi.c — `napi`: what the runtime does with the N-API version the addon declares
 * (node_api_module_get_api_version_v1), as measured on real runtimes (abi/napi_declared_table.c),
 * and every imported N-API function exported by the runtime as a real function, not a stub.
 * The version that Node's headers give each imported function (abi/napi_table.c) is information
 * only: a runtime either exports a function, whatever its version, or it does not. */
#include "probe/checks/checks.h"

#include "abi/napi.h"
#include "probe/symname.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

enum { ABSENT = 8, STUB = 16 };

/* The first byte first: this runs over every symbol of the addon. */
static bool is_napi(const char *name)
{
    return name[0] == 'n' && (strncmp(name, "napi_", 5) == 0 || strncmp(name, "node_api_", 9) == 0);
}

/* The imports as Node's headers file them, for the message: "up to N-API 8", "experimental: a, b". */
typedef struct napi_uses {
    size_t nimp, nunknown, nexp;
    int stable;            /* the highest stable version of an imported function, 0 when none */
    const char *exp_names; /* the experimental ones, the first three by name */
} napi_uses;

static const char *version_text(report *r, int v)
{
    return v == NAPI_VERSION_EXPERIMENTAL_ID ? "experimental" : report_printf(r, "%d", v);
}

static const char *uses_text(report *r, const napi_uses *u)
{
    const char *s = u->stable ? report_printf(r, "N-API functions up to version %d", u->stable) : "N-API functions";
    if (u->nexp)
        s = report_printf(r, "%s and experimental %s%s", s, u->exp_names, u->nexp > 3 ? ", …" : "");
    return s;
}

/* The measurement that stands for this runtime: its kind at its version. Electron is Node at
 * the version it embeds, and is never measured here (its npm package downloads at install). */
static const abi_napi_declared *measured_for(const check_ctx *c, const char **as)
{
    const char *kind = c->rt->kind, *version = c->rt->product_version;
    bool electron = kind && strcmp(kind, "electron") == 0, exact;
    if (electron || (kind && strcmp(kind, "node") == 0)) {
        kind = "node";
        version = c->rt->version;
    }
    const abi_napi_declared *m = abi_napi_declared_find(kind, version, &exact);
    if (m)
        *as = report_printf(c->r, "%s on %s %s%s%s", electron ? "inferred from node as measured" : "measured", m->kind,
                            m->version, exact || electron ? "" : ", the nearest version measured",
                            electron ? " (Electron itself is not measured)" : "");
    return m;
}

/* What the declared version does to the load on this runtime; STATUS_PASS with no message
 * when the declaration is nothing to say. */
static status judge_declared(check_ctx *c, int declared, const char **msg, const char **hint)
{
    int have = c->rt->napi;
    const char *as = NULL;
    *msg = *hint = NULL;
    /* 8 is what an addon gets without declaring anything (node_api.h's default, and the
     * version every runtime that reads the declaration assumes): nothing to judge. */
    if (declared < 0 || declared <= 8)
        return STATUS_PASS;
    bool exp = declared == NAPI_VERSION_EXPERIMENTAL_ID;
    if (!exp && have < 0) {
        *msg = report_printf(c->r, NAPI_DECLARES " %d, but %s's N-API version is unknown (it could not be run)",
                             declared, c->rt_label);
        return STATUS_WARN;
    }
    if (!exp && declared <= have)
        return STATUS_PASS;
    const abi_napi_declared *m = measured_for(c, &as);
    const char *what = exp ? "experimental" : report_printf(c->r, "%d", declared);
    const char *above = exp ? "" : report_printf(c->r, ", above %s's N-API %d", c->rt_label, have);
    if (!m) {
        *msg = report_printf(c->r, NAPI_DECLARES " %s%s, and what %s does with that was never measured", what, above,
                             c->rt_label);
        *hint = exp ? "build without NAPI_EXPERIMENTAL to be sure"
                    : report_printf(c->r, "build with NAPI_VERSION %d or lower, or use a runtime with N-API %d", have,
                                    declared);
        return exp ? STATUS_WARN : STATUS_FAIL;
    }
    napi_decl_outcome o = exp ? m->experimental : m->above;
    const char *words = exp ? m->experimental_words : m->above_words;
    const char *said = o == NAPI_DECL_CRASH    ? report_printf(c->r, " (%s)", words)
                       : o == NAPI_DECL_REFUSE ? report_printf(c->r, ": \"%s\"", words)
                                               : "";
    *msg = report_printf(c->r, NAPI_DECLARES " %s%s; %s %s%s, %s", what, above, m->kind, abi_napi_decl_outcome_words(o),
                         said, as);
    if (o == NAPI_DECL_LOAD) {
        if (exp)
            return STATUS_PASS; /* the message says what was measured */
        *hint = report_printf(c->r,
                              "it loads, but %s gives it N-API %d behaviour, not the %d it was built for: build "
                              "with NAPI_VERSION %d",
                              c->rt_label, have, declared, have);
        return STATUS_WARN;
    }
    *hint = exp ? "build without NAPI_EXPERIMENTAL, or use a runtime that accepts it"
                : report_printf(c->r, "build with NAPI_VERSION %d or lower, or use a runtime with N-API %d or later",
                                have, declared);
    return STATUS_FAIL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The N-API imports: how Node's headers file them, and which ones the runtime lacks or has
 * only as stubs (marked in st with ABSENT/STUB and IMPORT_WANTED). */
static void survey(check_ctx *c, uint8_t *st, napi_uses *u, size_t *nmiss)
{
    const elf_obj *o = c->addon;
    const char *exp[3];
    *nmiss = 0;
    for (size_t i = 1; i < elf_obj_nsyms(o); i++) {
        elf_sym s;
        if (!is_napi(elf_obj_sym_name(o, i)) || elf_obj_sym(o, i, &s) != 0 || s.shndx != SHN_UNDEF)
            continue;
        u->nimp++;
        const abi_napi_entry *e = abi_napi_find(s.name);
        if (!e)
            u->nunknown++;
        else if (e->version == NAPI_VERSION_EXPERIMENTAL_ID) {
            if (u->nexp < 3)
                exp[u->nexp] = e->name;
            u->nexp++;
        } else if (e->version > u->stable)
            u->stable = e->version;
        size_t def, ent = scope_lookup(c->l, c->s, s.name, s.version, &def);
        if (ent == SIZE_MAX || ent >= c->s->nglobal) {
            if (s.bind != STB_WEAK) {
                st[i] = IMPORT_WANTED | ABSENT;
                ++*nmiss;
            }
        } else if (scope_is_stub(c->l, c->s, ent, def)) {
            st[i] = IMPORT_WANTED | STUB;
            ++*nmiss;
        }
    }
    size_t ne = u->nexp < 3 ? u->nexp : 3;
    qsort(exp, ne, sizeof *exp, cmp_str);
    u->exp_names = "";
    for (size_t i = 0; i < ne; i++)
        u->exp_names = report_printf(c->r, "%s%s%s", u->exp_names, i ? ", " : "", exp[i]);
}

/* The missing functions as the symbols check lists them: load or call, stubs apart. */
static int list_missing(check_ctx *c, check *k, uint8_t *st)
{
    const elf_obj *o = c->addon;
    size_t cap = 0;
    check_import_needs(c, c->s->local_root, st);
    for (size_t i = 1; i < elf_obj_nsyms(o); i++) {
        if (!(st[i] & (ABSENT | STUB)))
            continue;
        bool stub = st[i] & STUB, load = st[i] & IMPORT_AT_LOAD;
        if (!stub && !(st[i] & (IMPORT_AT_LOAD | IMPORT_AT_CALL)))
            continue; /* no relocation names it: ld.so never looks for it */
        elf_sym s;
        if (elf_obj_sym(o, i, &s) != 0 || report_grow(c->r, &k->missing, k->nmissing, &cap, sizeof *k->missing, 8))
            return -1;
        k->missing[k->nmissing++] = (missing_sym){
            report_strdup(c->r, s.name),
            NULL,
            SYMGROUP_NAPI,
            stub || !load ? WHEN_CALL : WHEN_LOAD,
            stub ? "stub" : NULL,
            report_strdup(c->r, s.version),
            report_strdup(c->r, elf_obj_path(o)),
        };
        if (stub)
            k->nstub++;
        else {
            k->missing_by_group[SYMGROUP_NAPI]++;
            *(load ? &k->nload : &k->ncall) += 1;
            if (load && !k->first)
                k->first = k->missing[k->nmissing - 1].name;
        }
    }
    return 0;
}

/* "node_api_x is not exported by node 20.20.2: the first call fails", or a count and the first names. */
static const char *missing_text(check_ctx *c, const check *k)
{
    unsigned real = k->nload + k->ncall;
    const char *names = "";
    size_t shown = 0;
    for (size_t i = 0; i < k->nmissing && shown < 3; i++)
        if (!k->missing[i].resolved_to)
            names = report_printf(c->r, "%s%s%s", names, shown++ ? ", " : "", k->missing[i].name);
    const char *when = k->nload ? "the load fails" : "the first call fails";
    const char *s = NULL;
    if (real == 1)
        s = report_printf(c->r, "%s is not exported by %s: %s", names, c->rt_label, when);
    else if (real)
        s = report_printf(c->r, "%u N-API functions are not exported by %s (%s%s): %s", real, c->rt_label, names,
                          real > shown ? ", …" : "", when);
    if (k->nstub)
        s = report_printf(c->r, "%s%s%u N-API function%s only abort-on-call stubs in %s", s ? s : "", s ? "; " : "",
                          k->nstub, k->nstub == 1 ? " is" : "s are", c->rt_label);
    return s;
}

status check_napi(check_ctx *c)
{
    const elf_obj *o = c->addon;
    int declared = c->af->napi_version;
    check *k = report_add_check(c->r, c->res, CHECK_NAPI, STATUS_PASS, "no N-API imports");
    if (!k)
        return STATUS_ERROR;
    uint8_t *st = calloc(elf_obj_nsyms(o) ? elf_obj_nsyms(o) : 1, 1);
    if (!st) {
        k->status = STATUS_ERROR;
        k->message = "out of memory";
        return STATUS_ERROR;
    }
    napi_uses u = {0};
    size_t nmiss;
    survey(c, st, &u, &nmiss);
    if (nmiss && list_missing(c, k, st) != 0) {
        free(st);
        k->status = STATUS_ERROR;
        k->message = "out of memory";
        return STATUS_ERROR;
    }
    free(st);
    if (!u.nimp && declared < 0)
        return STATUS_PASS;

    const char *dmsg, *dhint;
    status ds = judge_declared(c, declared, &dmsg, &dhint);
    const char *mmsg = k->nmissing ? missing_text(c, k) : NULL;
    /* The declaration comes first when both it and an import explain a failure. */
    if (ds == STATUS_FAIL || (ds == STATUS_WARN && !mmsg)) {
        k->status = ds;
        k->message = dmsg;
        k->hint = dhint;
        if (mmsg) {
            k->status = STATUS_FAIL;
            report_check_detail(c->r, k, "also: %s", mmsg);
        }
    } else if (mmsg) {
        k->status = STATUS_FAIL;
        k->message = mmsg;
        k->hint = "the runtime does not implement these N-API functions: use a runtime that exports them, or an "
                  "addon built without them";
        if (ds != STATUS_PASS)
            report_check_detail(c->r, k, "also: %s", dmsg);
    } else {
        const char *decl = declared < 0 ? ""
                           : dmsg       ? report_printf(c->r, "; %s", dmsg)
                                        : report_printf(c->r, "; declares N-API %s", version_text(c->r, declared));
        k->message = u.nimp ? report_printf(c->r, "%s, all exported by %s%s", uses_text(c->r, &u), c->rt_label, decl)
                            : report_printf(c->r, "no N-API imports%s", decl);
        k->status = ds;
        k->hint = dhint;
    }
    if (k->status != STATUS_PASS && u.nimp)
        report_check_detail(c->r, k, "imports %zu %s (the versions are Node's headers'; the runtime's exports decide)",
                            u.nimp, uses_text(c->r, &u));
    if (u.nunknown)
        report_check_detail(c->r, k, "%zu imported N-API names are not in Node's headers (newer than the table?)",
                            u.nunknown);
    return k->status;
}
