/* probe/elf.c — the one ELF reader, on libelf with ELF_C_READ_MMAP. It indexes the dynamic
 * view of an object once at open time (the view ld.so uses) and validates every offset it
 * hands out, so checks never touch raw bytes and hostile files cannot push reads out of bounds.
 *
 * Every file is mapped, never copied: a check touches only the pages of .dynsym, .dynstr,
 * the hash and version sections and the relocations (issue 8). A file truncated under its
 * mapping raises SIGBUS on the next read; the registry below lets the handler name it. */
#define _GNU_SOURCE
#include "probe/elf.h"
#include "abi/machine.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A string table, trimmed so that its last byte is a NUL: every offset below size is
 * then a terminated string inside the table. */
typedef struct strtab {
    const char *base;
    size_t size;
} strtab;

typedef struct relsec {
    const unsigned char *base; /* data->d_buf: entries in memory form, read with memcpy */
    size_t count;
    bool rela;
    bool plt;
} relsec;

typedef struct load_seg {
    uint64_t vaddr;
    uint64_t offset;
    uint64_t filesz;
    uint32_t flags; /* PF_R, PF_W, PF_X */
} load_seg;

/* Parsed .gnu.hash: pointers into the section data, read with memcpy (libelf may hand out
 * unaligned buffers on x86). */
typedef struct gnu_hash {
    uint32_t nbuckets;
    uint32_t symoffset;
    uint32_t bloom_size;
    uint32_t bloom_shift;
    const unsigned char *bloom;
    const unsigned char *buckets;
    const unsigned char *chain;
    size_t nchain;
} gnu_hash;

typedef struct sysv_hash {
    uint32_t nbucket;
    uint32_t nchain;
    const unsigned char *bucket;
    const unsigned char *chain;
} sysv_hash;

struct elf_obj {
    char *path;
    int fd;
    Elf *elf;
    int mapslot; /* registry slot, or -1 */
    const unsigned char *raw;
    size_t rawsize;
    elf_header hdr;

    load_seg *loads;
    size_t nloads;
    bool has_dyn; /* PT_DYNAMIC: ld.so's view, read through the PT_LOAD mapping */
    uint64_t dyn_off, dyn_size;
    char view_note[200]; /* how the section headers disagree with it, or "" */

    bool dynamic;
    const char **needed;
    size_t nneeded;
    const char *soname;
    const char *rpath;
    const char *runpath;
    uint64_t flags;
    uint64_t flags_1;
    bool bind_now_tag;

    const unsigned char *symbase; /* .dynsym's data: Elf32_Sym or Elf64_Sym in memory form */
    size_t nsyms;
    strtab dynstr;

    const unsigned char *versym; /* uint16 entries, read with memcpy */
    size_t nversym;
    elf_verinfo *vers;
    size_t nvers;

    relsec *rels;
    size_t nrelsec;
    size_t nrels;

    int hash_kind; /* 0 none, 1 sysv, 2 gnu */
    gnu_hash gnu;
    sysv_hash sysv;
};

/* ---------- the registry of mapped files, for the SIGBUS handler ---------- */

/* A slot is claimed by moving base from 0 to 1, filled, then published with the real base;
 * the handler reads only published slots. No lock, so the handler never waits. */
enum { MAPPED_MAX = 128, MAPPED_PATH = 512 };
static struct mapped_file {
    _Atomic uintptr_t base;
    size_t size;
    char path[MAPPED_PATH];
} mapped[MAPPED_MAX];

static int mapped_add(const void *base, size_t size, const char *path)
{
    for (int i = 0; i < MAPPED_MAX; i++) {
        uintptr_t zero = 0;
        if (!atomic_compare_exchange_strong(&mapped[i].base, &zero, (uintptr_t)1))
            continue;
        mapped[i].size = size;
        snprintf(mapped[i].path, sizeof mapped[i].path, "%s", path);
        atomic_store(&mapped[i].base, (uintptr_t)base);
        return i;
    }
    return -1; /* full: a fault in this file gets the unnamed message */
}

const char *elf_mapped_path_at(const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    for (int i = 0; i < MAPPED_MAX; i++) {
        uintptr_t b = atomic_load(&mapped[i].base);
        if (b > 1 && a >= b && a - b < mapped[i].size)
            return mapped[i].path;
    }
    return NULL;
}

/* ---------- sniffing ---------- */

