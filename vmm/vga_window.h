/* The display memory's window as the monitor reaches it (vmm/vga_attach.h
 * maps it): whether an address is in it, and copies for the monitor's own
 * accesses (INS and OUTS through vmm/exit_mmio.c's mmio_copy). */
#ifndef VMM_VGA_WINDOW_H
#define VMM_VGA_WINDOW_H

#include "include/hv/types.h"

struct vplatform;

#define VGA_WINDOW_BASE  0xa0000ULL
#define VGA_WINDOW_PAGES 32

/* Whether `gpa` is in the VM's display memory (false without one). */
bool vga_window_owns(const struct vplatform *plat, uint64_t gpa);

/* Copies `n` bytes at `gpa` (within one page of the window) out to `into`
 * or in from `from`. */
void vga_window_copy(const struct vplatform *plat, uint64_t gpa, uint8_t *into,
                     const uint8_t *from, size_t n);

#endif
