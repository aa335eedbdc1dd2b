/* abi/machine.h — one table of the machines abiprobe knows: what ELF calls each (e_machine),
 * what Node calls it (process.arch), and what glibc's and musl's loaders derive from it. Every
 * per-machine fact in the tool comes from here, so a new machine is one row. */
#ifndef ABIPROBE_ABI_MACHINE_H
#define ABIPROBE_ABI_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

/* Which instruction decoders apply (probe/stubs.c, the N-API version in probe/addon.c). */
typedef enum abi_code { ABI_CODE_NONE, ABI_CODE_X86, ABI_CODE_X86_64, ABI_CODE_AARCH64 } abi_code;

typedef struct abi_machine {
    int em;                /* ELF e_machine */
    const char *name;      /* how reports name it: "x86_64", "aarch64" */
    const char *node_arch; /* process.arch and prebuild directories: "x64", "arm64" */
    const char *lib_dir;   /* glibc's $LIB on Debian-style systems: "lib/x86_64-linux-gnu" */
    const char *platform;  /* glibc's $PLATFORM: "x86_64", "i686", "v7l" ("" when unknown) */
    const char *musl_arch; /* musl's name, in /etc/ld-musl-<arch>.path */
    /* The arch bits ldconfig records in ld.so.cache for a library of this machine, for
     * ELFCLASS32 and ELFCLASS64 (glibc's FLAG_X8664_LIB64 and so on); -1: accept any. */
    int32_t ldconfig_arch[2];
    uint32_t jump_slot; /* the PLT relocation that ld.so may bind lazily; 0 when unknown */
    abi_code code;
    bool sniffed; /* named from the first bytes of a file, before it is parsed */
} abi_machine;

/* The row of e_machine em, or NULL when abiprobe does not know it. */
const abi_machine *abi_machine_of(int em);

/* The row that reports name name ("x86_64"), or NULL. */
const abi_machine *abi_machine_of_name(const char *name);

/* The first row whose Node name is arch ("x64", "arm64"), or NULL. */
const abi_machine *abi_machine_of_node_arch(const char *arch);

/* The machine this build of abiprobe runs on. */
const abi_machine *abi_machine_host(void);

/* Every value Node's os.arch() can take (more than abiprobe can read), NULL-terminated. */
extern const char *const abi_node_arches[];

#endif
