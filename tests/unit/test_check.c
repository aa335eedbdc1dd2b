/* tests/unit/test_check.c — the static checks, each failing and passing, on fixtures built
 * from source: fake hosts that export part of a fake API (one of them musl, one posing as
 * Bun), addons whose missing symbol is a lazy call, a -z now call, data, a vtable slot or a
 * stub, a version the host library lacks, a missing NEEDED, RPATH/RUNPATH with $ORIGIN,
 * 32-bit and musl addons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/check.h"
#include "probe/scope.h"

#include <stdio.h>
#include <string.h>

#define FIX(name) FIXTURE_DIR "/" name

typedef struct pair {
    report r;
    checker *c;
    result *res;
} pair;

static void run(pair *p, const char *addon, const char *runtime)
{
    report_init(&p->r, "check");
    check_opts o = {.static_only = true, .timeout_ms = 20000};
    diag d;
    diag_clear(&d);
    if (checker_create(&p->c, &p->r, &o, &d) != 0)
        fail_msg("checker: %s", d.msg);
    if (checker_add_runtime(p->c, runtime, &d) != 0)
        fail_msg("runtime %s: %s", runtime, d.msg);
    if (checker_run(p->c, addon, &d) != 0)
        fail_msg("%s: %s", addon, d.msg);
    assert_int_equal(p->r.nresults, 1);
    p->res = &p->r.results[0];
}

static void done(pair *p)
{
    checker_destroy(p->c);
    report_free(&p->r);
}

static const check *get(const pair *p, const char *id)
{
    for (size_t i = 0; i < p->res->nchecks; i++)
        if (strcmp(check_id_names[p->res->checks[i].id], id) == 0)
            return &p->res->checks[i];
    fail_msg("no check %s", id);
    return NULL;
}

static const missing_sym *missing(const check *k, const char *name)
{
    for (size_t i = 0; i < k->nmissing; i++)
        if (strcmp(k->missing[i].name, name) == 0)
            return &k->missing[i];
    return NULL;
}

static void expect_status(const pair *p, const char *id, status st)
{
    const check *k = get(p, id);
    if (k->status != st)
        fail_msg("%s: %s, want %s (%s)", id, status_name(k->status), status_name(st), k->message);
}

static void test_all_present_passes(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("fake_addon_ok.node"), FIX("fake_host"));
    static const char *const ids[] = {"format", "libc", "needed", "versions", "symbols", "modules", "napi"};
    for (size_t i = 0; i < 7; i++)
        expect_status(&p, ids[i], STATUS_PASS);
    expect_status(&p, "dlopen", STATUS_SKIP);
    assert_int_equal(p.res->verdict, STATUS_PASS);
    done(&p);
}

/* when: a lazy PLT call, the same under -z now, a pointer in data, a vtable slot. */
static void test_when(void **state)
{
    (void)state;
    static const struct {
        const char *addon, *sym, *when;
        bool first;
    } cases[] = {
        {FIX("fake_addon_call.node"), "fake_api_c", "call", false},
        {FIX("fake_addon_now.node"), "fake_api_c", "load", true},
        {FIX("fake_addon_data.node"), "fake_api_c", "load", true},
        {FIX("vtable_addon.node"), "_ZN4fake8Delegate8HasThingEi", "load", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pair p;
        run(&p, cases[i].addon, FIX("fake_host"));
        const check *k = get(&p, "symbols");
        assert_int_equal(k->status, STATUS_FAIL);
        const missing_sym *m = missing(k, cases[i].sym);
        if (!m)
            fail_msg("%s: %s not reported missing", cases[i].addon, cases[i].sym);
        assert_string_equal(sym_when_names[m->when], cases[i].when);
        assert_null(m->resolved_to);
        assert_int_equal(k->first != NULL, cases[i].first);
        /* Everything the host does define is not missing. */
        assert_null(missing(k, "fake_api_a"));
        assert_null(missing(k, "fake_api_data"));
        assert_int_equal(p.res->verdict, STATUS_FAIL);
        done(&p);
    }
    pair p;
    run(&p, FIX("vtable_addon.node"), FIX("fake_host"));
    const missing_sym *m = missing(get(&p, "symbols"), "_ZN4fake8Delegate8HasThingEi");
    assert_string_equal(m->demangled, "fake::Delegate::HasThing(int)");
    done(&p);
}

/* musl has no lazy binding: the same call is `load` against a musl host. */
static void test_musl_host_binds_now(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("fake_addon_call.node"), FIX("fake_host_musl"));
    assert_string_equal(p.res->runtime->libc, "musl");
    const missing_sym *m = missing(get(&p, "symbols"), "fake_api_c");
    assert_non_null(m);
    assert_int_equal(m->when, WHEN_LOAD);
    done(&p);
}

