/* The guest's memory map for the Linux entries: see loader_e820.h. */
#include "vmm/loader_e820.h"
#include "mm/guest_mem.h"

unsigned e820_layout(uint64_t ram, uint64_t acpi_base, uint64_t acpi_size,
                     struct e820_range out[E820_MAX])
{
    struct e820_range e[E820_MAX] = {
        { 0, LOW_E820_END, E820_RAM },
        { LOW_E820_END, GUEST_HIGH_RAM_START, E820_RESERVED },
        { GUEST_HIGH_RAM_START, ram, E820_RAM },
    };
    unsigned n = 3;
    if (acpi_size) {
        e[2].end = acpi_base;
        e[3] = (struct e820_range){ acpi_base, acpi_base + acpi_size, E820_ACPI };
        e[4] = (struct e820_range){ acpi_base + acpi_size, ram, E820_RAM };
        n = 5;
    }
    unsigned count = 0;
    for (unsigned i = 0; i < n; i++)
        if (e[i].end > e[i].start) /* an ACPI region at an edge of RAM leaves an empty piece */
            out[count++] = e[i];
    return count;
}
