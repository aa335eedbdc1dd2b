/* tests/unit/test_corrupt.c — corrupt and odd ELF files made by byte-patching fresh
 * fixtures, each pushed through the whole pipeline (reader, addon facts, stub scan, the
 * static checks against a fake host): truncation at every interesting offset, headers past
 * the end or overflowing, e_shnum 0 and 0xffff, string tables without a terminator, names
 * out of range, sh_link loops, version indices out of range, absurd .gnu.hash tables,
 * relocations naming missing symbols, a flipped byte order. Nothing may crash (the ASan
 * build makes out-of-bounds reads crash); errors must carry a message; and each mutation has
 * the outcome it must come to (test_mutations). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/addon.h"
#include "probe/check.h"
#include "probe/elf.h"
#include "probe/stubs.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX(name) FIXTURE_DIR "/" name

static unsigned char *orig;
static size_t orig_size;
static checker *ck;
static report rep_;
static size_t opened, refused; /* how many images the reader took and refused */

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* What the reader made of an image: refused (with its message), or opened with these counts. */
typedef struct outcome {
    bool opened;
    size_t nsyms, nneeded, nrels;
    char msg[512];
} outcome;

/* Push one image through everything; a crash (or a sanitizer report) fails, and so does a
 * refusal without a message that names the file. */
static outcome exercise(const unsigned char *img, size_t n, const char *what)
{
    outcome out = {false, 0, 0, 0, ""};
    char path[] = "/tmp/abiprobe-corrupt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, n), (ssize_t)n);
    close(fd);
    elf_obj *o = NULL;
    diag d;
    diag_clear(&d);
    if (elf_obj_open(&o, path, &d) == 0) {
        out.opened = true;
        out.nsyms = elf_obj_nsyms(o);
        out.nneeded = elf_obj_nneeded(o);
        out.nrels = elf_obj_nrels(o);
        for (size_t i = 0; i < elf_obj_nsyms(o) && i < 100000; i++) {
            elf_sym s;
            if (elf_obj_sym(o, i, &s) == 0) {
                elf_obj_lookup(o, s.name, s.version);
                unsigned char buf[16];
                elf_obj_read_vaddr(o, s.value, buf, sizeof buf);
            }
        }
        for (size_t i = 0; i < elf_obj_nrels(o) && i < 100000; i++) {
            elf_rel r;
            elf_obj_rel(o, i, &r);
        }
        uint8_t *bm = NULL;
        size_t nst;
        stubs_scan(o, &bm, &nst, &d);
        free(bm);
        elf_obj_close(o);
        opened++;
    } else if (!d.msg[0] || !strstr(d.msg, path)) {
        fail_msg("%s: refused without a message naming the file: \"%s\"", what, d.msg);
    } else {
        refused++;
        snprintf(out.msg, sizeof out.msg, "%s", d.msg);
    }
    report r;
    report_init(&r, "inspect");
    addon_facts a;
    addon_facts_read(&r, path, true, &a, &d);
    report_free(&r);
    checker_run(ck, path, &d); /* the static checks against the fake host */
    unlink(path);
    return out;
}

static Elf64_Ehdr *eh(unsigned char *img) { return (Elf64_Ehdr *)img; }

static Elf64_Shdr *sh(unsigned char *img, size_t i)
{
    return (Elf64_Shdr *)(img + eh(img)->e_shoff + i * sizeof(Elf64_Shdr));
}

static size_t find_section(unsigned char *img, uint32_t type)
{
    for (size_t i = 1; i < eh(img)->e_shnum; i++)
        if (sh(img, i)->sh_type == type)
            return i;
    fail_msg("fixture has no section of type %u", type);
    return 0;
}

typedef void (*mutator)(unsigned char *img, size_t n);