static uint32_t rd32(const unsigned char *p, bool be)
{
    return be ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
              : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

static uint16_t rd16(const unsigned char *p, bool be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static const char *macho_cpu(uint32_t cpu)
{
    switch (cpu) {
    case 0x01000007: return "x86_64";
    case 0x0100000c: return "arm64";
    case 0x0200000c: return "arm64_32";
    case 7: return "i386";
    case 12: return "arm";
    case 18: return "ppc";
    case 0x01000012: return "ppc64";
    default: return "unknown";
    }
}

static const char *pe_machine(uint16_t m)
{
    switch (m) {
    case 0x8664: return "x86_64";
    case 0xaa64: return "aarch64";
    case 0x014c: return "i386";
    case 0x01c4: return "arm";
    default: return "unknown";
    }
}

void file_sniff_bytes(const unsigned char *b, size_t n, file_sniff *out)
{
    memset(out, 0, sizeof *out);
    out->machine = "unknown";
    snprintf(out->desc, sizeof out->desc, "unrecognised data");
    if (n >= 20 && memcmp(b, ELFMAG, SELFMAG) == 0) {
        bool be = b[EI_DATA] == ELFDATA2MSB;
        out->format = FILE_FORMAT_ELF;
        snprintf(out->desc, sizeof out->desc, "ELF %s-bit %s", b[EI_CLASS] == ELFCLASS64 ? "64" : "32",
                 be ? "MSB" : "LSB");
        const abi_machine *m = abi_machine_of(rd16(b + 18, be));
        if (m && m->sniffed)
            out->machine = m->name;
        return;
    }
    if (n >= 16) {
        uint32_t be_magic = rd32(b, true);
        if (be_magic == 0xfeedface || be_magic == 0xfeedfacf || be_magic == 0xcefaedfe || be_magic == 0xcffaedfe) {
            bool be = be_magic == 0xfeedface || be_magic == 0xfeedfacf;
            bool is64 = be_magic == 0xfeedfacf || be_magic == 0xcffaedfe;
            uint32_t ft = rd32(b + 12, be);
            const char *kind = ft == 8 ? "bundle" : ft == 6 ? "dylib" : ft == 1 ? "object" : "file";
            out->format = FILE_FORMAT_MACHO;
            out->machine = macho_cpu(rd32(b + 4, be));
            snprintf(out->desc, sizeof out->desc, "Mach-O %s-bit %s %s (a macOS build)", is64 ? "64" : "32",
                     out->machine, kind);
            return;
        }
        /* Java class files share 0xcafebabe; their next word (the version) is >= 45. */
        if ((be_magic == 0xcafebabe || be_magic == 0xcafebabf) && rd32(b + 4, true) > 0 && rd32(b + 4, true) < 45) {
            out->format = FILE_FORMAT_MACHO_FAT;
            if (n >= 12)
                out->machine = macho_cpu(rd32(b + 8, true));
            snprintf(out->desc, sizeof out->desc, "Mach-O universal binary with %u architectures (a macOS build)",
                     rd32(b + 4, true));
            return;
        }
    }
    if (n >= 2 && b[0] == '#' && b[1] == '!') {
        out->format = FILE_FORMAT_SCRIPT;
        snprintf(out->desc, sizeof out->desc, "#! script");
        return;
    }
    if (n >= 0x40 && b[0] == 'M' && b[1] == 'Z') {
        uint32_t off = rd32(b + 0x3c, false);
        if ((uint64_t)off + 26 <= n && memcmp(b + off, "PE\0\0", 4) == 0) {
            uint16_t mach = rd16(b + off + 4, false);
            uint16_t chars = rd16(b + off + 22, false);
            bool plus = (uint64_t)off + 26 <= n && rd16(b + off + 24, false) == 0x20b;
            out->format = FILE_FORMAT_PE;
            out->machine = pe_machine(mach);
            snprintf(out->desc, sizeof out->desc, "PE%s %s %s (a Windows build)", plus ? "32+" : "32", out->machine,
                     (chars & 0x2000) ? "DLL" : "executable");
            return;
        }
        snprintf(out->desc, sizeof out->desc, "DOS/PE (MZ) file (a Windows build)");
        out->format = FILE_FORMAT_PE;
        return;
    }
}

void file_sniff_path(const char *path, file_sniff *out)
{
    unsigned char head[4096];
    ssize_t got = -1;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        got = pread(fd, head, sizeof head, 0);
    if (fd >= 0)
        close(fd);
    file_sniff_bytes(head, got > 0 ? (size_t)got : 0, out);
}

int elf_file_interp(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc = -1;
    struct stat st;
    if (fd < 0 || n == 0)
        return fd >= 0 ? close(fd), -1 : -1;
    buf[0] = '\0';
    elf_version(EV_CURRENT);
    Elf *e = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
    size_t np = 0, len = 0;
    const char *raw = e && elf_kind(e) == ELF_K_ELF && elf_getphdrnum(e, &np) == 0 ? elf_rawfile(e, &len) : NULL;
    for (size_t i = 0; raw && i < np; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_INTERP)
            continue;
        if (ph.p_offset < len && ph.p_filesz <= len - ph.p_offset && ph.p_filesz < n) {
            memcpy(buf, raw + ph.p_offset, ph.p_filesz);
            buf[ph.p_filesz] = '\0';
            rc = 0;
        }
        break;
    }
    if (e)
        elf_end(e);
    close(fd);
    return rc;
}

const char *elf_machine_name(int machine, char *buf, size_t n)
{
    const abi_machine *m = abi_machine_of(machine);
    if (m)
        return m->name;
    snprintf(buf, n, "em-%d", machine);
    return buf;
}

/* ---------- hashes ---------- */

uint32_t elf_hash_sysv(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    uint32_t h = 0;
    while (*p) {
        h = (h << 4) + *p++;
        uint32_t g = h & 0xf0000000u;
        h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

uint32_t elf_hash_gnu(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    uint32_t h = 5381;
    while (*p)
        h = h * 33 + *p++;
    return h;
}

static uint32_t ld32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* ---------- helpers ---------- */

static const char *str_at(const strtab *t, uint64_t off)
{
    if (!t->base || off >= t->size)
        return "";
    return t->base + off;
}

static int load_strtab(elf_obj *o, size_t index, strtab *out, diag *d)
{
    memset(out, 0, sizeof *out);
    Elf_Scn *scn = elf_getscn(o->elf, index);
    GElf_Shdr sh;
    if (!scn || !gelf_getshdr(scn, &sh))
        return diag_set(d, DIAG_FORMAT, "%s: string table section %zu is missing: %s", o->path, index, elf_errmsg(-1));
    if (sh.sh_type != SHT_STRTAB)
        return diag_set(d, DIAG_FORMAT, "%s: section %zu linked as a string table is not SHT_STRTAB", o->path, index);
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data)
        return diag_set(d, DIAG_FORMAT, "%s: string table section %zu: %s", o->path, index, elf_errmsg(-1));
    if (!data->d_buf || data->d_size == 0)
        return 0;
    /* Trim to the last NUL so every in-range offset names a terminated string. */
    const char *base = data->d_buf;
    size_t size = data->d_size;
    while (size > 0 && base[size - 1] != '\0')
        size--;
    out->base = base;
    out->size = size;
    return 0;
}

static Elf_Data *section_data(elf_obj *o, Elf_Scn *scn, const char *what, diag *d)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data) {
        diag_set(d, DIAG_FORMAT, "%s: %s: %s", o->path, what, elf_errmsg(-1));
        return NULL;
    }
    return data;
}

/* ---------- indexing ---------- */

static int index_phdrs(elf_obj *o, diag *d)
{
    size_t n;
    if (elf_getphdrnum(o->elf, &n) != 0)
        return diag_set(d, DIAG_FORMAT, "%s: program headers: %s", o->path, elf_errmsg(-1));
    if (n == 0)
        return 0;
    o->loads = calloc(n, sizeof *o->loads);
    if (!o->loads)
        return diag_set(d, DIAG_NOMEM, "%s: out of memory", o->path);
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(o->elf, (int)i, &ph))
            return diag_set(d, DIAG_FORMAT, "%s: program header %zu: %s", o->path, i, elf_errmsg(-1));
        if (ph.p_type == PT_LOAD) {
            if (ph.p_offset > o->rawsize || ph.p_filesz > o->rawsize - ph.p_offset)
                return diag_set(d, DIAG_FORMAT, "%s: PT_LOAD segment %zu lies past the end of the file", o->path, i);
            o->loads[o->nloads++] = (load_seg){ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_flags};
        } else if (ph.p_type == PT_DYNAMIC) {
            if (ph.p_offset > o->rawsize || ph.p_filesz > o->rawsize - ph.p_offset)
                return diag_set(d, DIAG_FORMAT, "%s: PT_DYNAMIC lies past the end of the file", o->path);
            if (!o->has_dyn && ph.p_filesz) {
                o->has_dyn = true;
                o->dyn_off = ph.p_offset;
                o->dyn_size = ph.p_filesz;
            }
        } else if (ph.p_type == PT_INTERP) {
            if (ph.p_offset > o->rawsize || ph.p_filesz > o->rawsize - ph.p_offset || ph.p_filesz == 0)
                return diag_set(d, DIAG_FORMAT, "%s: PT_INTERP lies past the end of the file", o->path);
            const char *s = (const char *)o->raw + ph.p_offset;
            if (!memchr(s, '\0', ph.p_filesz))
                return diag_set(d, DIAG_FORMAT, "%s: PT_INTERP is not NUL-terminated", o->path);
            o->hdr.interp = s;
        }
    }
    return 0;
}

static int index_dynamic(elf_obj *o, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t *jmprel, bool *has_jmprel, diag *d)
{
    Elf_Data *data = section_data(o, scn, ".dynamic", d);
    if (!data)
        return -1;
    strtab st;
    if (load_strtab(o, sh->sh_link, &st, d) != 0)
        return -1;
    size_t entsz = gelf_fsize(o->elf, ELF_T_DYN, 1, EV_CURRENT);
    size_t n = entsz ? data->d_size / entsz : 0;
    o->dynamic = true;
    size_t nneeded = 0;
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
            break;
        if (dyn.d_tag == DT_NEEDED)
            nneeded++;
    }
    if (nneeded) {
        o->needed = calloc(nneeded, sizeof *o->needed);
        if (!o->needed)
            return diag_set(d, DIAG_NOMEM, "%s: out of memory", o->path);
    }
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
            break;
        switch (dyn.d_tag) {
        case DT_NEEDED:
            if (o->nneeded < nneeded)
                o->needed[o->nneeded++] = str_at(&st, dyn.d_un.d_val);
            break;
        case DT_SONAME: o->soname = str_at(&st, dyn.d_un.d_val); break;
        case DT_RPATH: o->rpath = str_at(&st, dyn.d_un.d_val); break;
        case DT_RUNPATH: o->runpath = str_at(&st, dyn.d_un.d_val); break;
        case DT_FLAGS: o->flags = dyn.d_un.d_val; break;
        case DT_FLAGS_1: o->flags_1 = dyn.d_un.d_val; break;
        case DT_BIND_NOW: o->bind_now_tag = true; break;
        case DT_JMPREL:
            *jmprel = dyn.d_un.d_ptr;
            *has_jmprel = true;
            break;
        default: break;
        }
    }
    return 0;
}

