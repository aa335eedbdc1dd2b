/* tests/unit/test_elf.c — the ELF reader on fixtures compiled from source: header facts,
 * the dynamic section, symbols, versions, relocations, hash lookup and refusals. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/elf.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIX(name) FIXTURE_DIR "/" name

static elf_obj *must_open(const char *path)
{
    elf_obj *o = NULL;
    diag d;
    diag_clear(&d);
    if (elf_obj_open(&o, path, &d) != 0)
        fail_msg("%s: %s", path, d.msg);
    return o;
}

static size_t find_sym(const elf_obj *o, const char *name, bool defined, elf_sym *out)
{
    for (size_t i = 1; i < elf_obj_nsyms(o); i++) {
        if (elf_obj_sym(o, i, out) == 0 && strcmp(out->name, name) == 0 && (out->shndx != SHN_UNDEF) == defined)
            return i;
    }
    return 0;
}

/* Header facts for each fixture: class, machine, type, interpreter. */
static void test_headers(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int cls, machine, type;
        bool interp;
    } cases[] = {
        {FIX("napi_addon.node"), ELFCLASS64, EM_X86_64, ET_DYN, false},
        {FIX("v8_addon.node"), ELFCLASS64, EM_X86_64, ET_DYN, false},
        {FIX("musl_addon.node"), ELFCLASS64, EM_X86_64, ET_DYN, false},
        {FIX("m32_addon.node"), ELFCLASS32, EM_386, ET_DYN, false},
        {FIX("hang_host"), ELFCLASS64, EM_X86_64, ET_DYN, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        elf_obj *o = must_open(cases[i].path);
        const elf_header *h = elf_obj_header(o);
        assert_int_equal(h->elfclass, cases[i].cls);
        assert_int_equal(h->machine, cases[i].machine);
        assert_int_equal(h->type, cases[i].type);
        assert_int_equal(h->data, ELFDATA2LSB);
        assert_int_equal(h->interp != NULL, cases[i].interp);
        assert_true(elf_obj_is_dynamic(o));
        elf_obj_close(o);
    }
}

static void test_dynamic_section(void **state)
{
    (void)state;
    elf_obj *o = must_open(FIX("uses_versioned.so"));
    assert_int_equal(elf_obj_nneeded(o), 1);
    assert_string_equal(elf_obj_needed(o, 0), "libversioned.so");
    assert_null(elf_obj_needed(o, 1));
    assert_null(elf_obj_soname(o));
    assert_false(elf_obj_bind_now(o));
    elf_obj_close(o);

    o = must_open(FIX("libversioned.so"));
    assert_string_equal(elf_obj_soname(o), "libversioned.so");
    elf_obj_close(o);

    o = must_open(FIX("musl_addon.node"));
    assert_int_equal(elf_obj_nneeded(o), 1);
    assert_string_equal(elf_obj_needed(o, 0), "libc.so");
    elf_obj_close(o);
}

/* Imports and exports of the N-API fixture, in both classes. */
static void test_symbols(void **state)
{
    (void)state;
    const char *paths[] = {FIX("napi_addon.node"), FIX("m32_addon.node")};
    for (size_t k = 0; k < 2; k++) {
        elf_obj *o = must_open(paths[k]);
        elf_sym s;
        assert_true(find_sym(o, "napi_register_module_v1", true, &s) > 0);
        assert_int_equal(s.bind, STB_GLOBAL);
        assert_int_equal(s.type, STT_FUNC);
        assert_int_equal(s.vis, STV_DEFAULT);
        assert_true(s.size > 0);
        assert_true(find_sym(o, "napi_create_int32", false, &s) > 0);
        assert_int_equal(s.shndx, SHN_UNDEF);
        assert_int_equal(elf_obj_sym(o, elf_obj_nsyms(o), &s), -1);
        elf_obj_close(o);
    }
}

/* The one-pass mark of imports agrees with each entry read on its own: undefined, not weak,
 * named; a weak import (maybe_there) and every definition stay unmarked. */