/* A stub of the host counts as missing (resolved_to stub, when call); a real function of the
 * same family does not. */
static void test_stub_family(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("fake_addon_stub.node"), FIX("fake_host"));
    const check *k = get(&p, "symbols");
    assert_int_equal(k->status, STATUS_FAIL);
    const missing_sym *m = missing(k, "fake_uv_stub_3");
    assert_non_null(m);
    assert_string_equal(m->resolved_to, "stub");
    assert_int_equal(m->when, WHEN_CALL);
    assert_int_equal(k->nstub, 1);
    assert_int_equal(k->nload + k->ncall, 0);
    assert_null(missing(k, "fake_uv_real"));
    done(&p);
}

static void test_version_lacking_and_runpath(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("sub/needs_newer.node"), FIX("fake_host"));
    const check *v = get(&p, "versions");
    assert_int_equal(v->status, STATUS_FAIL);
    assert_non_null(strstr(v->message, "VERS_3.0"));
    assert_non_null(strstr(v->message, "newest: VERS_2.0"));
    assert_non_null(strstr(v->message, "libversioned.so"));
    expect_status(&p, "needed", STATUS_PASS); /* found through RUNPATH $ORIGIN/.. */
    const missing_sym *m = missing(get(&p, "symbols"), "foo");
    assert_non_null(m);
    assert_string_equal(m->version, "VERS_3.0");
    done(&p);
}

static void test_rpath_origin(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("sub/uses_versioned_rpath.node"), FIX("fake_host"));
    expect_status(&p, "needed", STATUS_PASS);
    expect_status(&p, "versions", STATUS_PASS);
    expect_status(&p, "symbols", STATUS_PASS);
    done(&p);

    /* The scope says how each library was found. */
    ldso *l;
    diag d;
    scope s;
    assert_int_equal(ldso_create(&l, &d), 0);
    assert_int_equal(scope_global(l, FIX("fake_host"), &s, &d), 0);
    assert_int_equal(scope_add_local(l, &s, FIX("sub/uses_versioned_rpath.node"), &d), 0);
    size_t e = scope_find_soname(l, &s, "libversioned.so");
    assert_true(e != SIZE_MAX);
    assert_int_equal(s.e[e].via, VIA_RPATH);
    scope_free(&s);
    assert_int_equal(scope_global(l, FIX("fake_host"), &s, &d), 0);
    assert_int_equal(scope_add_local(l, &s, FIX("sub/needs_newer.node"), &d), 0);
    e = scope_find_soname(l, &s, "libversioned.so");
    assert_true(e != SIZE_MAX);
    assert_int_equal(s.e[e].via, VIA_RUNPATH);
    /* libc of the host comes from the cache, as ld.so finds it. */
    e = scope_find_soname(l, &s, "libc.so.6");
    assert_true(e != SIZE_MAX && e < s.nglobal);
    assert_int_equal(s.e[e].via, VIA_CACHE);
    scope_free(&s);
    ldso_destroy(l);
}

static void test_missing_needed(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("needs_gone.node"), FIX("fake_host"));
    const check *k = get(&p, "needed");
    assert_int_equal(k->status, STATUS_FAIL);
    assert_non_null(strstr(k->message, "libgone.so"));
    assert_int_equal(k->details.n, 1);
    assert_non_null(strstr(k->details.v[0], "ld.so.cache"));
    assert_non_null(k->hint);
    done(&p);
}

