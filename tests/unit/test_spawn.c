/* tests/unit/test_spawn.c — child processes: exit status, signals, timeouts that kill the
 * group, capped output, and no shell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/spawn.h"

#include <string.h>

static spawn_res run(const char *const *argv, unsigned timeout_ms, size_t cap)
{
    spawn_req q = {argv, NULL, NULL, timeout_ms, 0, cap, cap};
    spawn_res r;
    diag d;
    diag_clear(&d);
    if (spawn_run(&q, &r, &d) != 0)
        fail_msg("spawn %s: %s", argv[0], d.msg);
    return r;
}

static void test_exit_and_output(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 7", NULL};
    spawn_res r = run(argv, 5000, 0);
    assert_true(r.exited);
    assert_int_equal(r.exit_code, 7);
    assert_string_equal(r.out, "out\n");
    assert_string_equal(r.err, "err\n");
    char buf[64];
    assert_string_equal(spawn_describe(&r, buf, sizeof buf), "exit 7");
    spawn_res_free(&r);
}

static void test_signal(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "kill -SEGV $$", NULL};
    spawn_res r = run(argv, 5000, 0);
    assert_false(r.exited);
    assert_int_equal(r.term_signal, 11);
    char buf[64];
    assert_string_equal(spawn_describe(&r, buf, sizeof buf), "killed by SIGSEGV");
    spawn_res_free(&r);
}

/* The deadline kills the whole group even when a grandchild holds the pipes open. */
static void test_timeout_kills_group(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "sleep 60 & sleep 60", NULL};
    spawn_res r = run(argv, 300, 0);
    assert_true(r.timed_out);
    assert_true(r.elapsed_ms < 3000);
    spawn_res_free(&r);
}

/* A child that exits while its daemon keeps stdout open ends the run promptly. */
static void test_daemon_holding_pipes(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "(sleep 60 &) ; echo parent-done", NULL};
    spawn_res r = run(argv, 10000, 0);
    assert_true(r.exited);
    assert_int_equal(r.exit_code, 0);
    assert_false(r.timed_out);
    assert_true(r.elapsed_ms < 3000);
    assert_non_null(strstr(r.out, "parent-done"));
    spawn_res_free(&r);
}

/* Megabytes of output neither block the child nor grow the buffer past its cap. */
static void test_flood_is_capped(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x; echo; echo tail-line", NULL};
    spawn_res r = run(argv, 20000, 4096);
    assert_true(r.exited);
    assert_true(r.out_truncated);
    assert_int_equal(r.out_len, 4096);
    size_t ll = 0;
    const char *line = spawn_last_line(r.out, r.out_len, &ll);
    assert_non_null(line);
    assert_int_equal(ll, strlen("tail-line"));
    assert_memory_equal(line, "tail-line", ll);
    spawn_res_free(&r);
}

/* argv reaches the program as-is: no shell ever sees it. */
static void test_no_shell(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/echo", "$(touch /tmp/abiprobe-pwned)", "a b;c", NULL};
    spawn_res r = run(argv, 5000, 0);
    assert_string_equal(r.out, "$(touch /tmp/abiprobe-pwned) a b;c\n");
    spawn_res_free(&r);
}

static void test_missing_program(void **state)
{
    (void)state;
    const char *argv[] = {"/nonexistent/runtime", NULL};
    spawn_req q = {argv, NULL, NULL, 1000, 0, 0, 0};
    spawn_res r;
    diag d;
    diag_clear(&d);
    assert_int_equal(spawn_run(&q, &r, &d), -1);
    assert_int_equal(d.code, DIAG_SPAWN);
    assert_non_null(strstr(d.msg, "/nonexistent/runtime"));
    spawn_res_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_and_output),     cmocka_unit_test(test_signal),
        cmocka_unit_test(test_timeout_kills_group), cmocka_unit_test(test_daemon_holding_pipes),
        cmocka_unit_test(test_flood_is_capped),     cmocka_unit_test(test_no_shell),
        cmocka_unit_test(test_missing_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
