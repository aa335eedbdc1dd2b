/* tests/unit/test_ldcache.c — the ld.so.cache parser on this machine's real cache and on
 * hand-made and broken images. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/ldcache.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Entry i of a new-format table at raw, as the tests read it: key, value, and whether it is
 * a baseline (no hwcaps) x86-64 libc6 entry. */
typedef struct raw_entry {
    uint32_t key, value;
    bool baseline;
} raw_entry;

static raw_entry entry_of(const unsigned char *raw, uint32_t i)
{
    const unsigned char *e = raw + 48 + 24 * (size_t)i;
    int32_t flags;
    uint64_t hwcap;
    raw_entry out;
    memcpy(&flags, e, 4);
    memcpy(&out.key, e + 4, 4);
    memcpy(&out.value, e + 8, 4);
    memcpy(&hwcap, e + 16, 8);
    out.baseline = flags == 0x0303 && hwcap == 0;
    return out;
}

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
    /* The binary search finds, for every soname of the real table, what a scan of the whole
     * table in order finds: the first baseline x86-64 entry of that name. */
    FILE *f = fopen("/etc/ld.so.cache", "rb");
    assert_non_null(f);
    static unsigned char raw[1 << 22];
    size_t n = fread(raw, 1, sizeof raw, f);
    fclose(f);
    assert_true(n > 48 && memcmp(raw, "glibc-ld.so.cache1.1", 20) == 0); /* the new format alone */
    uint32_t nlibs;
    memcpy(&nlibs, raw + 20, 4);
    size_t checked = 0;
    for (uint32_t i = 0; i < nlibs; i++) {
        raw_entry e = entry_of(raw, i);
        if (!e.baseline)
            continue;
        const char *name = (const char *)raw + e.key, *want = NULL;
        for (uint32_t j = 0; j < nlibs && !want; j++) { /* the first such entry of that name */
            raw_entry o = entry_of(raw, j);
            if (o.baseline && strcmp((const char *)raw + o.key, name) == 0)
                want = (const char *)raw + o.value;
        }
        const char *got = ldcache_lookup(c, name, ELFCLASS64, EM_X86_64);
        if (!got || strcmp(got, want) != 0)
            fail_msg("%s: lookup %s, scan %s", name, got ? got : "nothing", want);
        checked++;
    }
    assert_true(checked > 10);
    ldcache_free(c);
}

/* ld.so's order: descending, with runs of digits compared as numbers (libx.so.10 after
 * libx.so.9 in the table means before it in value). A table out of that order hides entries
 * from a binary search, as it does from ld.so. */
static void test_order(void **state)
{
    (void)state;
    static const char *const names[] = {"libz.so.1", "libx.so.10", "libx.so.9", "libx.so.9", "liba.so"};
    static const char *const paths[] = {"/z", "/x10", "/x9", "/x9b", "/a"};
    enum { N = 5 };
    unsigned char buf[1024];
    memset(buf, 0, sizeof buf);
    memcpy(buf, "glibc-ld.so.cache1.1", 20);
    uint32_t nlibs = N, at = 48 + 24 * N;
    memcpy(buf + 20, &nlibs, 4);
    for (uint32_t i = 0; i < N; i++) {
        int32_t flags = 0x0303;
        uint32_t k = at, v = at + (uint32_t)strlen(names[i]) + 1;
        strcpy((char *)buf + k, names[i]);
        strcpy((char *)buf + v, paths[i]);
        at = v + (uint32_t)strlen(paths[i]) + 1;
        memcpy(buf + 48 + 24 * i, &flags, 4);
        memcpy(buf + 48 + 24 * i + 4, &k, 4);
        memcpy(buf + 48 + 24 * i + 8, &v, 4);
    }
    ldcache *c;
    diag d;
    assert_int_equal(ldcache_parse(&c, buf, at, "img", &d), 0);
    for (size_t i = 0; i < N; i++)
        if (i != 3) /* the second libx.so.9 loses to the first */
            assert_string_equal(ldcache_lookup(c, names[i], ELFCLASS64, EM_X86_64), paths[i]);
    assert_null(ldcache_lookup(c, "libx.so.11", ELFCLASS64, EM_X86_64));
    assert_null(ldcache_lookup(c, "libm.so", ELFCLASS64, EM_X86_64));
    ldcache_free(c);
    /* Loaded from a file: mapped when its size leaves a zero rest in the last page, read when
     * it fills the page exactly and its last string runs to the end (here: padded with 'x'). */
    for (int full = 0; full < 2; full++) {
        char path[] = "/tmp/abiprobe-ldcache-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        static unsigned char page[4096];
        memset(page, 'x', sizeof page);
        memcpy(page, buf, at);
        size_t len = full ? sizeof page : at;
        assert_int_equal(write(fd, page, len), (ssize_t)len);
        close(fd);
        assert_int_equal(ldcache_load(&c, path, &d), 0);
        assert_string_equal(ldcache_lookup(c, "libx.so.10", ELFCLASS64, EM_X86_64), "/x10");
        assert_string_equal(ldcache_lookup(c, "liba.so", ELFCLASS64, EM_X86_64), "/a");
        ldcache_free(c);
        unlink(path);
    }
    /* Swap the first and the last entry: liba.so now heads the table, out of order. */
    unsigned char e[24];
    memcpy(e, buf + 48, 24);
    memcpy(buf + 48, buf + 48 + 24 * 4, 24);
    memcpy(buf + 48 + 24 * 4, e, 24);
    assert_int_equal(ldcache_parse(&c, buf, at, "img", &d), 0);
    assert_null(ldcache_lookup(c, "libz.so.1", ELFCLASS64, EM_X86_64));
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
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_real_cache), cmocka_unit_test(test_images),
                                       cmocka_unit_test(test_order)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
