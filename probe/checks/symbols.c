/* probe/checks/symbols.c — `symbols`: every non-weak undefined symbol that a relocation of
 * the addon (or of a library it brings in) refers to must resolve in the load scope: the
 * runtime's global scope, then the addon's local scope, first definition wins. A definition
 * that is an abort-on-call stub counts as missing. Each missing symbol is `load` when a
 * relocation resolved at load time needs it (data, absolute, GLOB_DAT, TLS, or any
 * relocation of a BIND_NOW object or on musl), else `call` (a lazy PLT slot). */
#include "probe/checks/checks.h"
#include "abi/machine.h"

#include "probe/symname.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

enum { SEEN = 1, NEED_LOAD = 2, NEED_CALL = 4, MISSING = 8, STUB = 16, IMPORT = 32 };

bool check_reloc_is_lazy(int machine, uint32_t type)
{
    const abi_machine *m = abi_machine_of(machine);
    return m && m->jump_slot && type == m->jump_slot;
}

/* Whether a relocation is bound at the first call (a lazy PLT slot) rather than at load. now:
 * the object binds everything at load (BIND_NOW, or any object on musl): bound_now(). */
static bool bound_now(const elf_obj *o, bool musl) { return musl || elf_obj_bind_now(o); }

static inline bool bound_at_call(int machine, bool now, const elf_rel *r)
{
    return !now && r->plt && check_reloc_is_lazy(machine, r->type);
}

void check_import_needs(const check_ctx *c, size_t entry, uint8_t *st)
{
    const elf_obj *o = scope_elf(c->l, c->s, entry);
    int machine = elf_obj_header(o)->machine;
    bool now = bound_now(o, c->rt->libc && strcmp(c->rt->libc, "musl") == 0);
    size_t nsyms = elf_obj_nsyms(o);
    for (size_t i = 0; i < elf_obj_nrels(o); i++) {
        elf_rel r;
        if (elf_obj_rel(o, i, &r) != 0 || r.sym == 0 || r.sym >= nsyms || !(st[r.sym] & IMPORT_WANTED))
            continue;
        st[r.sym] |= bound_at_call(machine, now, &r) ? IMPORT_AT_CALL : IMPORT_AT_LOAD;
    }
}

/* Report order: stubs after the truly missing, then by group, load-time ones first (they
 * stop the load), then by name. The key packs all but the name, computed once per symbol. */
typedef struct keyed {
    unsigned key;
    missing_sym m;
} keyed;

static unsigned order_key(const missing_sym *m)
{
    return (unsigned)(m->resolved_to != NULL) << 8 | (unsigned)m->group << 1 | (m->when != WHEN_LOAD);
}

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return strcmp(a->m.name, b->m.name);
}

static void sort_missing(missing_sym *ms, size_t n)
{
    keyed *k = malloc(n * sizeof *k);
    if (!k)
        return; /* out of memory: the list stays in relocation order */
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){order_key(&ms[i]), ms[i]};
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n; i++)
        ms[i] = k[i].m;
    free(k);
}

/* Walk one local object's relocations; mark each undefined symbol's needs and resolution. */
static int scan_object(check_ctx *c, size_t entry, uint8_t *st, bool musl, const char **first)
{
    const elf_obj *o = scope_elf(c->l, c->s, entry);
    int machine = elf_obj_header(o)->machine;
    bool now = bound_now(o, musl);
    size_t nsyms = elf_obj_nsyms(o);
    /* Only imports need a definition elsewhere: marking them in one pass over the table
     * costs far less than reading each entry that a relocation names, in relocation order.
     * With none, no relocation needs a lookup. */
    if (elf_obj_mark_imports(o, st, IMPORT) == 0)
        return 0;
    for (size_t i = 0; i < elf_obj_nrels(o); i++) {
        elf_rel r;
        elf_sym s;
        /* Each symbol is read and looked up once, however many relocations name it. */
        if (elf_obj_rel(o, i, &r) != 0 || r.sym == 0 || r.sym >= nsyms || !(st[r.sym] & IMPORT))
            continue;
        uint8_t *f = &st[r.sym];
        if (!(*f & SEEN) && elf_obj_sym(o, r.sym, &s) != 0)
            continue;
        bool lazy = bound_at_call(machine, now, &r);
        *f |= lazy ? NEED_CALL : NEED_LOAD;
        if (!(*f & SEEN)) {
            *f |= SEEN;
            size_t def;
            size_t e = scope_lookup(c->l, c->s, s.name, s.version, &def);
            if (e == SIZE_MAX)
                *f |= MISSING;
            else if (scope_is_stub(c->l, c->s, e, def))
                *f |= MISSING | STUB;
        }
        /* ld.so stops at the first load-time relocation it cannot resolve. */
        if (!lazy && (*f & MISSING) && !(*f & STUB) && !*first && elf_obj_sym(o, r.sym, &s) == 0)
            *first = s.name;
    }
    return 0;
}