/* Walk VERDEF and VERNEED twice: once for the highest index, once to fill the table. */
static int index_versions(elf_obj *o, Elf_Data *vd_data, const strtab *vd_str, Elf_Data *vn_data, const strtab *vn_str,
                          diag *d)
{
    enum { MAX_INDEX = 0x7fff, MAX_ENTRIES = 65536 };
    size_t maxndx = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (vd_data) {
            Elf_Data *data = vd_data;
            const strtab st = *vd_str;
            size_t off = 0;
            for (size_t k = 0; k < MAX_ENTRIES; k++) {
                GElf_Verdef vd;
                if (!gelf_getverdef(data, (int)off, &vd))
                    break;
                size_t ndx = vd.vd_ndx & MAX_INDEX;
                if (pass == 0) {
                    if (ndx > maxndx)
                        maxndx = ndx;
                } else if (ndx < o->nvers) {
                    GElf_Verdaux aux;
                    if (vd.vd_cnt > 0 && gelf_getverdaux(data, (int)(off + vd.vd_aux), &aux))
                        o->vers[ndx] = (elf_verinfo){str_at(&st, aux.vda_name), NULL, vd.vd_hash, vd.vd_flags, true};
                }
                if (vd.vd_next == 0 || off + vd.vd_next > data->d_size)
                    break;
                off += vd.vd_next;
            }
        }
        if (vn_data) {
            Elf_Data *data = vn_data;
            const strtab st = *vn_str;
            size_t off = 0, seen = 0;
            for (size_t k = 0; k < MAX_ENTRIES; k++) {
                GElf_Verneed vn;
                if (!gelf_getverneed(data, (int)off, &vn))
                    break;
                size_t aoff = off + vn.vn_aux;
                for (size_t j = 0; j < vn.vn_cnt && seen < MAX_ENTRIES; j++, seen++) {
                    GElf_Vernaux aux;
                    if (aoff > data->d_size || !gelf_getvernaux(data, (int)aoff, &aux))
                        break;
                    size_t ndx = aux.vna_other & MAX_INDEX;
                    if (pass == 0) {
                        if (ndx > maxndx)
                            maxndx = ndx;
                    } else if (ndx < o->nvers) {
                        o->vers[ndx] = (elf_verinfo){str_at(&st, aux.vna_name), str_at(&st, vn.vn_file), aux.vna_hash,
                                                     aux.vna_flags, false};
                    }
                    if (aux.vna_next == 0)
                        break;
                    aoff += aux.vna_next;
                }
                if (vn.vn_next == 0 || off + vn.vn_next > data->d_size)
                    break;
                off += vn.vn_next;
            }
        }
        if (pass == 0) {
            if (!vd_data && !vn_data)
                return 0;
            o->nvers = maxndx + 1;
            o->vers = calloc(o->nvers, sizeof *o->vers);
            if (!o->vers)
                return diag_set(d, DIAG_NOMEM, "%s: out of memory", o->path);
        }
    }
    return 0;
}

static void index_gnu_hash(elf_obj *o, Elf_Data *data)
{
    if (!data->d_buf || data->d_size < 16)
        return;
    const unsigned char *p = data->d_buf;
    gnu_hash g = {ld32(p), ld32(p + 4), ld32(p + 8), ld32(p + 12), NULL, NULL, NULL, 0};
    uint64_t word = o->hdr.elfclass == ELFCLASS64 ? 8 : 4;
    uint64_t need = 16 + (uint64_t)g.bloom_size * word + (uint64_t)g.nbuckets * 4;
    /* ld.so masks with bloom_size - 1, so it must be a power of two. */
    if (g.nbuckets == 0 || g.bloom_size == 0 || (g.bloom_size & (g.bloom_size - 1)) != 0 || g.bloom_shift >= 32 ||
        need > data->d_size || g.symoffset > o->nsyms)
        return;
    g.bloom = p + 16;
    g.buckets = g.bloom + (size_t)g.bloom_size * word;
    g.chain = g.buckets + (size_t)g.nbuckets * 4;
    g.nchain = (data->d_size - (size_t)need) / 4;
    o->gnu = g;
    o->hash_kind = 2;
}

static void index_sysv_hash(elf_obj *o, Elf_Data *data)
{
    if (o->hash_kind == 2 || !data->d_buf || data->d_size < 8)
        return;
    const unsigned char *p = data->d_buf;
    sysv_hash h = {ld32(p), ld32(p + 4), NULL, NULL};
    if (h.nbucket == 0 || 8 + ((uint64_t)h.nbucket + h.nchain) * 4 > data->d_size)
        return;
    h.bucket = p + 8;
    h.chain = h.bucket + (size_t)h.nbucket * 4;
    o->sysv = h;
    o->hash_kind = 1;
}

/* ---------- ld.so's view: PT_DYNAMIC through the PT_LOAD mapping ---------- */

/* The file offset of virtual address addr, and how many bytes of its segment's file image
 * follow it; false when no PT_LOAD maps it. */
static bool vaddr_off(const elf_obj *o, uint64_t addr, uint64_t *off, uint64_t *avail)
{
    for (size_t i = 0; i < o->nloads; i++) {
        const load_seg *s = &o->loads[i];
        if (addr < s->vaddr || addr - s->vaddr >= s->filesz)
            continue;
        *off = s->offset + (addr - s->vaddr);
        *avail = s->filesz - (addr - s->vaddr);
        return *off <= o->rawsize && *avail <= o->rawsize - *off;
    }
    return false;
}

/* size bytes at virtual address addr, in memory form (libelf translates byte order and
 * aligns), owned by the Elf handle; NULL when the range is not mapped. size 0: to the end of
 * the segment, at most cap bytes (version chains, whose length is known only by walking). */
static Elf_Data *chunk(elf_obj *o, uint64_t addr, uint64_t size, uint64_t cap, Elf_Type type)
{
    uint64_t off, avail;
    if (!addr || !vaddr_off(o, addr, &off, &avail))
        return NULL;
    if (size == 0)
        size = avail < cap ? avail : cap;
    if (size == 0 || size > avail)
        return NULL;
    Elf_Data *d = elf_getdata_rawchunk(o->elf, (int64_t)off, (size_t)size, type);
    return d && d->d_buf ? d : NULL;
}

/* A 32-bit word at virtual address addr, in host order. */
static bool word_at(elf_obj *o, uint64_t addr, uint32_t *w)
{
    Elf_Data *d = chunk(o, addr, 4, 0, ELF_T_WORD);
    if (!d)
        return false;
    memcpy(w, d->d_buf, 4);
    return true;
}

/* The number of dynamic symbols, as ld.so can know it: DT_HASH's nchain, or the end of the
 * longest DT_GNU_HASH chain. 0 when neither is usable. */
