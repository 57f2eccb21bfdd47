/*
 * Memory a VM's device holds outside guest RAM, where the guest reads and
 * writes it as memory (pc-testdev's 64 KiB at 0xff000000): machine pages of
 * zeros mapped read, write and execute at a guest-physical range that is not
 * RAM, so every instruction form reaches them as the CPU's own accesses, with
 * no exit. Not the VM's RAM: the physmap does not know them, so they are
 * never sampled, aged, swapped or ballooned, and guest_mem_destroy does not
 * free them; their owner frees them after the VM's mappings are gone (a
 * device's destroy, which vm_reap runs after guest_mem_destroy).
 */
#ifndef MM_GUEST_DEVMEM_H
#define MM_GUEST_DEVMEM_H

#include "include/hv/types.h"

struct guest_mem;

/* Maps `n` zeroed machine pages at page-aligned `gpa`, which must lie wholly
 * outside `gm`'s RAM, recording them in `pages` (INVALID_MPN where none was
 * taken). False when `gpa` is wrong or memory or a mapping ran out: the pages
 * taken so far are in `pages`, for guest_devmem_free. */
bool guest_devmem_map(struct guest_mem *gm, uint64_t gpa, mpn_t *pages, unsigned n);
/* Frees what guest_devmem_map recorded and marks it INVALID_MPN. */
void guest_devmem_free(mpn_t *pages, unsigned n);

#endif
