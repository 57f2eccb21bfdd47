/* The guest's own paging, walked in software: which guest-physical address
 * a guest-linear one maps to, in the four forms a guest may use (SDM vol. 3,
 * chapter 4: paging off, 32-bit paging with 4 MiB pages under CR4.PSE, PAE,
 * 4-level IA-32e paging; 5-level with CR4.LA57). The monitor needs it to
 * fetch the instruction at CS:RIP when it emulates an MMIO access. Pure:
 * page-table entries are read through a callback, so it runs hosted.
 *
 * guest_walk checks no rights: the CPU already made this translation for
 * the access being emulated (the EPT violation comes after the guest's own
 * paging succeeded). guest_walk_access does, for accesses the CPU never
 * began. */
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

/* An access the monitor makes for the guest's own instruction, where the
 * CPU checked nothing yet (INS/OUTS exit before they touch memory): */
struct walk_access {
    bool write;         /* a write */
    bool user;          /* at CPL 3 */
    bool protection;    /* out: refused for its rights (a #PF with P set) */
    bool ac;            /* EFLAGS.AC: a supervisor access may reach user pages under SMAP */
};
/* Writes `size` bytes (4 or 8) of guest-physical memory. */
typedef bool (*walk_write_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
/* As guest_walk, and as the CPU walks for such an access (SDM vol. 3, 4.6
 * and 4.8): the rights of every level checked (U/S for a user access, R/W
 * for a user write or a supervisor one under CR0.WP, under CR4.SMAP no
 * supervisor access to a user page unless EFLAGS.AC; protection keys are
 * not checked), then the accessed flag set at every level and the dirty
 * flag at the leaf of a write. False when not present or refused
 * (a->protection says which). */
bool guest_walk_access(const struct walk_regs *r, uint64_t gla, walk_read_fn read,
                       walk_write_fn write, void *ctx, struct walk_access *a, uint64_t *gpa);

#endif