static size_t count_syms(elf_obj *o, uint64_t gnu, uint64_t sysv)
{
    uint32_t w;
    if (sysv && word_at(o, sysv + 4, &w))
        return w;
    if (!gnu)
        return 0;
    Elf_Data *h = chunk(o, gnu, 16, 0, ELF_T_WORD);
    if (!h)
        return 0;
    uint32_t hdr[4];
    memcpy(hdr, h->d_buf, sizeof hdr);
    uint32_t nbuckets = hdr[0], symoffset = hdr[1], bloom = hdr[2];
    uint64_t word = o->hdr.elfclass == ELFCLASS64 ? 8 : 4;
    uint64_t buckets = gnu + 16 + (uint64_t)bloom * word;
    Elf_Data *b = nbuckets ? chunk(o, buckets, (uint64_t)nbuckets * 4, 0, ELF_T_WORD) : NULL;
    if (!b)
        return 0;
    uint32_t last = 0;
    for (uint32_t i = 0; i < nbuckets; i++) {
        memcpy(&w, (const unsigned char *)b->d_buf + (size_t)i * 4, 4);
        if (w > last)
            last = w;
    }
    if (last < symoffset)
        return symoffset;
    /* Walk the last chain to the entry with its low bit set: that symbol ends the table. */
    uint64_t chain = buckets + (uint64_t)nbuckets * 4;
    for (uint64_t i = last; i < last + (1u << 24); i++) {
        if (!word_at(o, chain + (i - symoffset) * 4, &w))
            return 0;
        if (w & 1)
            return (size_t)i + 1;
    }
    return 0;
}

/* The dynamic section as ld.so reads it: from PT_DYNAMIC, with every table found through its
 * address. Fills what index_sections would; the sections are then only a cross-check. */
static int index_loader(elf_obj *o, diag *d)
{
    Elf_Data *dyn = elf_getdata_rawchunk(o->elf, (int64_t)o->dyn_off, (size_t)o->dyn_size, ELF_T_DYN);
    if (!dyn || !dyn->d_buf)
        return diag_set(d, DIAG_FORMAT, "%s: PT_DYNAMIC cannot be read: %s", o->path, elf_errmsg(-1));
    uint64_t strtab_addr = 0, strsz = 0, symtab = 0, syment = 0, gnu = 0, sysv = 0, versym = 0, verneed = 0, verdef = 0;
    uint64_t rela = 0, relasz = 0, rel = 0, relsz = 0, jmprel = 0, pltrelsz = 0, pltrel = 0;
    size_t n = dyn->d_size / gelf_fsize(o->elf, ELF_T_DYN, 1, EV_CURRENT), nneeded = 0;
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn e;
        if (!gelf_getdyn(dyn, (int)i, &e) || e.d_tag == DT_NULL)
            break;
        uint64_t v = e.d_un.d_val;
        switch (e.d_tag) {
        case DT_NEEDED: nneeded++; break;
        case DT_STRTAB: strtab_addr = v; break;
        case DT_STRSZ: strsz = v; break;
        case DT_SYMTAB: symtab = v; break;
        case DT_SYMENT: syment = v; break;
        case DT_GNU_HASH: gnu = v; break;
        case DT_HASH: sysv = v; break;
        case DT_VERSYM: versym = v; break;
        case DT_VERNEED: verneed = v; break;
        case DT_VERDEF: verdef = v; break;
        case DT_RELA: rela = v; break;
        case DT_RELASZ: relasz = v; break;
        case DT_REL: rel = v; break;
        case DT_RELSZ: relsz = v; break;
        case DT_JMPREL: jmprel = v; break;
        case DT_PLTRELSZ: pltrelsz = v; break;
        case DT_PLTREL: pltrel = v; break;
        case DT_FLAGS: o->flags = v; break;
        case DT_FLAGS_1: o->flags_1 = v; break;
        case DT_BIND_NOW: o->bind_now_tag = true; break;
        default: break;
        }
    }
    o->dynamic = true;
    Elf_Data *str = chunk(o, strtab_addr, strsz, 0, ELF_T_BYTE);
    if (str) {
        /* Trim to the last NUL so every in-range offset names a terminated string. */
        const char *base = str->d_buf;
        size_t size = str->d_size;
        while (size > 0 && base[size - 1] != '\0')
            size--;
        o->dynstr = (strtab){base, size};
    } else if (strtab_addr) {
        return diag_set(d, DIAG_FORMAT, "%s: DT_STRTAB/DT_STRSZ lie outside every PT_LOAD segment", o->path);
    }
    if (nneeded && !(o->needed = calloc(nneeded, sizeof *o->needed)))
        return diag_set(d, DIAG_NOMEM, "%s: out of memory", o->path);
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn e;
        if (!gelf_getdyn(dyn, (int)i, &e) || e.d_tag == DT_NULL)
            break;
        if (e.d_tag == DT_NEEDED && o->nneeded < nneeded)
            o->needed[o->nneeded++] = str_at(&o->dynstr, e.d_un.d_val);
        else if (e.d_tag == DT_SONAME)
            o->soname = str_at(&o->dynstr, e.d_un.d_val);
        else if (e.d_tag == DT_RPATH)
            o->rpath = str_at(&o->dynstr, e.d_un.d_val);
        else if (e.d_tag == DT_RUNPATH)
            o->runpath = str_at(&o->dynstr, e.d_un.d_val);
    }
    /* The PLT relocations often end the DT_RELA range: count them once, as ld.so does. */
    bool plt_rela = pltrel == DT_RELA;
    if (jmprel && pltrelsz) {
        uint64_t *lo = plt_rela ? &rela : &rel, *sz = plt_rela ? &relasz : &relsz;
        if (*lo && jmprel >= *lo && jmprel + pltrelsz <= *lo + *sz)
            *sz = jmprel - *lo;
    }
    struct {
        uint64_t addr, size;
        bool rela, plt;
    } ranges[] = {{rela, relasz, true, false}, {rel, relsz, false, false}, {jmprel, pltrelsz, plt_rela, true}};
    if (!(o->rels = calloc(3, sizeof *o->rels)))
        return diag_set(d, DIAG_NOMEM, "%s: out of memory", o->path);
    bool is64 = o->hdr.elfclass == ELFCLASS64;
    for (size_t i = 0; i < 3; i++) {
        if (!ranges[i].addr || !ranges[i].size)
            continue;
        size_t es = ranges[i].rela ? (is64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela))
                                   : (is64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel));
        Elf_Data *r = chunk(o, ranges[i].addr, ranges[i].size, 0, ranges[i].rela ? ELF_T_RELA : ELF_T_REL);
        if (!r)
            return diag_set(d, DIAG_FORMAT, "%s: dynamic relocations lie outside every PT_LOAD segment", o->path);
        o->rels[o->nrelsec++] = (relsec){r->d_buf, r->d_size / es, ranges[i].rela, ranges[i].plt};
        o->nrels += r->d_size / es;
    }
    size_t entsz = o->hdr.elfclass == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (syment && syment != entsz)
        return diag_set(d, DIAG_FORMAT, "%s: DT_SYMENT is %" PRIu64 ", not %zu", o->path, syment, entsz);
    /* How many symbols. The hash table counts the exported ones (with GNU hash, undefined ones
     * only when something is exported after them). Tables never overlap, so the symbol table
     * ends at or before the nearest other table above it, which in the usual layout is where it
     * really ends (undefined symbols that nothing relocates, such as weak ones, count too).
     * Without such a bound, the relocations say which symbols ld.so binds. */
    size_t nsyms = symtab ? count_syms(o, gnu, sysv) : 0;
    const char *from = gnu ? "DT_GNU_HASH" : "DT_HASH";
    uint64_t symoff = 0, symavail = 0;
    if (symtab && !vaddr_off(o, symtab, &symoff, &symavail))
        return diag_set(d, DIAG_FORMAT, "%s: DT_SYMTAB lies outside every PT_LOAD segment", o->path);
    uint64_t others[] = {strtab_addr, versym, verneed, verdef, gnu, sysv, rela, rel, jmprel}, next = 0;
    for (size_t i = 0; symtab && i < sizeof others / sizeof others[0]; i++)
        if (others[i] > symtab && (!next || others[i] < next))
            next = others[i];
    bool bounded = next && (next - symtab) % entsz == 0 && (next - symtab) / entsz <= symavail / entsz;
    if (bounded && (next - symtab) / entsz > nsyms)
        nsyms = (size_t)((next - symtab) / entsz);
    /* Read r_info straight from each table: this runs over every relocation of every file. */
    for (size_t k = 0; symtab && k < o->nrelsec; k++) {
        const relsec *rs = &o->rels[k];
        size_t es = rs->rela ? (is64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela))
                             : (is64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel));
        size_t at = is64 ? offsetof(Elf64_Rel, r_info) : offsetof(Elf32_Rel, r_info);
        for (size_t i = 0; i < rs->count; i++) {
            uint32_t sym;
            if (is64) {
                uint64_t info;
                memcpy(&info, rs->base + i * es + at, sizeof info);
                sym = (uint32_t)ELF64_R_SYM(info);
            } else {
                uint32_t info;
                memcpy(&info, rs->base + i * es + at, sizeof info);
                sym = ELF32_R_SYM(info);
            }
            if (sym < nsyms)
                continue;
            if (bounded) /* past the next table: no loader could bind it */
                return diag_set(
                    d, DIAG_FORMAT,
                    "%s: a dynamic relocation names symbol %u, past the end of the symbol table (%zu entries)", o->path,
                    sym, nsyms);
            nsyms = (size_t)sym + 1;
            from = "a dynamic relocation";
        }
    }
    if (symtab && nsyms > symavail / entsz)
        return diag_set(d, DIAG_FORMAT,
                        "%s: %s names symbol %zu, past the end of the dynamic symbol table's segment (%" PRIu64
                        " entries)",
                        o->path, from, nsyms - 1, symavail / entsz);
    Elf_Data *syms = nsyms ? chunk(o, symtab, (uint64_t)nsyms * entsz, 0, ELF_T_SYM) : NULL;
    if (nsyms && !syms)
        return diag_set(d, DIAG_FORMAT, "%s: DT_SYMTAB's %zu symbols lie outside every PT_LOAD segment", o->path,
                        nsyms);
    if (syms) {
        o->symbase = syms->d_buf;
        o->nsyms = nsyms;
    }
    Elf_Data *vs = o->nsyms ? chunk(o, versym, (uint64_t)o->nsyms * 2, 0, ELF_T_HALF) : NULL;
    if (vs) {
        o->versym = vs->d_buf;
        o->nversym = vs->d_size / 2;
    }
    Elf_Data *vd = chunk(o, verdef, 0, 1 << 20, ELF_T_VDEF), *vn = chunk(o, verneed, 0, 1 << 20, ELF_T_VNEED);
    if (index_versions(o, vd, &o->dynstr, vn, &o->dynstr, d) != 0)
        return -1;
    if (gnu && o->nsyms) {
        Elf_Data *h = chunk(o, gnu, 16, 0, ELF_T_WORD);
        uint32_t hdr[4] = {0, 0, 0, 0};
        if (h)
            memcpy(hdr, h->d_buf, sizeof hdr);
        uint64_t word = o->hdr.elfclass == ELFCLASS64 ? 8 : 4;
        uint64_t size = 16 + (uint64_t)hdr[2] * word + (uint64_t)hdr[0] * 4 +
                        (o->nsyms > hdr[1] ? (uint64_t)(o->nsyms - hdr[1]) * 4 : 0);
        Elf_Data *g = h ? chunk(o, gnu, size, 0, ELF_T_GNUHASH) : NULL;
        if (g)
            index_gnu_hash(o, g);
    }
    if (sysv && o->nsyms) {
        uint32_t nb = 0, nc = 0;
        Elf_Data *h = word_at(o, sysv, &nb) && word_at(o, sysv + 4, &nc)
                          ? chunk(o, sysv, 8 + ((uint64_t)nb + nc) * 4, 0, ELF_T_WORD)
                          : NULL;
        if (h)
            index_sysv_hash(o, h);
    }
    return 0;
}

