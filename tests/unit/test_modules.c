/* tests/unit/test_modules.c — the NODE_MODULE_VERSION table knows the facts we rely on, and is sorted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "abi/modules.h"

/* One expected registry row; runtime NULL asks find() for the "node" default. */
typedef struct known_entry {
    int modules;
    const char *runtime;
    const char *want_runtime;
    const char *variant;
    const char *versions;
} known_entry;

static void test_known_entries(void **state)
{
    static const known_entry known[] = {
        {115, NULL, "node", "v8_11.3", "20.0.0"},
        {127, "node", "node", "v8_12.4", "22.0.0"},
        {137, NULL, "node", "v8_13.6", "24.0.0"},
        {147, "node", "node", "v8_14.6", "26.0.0"},     /* released: node-abi says so (Node's own registry: -pre) */
        {144, "node", "node", "v8_14.3", "26.0.0-pre"}, /* a pre-release number stays one */
        {141, "node", "node", "v8_14.1", "25.0.0"},
        {108, "node", "node", "v8_10.1", "18.0.0"},
        {72, "node", "node", "node", "12"},
        {1, "node", "node", "node", ">=0.2.0 <0.9.8"},
        {139, "electron", "electron", "electron", "38"},
        {146, "electron", "electron", "electron", "42"},
        {116, "electron", "electron", "electron", "25"},
        {64, "electron", "electron", "electron", ">=3 <4.0.4"},
        {59, "nw.js", "nw.js", "nw.js", "~0.26.5"},
        /* two node rows share 65: the one the registry lists first wins */
        {65, "node", "node", "v8_6.8", "11.0.0-pre"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const known_entry *k = &known[i];
        const abi_modules_entry *e = abi_modules_find(k->modules, k->runtime);
        if (!e)
            fail_msg("find(%d, %s) returned NULL", k->modules, k->runtime ? k->runtime : "NULL");
        assert_int_equal(e->modules, k->modules);
        assert_string_equal(e->runtime, k->want_runtime);
        assert_string_equal(e->variant, k->variant);
        assert_string_equal(e->versions, k->versions);
    }
}

static void test_unknown_is_null(void **state)
{
    static const struct {
        int modules;
        const char *runtime;
    } unknown[] = {
        {0, NULL},
        {-1, NULL},
        {2, NULL},
        {100000, NULL},
        {139, NULL},
        {137, "electron"},
        {137, "deno"},
        {137, ""},
        {59, "electron"},
        {146, "node"},
        {-2147483647 - 1, "node"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const abi_modules_entry *e = abi_modules_find(unknown[i].modules, unknown[i].runtime);
        if (e)
            fail_msg("find(%d, %s) = %s %s, want NULL", unknown[i].modules,
                     unknown[i].runtime ? unknown[i].runtime : "NULL", e->runtime, e->versions);
    }
}

static void test_null_runtime_means_node(void **state)
{
    (void)state;
    assert_ptr_equal(abi_modules_find(137, NULL), abi_modules_find(137, "node"));
    assert_ptr_equal(abi_modules_find(115, NULL), abi_modules_find(115, "node"));
}

static void test_table_sorted_and_complete(void **state)
{
    size_t n = 0;
    const abi_modules_entry *t = abi_modules_table(&n);
    (void)state;
    assert_non_null(t);
    assert_true(n >= 133); /* the registry copy in abi/ has 133 rows */
    assert_ptr_equal(abi_modules_table(NULL), t);
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i].modules > 0);
        assert_non_null(t[i].runtime);
        assert_non_null(t[i].variant);
        assert_non_null(t[i].versions);
        assert_true(t[i].runtime[0] != '\0');
        if (i > 0) {
            int by_runtime = strcmp(t[i - 1].runtime, t[i].runtime);
            assert_true(t[i - 1].modules < t[i].modules || (t[i - 1].modules == t[i].modules && by_runtime <= 0));
        }
        /* every row is reachable through find(), as itself or as an earlier variant */
        const abi_modules_entry *e = abi_modules_find(t[i].modules, t[i].runtime);
        assert_non_null(e);
        assert_true(e <= &t[i]);
        assert_int_equal(e->modules, t[i].modules);
        assert_string_equal(e->runtime, t[i].runtime);
    }
}

static void test_source_names_registry(void **state)
{
    const char *s = abi_modules_source();
    (void)state;
    assert_non_null(s);
    assert_non_null(strstr(s, "nodejs/node"));
    assert_non_null(strstr(s, "doc/abi_version_registry.json"));
    assert_non_null(strstr(s, "commit "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_entries),           cmocka_unit_test(test_unknown_is_null),
        cmocka_unit_test(test_null_runtime_means_node), cmocka_unit_test(test_table_sorted_and_complete),
        cmocka_unit_test(test_source_names_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
