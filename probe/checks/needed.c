/* probe/checks/needed.c — `needed`: is every DT_NEEDED of the addon and of its dependency
 * closure found the way ld.so finds it? The message says where each missing one was
 * looked for. */
#include "probe/checks/checks.h"

#include <string.h>

status check_needed(check_ctx *c)
{
    size_t found = 0, missing = 0;
    for (size_t i = c->s->local_root; i < c->s->n; i++)
        found += elf_obj_nneeded(scope_elf(c->l, c->s, i));
    for (size_t m = 0; m < c->s->nmissing; m++)
        if (c->s->missing[m].needed_by >= c->s->local_root)
            missing++;
    found -= missing < found ? missing : found;
    if (!missing) {
        size_t own = elf_obj_nneeded(c->addon);
        if (found > own)
            report_add_check(c->r, c->res, CHECK_NEEDED, STATUS_PASS, "%zu found (%zu with their own dependencies)",
                             own, found);
        else if (own)
            report_add_check(c->r, c->res, CHECK_NEEDED, STATUS_PASS, "%zu found", own);
        else
            report_add_check(c->r, c->res, CHECK_NEEDED, STATUS_PASS, "none");
        return STATUS_PASS;
    }
    check *k = NULL;
    for (size_t m = 0; m < c->s->nmissing; m++) {
        const scope_missing *sm = &c->s->missing[m];
        if (sm->needed_by < c->s->local_root)
            continue;
        const char *by = scope_path(c->l, c->s, sm->needed_by);
        if (!k) {
            k = report_add_check(c->r, c->res, CHECK_NEEDED, STATUS_FAIL, "%zu not found: %s (needed by %s)%s", missing,
                                 sm->name, strrchr(by, '/') ? strrchr(by, '/') + 1 : by, missing > 1 ? ", ..." : "");
            if (!k || !(k->libs = report_alloc(c->r, missing * sizeof *k->libs)))
                return STATUS_FAIL;
            k->hint = report_printf(c->r, "install %s in the image, or point the addon's RUNPATH at it", sm->name);
        }
        lib_found *l = &k->libs[k->nlibs++];
        *l = (lib_found){report_strdup(c->r, sm->name), NULL, NULL, report_strdup(c->r, by),
                         report_strdup(c->r, sm->searched && *sm->searched ? sm->searched : "nowhere")};
        const char *line = report_lib_missing_line(c->r, l);
        if (line)
            report_check_detail(c->r, k, "%s", line);
    }
    return STATUS_FAIL;
}