static void test_mark_imports(void **state)
{
    (void)state;
    const char *paths[] = {FIX("uses_versioned.so"), FIX("napi_addon.node"), FIX("m32_addon.node"),
                           FIX("v8_addon.node")};
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        elf_obj *o = must_open(paths[k]);
        size_t n = elf_obj_nsyms(o), want = 0;
        uint8_t *mark = calloc(n, 1);
        assert_non_null(mark);
        mark[0] = 0x80; /* other bits are left alone */
        size_t got = elf_obj_mark_imports(o, mark, 4);
        assert_int_equal(mark[0], 0x80);
        for (size_t i = 1; i < n; i++) {
            elf_sym s;
            assert_int_equal(elf_obj_sym(o, i, &s), 0);
            bool import = s.shndx == SHN_UNDEF && s.bind != STB_WEAK && s.name[0];
            want += import;
            if (import != ((mark[i] & 4) != 0))
                fail_msg("%s: %s is %s, marked %d", paths[k], s.name, import ? "an import" : "no import", mark[i]);
        }
        assert_int_equal(got, want);
        assert_true(want > 0);
        free(mark);
        elf_obj_close(o);
    }
    elf_obj *o = must_open(FIX("uses_versioned.so"));
    elf_sym s;
    assert_true(find_sym(o, "maybe_there", false, &s) > 0);
    assert_int_equal(s.bind, STB_WEAK);
    elf_obj_close(o);
}

/* The path of the library that soname names in this process, loaded if need be. */
static void loaded_path(const char *soname, char *out, size_t n)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
    if (!h)
        h = dlopen(soname, RTLD_NOW);
    struct link_map *lm = NULL;
    if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_name[0])
        fail_msg("%s: not loadable here: %s", soname, dlerror());
    snprintf(out, n, "%s", lm->l_name);
}

/* The C and C++ runtime libraries are told by the versions they define; an addon or a
 * library with versions of its own is not one of them. */
static void test_platform_lib(void **state)
{
    (void)state;
    const char *platform[] = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1"};
    for (size_t i = 0; i < sizeof platform / sizeof platform[0]; i++) {
        char path[4096];
        loaded_path(platform[i], path, sizeof path);
        elf_obj *o = must_open(path);
        if (!elf_obj_is_platform_lib(o))
            fail_msg("%s (%s) is not taken for a platform library", platform[i], path);
        elf_obj_close(o);
    }
    const char *
        not [] = {FIX("napi_addon.node"), FIX("libversioned.so"), FIX("uses_versioned.so"), FIX("musl_addon.node")};
    for (size_t i = 0; i < sizeof not / sizeof not [0]; i++) {
        elf_obj *o = must_open(not [i]);
        if (elf_obj_is_platform_lib(o))
            fail_msg("%s is taken for a platform library", not [i]);
        elf_obj_close(o);
    }
}

/* VERDEF, VERNEED, hidden old versions, and ld.so's version-aware lookup. */
static void test_versions_and_lookup(void **state)
{
    (void)state;
    elf_obj *lib = must_open(FIX("libversioned.so"));
    assert_true(elf_obj_defines_version(lib, "VERS_1.0"));
    assert_true(elf_obj_defines_version(lib, "VERS_2.0"));
    assert_false(elf_obj_defines_version(lib, "VERS_3.0"));
    assert_string_equal(elf_obj_hash_kind(lib), "gnu");

    elf_sym s;
    size_t def = elf_obj_lookup(lib, "foo", NULL);
    assert_true(def > 0);
    assert_int_equal(elf_obj_sym(lib, def, &s), 0);
    assert_string_equal(s.version, "VERS_2.0");
    assert_false(s.hidden);

    size_t old = elf_obj_lookup(lib, "foo", "VERS_1.0");
    assert_true(old > 0 && old != def);
    assert_int_equal(elf_obj_sym(lib, old, &s), 0);
    assert_string_equal(s.version, "VERS_1.0");
    assert_true(s.hidden);

    assert_int_equal(elf_obj_lookup(lib, "foo", "VERS_2.0"), def);
    assert_true(elf_obj_lookup(lib, "bar", "VERS_2.0") > 0);
    assert_int_equal(elf_obj_lookup(lib, "bar", "VERS_1.0"), 0);
    assert_int_equal(elf_obj_lookup(lib, "baz", NULL), 0);
    assert_int_equal(elf_obj_lookup(lib, "foo_v1", NULL), 0); /* made local by the script */
    elf_obj_close(lib);

    elf_obj *user = must_open(FIX("uses_versioned.so"));
    assert_int_equal(find_sym(user, "foo", false, &s) > 0, 1);
    assert_string_equal(s.version, "VERS_2.0");
    assert_string_equal(s.ver_file, "libversioned.so");
    assert_true(find_sym(user, "maybe_there", false, &s) > 0);
    assert_int_equal(s.bind, STB_WEAK);
    assert_null(s.version);
    bool saw_need = false;
    for (size_t i = 0; i < elf_obj_nversions(user); i++) {
        elf_verinfo v;
        if (elf_obj_version(user, i, &v) == 0 && !v.defined && strcmp(v.name, "VERS_2.0") == 0) {
            assert_string_equal(v.file, "libversioned.so");
            saw_need = true;
        }
    }
    assert_true(saw_need);
    elf_obj_close(user);
}