static void m_shoff_past(unsigned char *img, size_t n) { eh(img)->e_shoff = n + 100; }
static void m_shoff_overflow(unsigned char *img, size_t n) { (void)n, eh(img)->e_shoff = UINT64_MAX - 16; }
static void m_shnum_0(unsigned char *img, size_t n) { (void)n, eh(img)->e_shnum = 0; }
static void m_shnum_ffff(unsigned char *img, size_t n) { (void)n, eh(img)->e_shnum = 0xffff; }
static void m_phoff_past(unsigned char *img, size_t n) { eh(img)->e_phoff = n + 8; }
static void m_phnum_ffff(unsigned char *img, size_t n) { (void)n, eh(img)->e_phnum = 0xffff; }
static void m_shstrndx(unsigned char *img, size_t n) { (void)n, eh(img)->e_shstrndx = 0xfffe; }
static void m_big_endian(unsigned char *img, size_t n) { (void)n, img[EI_DATA] = ELFDATA2MSB; }
static void m_class32(unsigned char *img, size_t n) { (void)n, img[EI_CLASS] = ELFCLASS32; }

static void m_dynsym_past(unsigned char *img, size_t n) { sh(img, find_section(img, SHT_DYNSYM))->sh_offset = n - 8; }

static void m_dynstr_huge(unsigned char *img, size_t n)
{
    (void)n;
    sh(img, sh(img, find_section(img, SHT_DYNSYM))->sh_link)->sh_size = UINT64_MAX / 2;
}

static void m_dynstr_unterminated(unsigned char *img, size_t n)
{
    (void)n;
    Elf64_Shdr *s = sh(img, sh(img, find_section(img, SHT_DYNSYM))->sh_link);
    memset(img + s->sh_offset, 'A', s->sh_size);
}

static void m_names_out_of_range(unsigned char *img, size_t n)
{
    (void)n;
    Elf64_Shdr *s = sh(img, find_section(img, SHT_DYNSYM));
    for (size_t i = 0; i < s->sh_size / sizeof(Elf64_Sym); i++)
        ((Elf64_Sym *)(img + s->sh_offset))[i].st_name = 0xfffffff0u - (uint32_t)i;
}

static void m_link_loop(unsigned char *img, size_t n)
{
    (void)n;
    size_t i = find_section(img, SHT_DYNSYM);
    sh(img, i)->sh_link = (uint32_t)i;
    sh(img, find_section(img, SHT_DYNAMIC))->sh_link = (uint32_t)find_section(img, SHT_DYNAMIC);
}

static void m_link_far(unsigned char *img, size_t n)
{
    (void)n;
    sh(img, find_section(img, SHT_DYNSYM))->sh_link = 0xffff;
    sh(img, find_section(img, SHT_GNU_verneed))->sh_link = 0xfff0;
}

static void m_versym_range(unsigned char *img, size_t n)
{
    (void)n;
    Elf64_Shdr *s = sh(img, find_section(img, SHT_GNU_versym));
    for (size_t i = 0; i < s->sh_size / 2; i++)
        ((uint16_t *)(img + s->sh_offset))[i] = (uint16_t)(0x7fff - i);
}

static void m_verneed_absurd(unsigned char *img, size_t n)
{
    (void)n;
    Elf64_Verneed *v = (Elf64_Verneed *)(img + sh(img, find_section(img, SHT_GNU_verneed))->sh_offset);
    v->vn_cnt = 0xffff;
    v->vn_aux = 0xfffffff0u;
    v->vn_next = 0x7fffffffu;
}

static void m_gnu_hash(unsigned char *img, size_t n, uint32_t nb, uint32_t symoff, uint32_t bloom, uint32_t shift)
{
    (void)n;
    uint32_t *w = (uint32_t *)(img + sh(img, find_section(img, SHT_GNU_HASH))->sh_offset);
    w[0] = nb, w[1] = symoff, w[2] = bloom, w[3] = shift;
}
static void m_hash_buckets(unsigned char *img, size_t n) { m_gnu_hash(img, n, 0xffffffffu, 1, 1, 6); }
static void m_hash_bloom(unsigned char *img, size_t n) { m_gnu_hash(img, n, 3, 1, 0x80000000u, 6); }
static void m_hash_shift(unsigned char *img, size_t n) { m_gnu_hash(img, n, 3, 1, 2, 49); }
static void m_hash_symoff(unsigned char *img, size_t n) { m_gnu_hash(img, n, 3, 0xfffffff0u, 2, 6); }
static void m_hash_zero(unsigned char *img, size_t n) { m_gnu_hash(img, n, 0, 0, 0, 0); }

