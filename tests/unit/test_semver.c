/* tests/unit/test_semver.c — npm's version ranges as node-semver reads them: a table of
 * (range, version, satisfies?) with the answers node-semver gives, the order of versions with
 * prereleases, what is not a range (dist-tags), and the highest match in a list. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "probe/semver.h"

static void test_satisfies(void **state)
{
    static const struct {
        const char *range, *version;
        int want;
    } t[] = {
        {"26", "26.12.1", 1},
        {"26", "27.0.0", 0},
        {"26", "25.9.0", 0},
        {"26.x", "26.0.0", 1},
        {"26.12", "26.12.1", 1},
        {"26.12", "26.13.0", 0},
        {"*", "1.2.3", 1},
        {"", "1.2.3", 1},
        {"x", "0.0.1", 1},
        {"1.4.4", "1.4.4", 1},
        {"1.4.4", "1.4.5", 0},
        {"=1.4.4", "1.4.4", 1},
        {"v1.4.4", "1.4.4", 1},
        {"^24.3", "24.9.0", 1},
        {"^24.3", "24.2.9", 0},
        {"^24.3", "25.0.0", 0},
        {"^0.2.3", "0.2.9", 1},
        {"^0.2.3", "0.3.0", 0},
        {"^0.0.3", "0.0.4", 0},
        {"^0.0", "0.0.9", 1},
        {"~1.4", "1.4.9", 1},
        {"~1.4", "1.5.0", 0},
        {"~1.4.2", "1.4.1", 0},
        {"~1", "1.9.9", 1},
        {">=22 <23", "22.23.5", 1},
        {">=22 <23", "23.0.0", 0},
        {">= 22", "30.0.0", 1},
        {">22", "22.9.9", 0},
        {">22", "23.0.0", 1},
        {">22.1", "22.2.0", 1},
        {"<=22", "22.99.0", 1},
        {"<=22", "23.0.0", 0},
        {"<22.1", "22.0.9", 1},
        {"<22.1", "22.1.0", 0},
        {"1.2 - 2", "2.9.9", 1},
        {"1.2 - 2", "1.1.9", 0},
        {"1.2.3 - 2.3.4", "2.3.4", 1},
        {"1.2.3 - 2.3.4", "2.3.5", 0},
        {"20 || 22", "22.1.0", 1},
        {"20 || 22", "21.0.0", 0},
        {"^1.4", "1.4.5-canary.1", 0}, /* a prerelease needs a range that names one */
        {"1.4.5-canary.1", "1.4.5-canary.1", 1},
        {">=1.4.5-canary.0", "1.4.5-canary.3", 1},
        {">=1.4.5-canary.0", "1.4.6-canary.0", 0},
        {"26", "26.0.0-pre", 0},
        {"1.4.4+build.7", "1.4.4", 1},
        {"latest", "1.4.4", -1},
        {"next-11", "1.0.0", -1},
        {"1.2.3abc", "1.2.3", -1},
        {"1.x.3", "1.2.3", -1},
        {">", "1.0.0", -1},
        {"26", "not-a-version", -1},
        {">*", "1.0.0", 0},
        {"<*", "1.0.0", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int got = semver_satisfies(t[i].version, t[i].range);
        if (got != t[i].want)
            fail_msg("satisfies(\"%s\", \"%s\") = %d, want %d", t[i].version, t[i].range, got, t[i].want);
    }
}

static void test_order(void **state)
{
    /* node-semver's order, lowest first. */
    static const char *const v[] = {"1.0.0-0",    "1.0.0-alpha",     "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                    "1.0.0-beta", "1.0.0-beta.2",    "1.0.0-beta.11", "1.0.0-rc.1",
                                    "1.0.0",      "1.0.1",           "1.2.0",         "1.10.0",
                                    "2.0.0",      "26.0.0-canary.9", "26.0.0",        "100.0.0"};
    (void)state;
    for (size_t i = 0; i + 1 < sizeof v / sizeof v[0]; i++) {
        semver a, b;
        assert_int_equal(semver_parse(v[i], &a), 0);
        assert_int_equal(semver_parse(v[i + 1], &b), 0);
        if (semver_cmp(&a, &b) >= 0 || semver_cmp(&b, &a) <= 0)
            fail_msg("%s should sort before %s", v[i], v[i + 1]);
        assert_int_equal(semver_cmp(&a, &a), 0);
    }
    semver x;
    assert_int_equal(semver_parse("1.2", &x), -1);
    assert_int_equal(semver_parse("1.2.3.4", &x), -1);
    assert_int_equal(semver_parse("1.2.3-", &x), -1);
    assert_int_equal(semver_parse("1234567890.0.0", &x), -1); /* more digits than a part holds */
    assert_int_equal(semver_parse(NULL, &x), -1);
}

static void test_ranges_and_tags(void **state)
{
    (void)state;
    assert_true(semver_is_range("26"));
    assert_true(semver_is_range("^1.4 || >=2 <3"));
    assert_false(semver_is_range("latest"));
    assert_false(semver_is_range("canary"));
    char big[2048];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(semver_is_range(big)); /* bounded: never a cost that grows with a hostile input */
}

static void test_max_satisfying(void **state)
{
    static const char *const v[] = {"22.0.0",  "22.23.5", "22.9.0", "24.21.0", "1.4.5-canary.20261202.1",
                                    "26.12.1", "garbage", "26.0.0", "1.4.4",   "22.23.10"};
    size_t n = sizeof v / sizeof v[0];
    (void)state;
    assert_string_equal(v[semver_max_satisfying(v, n, "22")], "22.23.10");
    assert_string_equal(v[semver_max_satisfying(v, n, "*")], "26.12.1");
    assert_string_equal(v[semver_max_satisfying(v, n, "^1.4")], "1.4.4");
    assert_int_equal(semver_max_satisfying(v, n, "99"), -1);
    assert_int_equal(semver_max_satisfying(v, n, "latest"), -1);
    assert_int_equal(semver_max_satisfying(v, 0, "*"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_satisfies),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_ranges_and_tags),
        cmocka_unit_test(test_max_satisfying),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
