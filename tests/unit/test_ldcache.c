/* tests/unit/test_ldcache.c — the ld.so.cache parser on this machine's real cache and on
 * hand-made and broken images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/ldcache.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

static void test_real_cache(void **state)
{
    (void)state;
    ldcache *c;
    diag d;
    if (ldcache_load(&c, "/etc/ld.so.cache", &d) != 0)
        fail_msg("%s", d.msg);
    assert_true(ldcache_count(c) > 10);
    const char *libc = ldcache_lookup(c, "libc.so.6", ELFCLASS64, EM_X86_64);
    assert_non_null(libc);
    assert_non_null(strstr(libc, "libc.so.6"));
    assert_null(ldcache_lookup(c, "libc.so.6", ELFCLASS64, EM_AARCH64));
    assert_null(ldcache_lookup(c, "libdoes-not-exist.so.9", ELFCLASS64, EM_X86_64));
    ldcache_free(c);
}

/* Build an image: header, entries, strings. */
static size_t build(unsigned char *buf, size_t cap, uint32_t nlibs, const char *key, const char *val, int32_t flags)
{
    memset(buf, 0, cap);
    memcpy(buf, "glibc-ld.so.cache1.1", 20);
    memcpy(buf + 20, &nlibs, 4);
    size_t strings = 48 + 24 * (size_t)nlibs;
    uint32_t k = (uint32_t)strings, v = (uint32_t)(strings + strlen(key) + 1);
    for (uint32_t i = 0; i < nlibs; i++) {
        unsigned char *e = buf + 48 + 24 * i;
        memcpy(e, &flags, 4);
        memcpy(e + 4, &k, 4);
        memcpy(e + 8, &v, 4);
    }
    strcpy((char *)buf + k, key);
    strcpy((char *)buf + v, val);
    return v + strlen(val) + 1;
}

static void test_images(void **state)
{
    (void)state;
    unsigned char buf[512];
    ldcache *c;
    diag d;
    size_t n = build(buf, sizeof buf, 1, "libx.so.1", "/opt/lib/libx.so.1", 0x0303);
    assert_int_equal(ldcache_parse(&c, buf, n, "img", &d), 0);
    assert_string_equal(ldcache_lookup(c, "libx.so.1", ELFCLASS64, EM_X86_64), "/opt/lib/libx.so.1");
    assert_null(ldcache_lookup(c, "libx.so.1", ELFCLASS32, EM_386));
    ldcache_free(c);

    /* Every truncation is refused or parsed, never read past the end. */
    for (size_t cut = 0; cut < n; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        if (ldcache_parse(&c, copy, cut, "cut", &d) == 0) {
            ldcache_lookup(c, "libx.so.1", ELFCLASS64, EM_X86_64);
            ldcache_free(c);
        }
        free(copy);
    }
    /* Offsets past the end and absurd counts. */
    n = build(buf, sizeof buf, 1, "liby.so", "/y", 0x0303);
    uint32_t bad = 100000;
    memcpy(buf + 48 + 4, &bad, 4);
    assert_int_equal(ldcache_parse(&c, buf, n, "img", &d), 0);
    assert_null(ldcache_lookup(c, "liby.so", ELFCLASS64, EM_X86_64));
    ldcache_free(c);
    uint32_t huge = 0x7fffffff;
    memcpy(buf + 20, &huge, 4);
    assert_int_equal(ldcache_parse(&c, buf, n, "img", &d), -1);
    assert_int_equal(d.code, DIAG_FORMAT);
    assert_int_equal(ldcache_parse(&c, (const unsigned char *)"garbage", 7, "img", &d), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_real_cache), cmocka_unit_test(test_images)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
