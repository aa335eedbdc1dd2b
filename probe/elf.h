/* probe/elf.h — the one ELF reader: header, dynamic section, dynamic symbols, symbol
 * versions, dynamic relocations and hash lookup as ld.so does it. Every check reads ELF
 * through this module; nothing else calls gelf_*.
 *
 * Strings handed out (names, versions, NEEDED entries, the interpreter) point into the
 * object's own mapped string tables and stay valid until elf_obj_close(). They are always
 * NUL-terminated inside the table: out-of-range offsets read as "". */
#ifndef ABIPROBE_ELF_H
#define ABIPROBE_ELF_H

#include "probe/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct elf_obj elf_obj;

/* Files are mmapped. One truncated under its mapping raises SIGBUS at the next read; the
 * handler in probe/main.c asks this which file the faulting address belongs to and says so in
 * one line. Async-signal-safe; NULL when no open object maps addr. */
const char *elf_mapped_path_at(const void *addr);

/* What a file is, from its first bytes: enough to name a Mach-O or PE prebuild. */
typedef enum file_format {
    FILE_FORMAT_UNKNOWN = 0,
    FILE_FORMAT_ELF,
    FILE_FORMAT_MACHO,     /* thin Mach-O, 32 or 64 bit */
    FILE_FORMAT_MACHO_FAT, /* universal (fat) Mach-O */
    FILE_FORMAT_PE,        /* Windows PE/COFF (MZ + PE\0\0) */
    FILE_FORMAT_SCRIPT,    /* starts with #! (a launcher script) */
} file_format;

/* The result of sniffing a file's magic. */
typedef struct file_sniff {
    file_format format;
    const char *machine; /* "x86_64", "aarch64", "i386", "arm", ... or "unknown" (static string) */
    char desc[96];       /* e.g. "Mach-O 64-bit arm64 bundle" */
} file_sniff;

/* Classify bytes from the start of a file (n may be short). Never fails. */
void file_sniff_bytes(const unsigned char *buf, size_t n, file_sniff *out);

/* Classify the regular file at path (FILE_FORMAT_UNKNOWN if it cannot be read). */
void file_sniff_path(const char *path, file_sniff *out);

/* The program interpreter (PT_INTERP) of the ELF file at path, read from its program headers
 * alone, into buf: 0, or -1 when it has none or cannot be read. */
int elf_file_interp(const char *path, char *buf, size_t n);

/* ELF header facts and the program interpreter. */
typedef struct elf_header {
    int elfclass;       /* ELFCLASS32 or ELFCLASS64 */
    int data;           /* ELFDATA2LSB or ELFDATA2MSB */
    int machine;        /* EM_* */
    int type;           /* ET_* */
    int osabi;          /* EI_OSABI */
    const char *interp; /* PT_INTERP path, or NULL */
} elf_header;

/* One dynamic symbol (an entry of .dynsym) with its version resolved. */
typedef struct elf_sym {
    const char *name; /* never NULL */
    uint64_t value;
    uint64_t size;
    unsigned char bind;   /* STB_* */
    unsigned char type;   /* STT_* */
    unsigned char vis;    /* STV_* */
    uint16_t shndx;       /* SHN_UNDEF for an import */
    uint16_t verndx;      /* VERSYM index without the hidden bit; 0 if no VERSYM */
    bool hidden;          /* VERSYM hidden bit: a non-default version (sym@VER, not sym@@VER) */
    const char *version;  /* version name for verndx >= 2, else NULL */
    const char *ver_file; /* for a VERNEED version: the library it is required from */
} elf_sym;

/* One entry of the version table: a VERDEF or a VERNEED (vernaux) entry. */
typedef struct elf_verinfo {
    const char *name; /* e.g. "GLIBC_2.34" */
    const char *file; /* VERNEED: the needed library; VERDEF: NULL */
    uint32_t hash;    /* the ELF hash that the file records */
    uint16_t flags;   /* VER_FLG_BASE, VER_FLG_WEAK */
    bool defined;     /* true for VERDEF */
} elf_verinfo;

/* One dynamic relocation. */
typedef struct elf_rel {
    uint64_t offset;
    uint32_t type; /* machine-specific R_* */
    uint32_t sym;  /* .dynsym index, 0 for none */
    int64_t addend;
    bool plt; /* from DT_JMPREL (.rela.plt): bound lazily unless BIND_NOW */
} elf_rel;

/* Open path read-only (mmap) and index what later checks need. Non-regular files, empty
 * files and non-ELF files fail with DIAG_IO/DIAG_FOREIGN; malformed ELF with DIAG_FORMAT.
 * On success *out owns the file until elf_obj_close(). */
int elf_obj_open(elf_obj **out, const char *path, diag *d);

/* Release everything. NULL-safe. */
void elf_obj_close(elf_obj *o);

/* The path the object was opened from. */
const char *elf_obj_path(const elf_obj *o);

/* Header facts. */
const elf_header *elf_obj_header(const elf_obj *o);

/* How the section headers disagree with the dynamic segment (which is what is read, as ld.so
 * reads it), or NULL when they agree or there are none. */
