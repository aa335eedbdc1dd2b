/* tests/unit/test_handshake.c — the dynamic contract: the stage file and the driver's handshake
 * are parsed once, by dyn_read_handshake, into the typed outcome the dlopen and execute checks
 * read. Text that is not the driver's JSON is no handshake at all. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "probe/dynamic.h"

static void test_stages(void **state)
{
    (void)state;
    assert_int_equal(dyn_stage_of(NULL), DYN_START);
    assert_int_equal(dyn_stage_of("loading\n"), DYN_LOADING);
    assert_int_equal(dyn_stage_of("loaded"), DYN_LOADED);
    assert_int_equal(dyn_stage_of("execute\n"), DYN_EXECUTE);
    assert_int_equal(dyn_stage_of("done"), DYN_DONE);
    assert_int_equal(dyn_stage_of("loadingx"), DYN_START);
    assert_int_equal(dyn_stage_of(""), DYN_START);
}

static void test_load_failure(void **state)
{
    (void)state;
    dyn_outcome o;
    memset(&o, 0, sizeof o);
    dyn_read_handshake(&o, "{\"stage\":\"done\",\"load\":{\"ok\":false,\"message\":\"undefined symbol: _ZN2v8\"},"
                           "\"execute\":null}");
    assert_true(o.reported);
    assert_true(o.load.present);
    assert_false(o.load.ok);
    assert_string_equal(o.load.message, "undefined symbol: _ZN2v8");
    assert_false(o.now.present);
    assert_false(o.exec.present);
    assert_false(o.traced);
    dyn_outcome_free(&o);
}

static void test_loaded_and_executed(void **state)
{
    (void)state;
    dyn_outcome o;
    memset(&o, 0, sizeof o);
    dyn_read_handshake(&o,
                       "{\"load\":{\"ok\":true},\"now\":{\"ok\":false,\"unsupported\":true,\"message\":\"no flags\"},"
                       "\"execute\":{\"ok\":true,\"smoke\":false,\"keys\":[\"a\",7,\"b\"]},\"via\":\"ld.so trace\"}");
    assert_true(o.load.ok);
    assert_true(o.now.present);
    assert_true(o.now.unsupported);
    assert_string_equal(o.now.message, "no flags");
    assert_true(o.exec.present);
    assert_true(o.exec.ok);
    assert_false(o.exec.smoke);
    assert_int_equal(o.exec.nkeys, 2); /* strings only */
    assert_string_equal(o.exec.keys[1], "b");
    assert_true(o.traced);
    dyn_outcome_free(&o);

    memset(&o, 0, sizeof o);
    dyn_read_handshake(&o, "{\"load\":{\"ok\":true},\"execute\":{\"ok\":false,\"smoke\":true,\"syntax\":true,"
                           "\"message\":\"Unexpected token\",\"where\":\"/s.mjs:1:5\"}}");
    assert_true(o.exec.smoke);
    assert_true(o.exec.syntax);
    assert_string_equal(o.exec.where, "/s.mjs:1:5");
    assert_null(o.exec.json);
    dyn_outcome_free(&o);
}

static void test_not_a_handshake(void **state)
{
    (void)state;
    static const char *const bad[] = {NULL, "", "{\"load\":", "[1,2]", "\"load\"", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dyn_outcome o;
        memset(&o, 0, sizeof o);
        dyn_read_handshake(&o, bad[i]);
        assert_false(o.reported);
        assert_false(o.load.present);
        dyn_outcome_free(&o);
    }
    /* A load member that is not an object is no load. */
    dyn_outcome o;
    memset(&o, 0, sizeof o);
    dyn_read_handshake(&o, "{\"load\":true}");
    assert_true(o.reported);
    assert_false(o.load.present);
    dyn_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_load_failure),
        cmocka_unit_test(test_loaded_and_executed),
        cmocka_unit_test(test_not_a_handshake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
