/* The High Precision Event Timer of a PC chipset (IA-PC HPET specification
 * 1.0a, Intel, 2004; the register block of the ICH family): a 64-bit main
 * counter at 14.31818 MHz and three comparators, at guest-physical
 * 0xFED00000 (1 KiB of registers), described to the guest by ACPI's HPET
 * table. Timer 0 is 64-bit and periodic capable; timers 1 and 2 are 32-bit
 * and one-shot only, as on the ICH. Each timer is edge or level triggered
 * and routed to I/O APIC inputs 20-23, or, in legacy replacement mode,
 * timer 0 to ISA IRQ 0 and timer 1 to ISA IRQ 8 in place of the PIT and
 * the RTC (the board does the replacing). No FSB (MSI) delivery, as QEMU's
 * default. See docs/devices.md.
 *
 * A pure state machine, as the other models (vmm/dev_irq.h): time comes in
 * with every call. Register accesses of 1 to 8 bytes inside one 64-bit
 * register are honoured (the spec asks for 32- and 64-bit ones); a write
 * changes only the bytes it covers. */
#ifndef VMM_DEV_HPET_H
#define VMM_DEV_HPET_H

#include "vmm/dev_irq.h"

#define HPET_BASE 0xFED00000ULL
#define HPET_REG_SIZE 0x400
#define HPET_TIMERS 3
/* The counter's period in femtoseconds (GCAP_ID 63:32) and its rate: the
 * PC's 14.31818 MHz crystal, as the ICH's HPET counts. */
#define HPET_PERIOD_FS 69841279u
#define HPET_HZ 14318180ULL
/* The I/O APIC inputs a timer may be routed to (Tn_INT_ROUTE_CAP). */
#define HPET_ROUTE_CAP 0x00f00000u
/* ISA lines taken over in legacy replacement mode. */
#define HPET_LEGACY_IRQ0 0
#define HPET_LEGACY_IRQ8 8
/* Output lines the model reports on: ISA 0 and 8, GSIs up to 23. */
#define HPET_LINES 24

struct hpet_timer {
    uint64_t config;        /* Tn_CONFIG: the writable bits and the caps */
    uint64_t cmp;           /* the comparator (the next match in periodic mode) */
    uint64_t period;        /* periodic mode: added to cmp at each match */
};

struct hpet {
    uint64_t gen_conf;      /* ENABLE_CNF, LEG_RT_CNF */
    uint64_t isr;           /* GINTR_STA: level-triggered timers' status */
    /* The main counter: `count` at host time `base_ns` (halted: `count`). */
    uint64_t count;
    uint64_t base_ns;
    uint64_t seen;          /* matches up to this count have been acted on */
    struct hpet_timer t[HPET_TIMERS];
    bool out[HPET_LINES];   /* each output line's level, as last reported */
    uint64_t irqs;          /* interrupts signalled (edges sent, status bits set) */
    struct dev_irq irq;     /* line = ISA IRQ (legacy mode) or I/O APIC input */
};

void hpet_init(struct hpet *h, struct dev_irq irq, uint64_t now_ns);
/* Power-on state again (ACPI S3 powers the HPET's well off): every output
 * that was high is lowered. */
void hpet_reset(struct hpet *h, uint64_t now_ns);
/* `off` in [0, HPET_REG_SIZE), `size` 1..8 bytes within one 64-bit
 * register (else reads all ones and writes nothing). */
uint64_t hpet_read(struct hpet *h, uint64_t off, unsigned size, uint64_t now_ns);
void hpet_write(struct hpet *h, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns);
/* Acts on the comparators' matches up to now. */
void hpet_tick(struct hpet *h, uint64_t now_ns);
/* When the next interrupt is due (DEV_NO_DEADLINE: none). */
uint64_t hpet_next_deadline(const struct hpet *h, uint64_t now_ns);
/* Legacy replacement is on: timers 0 and 1 own ISA IRQs 0 and 8. */
bool hpet_legacy(const struct hpet *h);
/* GCAP_ID: the period, vendor, legacy and 64-bit counter capabilities,
 * the number of timers, the revision (its low half is ACPI's Event Timer
 * Block ID). */
uint64_t hpet_capabilities(void);
/* The main counter's value at now_ns. */
uint64_t hpet_counter(const struct hpet *h, uint64_t now_ns);

#endif
