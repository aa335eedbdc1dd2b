/* tests/unit/test_observe.c — folding the observation driver's event lines (the events that
 * probe/pkg/observe.cjs lists): asks in order with the loader's file:line, the binding module
 * and the copied file, a load's outcome, require()'s error and whether a stand-in came before
 * it, binding modules required, mapped files, a package still in progress when the lines end
 * (the one that killed the process), a line cut short, and malformed and out-of-range events. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/pkg/observe.h"

#include <stdio.h>
#include <string.h>

static size_t parse(report *r, const char *text, obs_pkg *out, size_t n, bool *done)
{
    memset(out, 0, n * sizeof *out);
    return observe_parse(r, text, strlen(text), out, n, done);
}

static void test_complete_run(void **state)
{
    (void)state;
    report r;
    report_init(&r, "scan");
    obs_pkg p[2];
    bool done = false;
    size_t open =
        parse(&r,
              "{\"i\":0,\"ev\":\"start\"}\n"
              "{\"i\":0,\"ev\":\"ask\",\"file\":\"/a/x.node\",\"from\":\"/a/index.js:3\",\"via\":\"require\"}\n"
              "{\"i\":0,\"ev\":\"loaded\",\"ok\":false,\"message\":\"x.node: undefined symbol: f\"}\n"
              "{\"i\":0,\"ev\":\"ask\",\"file\":\"/a/y.node\",\"from\":null,\"via\":\"process.dlopen\"}\n"
              "{\"i\":0,\"ev\":\"loaded\",\"ok\":true}\n"
              "{\"i\":0,\"ev\":\"required\",\"threw\":null,\"after_stand_in\":false}\n"
              "{\"i\":0,\"ev\":\"end\",\"mapped\":[\"/a/y.node\"]}\n"
              "{\"i\":1,\"ev\":\"start\"}\n"
              "{\"i\":1,\"ev\":\"ask\",\"file\":\"/d/dep.node\",\"via\":\"require\"}\n"
              "{\"i\":1,\"ev\":\"loaded\",\"ok\":true,\"stub\":true}\n"
              "{\"i\":1,\"ev\":\"required\",\"threw\":{\"message\":\"No native build was found\",\"code\":null},"
              "\"after_stand_in\":true}\n"
              "{\"i\":1,\"ev\":\"ask\",\"file\":\"/tmp/c/x.node\",\"via\":\"require\",\"binding\":\"/b/lib/b.js\","
              "\"copy_of\":\"/b/x.node\"}\n"
              "{\"i\":1,\"ev\":\"binding\",\"file\":\"/b/lib/b.js\",\"threw\":null}\n"
              "{\"i\":1,\"ev\":\"end\"}\n"
              "{\"ev\":\"done\"}\n",
              p, 2, &done);
    assert_true(done);
    assert_int_equal(open, 2);
    assert_int_equal(p[0].state, OBS_DONE);
    assert_int_equal(p[0].nasks, 2);
    assert_string_equal(p[0].asks[0].from, "/a/index.js:3");
    assert_false(p[0].asks[0].ok);
    assert_string_equal(p[0].asks[0].message, "x.node: undefined symbol: f");
    assert_null(p[0].asks[1].from);
    assert_true(p[0].maps_read);
    assert_int_equal(p[0].nmapped, 1);
    assert_false(p[0].asks[0].ok);
    assert_true(p[0].asks[1].ok);
    assert_null(p[0].threw);
    assert_int_equal(p[1].state, OBS_DONE);
    assert_string_equal(p[1].threw, "No native build was found");
    assert_null(p[1].threw_code);
    assert_true(p[1].after_stand_in);
    assert_int_equal(p[1].nbinding, 1);
    assert_int_equal(p[1].nasks, 2);
    assert_null(p[1].asks[0].binding);
    assert_string_equal(p[1].asks[1].binding, "/b/lib/b.js");
    assert_string_equal(p[1].asks[1].copy_of, "/b/x.node");
    assert_false(p[1].maps_read);
    report_free(&r);
}

static void test_died_midway(void **state)
{
    (void)state;
    report r;
    report_init(&r, "scan");
    obs_pkg p[3];
    bool done = true;
    /* Package 1 was loading when the process died; its last line is cut short. */
    size_t open = parse(&r,
                        "{\"i\":0,\"ev\":\"start\"}\n{\"i\":0,\"ev\":\"end\",\"threw\":null}\n"
                        "{\"i\":1,\"ev\":\"start\"}\n"
                        "{\"i\":1,\"ev\":\"ask\",\"file\":\"/b/z.node\",\"via\":\"require\"}\n"
                        "{\"i\":1,\"ev\":\"loaded\",\"ok\":tr",
                        p, 3, &done);
    assert_false(done);
    assert_int_equal(open, 1);
    assert_int_equal(p[0].state, OBS_DONE);
    assert_int_equal(p[1].state, OBS_UNSEEN);
    assert_int_equal(p[1].nasks, 1);
    assert_false(p[1].asks[0].settled);
    /* The file whose load was under way is still there, unsettled. */
    assert_string_equal(p[1].asks[0].file, "/b/z.node");
    assert_int_equal(p[2].state, OBS_UNSEEN);
    report_free(&r);
}

static void test_hostile_lines(void **state)
{
    (void)state;
    report r;
    report_init(&r, "scan");
    obs_pkg p[1];
    bool done = false;
    size_t open = parse(&r,
                        "not json\n"
                        "{\"i\":7,\"ev\":\"start\"}\n"                   /* out of range */
                        "{\"i\":-1,\"ev\":\"ask\"}\n"                    /* negative */
                        "{\"i\":0.5e9,\"ev\":\"end\"}\n"                 /* huge */
                        "{\"i\":0,\"ev\":\"loaded\",\"ok\":true}\n"      /* no ask to settle */
                        "{\"i\":0,\"ev\":\"ask\",\"via\":\"require\"}\n" /* no file */
                        "{\"ev\":\"start\"}\n[1,2]\n\"x\"\n{}\n"
                        "{\"i\":0,\"ev\":\"required\",\"threw\":{}}\n"
                        "{\"i\":0,\"ev\":\"end\",\"mapped\":[1,null,\"/m.node\"]}\n",
                        p, 1, &done);
    assert_false(done);
    assert_int_equal(open, 1);
    assert_int_equal(p[0].state, OBS_DONE);
    assert_int_equal(p[0].nasks, 0);
    assert_non_null(p[0].threw); /* an exception without a message still counts */
    assert_int_equal(p[0].nmapped, 1);
    assert_int_equal(parse(&r, "", p, 1, &done), 1);
    report_free(&r);
}

static void test_many_asks_grow(void **state)
{
    (void)state;
    report r;
    report_init(&r, "scan");
    obs_pkg p[1];
    bool done = false;
    char text[64 * 200 + 64];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "{\"i\":0,\"ev\":\"start\"}\n");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "{\"i\":0,\"ev\":\"ask\",\"file\":\"/f%d.node\"}\n", i);
    parse(&r, text, p, 1, &done);
    assert_int_equal(p[0].nasks, 150);
    assert_string_equal(p[0].asks[149].file, "/f149.node");
    assert_string_equal(p[0].asks[0].file, "/f0.node");
    report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_run),
        cmocka_unit_test(test_died_midway),
        cmocka_unit_test(test_hostile_lines),
        cmocka_unit_test(test_many_asks_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
