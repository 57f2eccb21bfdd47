/* The guest's memory map for the Linux entries: see loader_e820.h. */
#include "vmm/loader_e820.h"
#include "mm/guest_mem.h"

unsigned e820_layout(uint64_t ram, uint64_t acpi_base, uint64_t acpi_size,
                     struct e820_range out[E820_MAX])
{
    uint64_t low = guest_ram_low_end(ram);
    struct e820_range e[E820_MAX] = {
        { 0, LOW_E820_END, E820_RAM },
        { LOW_E820_END, GUEST_HIGH_RAM_START, E820_RESERVED },
        { GUEST_HIGH_RAM_START, low, E820_RAM },
    };
    unsigned n = 3;
    if (acpi_size) {
        e[2].end = acpi_base;
        e[3] = (struct e820_range){ acpi_base, acpi_base + acpi_size, E820_ACPI };
        e[4] = (struct e820_range){ acpi_base + acpi_size, low, E820_RAM };
        n = 5;
    }
    if (guest_ram_top(ram) > GUEST_PCI_HOLE_END)
        e[n++] = (struct e820_range){ GUEST_PCI_HOLE_END, guest_ram_top(ram), E820_RAM };
    unsigned count = 0;
    for (unsigned i = 0; i < n; i++)
        if (e[i].end > e[i].start) /* an ACPI region at an edge of RAM leaves an empty piece */
            out[count++] = e[i];
    return count;
}
