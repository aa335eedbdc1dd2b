/* probe/stubs.c — finding abort-on-call stub families from the host's machine code. */
#include "probe/stubs.h"
#include "abi/machine.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* Only tiny functions can be trampolines; this bounds the bytes read per symbol. */
enum { STUB_MAX_SIZE = 32 };

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int decode_x86_64(uint64_t addr, const unsigned char *c, size_t n, uint64_t *handler)
{
    size_t i = 0;
    if (n >= 4 && c[0] == 0xf3 && c[1] == 0x0f && c[2] == 0x1e && c[3] == 0xfa)
        i = 4; /* endbr64 */
    if (i + 1 <= n && c[i] == 0x55)
        i++; /* push %rbp */
    if (i + 3 <= n && c[i] == 0x48 && c[i + 1] == 0x89 && c[i + 2] == 0xe5)
        i += 3; /* mov %rsp,%rbp */
    else if (i + 4 <= n && c[i] == 0x48 && c[i + 1] == 0x83 && c[i + 2] == 0xec)
        i += 4; /* sub $imm8,%rsp (stack alignment before a call) */
    if (i + 5 <= n && c[i] == 0xbf)
        i += 5; /* mov $imm32,%edi */
    else if (i + 7 <= n && c[i] == 0x48 && c[i + 1] == 0xc7 && c[i + 2] == 0xc7)
        i += 7; /* mov $imm32,%rdi */
    else
        return -1;
    /* call rel32, and nothing after it: the handler does not return. */
    if (i + 5 != n || c[i] != 0xe8)
        return -1;
    int32_t rel = (int32_t)le32(c + i + 1);
    *handler = addr + i + 5 + (uint64_t)(int64_t)rel;
    return 0;
}

static int decode_aarch64(uint64_t addr, const unsigned char *c, size_t n, uint64_t *handler)
{
    if (n % 4 || n < 8)
        return -1;
    size_t k = 0, nw = n / 4;
    if (le32(c) == 0xa9bf7bfd) { /* stp x29, x30, [sp, #-16]! */
        k++;
        if (k < nw && le32(c + 4 * k) == 0x910003fd) /* mov x29, sp */
            k++;
    }
    /* movz w0/x0, #imm [, movk ...] */
    if (k >= nw || (le32(c + 4 * k) & 0x7f80001f) != 0x52800000)
        return -1;
    k++;
    while (k < nw && (le32(c + 4 * k) & 0x7f80001f) == 0x72800000)
        k++;
    if (k + 1 != nw || (le32(c + 4 * k) & 0xfc000000) != 0x94000000) /* bl, last */
        return -1;
    int32_t imm = (int32_t)(le32(c + 4 * k) << 6) >> 6;
    *handler = addr + 4 * k + (uint64_t)((int64_t)imm * 4);
    return 0;
}

int stubs_decode(int machine, uint64_t addr, const unsigned char *code, size_t n, uint64_t *handler)
{
    const abi_machine *m = abi_machine_of(machine);
    switch (m ? m->code : ABI_CODE_NONE) {
    case ABI_CODE_X86_64: return decode_x86_64(addr, code, n, handler);
    case ABI_CODE_AARCH64: return decode_aarch64(addr, code, n, handler);
    default: return -1;
    }
}

/* Symbol i's handler, when its body has a trampoline's shape. */
static bool shaped(const elf_obj *o, int machine, size_t i, uint64_t *handler)
{
    elf_sym s;
    unsigned char code[STUB_MAX_SIZE];
    return elf_obj_sym(o, i, &s) == 0 && s.shndx != SHN_UNDEF && s.type == STT_FUNC && s.size != 0 &&
           s.size <= STUB_MAX_SIZE && elf_obj_read_vaddr(o, s.value, code, (size_t)s.size) == 0 &&
           stubs_decode(machine, s.value, code, (size_t)s.size, handler) == 0;
}

bool stubs_shape(const elf_obj *o, size_t sym)
{
    uint64_t h;
    return shaped(o, elf_obj_header(o)->machine, sym, &h);
}

typedef struct cand {
    uint64_t handler;
    size_t sym;
} cand;

static int by_handler(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return x->handler < y->handler ? -1 : x->handler > y->handler;
}

int stubs_scan(const elf_obj *o, uint8_t **bitmap, size_t *count, diag *d)
{
    *bitmap = NULL;
    *count = 0;
    int machine = elf_obj_header(o)->machine;
    const abi_machine *m = abi_machine_of(machine);
    if (!m || (m->code != ABI_CODE_X86_64 && m->code != ABI_CODE_AARCH64))
        return 0;
    size_t n = elf_obj_nsyms(o), nc = 0, cap = 0;
    cand *cs = NULL;
    for (size_t i = 1; i < n; i++) {
        uint64_t h;
        if (!shaped(o, machine, i, &h))
            continue;
        if (nc == cap) {
            cap = cap ? cap * 2 : 64;
            cand *ncs = realloc(cs, cap * sizeof *ncs);
            if (!ncs) {
                free(cs);
                return diag_set(d, DIAG_NOMEM, "out of memory");
            }
            cs = ncs;
        }
        cs[nc++] = (cand){h, i};
    }
    if (nc >= STUB_FAMILY_MIN) {
        qsort(cs, nc, sizeof *cs, by_handler);
        for (size_t a = 0, b; a < nc; a = b) {
            for (b = a; b < nc && cs[b].handler == cs[a].handler; b++)
                ;
            if (b - a < STUB_FAMILY_MIN)
                continue;
            if (!*bitmap && !(*bitmap = calloc((n + 7) / 8, 1))) {
                free(cs);
                return diag_set(d, DIAG_NOMEM, "out of memory");
            }
            for (size_t k = a; k < b; k++) {
                (*bitmap)[cs[k].sym / 8] |= (uint8_t)(1u << (cs[k].sym % 8));
                (*count)++;
            }
        }
    }
    free(cs);
    return 0;
}
