/* tests/fuzz/fuzz_config.c — libFuzzer target: the --config parser and target matching. */
#include "probe/config.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    config c;
    diag d;
    if (config_parse(&c, (const char *)data, size, "/fuzz", &d) == 0) {
        for (size_t i = 0; i < c.nexpect; i++)
            for (size_t k = 0; k < c.ntargets; k++)
                config_matches(c.expect[i].target, c.targets[k].raw, c.targets[k].path, "pkg");
        config_free(&c);
    }
    return 0;
}