/* The section headers, where there are any, against the loader's view: a file whose two views
 * disagree was made by hand or by a tool that lies, and the report says which one counts. */
static void cross_check(elf_obj *o)
{
    size_t shnum = 0;
    if (elf_getshdrnum(o->elf, &shnum) != 0 || shnum == 0)
        return;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
            continue;
        size_t n = (size_t)(sh.sh_size / sh.sh_entsize);
        if (n != o->nsyms)
            snprintf(o->view_note, sizeof o->view_note,
                     ".dynsym has %zu symbols, the dynamic segment %zu: abiprobe reads what ld.so reads, the dynamic "
                     "segment",
                     n, o->nsyms);
        return;
    }
}

static int index_sections(elf_obj *o, diag *d)
{
    size_t shnum;
    if (elf_getshdrnum(o->elf, &shnum) != 0)
        return diag_set(d, DIAG_FORMAT, "%s: section headers: %s", o->path, elf_errmsg(-1));
    Elf_Scn *dynsym = NULL, *versym = NULL, *verdef = NULL, *verneed = NULL, *gnuh = NULL, *sysvh = NULL;
    size_t dynsym_index = 0, nrelcand = 0;
    uint64_t jmprel = 0;
    bool has_jmprel = false;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            return diag_set(d, DIAG_FORMAT, "%s: section header %zu: %s", o->path, elf_ndxscn(scn), elf_errmsg(-1));
        switch (sh.sh_type) {
        case SHT_DYNSYM:
            if (!dynsym) {
                dynsym = scn;
                dynsym_index = elf_ndxscn(scn);
            }
            break;
        case SHT_DYNAMIC:
            if (!o->dynamic && index_dynamic(o, scn, &sh, &jmprel, &has_jmprel, d) != 0)
                return -1;
            break;
        case SHT_GNU_versym: versym = versym ? versym : scn; break;
        case SHT_GNU_verdef: verdef = verdef ? verdef : scn; break;
        case SHT_GNU_verneed: verneed = verneed ? verneed : scn; break;
        case SHT_GNU_HASH: gnuh = gnuh ? gnuh : scn; break;
        case SHT_HASH: sysvh = sysvh ? sysvh : scn; break;
        case SHT_REL:
        case SHT_RELA: nrelcand++; break;
        default: break;
        }
    }
    if (dynsym) {
        GElf_Shdr sh;
        Elf_Data *data;
        if (!gelf_getshdr(dynsym, &sh) || !(data = section_data(o, dynsym, ".dynsym", d)))
            return -1;
        if (load_strtab(o, sh.sh_link, &o->dynstr, d) != 0)
            return -1;
        /* elf_getdata hands out the memory form (host byte order), so entries are read directly. */
        size_t entsz = o->hdr.elfclass == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
        o->symbase = data->d_buf;
        o->nsyms = (o->symbase && data->d_type == ELF_T_SYM) ? data->d_size / entsz : 0;
    }
    if (versym && o->nsyms) {
        Elf_Data *data = section_data(o, versym, "VERSYM", d);
        if (!data)
            return -1;
        o->versym = data->d_buf;
        o->nversym = data->d_buf ? data->d_size / 2 : 0;
    }
    Elf_Data *vd_data = NULL, *vn_data = NULL;
    strtab vd_str = {0}, vn_str = {0};
    GElf_Shdr vsh;
    if (verdef && (!(vd_data = section_data(o, verdef, "VERDEF", d)) || !gelf_getshdr(verdef, &vsh) ||
                   load_strtab(o, vsh.sh_link, &vd_str, d) != 0))
        return -1;
    if (verneed && (!(vn_data = section_data(o, verneed, "VERNEED", d)) || !gelf_getshdr(verneed, &vsh) ||
                    load_strtab(o, vsh.sh_link, &vn_str, d) != 0))
        return -1;
    if (index_versions(o, vd_data, &vd_str, vn_data, &vn_str, d) != 0)
        return -1;
    if (gnuh && o->nsyms) {
        Elf_Data *data = section_data(o, gnuh, ".gnu.hash", d);
        if (!data)
            return -1;
        index_gnu_hash(o, data);
    }
    if (sysvh && o->nsyms) {
        Elf_Data *data = section_data(o, sysvh, ".hash", d);
        if (!data)
            return -1;
        index_sysv_hash(o, data);
    }
    if (nrelcand && dynsym) {
        o->rels = calloc(nrelcand, sizeof *o->rels);
        if (!o->rels)
            return diag_set(d, DIAG_NOMEM, "%s: out of memory", o->path);
        scn = NULL;
        while ((scn = elf_nextscn(o->elf, scn)) != NULL && o->nrelsec < nrelcand) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_REL && sh.sh_type != SHT_RELA))
                continue;
            /* Dynamic relocations refer to .dynsym; static ones (in .o files) do not matter here. */
            if (sh.sh_link != dynsym_index || !(sh.sh_flags & SHF_ALLOC))
                continue;
            Elf_Data *data = section_data(o, scn, "relocations", d);
            if (!data)
                return -1;
            bool rela = sh.sh_type == SHT_RELA, is64 = o->hdr.elfclass == ELFCLASS64;
            size_t entsz = rela ? (is64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela))
                                : (is64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel));
            bool typed = data->d_type == (rela ? ELF_T_RELA : ELF_T_REL);
            size_t count = (typed && data->d_buf) ? data->d_size / entsz : 0;
            o->rels[o->nrelsec++] = (relsec){data->d_buf, count, rela, has_jmprel && sh.sh_addr == jmprel};
            o->nrels += count;
        }
    }
    return 0;
}

