/* tests/fuzz/fuzz_observe.c — libFuzzer target: the observation driver's event lines as
 * observe_parse folds them, for one to eight packages (the first byte says how many), then
 * the choice of every package. */
#include "probe/pkg/observe.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = (size_t)(data[0] & 7) + 1;
    obs_pkg out[8];
    memset(out, 0, sizeof out);
    report r;
    report_init(&r, "scan");
    bool done = false;
    size_t open = observe_parse(&r, (const char *)data + 1, size - 1, out, n, &done);
    if (open > n)
        __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < out[i].nasks; k++)
            if (!out[i].asks[k].file)
                __builtin_trap(); /* never an ask without a file */
    }
    report_free(&r);
    return 0;
}
