/* Internal to the Linux loader (vmm/loader_linux*.c): the processor state
 * part, apart from the boot-header part so each stays one thing. */
#ifndef VMM_LOADER_LINUX_BOOT_H
#define VMM_LOADER_LINUX_BOOT_H

#include "vmm/guest_loader.h"

/* The boot protocol's segment selectors (Documentation/x86/boot.rst). */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* Identity page tables cover [0, max(4 GiB, the top of RAM)) with 2 MiB
 * pages, one page directory per GiB, at most this many: 64 GiB of RAM and
 * the PCI hole below 4 GiB (mm/guest_mem.h). */
#define LINUX_RAM_MAX_GIB 64ull
#define LINUX_MAP_MAX_GIB (LINUX_RAM_MAX_GIB + 1)

/* Writes the GDT and (64-bit) the page tables, and fills `out` for an entry
 * at `entry` with RSI = `boot_params`. False with a reason starting with
 * `name` if a write fails. */
bool linux_write_entry(const struct guest_mem_ops *mem, bool entry32, uint64_t entry,
                       uint64_t boot_params, struct guest_boot_state *out, const char *name,
                       char *err, size_t errlen);

#endif