int elf_obj_open(elf_obj **out, const char *path, diag *d)
{
    *out = NULL;
    elf_obj *o = calloc(1, sizeof *o);
    if (!o)
        return diag_set(d, DIAG_NOMEM, "%s: out of memory", path);
    o->fd = -1;
    o->mapslot = -1;
    if (!(o->path = strdup(path))) {
        diag_set(d, DIAG_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    o->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (o->fd < 0) {
        diag_errno(d, DIAG_IO, "%s", path);
        goto fail;
    }
    struct stat st;
    if (fstat(o->fd, &st) != 0) {
        diag_errno(d, DIAG_IO, "%s", path);
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        diag_set(d, DIAG_IO, "%s: is a directory, not an addon file", path);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_set(d, DIAG_IO, "%s: not a regular file", path);
        goto fail;
    }
    if (st.st_size == 0) {
        diag_set(d, DIAG_FORMAT, "%s: empty file, not ELF", path);
        goto fail;
    }
    unsigned char head[4096];
    ssize_t got = pread(o->fd, head, sizeof head, 0);
    if (got < 0) {
        diag_errno(d, DIAG_IO, "%s", path);
        goto fail;
    }
    file_sniff sn;
    file_sniff_bytes(head, (size_t)got, &sn);
    if (sn.format != FILE_FORMAT_ELF) {
        if (sn.format == FILE_FORMAT_UNKNOWN)
            diag_set(d, DIAG_FORMAT, "%s: not an ELF file (no ELF magic)", path);
        else
            diag_set(d, DIAG_FOREIGN, "%s: %s, not ELF: it cannot be loaded on Linux", path, sn.desc);
        goto fail;
    }
    if (got < EI_NIDENT || (head[EI_CLASS] != ELFCLASS32 && head[EI_CLASS] != ELFCLASS64)) {
        diag_set(d, DIAG_FORMAT, "%s: truncated or invalid ELF identification", path);
        goto fail;
    }
    elf_version(EV_CURRENT);
    o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
    if (!o->elf || elf_kind(o->elf) != ELF_K_ELF) {
        diag_set(d, DIAG_FORMAT, "%s: not a readable ELF file: %s", path, elf_errmsg(-1));
        goto fail;
    }
    GElf_Ehdr eh;
    if (!gelf_getehdr(o->elf, &eh)) {
        diag_set(d, DIAG_FORMAT, "%s: bad ELF header: %s", path, elf_errmsg(-1));
        goto fail;
    }
    o->raw = (const unsigned char *)elf_rawfile(o->elf, &o->rawsize);
    if (!o->raw) {
        diag_set(d, DIAG_FORMAT, "%s: %s", path, elf_errmsg(-1));
        goto fail;
    }
    o->mapslot = mapped_add(o->raw, o->rawsize, path);
    o->hdr.elfclass = gelf_getclass(o->elf);
    o->hdr.data = eh.e_ident[EI_DATA];
    o->hdr.machine = eh.e_machine;
    o->hdr.type = eh.e_type;
    o->hdr.osabi = eh.e_ident[EI_OSABI];
    if (index_phdrs(o, d) != 0)
        goto fail;
    /* ld.so's view first: the dynamic segment, found through the program headers. The section
     * headers are only a cross-check, and the way in for files without PT_DYNAMIC. */
    if (o->has_dyn) {
        if (index_loader(o, d) != 0)
            goto fail;
        cross_check(o);
    } else if (index_sections(o, d) != 0) {
        goto fail;
    }
    *out = o;
    return 0;
fail:
    elf_obj_close(o);
    return -1;
}

void elf_obj_close(elf_obj *o)
{
    if (!o)
        return;
    if (o->mapslot >= 0)
        atomic_store(&mapped[o->mapslot].base, (uintptr_t)0);
    if (o->elf)
        elf_end(o->elf);
    if (o->fd >= 0)
        close(o->fd);
    free(o->loads);
    free(o->needed);
    free(o->vers);
    free(o->rels);
    free(o->path);
    free(o);
}

/* ---------- accessors ---------- */

const char *elf_obj_path(const elf_obj *o) { return o->path; }
const char *elf_obj_view_note(const elf_obj *o) { return o->view_note[0] ? o->view_note : NULL; }
const elf_header *elf_obj_header(const elf_obj *o) { return &o->hdr; }
size_t elf_obj_nneeded(const elf_obj *o) { return o->nneeded; }
const char *elf_obj_needed(const elf_obj *o, size_t i) { return i < o->nneeded ? o->needed[i] : NULL; }
const char *elf_obj_soname(const elf_obj *o) { return o->soname; }
const char *elf_obj_rpath(const elf_obj *o) { return o->rpath; }
const char *elf_obj_runpath(const elf_obj *o) { return o->runpath; }
uint64_t elf_obj_flags_1(const elf_obj *o) { return o->flags_1; }
bool elf_obj_is_dynamic(const elf_obj *o) { return o->dynamic; }
size_t elf_obj_nsyms(const elf_obj *o) { return o->nsyms; }
size_t elf_obj_nversions(const elf_obj *o) { return o->nvers; }
size_t elf_obj_nrels(const elf_obj *o) { return o->nrels; }

bool elf_obj_bind_now(const elf_obj *o)
{
    return o->bind_now_tag || (o->flags & DF_BIND_NOW) || (o->flags_1 & DF_1_NOW);
}

const char *elf_obj_hash_kind(const elf_obj *o)
{
    return o->hash_kind == 2 ? "gnu" : o->hash_kind == 1 ? "sysv" : "none";
}

static uint16_t versym_at(const elf_obj *o, size_t i)
{
    uint16_t v = 0;
    if (o->versym && i < o->nversym)
        memcpy(&v, o->versym + 2 * i, sizeof v);
    return v;
}

/* One .dynsym entry widened to Elf64_Sym; i < nsyms keeps it inside the section data. */
static void raw_sym(const elf_obj *o, size_t i, Elf64_Sym *s)
{
    if (o->hdr.elfclass == ELFCLASS64) {
        memcpy(s, o->symbase + i * sizeof *s, sizeof *s);
    } else {
        Elf32_Sym t;
        memcpy(&t, o->symbase + i * sizeof t, sizeof t);
        *s = (Elf64_Sym){t.st_name, t.st_info, t.st_other, t.st_shndx, t.st_value, t.st_size};
    }
}

const char *elf_obj_sym_name(const elf_obj *o, size_t i)
{
    if (i >= o->nsyms)
        return "";
    uint32_t name; /* st_name comes first in both classes */
    memcpy(&name, o->symbase + i * (o->hdr.elfclass == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym)),
           sizeof name);
    return str_at(&o->dynstr, name);
}

size_t elf_obj_mark_imports(const elf_obj *o, uint8_t *mark, uint8_t bit)
{
    size_t n = 0;
    bool is64 = o->hdr.elfclass == ELFCLASS64;
    size_t es = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    size_t at_info = is64 ? offsetof(Elf64_Sym, st_info) : offsetof(Elf32_Sym, st_info);
    size_t at_shndx = is64 ? offsetof(Elf64_Sym, st_shndx) : offsetof(Elf32_Sym, st_shndx);
    for (size_t i = 1; i < o->nsyms; i++) {
        const unsigned char *e = o->symbase + i * es;
        uint16_t shndx;
        memcpy(&shndx, e + at_shndx, sizeof shndx);
        if (shndx != SHN_UNDEF || GELF_ST_BIND(e[at_info]) == STB_WEAK)
            continue;
        uint32_t name; /* st_name comes first in both classes */
        memcpy(&name, e, sizeof name);
        if (!str_at(&o->dynstr, name)[0])
            continue;
        mark[i] |= bit;
        n++;
    }
    return n;
}

int elf_obj_sym(const elf_obj *o, size_t i, elf_sym *out)
{
    Elf64_Sym s;
    if (i >= o->nsyms)
        return -1;
    raw_sym(o, i, &s);
    uint16_t vs = versym_at(o, i);
    out->name = str_at(&o->dynstr, s.st_name);
    out->value = s.st_value;
    out->size = s.st_size;
    out->bind = GELF_ST_BIND(s.st_info);
    out->type = GELF_ST_TYPE(s.st_info);
    out->vis = GELF_ST_VISIBILITY(s.st_other);
    out->shndx = s.st_shndx;
    out->verndx = vs & 0x7fff;
    out->hidden = (vs & 0x8000) != 0;
    out->version = NULL;
    out->ver_file = NULL;
    if (out->verndx >= 2 && out->verndx < o->nvers && o->vers[out->verndx].name) {
        out->version = o->vers[out->verndx].name;
        out->ver_file = o->vers[out->verndx].file;
    }
    return 0;
}

int elf_obj_version(const elf_obj *o, size_t i, elf_verinfo *out)
{
    if (i >= o->nvers || !o->vers[i].name)
        return -1;
    *out = o->vers[i];
    return 0;
}

bool elf_obj_defines_version(const elf_obj *o, const char *name)
{
    for (size_t i = 0; i < o->nvers; i++)
        if (o->vers[i].defined && o->vers[i].name && strcmp(o->vers[i].name, name) == 0)
            return true;
    return false;
}

int elf_obj_rel(const elf_obj *o, size_t i, elf_rel *out)
{
    for (size_t k = 0; k < o->nrelsec; k++) {
        const relsec *rs = &o->rels[k];
        if (i >= rs->count) {
            i -= rs->count;
            continue;
        }
        /* Fixed-size copies, so the compiler inlines them. */
        if (o->hdr.elfclass == ELFCLASS64) {
            Elf64_Rela r = {0};
            if (rs->rela)
                memcpy(&r, rs->base + i * sizeof(Elf64_Rela), sizeof(Elf64_Rela));
            else
                memcpy(&r, rs->base + i * sizeof(Elf64_Rel), sizeof(Elf64_Rel));
            *out = (elf_rel){r.r_offset, (uint32_t)ELF64_R_TYPE(r.r_info), (uint32_t)ELF64_R_SYM(r.r_info), r.r_addend,
                             rs->plt};
        } else {
            Elf32_Rela r = {0};
            if (rs->rela)
                memcpy(&r, rs->base + i * sizeof(Elf32_Rela), sizeof(Elf32_Rela));
            else
                memcpy(&r, rs->base + i * sizeof(Elf32_Rel), sizeof(Elf32_Rel));
            *out = (elf_rel){r.r_offset, ELF32_R_TYPE(r.r_info), ELF32_R_SYM(r.r_info), r.r_addend, rs->plt};
        }
        return 0;
    }
    return -1;
}

int elf_obj_read_vaddr(const elf_obj *o, uint64_t addr, void *buf, size_t n)
{
    for (size_t i = 0; i < o->nloads; i++) {
        const load_seg *s = &o->loads[i];
        if (addr < s->vaddr || addr - s->vaddr > s->filesz || n > s->filesz - (addr - s->vaddr))
            continue;
        uint64_t off = s->offset + (addr - s->vaddr);
        if (off > o->rawsize || n > o->rawsize - off)
            return -1;
        memcpy(buf, o->raw + off, n);
        return 0;
    }
    return -1;
}

/* find_data without section headers: the read-only, non-executable PT_LOAD segments. */
static const char *find_in_segments(const elf_obj *o, const char *needle, const char *after, size_t *avail)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i < o->nloads; i++) {
        const load_seg *s = &o->loads[i];
        if ((s->flags & (PF_W | PF_X)) || !(s->flags & PF_R))
            continue;
        const char *base = (const char *)o->raw + s->offset, *from = base;
        if (after && after >= base && after < base + s->filesz)
            from = after + 1;
        else if (after && after >= base)
            continue;
        const char *hit = memmem(from, s->filesz - (size_t)(from - base), needle, nl);
        if (hit) {
            *avail = s->filesz - (size_t)(hit - base);
            return hit;
        }
    }
    return NULL;
}

