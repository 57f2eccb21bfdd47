/* The memory map both Linux entries hand the guest (the boot protocol's
 * e820 table in boot_params, PVH's hvm_memmap_table): one layout, so a
 * kernel sees the same RAM whichever entry it came through. Internal to
 * vmm/loader_linux.c and vmm/loader_pvh.c. */
#ifndef VMM_LOADER_E820_H
#define VMM_LOADER_E820_H

#include "include/hv/types.h"

#define E820_RAM      1u
#define E820_RESERVED 2u
#define E820_ACPI     3u
#define E820_MAX      6u  /* low RAM, legacy hole, RAM, ACPI, RAM, RAM above 4 GiB */

/* What PCs report: the EBDA's last KiB below 640 KiB is not free RAM. */
#define LOW_E820_END  0x9fc00ull

struct e820_range {
    uint64_t start, end;  /* [start, end), never empty */
    uint32_t type;
};

/* Low RAM, the reserved legacy hole, then RAM from 1 MiB up to the PCI hole
 * (or its end, for `ram` bytes of RAM: mm/guest_mem.h) with the ACPI region
 * [acpi_base, acpi_base + acpi_size) cut out when acpi_size is not 0 (the
 * caller checked it lies in that RAM), then the RAM above 4 GiB, if any.
 * The PCI hole is not listed: a PC's map leaves it out too. Returns the
 * count written to `out`. */
unsigned e820_layout(uint64_t ram, uint64_t acpi_base, uint64_t acpi_size,
                     struct e820_range out[E820_MAX]);

#endif
