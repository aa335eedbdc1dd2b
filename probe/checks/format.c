/* probe/checks/format.c — `format`: is the addon an ELF shared object of the runtime's
 * class and machine, with an OS ABI that Linux loads? (Mach-O and PE are refused earlier,
 * in probe/check.c, from the reader's sniff.) */
#include "probe/checks/checks.h"
#include "abi/machine.h"

#include <elf.h>
#include <string.h>

status check_format(check_ctx *c)
{
    const elf_header *a = elf_obj_header(c->addon), *h = elf_obj_header(c->rt_elf);
    char ab[16], hb[16];
    const char *am = elf_machine_name(a->machine, ab, sizeof ab), *hm = elf_machine_name(h->machine, hb, sizeof hb);
    check *k;
    if (a->machine != h->machine || a->elfclass != h->elfclass) {
        k = report_add_check(c->r, c->res, CHECK_FORMAT, STATUS_FAIL, "%d-bit %s ELF, but %s is %d-bit %s",
                             a->elfclass == ELFCLASS64 ? 64 : 32, am, c->rt_label, h->elfclass == ELFCLASS64 ? 64 : 32,
                             hm);
        const abi_machine *m = abi_machine_of(h->machine);
        if (k)
            k->hint = report_printf(c->r, "install the prebuild built for linux-%s", m ? m->node_arch : hm);
        return STATUS_FAIL;
    }
    if (a->data != h->data) {
        report_add_check(c->r, c->res, CHECK_FORMAT, STATUS_FAIL, "byte order differs from %s", c->rt_label);
        return STATUS_FAIL;
    }
    if (a->type != ET_DYN) {
        k = report_add_check(c->r, c->res, CHECK_FORMAT, STATUS_FAIL, "%s, not a shared object: dlopen refuses it",
                             c->af->elf_type);
        if (k)
            k->hint = "build the addon as a shared object (-shared -fPIC)";
        return STATUS_FAIL;
    }
    if (a->osabi != ELFOSABI_NONE && a->osabi != ELFOSABI_GNU) {
        report_add_check(c->r, c->res, CHECK_FORMAT, STATUS_FAIL,
                         "OS ABI %s: glibc's loader accepts only SYSV and GNU/Linux", c->af->osabi);
        return STATUS_FAIL;
    }
    report_add_check(c->r, c->res, CHECK_FORMAT, STATUS_PASS, "%s ELF shared object", am);
    return STATUS_PASS;
}
