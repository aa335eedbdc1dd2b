/* probe/driver.h — the JS drivers (probe/driver.cjs, probe/pkg/observe.cjs), embedded at build time. */
#ifndef ABIPROBE_DRIVER_H
#define ABIPROBE_DRIVER_H

#include <stddef.h>

/* The bytes of probe/driver.cjs (NUL-terminated) and their length without the NUL. */
extern const unsigned char abiprobe_driver_cjs[];
extern const size_t abiprobe_driver_cjs_len;

/* The bytes of probe/pkg/observe.cjs (observed selection), likewise. */
extern const unsigned char abiprobe_observe_cjs[];
extern const size_t abiprobe_observe_cjs_len;

#endif
