/* The guest's own paging, walked in software: which guest-physical address
 * a guest-linear one maps to, in the four forms a guest may use (SDM vol. 3,
 * chapter 4: paging off, 32-bit paging with 4 MiB pages under CR4.PSE, PAE,
 * 4-level IA-32e paging; 5-level with CR4.LA57). The monitor needs it to
 * fetch the instruction at CS:RIP when it emulates an MMIO access. Pure:
 * page-table entries are read through a callback, so it runs hosted.
 *
 * Rights are not checked: the CPU already made this translation for the
 * access being emulated (the EPT violation comes after the guest's own
 * paging succeeded). */
#ifndef VMM_GUEST_WALK_H
#define VMM_GUEST_WALK_H

#include "include/hv/types.h"

struct walk_regs {
    uint64_t cr0, cr3, cr4, efer;
};

/* Reads `size` (4 or 8) bytes of guest-physical memory; false when the
 * address is not RAM. */
typedef bool (*walk_read_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);

/* True with *gpa when `gla` is mapped; false when an entry on the way is
 * not present or not readable memory. */
bool guest_walk(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                uint64_t *gpa);

#endif
