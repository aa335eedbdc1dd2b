/* probe/stubs.h — abort-on-call stubs in a host's own code: a family of exported functions
 * of the same tiny shape that load an id into the first argument register and call one
 * shared handler that never returns (Bun 1.4.4's ~258 "unsupported uv function"
 * trampolines). A real function has its own body, so it is never in such a family. */
#ifndef ABIPROBE_STUBS_H
#define ABIPROBE_STUBS_H

#include "probe/diag.h"
#include "probe/elf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A family needs at least this many members sharing one handler. */
enum { STUB_FAMILY_MIN = 8 };

/* Scan o's exported functions. *bitmap (calloc'd, one bit per .dynsym index; NULL when
 * there are none) marks every stub; *count is how many. */
int stubs_scan(const elf_obj *o, uint8_t **bitmap, size_t *count, diag *d);

/* True when definition sym of o has a trampoline's shape. Only then can it be a stub, so a
 * lookup asks this first and pays for the whole-file stubs_scan only when it says yes. */
bool stubs_shape(const elf_obj *o, size_t sym);

/* Decode one function body: if it is `[endbr] [frame or sub rsp] mov $id,<arg0>; call handler` with the
 * call as its last instruction, return 0 and the handler's address. x86-64 and aarch64. */
int stubs_decode(int machine, uint64_t addr, const unsigned char *code, size_t n, uint64_t *handler);

#endif