static void m_hash_chain(unsigned char *img, size_t n)
{
    (void)n;
    Elf64_Shdr *s = sh(img, find_section(img, SHT_GNU_HASH));
    uint32_t *w = (uint32_t *)(img + s->sh_offset);
    /* Every bucket at the first symbol, every chain word without the end bit, bloom all ones. */
    size_t words = s->sh_size / 4;
    for (size_t i = 4; i < words; i++)
        w[i] = i < 4 + 2 * w[2] ? 0xffffffffu : (i < 4 + 2 * w[2] + w[0] ? w[1] : 0xfffffffeu);
}

static void m_rel_symbols(unsigned char *img, size_t n)
{
    (void)n;
    for (size_t i = 1; i < eh(img)->e_shnum; i++) {
        Elf64_Shdr *s = sh(img, i);
        if (s->sh_type != SHT_RELA)
            continue;
        for (size_t k = 0; k < s->sh_size / sizeof(Elf64_Rela); k++) {
            Elf64_Rela *r = (Elf64_Rela *)(img + s->sh_offset) + k;
            r->r_info = ELF64_R_INFO(0xffffffu - k, ELF64_R_TYPE(r->r_info));
        }
    }
}

static void m_interp(unsigned char *img, size_t n)
{
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh(img)->e_phoff);
    ph[0].p_type = PT_INTERP;
    ph[0].p_offset = n - 3;
    ph[0].p_filesz = 3;
    img[n - 1] = 'x'; /* not NUL-terminated */
    ph[1].p_type = PT_LOAD;
    ph[1].p_filesz = UINT64_MAX - 4;
}

/* What a mutation must come to. The reader reads what ld.so reads (PT_DYNAMIC through the
 * PT_LOAD mapping), so a mutation of the section headers alone must read exactly as the
 * original (SAME); one of the bytes the loader reads is read, with other contents (READ); one
 * that leaves no loadable file is refused with a message naming the file and saying why. */
enum want { SAME, READ, REFUSED };

static void test_mutations(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        mutator m;
        enum want want;
        const char *why; /* for REFUSED: a part of the message */
    } cases[] = {
        {"e_shoff past the end", m_shoff_past, SAME, NULL},
        {"e_shoff overflowing", m_shoff_overflow, SAME, NULL},
        {"e_shnum 0", m_shnum_0, SAME, NULL},
        {"e_shnum 0xffff", m_shnum_ffff, SAME, NULL},
        {"e_phoff past the end", m_phoff_past, REFUSED, "program headers"},
        {"e_phnum 0xffff", m_phnum_ffff, SAME, NULL},
        {"e_shstrndx out of range", m_shstrndx, SAME, NULL},
        {"big-endian flag on a little-endian file", m_big_endian, REFUSED, "program headers"},
        {"32-bit flag on a 64-bit file", m_class32, READ, NULL},
        {".dynsym past the end", m_dynsym_past, SAME, NULL},
        {".dynstr of absurd size", m_dynstr_huge, SAME, NULL},
        {".dynstr without a terminator", m_dynstr_unterminated, READ, NULL},
        {"symbol names out of range", m_names_out_of_range, READ, NULL},
        {"sh_link loops", m_link_loop, SAME, NULL},
        {"sh_link out of range", m_link_far, SAME, NULL},
        {"version indices out of range", m_versym_range, READ, NULL},
        {"VERNEED with absurd counts and offsets", m_verneed_absurd, READ, NULL},
        {".gnu.hash nbuckets 0xffffffff", m_hash_buckets, READ, NULL},
        {".gnu.hash bloom_size 2^31", m_hash_bloom, READ, NULL},
        {".gnu.hash bloom_shift 49", m_hash_shift, READ, NULL},
        {".gnu.hash symoffset past .dynsym", m_hash_symoff, REFUSED, "DT_GNU_HASH names symbol"},
        {".gnu.hash all zero", m_hash_zero, READ, NULL},
        {".gnu.hash chains without an end", m_hash_chain, READ, NULL},
        {"relocations naming symbols out of range", m_rel_symbols, REFUSED, "a dynamic relocation names symbol"},
        {"PT_INTERP unterminated, PT_LOAD of absurd size", m_interp, REFUSED, "lies past the end of the file"},
    };
    outcome base = exercise(orig, orig_size, "the original");
    assert_true(base.opened);
    assert_true(base.nsyms > 0 && base.nneeded > 0 && base.nrels > 0);
    unsigned char *img = malloc(orig_size);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(img, orig, orig_size);
        cases[i].m(img, orig_size);
        outcome o = exercise(img, orig_size, cases[i].name);
        switch (cases[i].want) {
        case SAME:
            if (!o.opened || o.nsyms != base.nsyms || o.nneeded != base.nneeded || o.nrels != base.nrels)
                fail_msg("%s: must read as the original (%zu symbols, %zu NEEDED, %zu relocations), got %s %zu/%zu/%zu",
                         cases[i].name, base.nsyms, base.nneeded, base.nrels, o.opened ? "" : o.msg, o.nsyms, o.nneeded,
                         o.nrels);
            break;
        case READ:
            if (!o.opened)
                fail_msg("%s: must be read, was refused: %s", cases[i].name, o.msg);
            break;
        case REFUSED:
            if (o.opened || !strstr(o.msg, cases[i].why))
                fail_msg("%s: must be refused saying \"%s\", got: %s", cases[i].name, cases[i].why,
                         o.opened ? "(opened)" : o.msg);
            break;
        }
    }
    free(img);
}

