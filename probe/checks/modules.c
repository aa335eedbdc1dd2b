/* probe/checks/modules.c — `modules`: how the addon registers against what the runtime is.
 * A V8-API addon needs the runtime's own modules ABI and the real V8 engine; Deno loads
 * N-API only; N-API addons are portable; legacy ones only a real load can judge. */
#include "probe/checks/checks.h"

#include "abi/modules.h"

#include <stdio.h>
#include <string.h>

/* "node 24.0.0 / electron 37" for a modules number, from the ABI registry. */
static const char *owners(report *r, int modules)
{
    const abi_modules_entry *n = abi_modules_find(modules, "node"), *e = abi_modules_find(modules, "electron");
    if (n && e)
        return report_printf(r, "node %s / electron %s", n->versions, e->versions);
    if (n || e)
        return report_printf(r, "%s %s", n ? "node" : "electron", n ? n->versions : e->versions);
    return "not in the ABI registry";
}

/* The Node to recommend for an addon built for modules: the one the registry names for it when
 * that one is released. Never another Node than the addon's own (it has no file for that one),
 * and never a pre-release as if it were out. */
static const char *released_node(report *r, int modules)
{
    const abi_modules_entry *n = modules > 0 ? abi_modules_find(modules, "node") : NULL;
    if (n && !strstr(n->versions, "-pre"))
        return report_printf(r, "node %s or later in that line (modules %d), which this file was built for",
                             n->versions, modules);
    if (n)
        return report_printf(r,
                             "a node with modules %d (node %s in the ABI registry of %s, not yet a release), or a "
                             "build of the addon for a released node",
                             modules, n->versions, abi_modules_source_date());
    return "Node, with a build of the addon for its modules ABI";
}

status check_modules(check_ctx *c)
{
    const addon_facts *a = c->af;
    const runtime_facts *rt = c->rt;
    bool deno = strcmp(rt->kind, "deno") == 0;
    check *k;
    if (strcmp(a->kind, "napi") == 0) {
        report_add_check(c->r, c->res, CHECK_MODULES, STATUS_PASS, "N-API addon (%s, by %s): not tied to a modules ABI",
                         a->entry, a->registration);
        return STATUS_PASS;
    }
    if (strcmp(a->kind, "unknown") == 0) {
        k = report_add_check(c->r, c->res, CHECK_MODULES, STATUS_FAIL,
                             "no registration found (no napi_register_module_v1, node_register_module_vN or "
                             "constructor registration): the runtime will say \"Module did not self-register\"");
        if (k)
            k->hint = "check that this file is a Node addon built with NAPI_MODULE or NODE_MODULE";
        return STATUS_FAIL;
    }
    if (deno) {
        k = report_add_check(c->r, c->res, CHECK_MODULES, STATUS_FAIL,
                             "%s addon (%s) on Deno, which loads N-API addons only",
                             strcmp(a->kind, "v8") == 0 ? "V8-API" : "legacy V8-API", a->entry);
        if (k)
            k->hint = "use an N-API build of the addon under Deno, or run it with Node";
        return STATUS_FAIL;
    }
    if (strcmp(rt->engine, "v8") != 0) {
        k = report_add_check(c->r, c->res, CHECK_MODULES, STATUS_FAIL, "V8-API addon (%s) on %s: %s",
                             a->entry ? a->entry : "node_module_register",
                             strcmp(rt->engine, "jsc") == 0 ? "JavaScriptCore" : "an engine that is not V8",
                             strcmp(rt->kind, "bun") == 0 ? "Bun's V8 shim is partial" : "there is no V8 API");
        if (k)
            k->hint =
                report_printf(c->r, "use a runtime with V8: %s; or an N-API addon", released_node(c->r, a->modules));
        return STATUS_FAIL;
    }
    if (strcmp(a->kind, "legacy") == 0) {
        report_add_check(
            c->r, c->res, CHECK_MODULES, STATUS_PASS,
            "legacy NODE_MODULE registration: the ABI number is in its data, so only the real load can tell");
        return STATUS_PASS;
    }
    if (rt->modules < 0) {
        k = report_add_check(c->r, c->res, CHECK_MODULES, STATUS_ERROR,
                             "V8-API addon for modules %d, but %s's modules ABI is unknown (it could not be run)",
                             a->modules, c->rt_label);
        return STATUS_ERROR;
    }
    if (a->modules != rt->modules) {
        k = report_add_check(c->r, c->res, CHECK_MODULES, STATUS_FAIL,
                             "built for modules %d (%s), but %s has modules %d (%s)", a->modules,
                             owners(c->r, a->modules), c->rt_label, rt->modules, owners(c->r, rt->modules));
        if (k)
            k->hint =
                report_printf(c->r, "rebuild for modules %d, or use the runtime the addon was built for", rt->modules);
        return STATUS_FAIL;
    }
    report_add_check(c->r, c->res, CHECK_MODULES, STATUS_PASS, "V8-API addon for modules %d, as %s", a->modules,
                     c->rt_label);
    return STATUS_PASS;
}
