/* probe/checks/libc.c — `libc`: a glibc addon on a musl runtime, or the reverse. */
#include "probe/checks/checks.h"

#include <string.h>

status check_libc(check_ctx *c)
{
    const char *a = c->af->libc, *h = c->rt->libc ? c->rt->libc : "none";
    if (strcmp(a, "none") == 0 || strcmp(h, "none") == 0 || strcmp(a, h) == 0) {
        report_add_check(c->r, c->res, CHECK_LIBC, STATUS_PASS, "%s",
                         strcmp(a, "none") == 0 ? "no C library needed" : a);
        return STATUS_PASS;
    }
    check *k = report_add_check(c->r, c->res, CHECK_LIBC, STATUS_FAIL, "a %s addon on a %s runtime", a, h);
    if (k)
        k->hint = report_printf(c->r, "use the .%s.node prebuild, or a %s image", h, a);
    return STATUS_FAIL;
}