const char *elf_obj_find_data(const elf_obj *o, const char *needle, const char *after, size_t *avail)
{
    size_t shnum = 0;
    if (elf_getshdrnum(o->elf, &shnum) != 0 || shnum == 0)
        return find_in_segments(o, needle, after, avail);
    size_t nl = strlen(needle);
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_ALLOC) ||
            (sh.sh_flags & (SHF_EXECINSTR | SHF_WRITE)))
            continue;
        if (sh.sh_offset > o->rawsize || sh.sh_size > o->rawsize - sh.sh_offset)
            continue;
        const char *base = (const char *)o->raw + sh.sh_offset, *from = base;
        if (after && after >= base && after < base + sh.sh_size)
            from = after + 1;
        else if (after && after >= base)
            continue; /* that section lies before the previous hit */
        const char *hit = memmem(from, sh.sh_size - (size_t)(from - base), needle, nl);
        if (hit) {
            *avail = sh.sh_size - (size_t)(hit - base);
            return hit;
        }
    }
    return NULL;
}

/* ---------- lookup (glibc's do_lookup_x / check_match) ---------- */

typedef struct match_state {
    const char *name;
    const char *version;
    size_t versioned; /* the one versioned definition an unversioned reference may take */
    unsigned num_versions;
} match_state;

