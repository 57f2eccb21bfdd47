/* A ROM page of a VM's own in the BIOS area (mm/guest_rom.h), owned by the
 * VM's device list, so that it is freed when the VM ends, after its mappings
 * (vm_reap runs the devices' destroy after guest_mem_destroy), however the
 * VM's construction went. Used for its ACPI tables and its BIOS handlers. */
#ifndef VMM_GUEST_ROM_ATTACH_H
#define VMM_GUEST_ROM_ATTACH_H

#include "include/hv/types.h"

struct vm;

/* `len` bytes of `data` at page-aligned `gpa` in the BIOS area, the rest of
 * the page zeros, read and execute (and write with `writable`); `name` names
 * the device. Returns the page's bytes as the monitor sees them (the guest's
 * writes show there), or NULL when memory ran out or `gpa` is wrong. */
volatile uint8_t *guest_rom_attach(struct vm *vm, const char *name, uint64_t gpa,
                                   const void *data, size_t len, bool writable);

#endif