/* Truncation at every interesting offset: header boundaries and each section's start and end. */
static void test_truncations(void **state)
{
    (void)state;
    size_t cuts[256], n = 0;
    size_t fixed[] = {0, 1, 4, 5, 16, 17, 18, 20, 40, 52, 58, 63, 64, 65, 120, 200};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        cuts[n++] = fixed[i];
    Elf64_Ehdr *e = eh(orig);
    cuts[n++] = e->e_phoff + e->e_phentsize * e->e_phnum - 1;
    cuts[n++] = e->e_shoff;
    cuts[n++] = e->e_shoff + sizeof(Elf64_Shdr);
    cuts[n++] = orig_size - 1;
    for (size_t i = 1; i < e->e_shnum && n + 2 < sizeof cuts / sizeof cuts[0]; i++) {
        cuts[n++] = sh(orig, i)->sh_offset;
        cuts[n++] = sh(orig, i)->sh_offset + sh(orig, i)->sh_size / 2;
    }
    for (size_t i = 0; i < n; i++)
        if (cuts[i] <= orig_size)
            exercise(orig, cuts[i], "truncated");
}

/* Random bytes and random flips over the headers and the dynamic sections. */
static void test_random(void **state)
{
    (void)state;
    unsigned char *img = malloc(orig_size);
    srand(12345);
    for (int round = 0; round < 300; round++) {
        memcpy(img, orig, orig_size);
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++) {
            size_t at = (rand() % 2) ? (size_t)rand() % 4096 : (size_t)rand() % orig_size;
            img[at % orig_size] ^= (unsigned char)(1u << (rand() % 8));
        }
        exercise(img, orig_size, "random flips");
    }
    for (size_t k = 0; k < orig_size; k++)
        img[k] = (unsigned char)rand();
    memcpy(img, ELFMAG, SELFMAG);
    img[EI_CLASS] = ELFCLASS64;
    img[EI_DATA] = ELFDATA2LSB;
    exercise(img, orig_size, "random bytes behind an ELF magic");
    free(img);
    /* The mutants really reached the reader: most survive a few bit flips, some do not. */
    print_message("corrupt: %zu images read, %zu refused with a message\n", opened, refused);
    assert_true(opened > 100);
    assert_true(refused > 10);
}

static int setup(void **state)
{
    (void)state;
    orig = slurp(FIX("v8_addon.node"), &orig_size);
    report_init(&rep_, "check");
    check_opts o = {.static_only = true, .timeout_ms = 20000};
    diag d;
    if (checker_create(&ck, &rep_, &o, &d) != 0 || checker_add_runtime(ck, FIX("fake_host"), &d) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    checker_destroy(ck);
    report_free(&rep_);
    free(orig);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
