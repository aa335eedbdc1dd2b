/* tests/fuzz/fuzz_elf.c — libFuzzer target: the ELF reader on arbitrary bytes, with every
 * accessor exercised (header, dynamic section, symbols, versions, relocations, lookup,
 * reads by address) and addon facts on top. */
#define _GNU_SOURCE
#include "probe/addon.h"
#include "probe/elf.h"
#include "probe/stubs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/abiprobe-fuzz-elf-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    elf_obj *o = NULL;
    diag d;
    if (elf_obj_open(&o, path, &d) == 0) {
        const elf_header *h = elf_obj_header(o);
        (void)h;
        for (size_t i = 0; i < elf_obj_nneeded(o) + 1; i++)
            (void)elf_obj_needed(o, i);
        (void)elf_obj_soname(o);
        (void)elf_obj_rpath(o);
        (void)elf_obj_runpath(o);
        (void)elf_obj_bind_now(o);
        for (size_t i = 0; i < elf_obj_nsyms(o) + 1 && i < 4096; i++) {
            elf_sym s;
            if (elf_obj_sym(o, i, &s) == 0) {
                elf_obj_lookup(o, s.name, s.version);
                elf_obj_lookup(o, s.name, NULL);
                unsigned char buf[32];
                elf_obj_read_vaddr(o, s.value, buf, sizeof buf);
            }
        }
        for (size_t i = 0; i < elf_obj_nversions(o) + 1; i++) {
            elf_verinfo v;
            if (elf_obj_version(o, i, &v) == 0)
                elf_obj_defines_version(o, v.name);
        }
        for (size_t i = 0; i < elf_obj_nrels(o) + 1 && i < 4096; i++) {
            elf_rel r;
            elf_obj_rel(o, i, &r);
        }
        uint8_t *bm = NULL;
        size_t n = 0;
        stubs_scan(o, &bm, &n, &d);
        free(bm);
        report r;
        report_init(&r, "inspect");
        addon_facts a;
        addon_facts_from_elf(&r, o, true, &a, &d);
        report_free(&r);
        elf_obj_close(o);
    }
    unlink(path);
    return 0;
}
