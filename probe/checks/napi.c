/* probe/checks/napi.c — `napi`: the N-API version the imported functions need (from the
 * table generated from Node's headers) and the version the addon declares, against the
 * runtime's process.versions.napi; and every imported N-API function exported by the
 * runtime as a real function, not a stub. */
#include "probe/checks/checks.h"

#include "abi/napi.h"
#include "probe/symname.h"

#include <elf.h>
#include <string.h>

/* The first byte first: this runs over every symbol of the addon. */
static bool is_napi(const char *name)
{
    return name[0] == 'n' && (strncmp(name, "napi_", 5) == 0 || strncmp(name, "node_api_", 9) == 0);
}

status check_napi(check_ctx *c)
{
    const elf_obj *o = c->addon;
    int need = 0, declared = c->af->napi_version, have = c->rt->napi;
    const char *need_fn = NULL;
    size_t nimp = 0, nabsent = 0, nstub = 0, nunknown = 0;
    check *k = report_add_check(c->r, c->res, CHECK_NAPI, STATUS_PASS, "no N-API imports");
    if (!k)
        return STATUS_ERROR;
    for (size_t i = 1; i < elf_obj_nsyms(o); i++) {
        elf_sym s;
        if (!is_napi(elf_obj_sym_name(o, i)) || elf_obj_sym(o, i, &s) != 0 || s.shndx != SHN_UNDEF)
            continue;
        nimp++;
        const abi_napi_entry *e = abi_napi_find(s.name);
        if (!e)
            nunknown++;
        else if (e->version > need) {
            need = e->version;
            need_fn = e->name;
        }
        /* The runtime's global scope must export it, as a real function. */
        size_t def, ent = scope_lookup(c->l, c->s, s.name, s.version, &def);
        if (ent == SIZE_MAX || ent >= c->s->nglobal) {
            if (s.bind != STB_WEAK) {
                nabsent++;
                report_check_detail(c->r, k, "%s: not exported by %s", s.name, c->rt_label);
            }
        } else if (scope_is_stub(c->l, c->s, ent, def)) {
            nstub++;
            report_check_detail(c->r, k, "%s: only an abort-on-call stub in %s", s.name, c->rt_label);
        }
    }
    if (!nimp && declared < 0)
        return STATUS_PASS;
    const char *ver_need = need == NAPI_VERSION_EXPERIMENTAL_ID ? "experimental" : report_printf(c->r, "%d", need);
    if (have < 0) {
        k->status = STATUS_WARN;
        k->message = report_printf(c->r, "needs N-API %s, but %s's N-API version is unknown (it could not be run)",
                                   ver_need, c->rt_label);
    } else if (need > have) {
        k->status = STATUS_FAIL;
        k->message =
            report_printf(c->r, "needs N-API %s (%s), but %s has N-API %d", ver_need, need_fn, c->rt_label, have);
        k->hint = need == NAPI_VERSION_EXPERIMENTAL_ID
                      ? "the addon uses experimental N-API functions: build it without NAPI_EXPERIMENTAL"
                      : report_printf(c->r, "use a runtime with N-API %d or later, or build against NAPI_VERSION %d",
                                      need, have);
    } else if (declared > have && declared != NAPI_VERSION_EXPERIMENTAL_ID) {
        k->status = STATUS_FAIL;
        k->message = report_printf(c->r, "declares N-API %d, but %s has N-API %d", declared, c->rt_label, have);
        k->hint = report_printf(c->r, "build against NAPI_VERSION %d, or use a newer runtime", have);
    } else if (nabsent || nstub) {
        k->status = STATUS_FAIL;
        k->message = report_printf(c->r, "%zu N-API function%s absent from %s, %zu only stubs", nabsent,
                                   nabsent == 1 ? "" : "s", c->rt_label, nstub);
        k->hint = "the runtime does not implement these N-API functions: use Node, or avoid them";
    } else {
        k->message = report_printf(
            c->r, "needs N-API %s%s%s, %s has %d", nimp ? ver_need : "none", declared >= 0 ? ", declares " : "",
            declared >= 0
                ? (declared == NAPI_VERSION_EXPERIMENTAL_ID ? "experimental" : report_printf(c->r, "%d", declared))
                : "",
            c->rt_label, have);
        if (declared == NAPI_VERSION_EXPERIMENTAL_ID)
            k->status = STATUS_WARN;
    }
    if (nunknown && k->status == STATUS_PASS)
        report_check_detail(c->r, k, "%zu imported N-API names are not in Node's headers (newer than the table?)",
                            nunknown);
    return k->status;
}
