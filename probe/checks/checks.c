/* probe/checks/checks.c — the check table: one row per check id, in the order a result
 * carries them, with the phase it runs in and its function. A new check is a new file here
 * and one row. */
#include "probe/checks/checks.h"

const check_def check_table[CHECK_COUNT] = {
    [CHECK_SELECT] = {CHECK_SELECT, PHASE_SELECT, check_select},
    [CHECK_FORMAT] = {CHECK_FORMAT, PHASE_STATIC, check_format},
    [CHECK_LIBC] = {CHECK_LIBC, PHASE_STATIC, check_libc},
    [CHECK_NEEDED] = {CHECK_NEEDED, PHASE_STATIC, check_needed},
    [CHECK_VERSIONS] = {CHECK_VERSIONS, PHASE_STATIC, check_versions},
    [CHECK_SYMBOLS] = {CHECK_SYMBOLS, PHASE_STATIC, check_symbols},
    [CHECK_MODULES] = {CHECK_MODULES, PHASE_STATIC, check_modules},
    [CHECK_NAPI] = {CHECK_NAPI, PHASE_STATIC, check_napi},
    [CHECK_DLOPEN] = {CHECK_DLOPEN, PHASE_DYNAMIC, check_dlopen},
    [CHECK_EXECUTE] = {CHECK_EXECUTE, PHASE_DYNAMIC, check_execute},
};