static bool def_is_unversioned(const elf_obj *o, uint16_t ndx)
{
    /* Indices 0 and 1 (local, global/base) carry no version; glibc records hash 0 for them. */
    return ndx < 2 || ndx >= o->nvers || !o->vers[ndx].name || !o->vers[ndx].defined;
}

static bool check_match(const elf_obj *o, size_t i, match_state *m)
{
    elf_sym s;
    if (elf_obj_sym(o, i, &s) != 0)
        return false;
    if ((s.value == 0 && s.type != STT_TLS) || s.shndx == SHN_UNDEF)
        return false;
    switch (s.type) {
    case STT_NOTYPE:
    case STT_OBJECT:
    case STT_FUNC:
    case STT_COMMON:
    case STT_TLS:
    case STT_GNU_IFUNC: break;
    default: return false;
    }
    if (s.bind != STB_GLOBAL && s.bind != STB_WEAK && s.bind != STB_GNU_UNIQUE)
        return false;
    if (strcmp(s.name, m->name) != 0)
        return false;
    uint16_t raw = versym_at(o, i);
    if (m->version) {
        if (!o->versym)
            return true;
        uint16_t ndx = raw & 0x7fff;
        bool same = !def_is_unversioned(o, ndx) && strcmp(o->vers[ndx].name, m->version) == 0;
        /* A mismatch is tolerated only for an unversioned, non-hidden definition. */
        if (!same && (!def_is_unversioned(o, ndx) || (raw & 0x8000)))
            return false;
        return true;
    }
    if (o->versym) {
        uint16_t ndx = raw & 0x7fff;
        if ((raw & 0x8000) || ndx >= 3) {
            if (!(raw & 0x8000) && m->num_versions++ == 0)
                m->versioned = i;
            return false;
        }
    }
    return true;
}

void elf_lookup_key_init(elf_lookup_key *k, const char *name, const char *version)
{
    *k = (elf_lookup_key){name, version, 0, 0, false, false};
}

size_t elf_obj_lookup(const elf_obj *o, const char *name, const char *version)
{
    elf_lookup_key k;
    elf_lookup_key_init(&k, name, version);
    return elf_obj_lookup_key(o, &k);
}

size_t elf_obj_lookup_key(const elf_obj *o, elf_lookup_key *k)
{
    const char *name = k->name;
    match_state m = {name, k->version, 0, 0};
    if (o->hash_kind == 2) {
        const gnu_hash *g = &o->gnu;
        if (!k->have_gnu) {
            k->gnu = elf_hash_gnu(name);
            k->have_gnu = true;
        }
        uint32_t h = k->gnu;
        unsigned bits = o->hdr.elfclass == ELFCLASS64 ? 64 : 32;
        size_t wi = (h / bits) & (g->bloom_size - 1);
        uint64_t word, mask = ((uint64_t)1 << (h % bits)) | ((uint64_t)1 << ((h >> g->bloom_shift) % bits));
        if (bits == 64) {
            memcpy(&word, g->bloom + wi * 8, 8);
        } else {
            uint32_t w32;
            memcpy(&w32, g->bloom + wi * 4, 4);
            word = w32;
        }
        if ((word & mask) != mask)
            return 0;
        uint32_t idx = ld32(g->buckets + (size_t)(h % g->nbuckets) * 4);
        if (idx == 0 || idx < g->symoffset)
            return 0;
        for (size_t i = idx; i < o->nsyms && i - g->symoffset < g->nchain; i++) {
            uint32_t h2 = ld32(g->chain + (i - g->symoffset) * 4);
            if (((h ^ h2) >> 1) == 0 && check_match(o, i, &m))
                return i;
            if (h2 & 1)
                break;
        }
    } else if (o->hash_kind == 1) {
        const sysv_hash *s = &o->sysv;
        if (!k->have_sysv) {
            k->sysv = elf_hash_sysv(name);
            k->have_sysv = true;
        }
        uint32_t h = k->sysv;
        uint32_t i = ld32(s->bucket + (size_t)(h % s->nbucket) * 4);
        /* The chain is bounded by its own length, so a looping chain ends. */
        for (uint32_t steps = 0; i != 0 && i < s->nchain && steps <= s->nchain; steps++) {
            if (check_match(o, i, &m))
                return i;
            i = ld32(s->chain + (size_t)i * 4);
        }
    } else {
        for (size_t i = 1; i < o->nsyms; i++)
            if (check_match(o, i, &m))
                return i;
    }
    return m.num_versions == 1 ? m.versioned : 0;
}

bool elf_sym_is_export(const elf_sym *s)
{
    return s->shndx != SHN_UNDEF && (s->bind == STB_GLOBAL || s->bind == STB_WEAK || s->bind == STB_GNU_UNIQUE);
}

bool elf_obj_is_platform_lib(const elf_obj *o)
{
    static const char *const kinds[] = {"GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_"};
    for (size_t i = 0; i < o->nvers; i++)
        for (size_t k = 0; o->vers[i].defined && o->vers[i].name && k < sizeof kinds / sizeof kinds[0]; k++)
            if (strncmp(o->vers[i].name, kinds[k], strlen(kinds[k])) == 0)
                return true;
    const char *so = o->soname;
    return so && (strcmp(so, "libc.so") == 0 || strncmp(so, "ld-musl-", 8) == 0 || strncmp(so, "libc.musl-", 10) == 0);
}

const char *elf_obj_libc(const elf_obj *o)
{
    bool glibc_versions = false;
    for (size_t i = 0; i < elf_obj_nversions(o) && !glibc_versions; i++) {
        elf_verinfo v;
        if (elf_obj_version(o, i, &v) == 0 && strncmp(v.name, "GLIBC_", 6) == 0)
            glibc_versions = true;
    }
    const char *interp = elf_obj_header(o)->interp;
    if (interp && strstr(interp, "ld-musl"))
        return "musl";
    for (size_t i = 0; i < elf_obj_nneeded(o); i++) {
        const char *n = elf_obj_needed(o, i);
        if (strncmp(n, "libc.musl-", 10) == 0 || strcmp(n, "libc.so") == 0 || strncmp(n, "ld-musl-", 8) == 0)
            return "musl";
    }
    for (size_t i = 0; i < elf_obj_nneeded(o); i++)
        if (strcmp(elf_obj_needed(o, i), "libc.so.6") == 0)
            return "glibc";
    if (glibc_versions || (interp && strstr(interp, "ld-linux")))
        return "glibc";
    return "none";
}