const char *elf_obj_view_note(const elf_obj *o);

/* The dynamic section. Counts and strings are 0/NULL when absent. */
size_t elf_obj_nneeded(const elf_obj *o);
const char *elf_obj_needed(const elf_obj *o, size_t i);
const char *elf_obj_soname(const elf_obj *o);
const char *elf_obj_rpath(const elf_obj *o);
const char *elf_obj_runpath(const elf_obj *o);
uint64_t elf_obj_flags_1(const elf_obj *o); /* DT_FLAGS_1 */
/* True when every relocation is resolved at load: DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW. */
bool elf_obj_bind_now(const elf_obj *o);
/* True when the object has a dynamic section at all. */
bool elf_obj_is_dynamic(const elf_obj *o);

/* Dynamic symbols: indices 0 .. nsyms-1 (0 is the null symbol). */
size_t elf_obj_nsyms(const elf_obj *o);
/* Fill *out for symbol i; returns -1 if i is out of range. */
int elf_obj_sym(const elf_obj *o, size_t i, elf_sym *out);
/* Only symbol i's name ("" when out of range): a cheap filter before elf_obj_sym in a walk
 * over every symbol. */
const char *elf_obj_sym_name(const elf_obj *o, size_t i);
/* Sets bit in mark[i] for every symbol i that a loader must find elsewhere: undefined, not
 * weak, and named. mark has nsyms entries. Returns how many. It reads the table in order,
 * which costs a fraction of reading the entries that relocations name, in their order. */
size_t elf_obj_mark_imports(const elf_obj *o, uint8_t *mark, uint8_t bit);

/* Version table: indices 0 .. nversions-1; unused slots have name NULL. */
size_t elf_obj_nversions(const elf_obj *o);
/* Fill *out for version index i; returns -1 if out of range or unused. */
int elf_obj_version(const elf_obj *o, size_t i, elf_verinfo *out);
/* True if the object defines version `name` in its VERDEF. */
bool elf_obj_defines_version(const elf_obj *o, const char *name);

/* Dynamic relocations of every SHT_REL/SHT_RELA section that refers to .dynsym. */
size_t elf_obj_nrels(const elf_obj *o);
/* Fill *out for relocation i; returns -1 if out of range. */
int elf_obj_rel(const elf_obj *o, size_t i, elf_rel *out);

/* Which hash table lookups use: "gnu", "sysv" or "none" (linear scan). */
const char *elf_obj_hash_kind(const elf_obj *o);

/* Find the definition that ld.so would bind `name` to in this object, through .gnu.hash
 * (or .hash). version may be NULL (an unversioned reference). A hidden (non-default)
 * definition matches only an explicit version, as in glibc's check_match(). Returns the
 * .dynsym index, or 0 if not defined here. */
size_t elf_obj_lookup(const elf_obj *o, const char *name, const char *version);

/* A name looked up in many objects (a scope): its hashes are computed once, on first use. */
typedef struct elf_lookup_key {
    const char *name;
    const char *version;
    uint32_t gnu, sysv;
    bool have_gnu, have_sysv;
} elf_lookup_key;

/* Prepare key for name@version (version may be NULL). */
void elf_lookup_key_init(elf_lookup_key *k, const char *name, const char *version);

/* elf_obj_lookup with the key's cached hashes. */
size_t elf_obj_lookup_key(const elf_obj *o, elf_lookup_key *k);

/* Copy n bytes at virtual address addr from the file image (PT_LOAD file contents only).
 * Returns -1 if the range is not fully backed by the file. */
int elf_obj_read_vaddr(const elf_obj *o, uint64_t addr, void *buf, size_t n);

/* The next occurrence of needle after `after` (NULL: from the start) in the object's
 * allocated, read-only data (.rodata and the like), or NULL. *avail receives how many bytes
 * follow it inside that section. */
const char *elf_obj_find_data(const elf_obj *o, const char *needle, const char *after, size_t *avail);

/* A printable machine name for EM_* ("x86_64", "aarch64", ...; "em-N" for others). */
const char *elf_machine_name(int machine, char *buf, size_t n);

/* The hash functions of ld.so: SysV ELF hash and GNU (djb2) hash. */
uint32_t elf_hash_sysv(const char *name);
uint32_t elf_hash_gnu(const char *name);

/* True when o is a library of the platform's C or C++ runtime, told by the symbol versions
 * it defines: glibc's files (GLIBC_2.x: libc.so.6, libm, libpthread, libdl, ld.so),
 * libstdc++ (GLIBCXX_, CXXABI_) and libgcc_s (GCC_); or musl's libc, which has no versions
 * (SONAME libc.so, ld-musl-*, libc.musl-*). */
bool elf_obj_is_platform_lib(const elf_obj *o);

/* An object's C library: "musl" (libc.musl-*, bare libc.so, ld-musl), "glibc" (libc.so.6,
 * GLIBC_ versions, ld-linux) or "none". */
const char *elf_obj_libc(const elf_obj *o);

/* True for an exported (defined, global or weak) dynamic symbol. */
bool elf_sym_is_export(const elf_sym *s);

#endif
