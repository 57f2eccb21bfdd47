/* vmm/dev_ioapic.c: the I/O APIC programmed through IOREGSEL/IOWIN as
 * Linux's io_apic.c does, edge and level pins, masks, remote IRR and EOI
 * (broadcast and through the EOI register). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_ioapic.h"

static struct vioapic io;
static struct vioapic_msg last;
static unsigned sent;
static bool accepted;   /* what the APICs answer: some took the message */

static bool deliver(void *ctx, const struct vioapic_msg *m)
{
    assert_ptr_equal(ctx, &io);
    last = *m;
    sent++;
    return accepted;
}

static int setup(void **state)
{
    (void)state;
    sent = 0;
    accepted = true;
    vioapic_init(&io, 2, deliver, &io);
    return 0;
}

static uint32_t rd(uint32_t reg)
{
    vioapic_mmio_write(&io, 0x00, 4, reg);
    return vioapic_mmio_read(&io, 0x10, 4);
}

static void wr(uint32_t reg, uint32_t v)
{
    vioapic_mmio_write(&io, 0x00, 4, reg);
    vioapic_mmio_write(&io, 0x10, 4, v);
}

static void test_identity_registers(void **state)
{
    (void)state;
    assert_int_equal(rd(0x00), 2u << 24);
    assert_int_equal(rd(0x01), 0x00170020);  /* 24 entries, version 0x20 */
    wr(0x00, 5u << 24);
    assert_int_equal(rd(0x00), 5u << 24);
    wr(0x01, 0);
    assert_int_equal(rd(0x01), 0x00170020);  /* read-only */
    assert_int_equal(vioapic_mmio_read(&io, 0x00, 4), 0x01);
    for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
        assert_int_equal(rd(0x10 + 2 * pin), 1u << 16); /* masked at reset */
    assert_int_equal(rd(0x10 + 2 * VIOAPIC_PINS), 0); /* past the table */
    assert_int_equal(vioapic_mmio_read(&io, 0x10, 1), 0xffffffffu); /* not a 32-bit access */
}

static void test_edge_pin(void **state)
{
    (void)state;
    vioapic_set_irq(&io, 2, true);
    vioapic_set_irq(&io, 2, false);
    assert_int_equal(sent, 0);               /* masked: the edge is lost */
    wr(0x15, 0x01000000);                    /* pin 2: destination APIC 1 */
    wr(0x14, 0x30);                          /* vector 0x30, fixed, physical, edge, unmasked */
    assert_int_equal(sent, 0);               /* nothing was held pending */
    vioapic_set_irq(&io, 2, true);
    assert_int_equal(sent, 1);
    assert_int_equal(last.vector, 0x30);
    assert_int_equal(last.dest, 1);
    assert_false(last.level);
    vioapic_set_irq(&io, 2, true);            /* still high: no new edge */
    assert_int_equal(sent, 1);
    vioapic_set_irq(&io, 2, false);
    vioapic_set_irq(&io, 2, true);
    assert_int_equal(sent, 2);
    assert_int_equal(rd(0x14) & (1u << 14), 0); /* no remote IRR on edge pins */
}

static void test_level_pin_remote_irr_and_eoi(void **state)
{
    (void)state;
    wr(0x10 + 2 * 11, 0x0000a951);           /* pin 11: vector 0x51, lowest prio, logical, level, active low */
    vioapic_set_irq(&io, 11, true);
    assert_int_equal(sent, 1);
    assert_true(last.level);
    assert_true(last.logical);
    assert_int_equal(last.delivery_mode, 1);
    assert_true(rd(0x10 + 2 * 11) & (1u << 14)); /* remote IRR */
    vioapic_set_irq(&io, 11, true);
    assert_int_equal(sent, 1);               /* waits for the EOI */
    vioapic_eoi(&io, 0x52);                   /* another vector: nothing */
    assert_int_equal(sent, 1);
    vioapic_eoi(&io, 0x51);                   /* still asserted: sent again */
    assert_int_equal(sent, 2);
    vioapic_set_irq(&io, 11, false);
    vioapic_mmio_write(&io, 0x40, 4, 0x51);   /* EOI register */
    assert_int_equal(sent, 2);
    assert_int_equal(rd(0x10 + 2 * 11) & (1u << 14), 0);
    /* Remote IRR cannot be written by software. */
    wr(0x10 + 2 * 11, 0x0000e951);
    assert_int_equal(rd(0x10 + 2 * 11) & (1u << 14), 0);
}

/* A level message no APIC took sets no remote IRR: the pin is not held
 * until an EOI that can never come, and sends again when it is next
 * asserted (or its entry written) and someone listens. */
static void test_level_message_nobody_took(void **state)
{
    (void)state;
    wr(0x10 + 2 * 9, 0x00008060);            /* pin 9: vector 0x60, level */
    accepted = false;
    vioapic_set_irq(&io, 9, true);
    assert_int_equal(sent, 1);
    assert_int_equal(rd(0x10 + 2 * 9) & (1u << 14), 0);
    vioapic_set_irq(&io, 9, false);
    accepted = true;
    vioapic_set_irq(&io, 9, true);
    assert_int_equal(sent, 2);
    assert_true(rd(0x10 + 2 * 9) & (1u << 14));
}

/* Whether some pin can raise an NMI: only an unmasked one in NMI delivery
 * mode (a CPU halted with interrupts off must then see the PIT's deadlines). */
static void test_routes_nmi(void **state)
{
    (void)state;
    assert_false(vioapic_routes_nmi(&io));              /* all masked at reset */
    wr(0x10 + 2 * 2, 0x10000 | (4u << 8));              /* pin 2: NMI, masked */
    assert_false(vioapic_routes_nmi(&io));
    wr(0x10 + 2 * 2, 0x31);                             /* fixed, unmasked */
    assert_false(vioapic_routes_nmi(&io));
    wr(0x10 + 2 * 2, 4u << 8);                          /* NMI, unmasked */
    assert_true(vioapic_routes_nmi(&io));
    vioapic_set_irq(&io, 2, true);                      /* an edge: an NMI message */
    assert_int_equal(sent, 1);
    assert_int_equal(last.delivery_mode, 4);
}

static void test_unmask_sends_asserted_level(void **state)
{
    (void)state;
    wr(0x10 + 2 * 5, 0x00018040);            /* level, masked */
    vioapic_set_irq(&io, 5, true);
    assert_int_equal(sent, 0);
    wr(0x10 + 2 * 5, 0x00008040);            /* unmask */
    assert_int_equal(sent, 1);
    assert_int_equal(last.vector, 0x40);
    wr(0x10 + 2 * 5, 0x00018040);            /* mask with remote IRR set ... */
    vioapic_eoi(&io, 0x40);                   /* ... the EOI clears it, nothing sent */
    assert_int_equal(sent, 1);
    wr(0x10 + 2 * 5, 0x00008040);
    assert_int_equal(sent, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_identity_registers, setup),
        cmocka_unit_test_setup(test_edge_pin, setup),
        cmocka_unit_test_setup(test_level_pin_remote_irr_and_eoi, setup),
        cmocka_unit_test_setup(test_level_message_nobody_took, setup),
        cmocka_unit_test_setup(test_unmask_sends_asserted_level, setup),
        cmocka_unit_test_setup(test_routes_nmi, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
