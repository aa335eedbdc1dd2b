/* tests/unit/test_config.c — the --config parser: a full file, relative paths, and every
 * malformed field named in its message. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_full(void **state)
{
    (void)state;
    const char *text =
        "{\"runtimes\": {\"bun\": \"bin/bun\", \"node24\": \"node\"},"
        " \"targets\": [\"node_modules/isolated-vm\", \"/abs/addon.node\"],"
        " \"smoke\": {\"isolated-vm\": {\"module\": \"ci/ivm.mjs\", \"expect\": 3}},"
        " \"expect\": [{\"target\": \"isolated-vm\", \"runtime\": \"bun\", \"verdict\": \"fail\","
        " \"reason\": \"no V8\"}, {\"target\": \"isolated-vm\", \"runtime\": \"node24\", \"verdict\": \"pass\"}]}";
    config c;
    diag d;
    if (config_parse(&c, text, strlen(text), "/repo", &d) != 0)
        fail_msg("%s", d.msg);
    assert_int_equal(c.nruntimes, 2);
    assert_string_equal(c.runtimes[0].name, "bun");
    assert_string_equal(c.runtimes[0].path, "/repo/bin/bun"); /* a path resolves against the file's dir */
    assert_string_equal(c.runtimes[1].path, "node");          /* a command name stays */
    assert_string_equal(c.targets[0].path, "/repo/node_modules/isolated-vm");
    assert_string_equal(c.targets[1].path, "/abs/addon.node");
    assert_string_equal(c.smoke[0].module, "/repo/ci/ivm.mjs");
    assert_string_equal(c.smoke[0].expect_json, "3");
    assert_int_equal(c.nexpect, 2);
    assert_true(c.expect[0].fail);
    assert_false(c.expect[1].fail);
    assert_true(config_matches("isolated-vm", NULL, "/repo/node_modules/isolated-vm", NULL));
    assert_true(config_matches("ivm", NULL, "/x/y", "ivm"));
    assert_false(config_matches("isolated", NULL, "/repo/node_modules/isolated-vm", NULL));
    config_free(&c);
}

static void test_errors_name_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"runtimes\": {\"bun\": 5}, \"targets\": \"x\"", "not valid JSON"},
        {"[1, 2]", "top level must be an object"},
        {"{\"runtimes\": {}, \"targets\": [\"x\"]}", "runtimes:"},
        {"{\"runtimes\": {\"bun\": 5}, \"targets\": [\"x\"]}", "runtimes.bun:"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": \"x\"}", "targets:"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": [\"x\", 3]}", "targets[1]:"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": [\"x\"], \"smoke\": {\"x\": {}}}", "smoke.x.module:"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": [\"x\"], \"expect\": [{\"target\": \"x\", \"runtime\": "
         "\"bun\", \"verdict\": \"maybe\"}]}",
         "expect[0].verdict: must be \"pass\" or \"fail\""},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": [\"x\"], \"expect\": [{\"target\": \"x\", \"runtime\": "
         "\"deno\", \"verdict\": \"fail\", \"reason\": \"r\"}]}",
         "expect[0].runtime: \"deno\" is not in runtimes"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": [\"x\"], \"expect\": [{\"target\": \"x\", \"runtime\": "
         "\"bun\", \"verdict\": \"fail\"}]}",
         "expect[0].reason: a declared failure needs its reason"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"targets\": [\"x\"], \"expcet\": []}", "expcet: unknown field"},
        /* Nothing is ignored: a misspelt field of an entry, and text after the JSON. */
        {"{\"runtimes\": {\"bun\": \"b\"}, \"smoke\": {\"x\": {\"module\": \"s.mjs\", \"expected\": 3}}}",
         "smoke.x.expected: unknown field"},
        {"{\"runtimes\": {\"bun\": \"b\"}, \"expect\": [{\"target\": \"x\", \"runtime\": \"bun\", \"verdict\": "
         "\"fail\", \"reason\": \"r\", \"why\": \"w\"}]}",
         "expect[0].why: unknown field"},
        {"{\"runtimes\": {\"bun\": \"b\"}} {\"more\": 1}", "text after the JSON value, at byte 27"},
        {"{\"runtimes\": {\"bun\": \"b\"}}x", "text after the JSON value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config c;
        diag d;
        diag_clear(&d);
        assert_int_equal(config_parse(&c, cases[i].text, strlen(cases[i].text), "/repo", &d), -1);
        assert_int_equal(d.code, DIAG_USAGE);
        if (strncmp(d.msg, "config: ", 8) != 0 || !strstr(d.msg, cases[i].want))
            fail_msg("case %zu: want \"%s\" in: %s", i, cases[i].want, d.msg);
    }
    config c;
    diag d;
    assert_int_equal(config_load(&c, "/nonexistent/abiprobe.json", &d), -1);
    assert_non_null(strstr(d.msg, "/nonexistent/abiprobe.json"));
    /* A smoke module that does not exist is the config's mistake, found when it is loaded. */
    char dir[] = "/tmp/abiprobe-config-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"runtimes\": {\"n\": \"node\"}, \"smoke\": {\"x\": {\"module\": \"gone.mjs\"}}}\n", f);
    fclose(f);
    assert_int_equal(config_load(&c, path, &d), -1);
    assert_int_equal(d.code, DIAG_USAGE);
    assert_non_null(strstr(d.msg, "smoke.x.module:"));
    assert_non_null(strstr(d.msg, "gone.mjs"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_full), cmocka_unit_test(test_errors_name_the_field)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