/* Relocations: the v8 fixture calls through the PLT and references data via GLOB_DAT. */
static void test_relocations(void **state)
{
    (void)state;
    elf_obj *o = must_open(FIX("v8_addon.node"));
    size_t n = elf_obj_nrels(o), plt = 0, dyn = 0;
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        elf_rel r;
        assert_int_equal(elf_obj_rel(o, i, &r), 0);
        assert_true(r.sym < elf_obj_nsyms(o));
        if (r.plt) {
            plt++;
            assert_int_equal(r.type, R_X86_64_JUMP_SLOT);
        } else {
            dyn++;
        }
    }
    assert_true(plt > 0);
    assert_true(dyn > 0);
    elf_rel r;
    assert_int_equal(elf_obj_rel(o, n, &r), -1);
    elf_obj_close(o);
}

/* The lookup through .gnu.hash finds every defined global symbol that a scan finds. */
static void test_hash_matches_scan(void **state)
{
    (void)state;
    const char *paths[] = {FIX("v8_addon.node"), FIX("m32_addon.node"), FIX("libversioned.so"), FIX("musl_addon.node")};
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        elf_obj *o = must_open(paths[k]);
        for (size_t i = 1; i < elf_obj_nsyms(o); i++) {
            elf_sym s;
            assert_int_equal(elf_obj_sym(o, i, &s), 0);
            if (s.shndx == SHN_UNDEF || s.bind == STB_LOCAL || s.hidden || (s.value == 0 && s.type != STT_TLS))
                continue;
            size_t got = elf_obj_lookup(o, s.name, s.version);
            if (got != i)
                fail_msg("%s: lookup(%s) = %zu, want %zu", paths[k], s.name, got, i);
        }
        elf_obj_close(o);
    }
}

static void test_hash_functions(void **state)
{
    (void)state;
    /* Reference values from the System V ABI and the GNU hash (djb2) definition. */
    assert_int_equal(elf_hash_sysv(""), 0);
    assert_int_equal(elf_hash_sysv("printf"), 0x077905a6);
    assert_int_equal(elf_hash_gnu(""), 5381);
    assert_int_equal(elf_hash_gnu("printf"), 0x156b2bb8);
}

static void test_read_vaddr(void **state)
{
    (void)state;
    elf_obj *o = must_open(FIX("napi_addon.node"));
    elf_sym s;
    assert_true(find_sym(o, "node_api_module_get_api_version_v1", true, &s) > 0);
    unsigned char buf[8];
    assert_int_equal(elf_obj_read_vaddr(o, s.value, buf, 6), 0);
    assert_int_equal(elf_obj_read_vaddr(o, UINT64_MAX - 2, buf, 8), -1);
    assert_int_equal(elf_obj_read_vaddr(o, 0x7fffffff0000ull, buf, 1), -1);
    elf_obj_close(o);
}

