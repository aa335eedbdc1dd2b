/* tests/unit/test_symname.c — grouping and demangling of symbol names, table-driven. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/symname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_groups(void **state)
{
    (void)state;
    static const struct {
        const char *name, *ver_file, *group;
    } cases[] = {
        {"_ZN2v815ValueSerializer8Delegate19HasCustomHostObjectEPNS_7IsolateE", NULL, "v8"},
        {"_ZNK2v85Value8IsObjectEv", NULL, "v8"},
        {"_ZTVN2v815ValueSerializer8DelegateE", NULL, "v8"}, /* vtable for v8:: */
        {"_ZTIN2v88PlatformE", NULL, "v8"},                  /* typeinfo for v8:: */
        {"_ZThn8_N2v88Platform3FooEv", NULL, "v8"},          /* non-virtual thunk */
        {"_ZN12v8_inspector10V8Debugger4initEv", NULL, "v8"},
        {"_ZN5cppgc8internal9HeapState4initEv", NULL, "v8"},
        {"_ZN4node12MakeCallbackEPN2v87IsolateE", NULL, "node"},
        {"_ZTVN4node10ObjectWrapE", NULL, "node"},
        {"node_module_register", NULL, "node"},
        {"napi_create_function", NULL, "napi"},
        {"node_api_module_get_api_version_v1", NULL, "napi"},
        {"uv_dlopen", NULL, "uv"},
        {"memcpy", "libc.so.6", "libc"},
        {"pthread_create", "libpthread.so.0", "libc"},
        {"__cxa_finalize", "libc.so.6", "libc"},
        {"__cxa_atexit", NULL, "c++"},
        {"__cxa_throw", "libstdc++.so.6", "c++"},
        {"__gxx_personality_v0", NULL, "c++"},
        {"_Unwind_Resume", "libgcc_s.so.1", "c++"},
        {"_Znwm", NULL, "c++"},   /* operator new */
        {"_ZdlPvm", NULL, "c++"}, /* operator delete */
        {"_ZSt9terminatev", NULL, "c++"},
        {"_ZNSt6thread6_StateD2Ev", NULL, "c++"},
        {"_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4findEPKcmm", NULL, "c++"},
        {"_ZTVN10__cxxabiv117__class_type_infoE", NULL, "c++"},
        {"_ZN9__gnu_cxx9__freeresEv", NULL, "c++"},
        {"_Z3foov", NULL, "other"},
        {"_ZN5mylib3fooEv", NULL, "other"},
        {"__gmon_start__", NULL, "other"},
        {"_Z", NULL, "other"},
        {"_ZN999999999x", NULL, "other"}, /* absurd length */
        {"", NULL, "other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = sym_group_name(sym_group_of(cases[i].name, cases[i].ver_file));
        if (strcmp(got, cases[i].group) != 0)
            fail_msg("%s: group %s, want %s", cases[i].name, got, cases[i].group);
    }
}

static void test_demangle(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"_ZN2v815ValueSerializer8Delegate19HasCustomHostObjectEPNS_7IsolateE",
         "v8::ValueSerializer::Delegate::HasCustomHostObject(v8::Isolate*)"},
        {"_ZTVN4node10ObjectWrapE", "vtable for node::ObjectWrap"},
        {"_Znwm", "operator new(unsigned long)"},
        {"napi_create_function", NULL},
        {"_ZN2v8", NULL}, /* truncated mangling does not demangle */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = sym_demangle(cases[i].in);
        if (!cases[i].out)
            assert_null(got);
        else
            assert_string_equal(got, cases[i].out);
        free(got);
    }
    /* Over-long names are not handed to the demangler. */
    char *long_name = malloc(10000);
    assert_non_null(long_name);
    memset(long_name, 'a', 9999);
    memcpy(long_name, "_ZN", 3);
    long_name[9999] = '\0';
    assert_null(sym_demangle(long_name));
    free(long_name);
}

