/* Extended FPU state (x87/SSE/AVX...) for guests. The host kernel is built
 * without SSE, so the CPU's FPU registers belong to whichever vCPU ran last;
 * they are saved and restored only when another vCPU takes the CPU. */
#ifndef ARCH_X86_64_FPU_H
#define ARCH_X86_64_FPU_H

#include "include/hv/types.h"

/* Enables FXSR and (when present) XSAVE in CR4; false if the save area would
 * not fit in one page. */
bool fpu_init(void);
bool fpu_has_xsave(void);
/* The XCR0 bits this CPU supports (x87 and SSE at least, when XSAVE). */
uint64_t fpu_supported_xcr0(void);
/* Writes a power-on FPU state into a zeroed page. */
void fpu_init_area(void *area);
/* Saves the whole current FPU state into `area`, whatever XCR0 the guest
 * set (it leaves XCR0 at the full supported set). */
void fpu_save(void *area);
/* Loads the whole of `area`, then makes `xcr0` (a guest's) the active feature
 * set. Both run guarded: false if the CPU refused either, never a host fault. */
bool fpu_restore(const void *area, uint64_t xcr0);
void fpu_set_xcr0(uint64_t xcr0);

#endif
