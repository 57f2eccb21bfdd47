/* The host's own page tables: a direct map of every RAM range of the
 * firmware map at DMAP_BASE, the kernel image with per-section permissions,
 * and device registers mapped uncached in the MMIO window. */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include "include/hv/types.h"
#include "include/hv/bootinfo.h"
#include "include/hv/layout.h"

static inline void *phys_to_virt(uint64_t pa) { return (void *)(DMAP_BASE + pa); }
static inline uint64_t virt_to_phys_dmap(const void *va) { return (uint64_t)va - DMAP_BASE; }

/* Builds the tables, switches CR3 and frees the UEFI stage's tables.
 * Returns false (with a log line) when page-table pages ran out. */
bool paging_init(const struct bootinfo *bi);

/* Maps `len` bytes of device registers at `pa` uncached; returns the
 * virtual address, or NULL when out of page tables or window space. */
void *mmio_map(uint64_t pa, size_t len);

/* A read-only view of firmware memory (ACPI tables): the direct map when
 * the range is RAM, else an uncached mapping. NULL when impossible. */
const void *firmware_map(uint64_t pa, size_t len);

struct paging_stats {
    uint64_t table_pages;
    uint64_t dmap_bytes;
    uint64_t dmap_1g, dmap_2m, dmap_4k; /* mappings by size */
    uint64_t mmio_bytes;
};
void paging_get_stats(struct paging_stats *out);

#endif
