/* abi/machine.c — the machine table (see abi/machine.h). The ldconfig bits are glibc's
 * (sysdeps/generic/ldconfig.h): 0x0300 x86-64, 0x0800 x32, 0x0900 ARM hard-float, 0x0a00
 * AArch64, 0x0500 PowerPC64, 0x0400 s390x, 0x1000 RISC-V double-float. */
#include "abi/machine.h"

#include <elf.h>
#include <stddef.h>
#include <string.h>

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

static const abi_machine machines[] = {
    {EM_X86_64,
     "x86_64",
     "x64",
     "lib/x86_64-linux-gnu",
     "x86_64",
     "x86_64",
     {0x0800, 0x0300},
     R_X86_64_JUMP_SLOT,
     ABI_CODE_X86_64,
     true},
    {EM_AARCH64,
     "aarch64",
     "arm64",
     "lib/aarch64-linux-gnu",
     "aarch64",
     "aarch64",
     {0x0a00, 0x0a00},
     R_AARCH64_JUMP_SLOT,
     ABI_CODE_AARCH64,
     true},
    {EM_386, "i386", "ia32", "lib/i386-linux-gnu", "i686", "i386", {0, 0}, R_386_JMP_SLOT, ABI_CODE_X86, true},
    {EM_ARM,
     "arm",
     "arm",
     "lib/arm-linux-gnueabihf",
     "v7l",
     "armhf",
     {0x0900, 0x0900},
     R_ARM_JUMP_SLOT,
     ABI_CODE_NONE,
     true},
    {EM_RISCV, "riscv", "riscv64", "lib", "", "unknown", {0x1000, 0x1000}, 0, ABI_CODE_NONE, false},
    {EM_PPC64, "ppc64", "ppc64", "lib", "", "unknown", {0x0500, 0x0500}, 0, ABI_CODE_NONE, false},
    {EM_PPC, "ppc", "ppc", "lib", "", "unknown", {-1, -1}, 0, ABI_CODE_NONE, false},
    {EM_S390, "s390x", "s390x", "lib", "", "unknown", {0x0400, 0x0400}, 0, ABI_CODE_NONE, false},
    {EM_MIPS, "mips", "mips", "lib", "", "unknown", {-1, -1}, 0, ABI_CODE_NONE, false},
    {EM_LOONGARCH, "loongarch", "loong64", "lib", "", "unknown", {-1, -1}, 0, ABI_CODE_NONE, false},
};

const char *const abi_node_arches[] = {"arm",   "arm64",   "ia32", "loong64", "mips", "mipsel", "ppc",
                                       "ppc64", "riscv64", "s390", "s390x",   "x64",  NULL};

const abi_machine *abi_machine_of(int em)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].em == em)
            return &machines[i];
    return NULL;
}

const abi_machine *abi_machine_of_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof machines / sizeof machines[0]; i++)
        if (strcmp(machines[i].name, name) == 0)
            return &machines[i];
    return NULL;
}

const abi_machine *abi_machine_of_node_arch(const char *arch)
{
    for (size_t i = 0; arch && i < sizeof machines / sizeof machines[0]; i++)
        if (strcmp(machines[i].node_arch, arch) == 0)
            return &machines[i];
    return NULL;
}

const abi_machine *abi_machine_host(void)
{
#if defined(__x86_64__)
    return abi_machine_of(EM_X86_64);
#elif defined(__aarch64__)
    return abi_machine_of(EM_AARCH64);
#elif defined(__i386__)
    return abi_machine_of(EM_386);
#elif defined(__arm__)
    return abi_machine_of(EM_ARM);
#else
    return NULL;
#endif
}
