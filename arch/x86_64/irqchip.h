/* Legacy interrupt controllers: the 8259 pair is remapped and masked; ISA
 * interrupts are routed through the IOAPIC(s) the MADT describes. */
#ifndef ARCH_X86_64_IRQCHIP_H
#define ARCH_X86_64_IRQCHIP_H

#include "include/hv/types.h"
#include "drivers/acpi_tables.h"

void pic_disable(void);
/* Maps the IOAPICs and masks every pin. Returns the number found. */
unsigned ioapic_init(const struct acpi_info *acpi);
/* Without a MADT: looks for an IOAPIC at the PC default address
 * (0xfec00000, ISA IRQs on pins 0-15) and uses it if its version register
 * is plausible. Returns 1 if found, else 0. */
unsigned ioapic_init_default(void);
/* Routes ISA interrupt `irq` (after any source override) to `vector` on the
 * boot CPU. False when no IOAPIC serves it. */
bool ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t dest_apic_id);

#endif
