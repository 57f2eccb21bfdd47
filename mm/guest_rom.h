/*
 * The BIOS area a PC guest may read: [GUEST_BIOS_START, GUEST_HIGH_RAM_START).
 * Guests (Linux, test kernels) scan it for the RSDP and MP tables; on a PC it
 * is ROM. A VM may have pages of its own content there (its ACPI tables:
 * guest_rom_install, mapped when the VM is built); every other page of it
 * reads as one shared page of zeros, mapped on first read. The shared page
 * is mapped read and execute only: a scan finds what the VM was given or
 * nothing, where stopping the VM would end a guest that did nothing wrong,
 * and a write there exits, and the monitor emulates the instruction and
 * drops the write, as ROM does (vmm/exit_mmio.c). A VM's own page may be writable: the ACPI tables' page holds
 * the FACS, which the OS writes (ACPI 6.x, 5.2.10: in read/write memory).
 */
#ifndef MM_GUEST_ROM_H
#define MM_GUEST_ROM_H

#include "include/hv/types.h"

#define GUEST_BIOS_START 0xE0000ULL

struct guest_mem;

bool guest_rom_contains(uint64_t gpa);
/* Maps the shared zero ROM page at `gpa`'s page; false when `gpa` is not in
 * the BIOS area or memory for the page or the mapping ran out. */
bool guest_rom_map(struct guest_mem *gm, uint64_t gpa);
/* A page of the VM's own at `gpa` (page-aligned, in the BIOS area): `len`
 * bytes of `data`, the rest zeros, mapped read and execute, and write with
 * `writable` (only this VM sees what it writes). Returns
 * the machine page, which the caller frees with guest_rom_free after the
 * VM's mappings are gone (guest_mem_destroy does not know it); INVALID_MPN
 * when `gpa` or `len` is wrong or memory ran out (nothing is left behind). */
mpn_t guest_rom_install(struct guest_mem *gm, uint64_t gpa, const void *data, size_t len,
                        bool writable);
void guest_rom_free(mpn_t mpn);
/* The legacy hole below the BIOS area, [GUEST_LOW_RAM_END, GUEST_BIOS_START)
 * (VGA memory and option ROMs on a PC; nothing on this board): data
 * accesses there are emulated (reads all ones, writes dropped:
 * vmm/exit_mmio.c), and code fetched there reads all ones too, as from an
 * empty bus, so at a fetch `gpa`'s page is mapped read and execute to one
 * shared page of 0xff bytes (reads there are then the CPU's, with the same
 * values; a write still exits and is dropped). False when `gpa` is not in
 * the hole or memory for the page or the mapping ran out. */
bool guest_rom_map_floating(struct guest_mem *gm, uint64_t gpa);
/* Frees the shared page (no VM may map it any more): for hosted tests, whose
 * machine memory is made anew for each test. */
void guest_rom_drop(void);

#endif
