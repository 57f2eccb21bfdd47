/* A guest's I/O APIC (vioapic_*; arch/ has the host's ioapic_*), an
 * 82093AA-style part with 24 pins, as its MMIO window at 0xfec00000 sees
 * it: IOREGSEL (offset 0x00) selects, IOWIN (0x10) reads and writes the ID,
 * version, arbitration and redirection registers, and the EOI register
 * (0x40) of version 0x20 parts. Edge and level pins, remote IRR, EOI
 * broadcast from the local APIC. Delivery goes to the caller as a message
 * (vector, mode, destination). See docs/devices.md. */
#ifndef VMM_DEV_IOAPIC_H
#define VMM_DEV_IOAPIC_H

#include "vmm/dev_irq.h"

#define VIOAPIC_PINS 24
#define VIOAPIC_DEFAULT_BASE 0xfec00000ULL

struct vioapic_msg {
    uint8_t vector;
    uint8_t delivery_mode;  /* 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT */
    bool logical;           /* destination mode */
    bool level;             /* trigger mode: the APIC must send an EOI back */
    uint8_t dest;
};

struct vioapic {
    uint8_t id;
    uint32_t sel;           /* IOREGSEL */
    uint64_t redir[VIOAPIC_PINS];
    uint32_t asserted;      /* pin input levels */
    /* True when some local APIC took the message: only then does a level
     * pin wait for its EOI (remote IRR), as on the APIC bus. */
    bool (*deliver)(void *ctx, const struct vioapic_msg *m);
    void *ctx;
};

void vioapic_init(struct vioapic *io, uint8_t id, bool (*deliver)(void *ctx, const struct vioapic_msg *m),
                 void *ctx);
/* `offset` within the 4 KiB window; only aligned 32-bit accesses do
 * anything (the part defines no others): reads of other forms give ~0. */
uint32_t vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size);
void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint32_t val);
/* Pin `pin` asserted (true) or not; polarity is the wiring's business:
 * callers pass the logical assertion. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted);
/* The local APIC finished a level-triggered `vector` (EOI broadcast). */
void vioapic_eoi(struct vioapic *io, uint8_t vector);
/* Some unmasked pin delivers NMIs (delivery mode 100b): a device's edge
 * there is an NMI, which even a CPU halted with interrupts off takes. */
bool vioapic_routes_nmi(const struct vioapic *io);

#endif
