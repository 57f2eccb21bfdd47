/* Gives a VM its ACPI: the tables (vmm/acpi_guest.h) in a ROM page of its
 * own at ACPI_GUEST_ROM_GPA, where a scan of the BIOS area finds the RSDP,
 * and the PM1/reset device the FADT points at (vmm/dev_pm.h). */
#ifndef VMM_ACPI_GUEST_ATTACH_H
#define VMM_ACPI_GUEST_ATTACH_H

#include "include/hv/types.h"

/* The first page of the BIOS's own segment (0xF000), where SeaBIOS and
 * PC firmware put the RSDP: the ACPI spec lets it be anywhere in
 * [0xE0000, 1 MiB) on a 16-byte boundary, and most OSes scan all of it,
 * but some programs scan only the F segment (older kvm-unit-tests, MP-era
 * code). The RSDP is at the page's start. */
#define ACPI_GUEST_ROM_GPA 0xF0000ULL

struct vm;

/* False with a reason when the tables or their page could not be had. */
bool acpi_guest_attach(struct vm *vm, char *why, size_t whylen);

#endif
