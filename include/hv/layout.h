/* The hypervisor's virtual address layout, shared by the UEFI stage (which
 * builds the first page tables) and the kernel. */
#ifndef HV_LAYOUT_H
#define HV_LAYOUT_H

/* All RAM, linearly: virtual = DMAP_BASE + physical. */
#define DMAP_BASE   0xffff800000000000ULL
/* Device registers, mapped uncached on demand. */
#define MMIO_BASE   0xffffc00000000000ULL
#define MMIO_SIZE   0x0000001000000000ULL
/* The kernel image, linked here (the top 2 GiB: -mcmodel=kernel). */
#define KERNEL_VMA  0xffffffff80000000ULL

#endif
