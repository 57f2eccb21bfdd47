/* The TSC as the host clock, calibrated against the PIT. */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H

#include "include/hv/types.h"

/* Measures the TSC frequency against PIT channel 2. Returns it in Hz, or 0
 * when no PIT answered (then a CPUID-reported or assumed frequency is used
 * and tsc_calibration_source() says which). */
uint64_t tsc_calibrate(void);
uint64_t tsc_hz_get(void);
const char *tsc_calibration_source(void);
uint64_t tsc_to_ns(uint64_t ticks);
/* Nanoseconds since calibration (0 before it). */
uint64_t tsc_now_ns(void);
static inline void cpu_pause(void) { __builtin_ia32_pause(); }

#endif
