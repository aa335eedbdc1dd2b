/* tests/unit/test_machine.c — the one machine table: each row is found by its e_machine and by
 * its name, Node's arch names are the ones os.arch() gives, and the loader facts that the
 * load scope and ld.so.cache lookup depend on are glibc's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <string.h>

#include "abi/machine.h"

static void test_rows(void **state)
{
    (void)state;
    static const struct {
        int em;
        const char *name, *node_arch, *lib_dir, *platform, *musl;
        int32_t ld64;
        uint32_t jump_slot;
    } want[] = {
        {EM_X86_64, "x86_64", "x64", "lib/x86_64-linux-gnu", "x86_64", "x86_64", 0x0300, R_X86_64_JUMP_SLOT},
        {EM_AARCH64, "aarch64", "arm64", "lib/aarch64-linux-gnu", "aarch64", "aarch64", 0x0a00, R_AARCH64_JUMP_SLOT},
        {EM_386, "i386", "ia32", "lib/i386-linux-gnu", "i686", "i386", 0, R_386_JMP_SLOT},
        {EM_ARM, "arm", "arm", "lib/arm-linux-gnueabihf", "v7l", "armhf", 0x0900, R_ARM_JUMP_SLOT},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const abi_machine *m = abi_machine_of(want[i].em);
        assert_non_null(m);
        assert_string_equal(m->name, want[i].name);
        assert_string_equal(m->node_arch, want[i].node_arch);
        assert_string_equal(m->lib_dir, want[i].lib_dir);
        assert_string_equal(m->platform, want[i].platform);
        assert_string_equal(m->musl_arch, want[i].musl);
        assert_int_equal(m->ldconfig_arch[1], want[i].ld64);
        assert_int_equal(m->jump_slot, want[i].jump_slot);
        assert_ptr_equal(abi_machine_of_name(want[i].name), m);
    }
    /* x32 (ELFCLASS32 on x86-64) has its own ld.so.cache bits. */
    assert_int_equal(abi_machine_of(EM_X86_64)->ldconfig_arch[0], 0x0800);
    assert_null(abi_machine_of(0xbeef));
    assert_null(abi_machine_of_name("vax"));
    assert_null(abi_machine_of_name(NULL));
}

/* Every row's Node name is a value os.arch() can take, and every row is found by its name. */
static void test_node_arches(void **state)
{
    (void)state;
    static const int ems[] = {EM_X86_64, EM_AARCH64, EM_386, EM_ARM, EM_RISCV, EM_PPC64, EM_PPC, EM_S390, EM_MIPS, 258};
    for (size_t i = 0; i < sizeof ems / sizeof ems[0]; i++) {
        const abi_machine *m = abi_machine_of(ems[i]);
        assert_non_null(m);
        bool listed = false;
        for (const char *const *a = abi_node_arches; *a; a++)
            listed = listed || strcmp(*a, m->node_arch) == 0;
        if (!listed)
            fail_msg("%s: process.arch %s is not one of os.arch()'s values", m->name, m->node_arch);
        assert_ptr_equal(abi_machine_of_name(m->name), m);
    }
}

static void test_host(void **state)
{
    (void)state;
    const abi_machine *h = abi_machine_host();
    assert_non_null(h);
#if defined(__x86_64__)
    assert_int_equal(h->em, EM_X86_64);
#elif defined(__aarch64__)
    assert_int_equal(h->em, EM_AARCH64);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_node_arches),
        cmocka_unit_test(test_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