status check_symbols(check_ctx *c)
{
    bool musl = c->rt->libc && strcmp(c->rt->libc, "musl") == 0;
    const char *first = NULL;
    size_t cap = 0, n = 0;
    missing_sym *ms = NULL;
    check *k = report_add_check(c->r, c->res, CHECK_SYMBOLS, STATUS_PASS, "all resolved");
    if (!k)
        return STATUS_ERROR;
    /* ld.so relocates a dlopen'ed tree dependencies first, the addon last. */
    for (size_t entry = c->s->n; entry-- > c->s->local_root;) {
        const elf_obj *o = scope_elf(c->l, c->s, entry);
        size_t nsyms = elf_obj_nsyms(o);
        uint8_t *st = calloc(nsyms ? nsyms : 1, 1);
        if (!st) {
            k->status = STATUS_ERROR;
            k->message = "out of memory";
            return STATUS_ERROR;
        }
        scan_object(c, entry, st, musl, &first);
        const char *by = NULL; /* the object's path, copied once for all its missing symbols */
        for (size_t i = 1; i < nsyms; i++) {
            if (!(st[i] & MISSING))
                continue;
            elf_sym s;
            elf_obj_sym(o, i, &s);
            if (report_grow(c->r, &ms, n, &cap, sizeof *ms, 64) != 0) {
                free(st);
                k->status = STATUS_ERROR;
                k->message = "out of memory";
                return STATUS_ERROR;
            }
            if (!by)
                by = report_strdup(c->r, scope_path(c->l, c->s, entry));
            bool stub = st[i] & STUB;
            sym_group g = sym_group_of(s.name, s.ver_file);
            char *owned;
            const char *dm = sym_memo_demangle(c->memo, s.name, &owned);
            ms[n++] = (missing_sym){
                report_strdup(c->r, s.name),
                report_strdup(c->r, dm),
                g,
                stub || !(st[i] & NEED_LOAD) ? WHEN_CALL : WHEN_LOAD,
                stub ? "stub" : NULL,
                report_strdup(c->r, s.version),
                by,
            };
            free(owned);
            if (stub) {
                k->nstub++;
            } else {
                k->missing_by_group[g]++;
                if (st[i] & NEED_LOAD)
                    k->nload++;
                else
                    k->ncall++;
            }
        }
        free(st);
    }
    if (n > 1)
        sort_missing(ms, n);
    k->missing = ms;
    k->nmissing = n;
    k->first = report_strdup(c->r, first);
    unsigned real = k->nload + k->ncall;
    if (!n) {
        k->message = report_printf(c->r, "all resolved in %s and the addon's libraries", c->rt_label);
        return STATUS_PASS;
    }
    k->status = STATUS_FAIL;
    if (real)
        k->message = report_printf(c->r, "%u symbol%s missing from %s (%u at load, %u at first call)", real,
                                   real == 1 ? "" : "s", c->rt_label, k->nload, k->ncall);
    if (real && k->nstub)
        k->message = report_printf(c->r, "%s, %u more only stubs", k->message, k->nstub);
    else if (!real)
        k->message = report_printf(c->r, "%u symbol%s that %s defines only as abort-on-call stubs", k->nstub,
                                   k->nstub == 1 ? "" : "s", c->rt_label);
    if (k->missing_by_group[0] || k->missing_by_group[1])
        k->hint = strcmp(c->rt->engine, "v8") != 0
                      ? "use a runtime with the real V8 API (Node), or an N-API build of the addon"
                      : "the runtime's V8/node API differs from the one the addon was built for: rebuild the addon "
                        "for this runtime";
    else if (k->missing_by_group[2] || k->missing_by_group[3] || k->nstub)
        k->hint = "the runtime does not implement these Node APIs: use Node, or an addon that avoids them";
    else
        k->hint = "nothing in the load scope defines these: the addon was built against another version of the "
                  "runtime or of one of its libraries";
    return STATUS_FAIL;
}
