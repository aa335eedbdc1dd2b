/* tests/unit/test_addon.c — addon facts on fixtures built from source: registration kind,
 * modules ABI, declared N-API version, libc, machine, required versions, import groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/addon.h"

#include <string.h>

#define FIX(name) FIXTURE_DIR "/" name

static void test_facts(void **state)
{
    (void)state;
    static const struct {
        const char *path, *kind, *registration, *machine, *libc;
        int modules, napi, elf_class;
    } cases[] = {
        {FIX("napi_addon.node"), "napi", "export", "x86_64", "none", -1, 8, 64},
        {FIX("napi_ctor_addon.node"), "napi", "constructor", "x86_64", "none", -1, -1, 64},
        {FIX("v8_addon.node"), "v8", "export", "x86_64", "none", NODE_MODULE_VERSION_OF_HEADERS, -1, 64},
        {FIX("legacy_addon.node"), "legacy", "constructor", "x86_64", "none", -1, -1, 64},
        {FIX("musl_addon.node"), "napi", "export", "x86_64", "musl", -1, 8, 64},
        {FIX("m32_addon.node"), "napi", "export", "i386", "none", -1, 8, 32},
        {FIX("libversioned.so"), "unknown", NULL, "x86_64", "none", -1, -1, 64},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        report r;
        report_init(&r, "inspect");
        addon_facts a;
        diag d;
        diag_clear(&d);
        if (addon_facts_read(&r, cases[i].path, true, &a, &d) != 0)
            fail_msg("%s: %s", cases[i].path, d.msg);
        assert_string_equal(a.kind, cases[i].kind);
        if (cases[i].registration)
            assert_string_equal(a.registration, cases[i].registration);
        else
            assert_null(a.registration);
        assert_string_equal(a.machine, cases[i].machine);
        assert_string_equal(a.libc, cases[i].libc);
        assert_int_equal(a.modules, cases[i].modules);
        assert_int_equal(a.napi_version, cases[i].napi);
        assert_int_equal(a.elf_class, cases[i].elf_class);
        assert_null(a.error);
        report_free(&r);
    }
}

static void test_imports(void **state)
{
    (void)state;
    report r;
    report_init(&r, "inspect");
    addon_facts a;
    diag d;
    assert_int_equal(addon_facts_read(&r, FIX("v8_addon.node"), true, &a, &d), 0);
    assert_true(a.imports_by_group[0] > 0); /* v8 */
    assert_string_equal(result_group_names[0], "v8");
    assert_string_equal(a.max_cxxabi, "CXXABI_1.3");
    bool saw = false;
    unsigned total = 0;
    for (int g = 0; g < SYMGROUP_COUNT; g++)
        total += a.imports_by_group[g];
    assert_int_equal(total, a.nimports);
    for (size_t i = 0; i < a.nimports; i++) {
        const sym_entry *s = &a.imports[i];
        if (s->group == SYMGROUP_V8 && s->demangled && strncmp(s->demangled, "v8::", 4) == 0)
            saw = true;
        if (i) /* sorted by group order, then name */
            assert_true(a.imports[i - 1].group != s->group || strcmp(a.imports[i - 1].name, s->name) < 0);
    }
    assert_true(saw);
    report_free(&r);

    report_init(&r, "inspect");
    assert_int_equal(addon_facts_read(&r, FIX("uses_versioned.so"), true, &a, &d), 0);
    bool weak = false;
    for (size_t i = 0; i < a.nimports; i++)
        if (strcmp(a.imports[i].name, "maybe_there") == 0)
            weak = a.imports[i].weak;
    assert_true(weak);
    report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_facts), cmocka_unit_test(test_imports)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
