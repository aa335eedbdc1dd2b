/* probe/checks/select.c — `select`: which .node file the runtime loads from a package (the
 * selection phase's answer, probe/pkg/select.h), and whether the package's loader refuses. */
#include "probe/checks/checks.h"

#include <string.h>

status check_select(check_ctx *c)
{
    report *r = c->r;
    result *res = c->res;
    const char *rt_label = c->rt_label;
    const selection *s = res->sel;
    const sel_answer *a = selection_answer(s);
    check *k = NULL;
    status st = STATUS_PASS;
    switch (a->outcome) {
    case SEL_CHOSEN: {
        const char *why = "";
        for (size_t j = 0; j < a->ncands; j++)
            if (a->cands[j].status == CAND_CHOSEN)
                why = a->cands[j].reason;
        k = report_add_check(r, res, CHECK_SELECT, STATUS_PASS, "%s (%s: %s)", selection_shown(s), a->rule, why);
        if (!k)
            return STATUS_PASS;
        if (s->load_error)
            report_check_detail(r, k, "%s could not load it: %s", rt_label, s->load_error);
        /* The rules' losing candidates are the rules' business; what was asked for, or weighed, is shown. */
        for (size_t j = 0; s->step != STEP_RULES && j < a->ncands; j++)
            if (a->cands[j].status != CAND_CHOSEN)
                report_check_detail(r, k, "%s: %s: %s", a->cands[j].path, cand_status_names[a->cands[j].status],
                                    a->cands[j].reason);
        if (s->differs)
            report_check_detail(r, k, "%s", s->differs);
        if (s->note)
            report_check_detail(r, k, "%s", s->note);
        return STATUS_PASS;
    }
    case SEL_NONE:
        st = STATUS_FAIL;
        k = report_add_check(r, res, CHECK_SELECT, st, "%s", a->none_why);
        if (k)
            k->hint =
                s->nmissing_platform
                    ? report_printf(r,
                                    "reinstall so that npm fetches %s (rm -rf node_modules package-lock.json && "
                                    "npm install); if it is still missing, that version may not exist on the "
                                    "registry (npm view %s)",
                                    s->missing_platform[0], s->missing_platform[0])
                    : "install a build for this runtime (npm rebuild), or use a runtime the package ships one for";
        break;
    case SEL_UNBUILT:
        st = STATUS_FAIL;
        k = report_add_check(r, res, CHECK_SELECT, st, "%s", a->none_why);
        if (k)
            k->hint = report_printf(r, "run its install script: npm rebuild %s", s->name ? s->name : "");
        break;
    case SEL_UNKNOWN:
        st = STATUS_ERROR;
        k = report_add_check(r, res, CHECK_SELECT, st, "%s", a->none_why);
        if (k)
            k->hint =
                "check the package's .node file directly (abiprobe check FILE.node), or run without --select rules";
        break;
    }
    for (size_t j = 0; k && j < a->ncands; j++)
        report_check_detail(r, k, "%s: %s: %s", a->cands[j].path, cand_status_names[a->cands[j].status],
                            a->cands[j].reason);
    if (k && s->note)
        report_check_detail(r, k, "%s", s->note);
    return st;
}