/* The memo answers as sym_demangle does, once per name, across a table that grows. */
static void test_memo(void **state)
{
    (void)state;
    sym_memo *m = sym_memo_new();
    assert_non_null(m);
    char *owned;
    const char *a = sym_memo_demangle(m, "_Znwm", &owned);
    assert_null(owned);
    assert_string_equal(a, "operator new(unsigned long)");
    assert_ptr_equal(sym_memo_demangle(m, "_Znwm", &owned), a); /* remembered, not redone */
    assert_null(sym_memo_demangle(m, "napi_create_function", &owned));
    char name[64];
    for (int i = 0; i < 1000; i++) { /* past several doublings of the table */
        snprintf(name, sizeof name, "_Z4f%03dv", i);
        const char *d = sym_memo_demangle(m, name, &owned);
        char want[64];
        snprintf(want, sizeof want, "f%03d()", i);
        if (!d || strcmp(d, want) != 0)
            fail_msg("%s: %s, want %s", name, d ? d : "NULL", want);
    }
    assert_string_equal(sym_memo_demangle(m, "_Znwm", &owned), "operator new(unsigned long)");
    sym_memo_free(m);
    /* Without a memo it demangles each time, and the caller owns the result. */
    const char *d = sym_memo_demangle(NULL, "_Znwm", &owned);
    assert_ptr_equal(d, owned);
    assert_string_equal(d, "operator new(unsigned long)");
    free(owned);
}

static size_t file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n > 0 ? (size_t)n : 0;
}

/* The memo across runs: a save writes what was demangled afresh, once; a load of that entry
 * answers the same in a new memo, demangles nothing, and makes the next save a no-op. An entry
 * for another key, cut short, or naming a name that is not mangled gives nothing. */
static void test_memo_cache(void **state)
{
    (void)state;
    char dir[] = "/tmp/abiprobe-memo-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/entry", dir);
    const char *names[] = {"_Znwm", "_ZN2v87Context5EnterEv", "_Znwm", "_Z1", "napi_create_int32"};
    size_t n = sizeof names / sizeof names[0], len = 0;
    sym_memo *m = sym_memo_new();
    char *owned;
    for (size_t i = 0; i < n; i++) {
        sym_memo_demangle(m, names[i], &owned);
        assert_null(owned);
    }
    char *pairs = sym_memo_save(m, path, "k1", NULL, 0, names, n, &len);
    assert_non_null(pairs);
    /* _Znwm once, Context::Enter, _Z1 (which does not demangle); the C name not at all */
    static const char want[] =
        "_Znwm\0operator new(unsigned long)\0_ZN2v87Context5EnterEv\0v8::Context::Enter()\0_Z1\0";
    assert_int_equal(len, sizeof want);
    assert_memory_equal(pairs, want, sizeof want);
    size_t written = file_size(path);
    assert_int_equal(written, sizeof "abiprobe-demangled" + sizeof "k1" + len);
    assert_null(sym_memo_save(m, path, "k1", pairs, len, names, n, &len)); /* nothing fresh */
    sym_memo_free(m);

    m = sym_memo_new();
    size_t got = 0;
    const char *loaded = sym_memo_load(m, path, "k1", &got);
    assert_non_null(loaded);
    assert_int_equal(got, sizeof want);
    assert_memory_equal(loaded, pairs, got);
    assert_string_equal(sym_memo_demangle(m, "_ZN2v87Context5EnterEv", &owned), "v8::Context::Enter()");
    assert_null(sym_memo_demangle(m, "_Z1", &owned));
    assert_null(sym_memo_save(m, path, "k1", loaded, got, names, n, &len)); /* all came from the entry */
    /* A name the entry lacks is fresh: the save keeps the old pairs and adds it. */
    const char *more[] = {"_ZdlPv"};
    sym_memo_demangle(m, more[0], &owned);
    char *grown = sym_memo_save(m, path, "k1", loaded, got, more, 1, &len);
    assert_non_null(grown);
    assert_int_equal(len, got + sizeof "_ZdlPv" + sizeof "operator delete(void*)");
    assert_memory_equal(grown, want, sizeof want);
    free(grown);
    assert_null(sym_memo_load(m, path, "k2", &got)); /* another key */
    sym_memo_free(m);

    /* Damaged: cut inside the last pair, then a pair whose name is not mangled. */
    FILE *f = fopen(path, "rb");
    char buf[512];
    size_t fl = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(path, "wb");
    fwrite(buf, 1, fl - 3, f);
    fclose(f);
    m = sym_memo_new();
    assert_null(sym_memo_load(m, path, "k1", &got));
    assert_string_equal(sym_memo_demangle(m, "_Znwm", &owned), "operator new(unsigned long)");
    sym_memo_free(m);
    memcpy(buf + sizeof "abiprobe-demangled" + sizeof "k1", "xZ", 2);
    f = fopen(path, "wb");
    fwrite(buf, 1, fl, f);
    fclose(f);
    m = sym_memo_new();
    assert_null(sym_memo_load(m, path, "k1", &got));
    sym_memo_free(m);
    free(pairs);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_groups), cmocka_unit_test(test_demangle),
                                       cmocka_unit_test(test_memo), cmocka_unit_test(test_memo_cache)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
