/*
 * The BIOS area a PC guest may read: [GUEST_BIOS_START, GUEST_HIGH_RAM_START).
 * Guests (Linux, test kernels) scan it for the RSDP and MP tables; on a PC it
 * is ROM. Here every page of it reads as one shared page of zeros, mapped
 * read and execute only: a scan finds nothing and goes on, where stopping the
 * VM would end a guest that did nothing wrong. A write there still faults
 * (ROM cannot change) and the monitor reports it.
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
/* Frees the shared page (no VM may map it any more): for hosted tests, whose
 * machine memory is made anew for each test. */
void guest_rom_drop(void);

#endif