/* Things that are not addons get DIAG codes and messages that name the file. */
static void test_refusals(void **state)
{
    (void)state;
    char dir[] = "/tmp/abiprobe-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char empty[300], fifo[300], text[300], macho[300], pe[300];
    snprintf(empty, sizeof empty, "%s/empty.node", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo.node", dir);
    snprintf(text, sizeof text, "%s/text.node", dir);
    snprintf(macho, sizeof macho, "%s/macho.node", dir);
    snprintf(pe, sizeof pe, "%s/pe.node", dir);
    FILE *f = fopen(empty, "w");
    fclose(f);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    f = fopen(text, "w");
    fputs("module.exports = 42;\n", f);
    fclose(f);
    unsigned char mh[32] = {0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0x00, 0x00, 0x01, 0, 0, 0, 0, 8, 0, 0, 0};
    f = fopen(macho, "wb");
    fwrite(mh, 1, sizeof mh, f);
    fclose(f);
    unsigned char pehdr[0x100] = {'M', 'Z'};
    pehdr[0x3c] = 0x80;
    memcpy(pehdr + 0x80, "PE\0\0\x64\x86", 6);
    pehdr[0x80 + 22] = 0x22;
    pehdr[0x80 + 23] = 0x20;
    pehdr[0x80 + 24] = 0x0b;
    pehdr[0x80 + 25] = 0x02;
    f = fopen(pe, "wb");
    fwrite(pehdr, 1, sizeof pehdr, f);
    fclose(f);

    static const struct {
        int which;
        diag_code code;
        const char *needle;
    } cases[] = {
        {0, DIAG_FORMAT, "empty file"}, {1, DIAG_IO, "not a regular file"}, {2, DIAG_FORMAT, "not an ELF file"},
        {3, DIAG_FOREIGN, "Mach-O"},    {4, DIAG_FOREIGN, "PE32+"},         {5, DIAG_IO, "is a directory"},
        {6, DIAG_IO, "No such file"},
    };
    const char *paths[] = {empty, fifo, text, macho, pe, dir, "/nonexistent/x.node"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        elf_obj *o = NULL;
        diag d;
        diag_clear(&d);
        assert_int_equal(elf_obj_open(&o, paths[cases[i].which], &d), -1);
        assert_null(o);
        assert_int_equal(d.code, cases[i].code);
        if (!strstr(d.msg, cases[i].needle) || !strstr(d.msg, paths[cases[i].which]))
            fail_msg("want '%s' and the path in: %s", cases[i].needle, d.msg);
    }
    file_sniff sn;
    file_sniff_path(macho, &sn);
    assert_int_equal(sn.format, FILE_FORMAT_MACHO);
    assert_string_equal(sn.machine, "arm64");
    file_sniff_path(pe, &sn);
    assert_int_equal(sn.format, FILE_FORMAT_PE);
    assert_string_equal(sn.machine, "x86_64");
    unlink(empty);
    unlink(fifo);
    unlink(text);
    unlink(macho);
    unlink(pe);
    rmdir(dir);
}

/* A truncated copy of a real fixture is refused cleanly at every length. */
static void test_truncations(void **state)
{
    (void)state;
    FILE *f = fopen(FIX("napi_addon.node"), "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 4096);
    char path[] = "/tmp/abiprobe-trunc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    size_t cuts[] = {1, 4, 16, 52, 63, 64, 100, 500, 1000, 2000, 4000, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        f = fopen(path, "wb");
        fwrite(buf, 1, cuts[i], f);
        fclose(f);
        elf_obj *o = NULL;
        diag d;
        diag_clear(&d);
        if (elf_obj_open(&o, path, &d) == 0) {
            /* Whatever opened must be safe to walk. */
            for (size_t k = 0; k < elf_obj_nsyms(o); k++) {
                elf_sym s;
                elf_obj_sym(o, k, &s);
                elf_obj_lookup(o, s.name, NULL);
            }
            elf_obj_close(o);
        } else {
            assert_true(d.msg[0] != '\0');
        }
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),        cmocka_unit_test(test_dynamic_section),
        cmocka_unit_test(test_symbols),        cmocka_unit_test(test_mark_imports),
        cmocka_unit_test(test_platform_lib),   cmocka_unit_test(test_versions_and_lookup),
        cmocka_unit_test(test_relocations),    cmocka_unit_test(test_hash_matches_scan),
        cmocka_unit_test(test_hash_functions), cmocka_unit_test(test_read_vaddr),
        cmocka_unit_test(test_refusals),       cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
