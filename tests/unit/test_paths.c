/* tests/unit/test_paths.c — the one translation between an image's paths and this machine's:
 * links resolve the way they would inside a chroot (an absolute link restarts at the image's
 * root, ".." stops there, a loop is an error), and whole files are read only when they are
 * regular, non-empty and small enough. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/paths.h"

static char root[PATH_MAX]; /* an image tree, as its realpath */

static void put(const char *rel, const char *text)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void link_in(const char *target, const char *rel)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/abiprobe-paths-XXXXXX";
    if (!mkdtemp(tmpl) || !realpath(tmpl, root))
        return -1;
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/etc", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/lib", root);
    mkdir(p, 0755);
    put("etc/os-release", "ID=image\n");
    put("lib/libx.so", "x");
    link_in("/etc/os-release", "lib/abs"); /* absolute: the image's /etc, never this machine's */
    link_in("../../../../etc", "lib/up");  /* ".." stops at the root */
    link_in("loop2", "lib/loop1");
    link_in("loop1", "lib/loop2");
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_map(void **state)
{
    (void)state;
    char host[PATH_MAX], want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s/etc/os-release", root);
    assert_int_equal(sysroot_map(root, "/lib/abs", host, sizeof host), 0);
    assert_string_equal(host, want);
    assert_int_equal(sysroot_map(root, "/lib/up/os-release", host, sizeof host), 0);
    assert_string_equal(host, want);
    assert_int_equal(sysroot_map(root, "/../../etc/os-release", host, sizeof host), 0);
    assert_string_equal(host, want);
    assert_int_equal(sysroot_map(root, "/lib/loop1", host, sizeof host), -1);
    assert_int_equal(sysroot_map(root, "/lib/missing.so", host, sizeof host), -1);
    /* Without a root, the path itself. */
    assert_int_equal(sysroot_map(NULL, "/lib/abs", host, sizeof host), 0);
    assert_string_equal(host, "/lib/abs");
    /* sysroot_host joins what it cannot resolve, so that the message names it. */
    sysroot_host(root, "/lib/missing.so", host, sizeof host);
    snprintf(want, sizeof want, "%s/lib/missing.so", root);
    assert_string_equal(host, want);
}

static void test_image_view(void **state)
{
    (void)state;
    char host[PATH_MAX + 64], real[PATH_MAX];
    snprintf(host, sizeof host, "%s/lib/libx.so", root);
    assert_string_equal(sysroot_image(root, host), "/lib/libx.so");
    assert_string_equal(sysroot_image(root, root), "/");
    assert_null(sysroot_image(root, "/usr/lib/libc.so.6"));
    assert_string_equal(sysroot_shown(root, "/usr/lib/libc.so.6"), "/usr/lib/libc.so.6");
    assert_string_equal(sysroot_shown(root, host), "/lib/libx.so");
    assert_string_equal(sysroot_shown(NULL, host), host);
    /* sysroot_real resolves a host path under the root as the image does. */
    snprintf(host, sizeof host, "%s/lib/abs", root);
    assert_int_equal(sysroot_real(root, host, real, sizeof real), 0);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s/etc/os-release", root);
    assert_string_equal(real, want);
    assert_int_equal(sysroot_real(root, "/etc/passwd", real, sizeof real), -1);
}

static void test_resolve(void **state)
{
    (void)state;
    char r[PATH_MAX];
    assert_int_equal(sysroot_resolve("/", r, sizeof r), 0);
    assert_string_equal(r, ""); /* the machine itself */
    assert_int_equal(sysroot_resolve(root, r, sizeof r), 0);
    assert_string_equal(r, root);
    char file[PATH_MAX + 64];
    snprintf(file, sizeof file, "%s/etc/os-release", root);
    assert_int_equal(sysroot_resolve(file, r, sizeof r), -1);
    assert_int_equal(sysroot_resolve("/nonexistent/abiprobe", r, sizeof r), -1);
}

static void test_read_file(void **state)
{
    (void)state;
    char p[PATH_MAX + 64];
    size_t n = 0;
    snprintf(p, sizeof p, "%s/etc/os-release", root);
    char *t = path_read_file(p, 1024, &n);
    assert_non_null(t);
    assert_string_equal(t, "ID=image\n");
    assert_int_equal(n, 9);
    free(t);
    assert_null(path_read_file(p, 4, NULL)); /* larger than allowed */
    put("etc/empty", "");
    snprintf(p, sizeof p, "%s/etc/empty", root);
    assert_null(path_read_file(p, 1024, NULL));
    snprintf(p, sizeof p, "%s/etc/fifo", root);
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_null(path_read_file(p, 1024, NULL)); /* not regular, and it does not block */
    snprintf(p, sizeof p, "%s/lib/abs", root);
    assert_null(path_read_file(p, 1024, NULL)); /* a symlink is not followed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_image_view),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
