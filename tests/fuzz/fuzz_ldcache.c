/* tests/fuzz/fuzz_ldcache.c — libFuzzer target: the ld.so.cache parser and its lookups. */
#include "probe/ldcache.h"

#include <elf.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldcache *c = NULL;
    diag d;
    if (ldcache_parse(&c, data, size, "fuzz", &d) == 0) {
        ldcache_lookup(c, "libc.so.6", ELFCLASS64, EM_X86_64);
        ldcache_lookup(c, "libstdc++.so.6", ELFCLASS32, EM_386);
        ldcache_lookup(c, "", ELFCLASS64, EM_AARCH64);
        ldcache_free(c);
    }
    return 0;
}
