/* tests/fuzz/fuzz_handshake.c — libFuzzer target: the driver's handshake as the dlopen and
 * execute checks read it (parsed by dyn_read_handshake), at every stage, with and without an expected value. The first
 * byte picks the stage and the options; the rest is the handshake text. */
#include "probe/checks/checks.h"
#include "probe/dynamic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const dyn_stage stages[] = {DYN_START, DYN_LOADING, DYN_LOADED, DYN_EXECUTE};
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    dyn_outcome lazy, now;
    memset(&lazy, 0, sizeof lazy);
    memset(&now, 0, sizeof now);
    lazy.started = true;
    lazy.stage = stages[sel & 3];
    lazy.proc.exit_code = sel >> 4;
    lazy.proc.term_signal = (sel & 8) ? 11 : 0;
    lazy.proc.timed_out = (sel & 4) != 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    dyn_read_handshake(&lazy, text);
    dyn_read_handshake(&now, text);
    now.started = true;
    now.stage = lazy.stage;
    now.proc = lazy.proc; /* the output tails are NULL here, so nothing is freed twice */
    report r;
    report_init(&r, "check");
    result *res = report_add(&r);
    dyn_view v = {&lazy,      (sel & 16) ? &now : NULL,     false,
                  "fuzz 1.0", (sel & 32) ? "/x.mjs" : NULL, (sel & 64) ? "{\"a\":[1,2]}" : NULL,
                  1000};
    if (res) {
        check_ctx x = {.r = &r, .res = res, .rt_label = "fuzz 1.0", .dyn = &v};
        check_dlopen(&x);
        check_execute(&x);
    }
    report_free(&r);
    dyn_outcome_free(&lazy);
    dyn_outcome_free(&now);
    free(text);
    return 0;
}