static void test_format_and_libc(void **state)
{
    (void)state;
    pair p;
    run(&p, FIX("m32_addon.node"), FIX("fake_host"));
    expect_status(&p, "format", STATUS_FAIL);
    assert_non_null(strstr(get(&p, "format")->message, "32-bit i386"));
    expect_status(&p, "symbols", STATUS_SKIP);
    done(&p);

    run(&p, FIX("musl_addon.node"), FIX("fake_host"));
    expect_status(&p, "format", STATUS_PASS);
    expect_status(&p, "libc", STATUS_FAIL);
    assert_non_null(strstr(get(&p, "libc")->message, "musl addon on a glibc runtime"));
    done(&p);

    run(&p, FIX("napi_addon.node"), FIX("fake_host_musl"));
    expect_status(&p, "libc", STATUS_PASS); /* no C library needed */
    done(&p);
}

static void test_modules(void **state)
{
    (void)state;
    pair p;
    /* The V8 fixture was built for the machine's Node headers; the fake host says 137. */
    run(&p, FIX("v8_addon.node"), FIX("fake_host"));
    const check *k = get(&p, "modules");
    char want[32];
    snprintf(want, sizeof want, "modules %d", NODE_MODULE_VERSION_OF_HEADERS);
    if (NODE_MODULE_VERSION_OF_HEADERS != 137) {
        assert_int_equal(k->status, STATUS_FAIL);
        assert_non_null(strstr(k->message, want));
        assert_non_null(strstr(k->message, "modules 137"));
    } else {
        assert_int_equal(k->status, STATUS_PASS); /* headers and host agree */
    }
    done(&p);

    run(&p, FIX("legacy_addon.node"), FIX("fake_bun"));
    k = get(&p, "modules");
    assert_int_equal(k->status, STATUS_FAIL);
    assert_non_null(strstr(k->message, "JavaScriptCore"));
    done(&p);

    run(&p, FIX("legacy_addon.node"), FIX("fake_host"));
    expect_status(&p, "modules", STATUS_PASS);
    assert_non_null(strstr(get(&p, "modules")->message, "only the real load can tell"));
    done(&p);

    run(&p, FIX("napi_addon.node"), FIX("fake_bun"));
    expect_status(&p, "modules", STATUS_PASS);
    done(&p);

    run(&p, FIX("libversioned.so"), FIX("fake_host"));
    expect_status(&p, "modules", STATUS_FAIL); /* no registration at all */
    done(&p);
}

static void test_napi(void **state)
{
    (void)state;
    pair p;
    /* The fake host exports napi_create_int32 and napi_create_function, not napi_set_named_property. */
    run(&p, FIX("napi_addon.node"), FIX("fake_host"));
    const check *k = get(&p, "napi");
    assert_int_equal(k->status, STATUS_FAIL);
    /* named in the message, and listed as the symbols check lists it: a lazy call */
    assert_non_null(strstr(k->message, "napi_set_named_property is not exported"));
    assert_non_null(strstr(k->message, "first call"));
    assert_int_equal(k->nmissing, 1);
    assert_string_equal(k->missing[0].name, "napi_set_named_property");
    assert_int_equal(k->missing[0].when, WHEN_CALL);
    assert_int_equal(k->ncall, 1);
    assert_int_equal(k->missing_by_group[SYMGROUP_NAPI], 1);
    assert_null(k->first);
    done(&p);

    /* The same addon bound now: the load fails, and ld.so stops at it. */
    run(&p, FIX("napi_addon_now.node"), FIX("fake_host"));
    k = get(&p, "napi");
    assert_int_equal(k->status, STATUS_FAIL);
    assert_non_null(strstr(k->message, "the load fails"));
    assert_int_equal(k->missing[0].when, WHEN_LOAD);
    assert_string_equal(k->first, "napi_set_named_property");
    done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_present_passes),
        cmocka_unit_test(test_when),
        cmocka_unit_test(test_musl_host_binds_now),
        cmocka_unit_test(test_stub_family),
        cmocka_unit_test(test_version_lacking_and_runpath),
        cmocka_unit_test(test_rpath_origin),
        cmocka_unit_test(test_missing_needed),
        cmocka_unit_test(test_format_and_libc),
        cmocka_unit_test(test_modules),
        cmocka_unit_test(test_napi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
