/* The guest DSDT's AML (ACPI 6.x chapter 19 for the ASL it stands for,
 * chapter 20 for the encoding, 6.4 for resource descriptors): see
 * acpi_guest.h for what it declares. */
#ifndef VMM_ACPI_GUEST_AML_H
#define VMM_ACPI_GUEST_AML_H

#include "vmm/acpi_guest.h"
#include "vmm/acpi_guest_buf.h"

/* Appends the DSDT's body (no table header) to `b`. */
void acpi_guest_dsdt_body(const struct acpi_guest_cfg *cfg, struct abuf *b);

#endif
