/* vmm/dev_pic.c: the 8259A pair programmed as Linux's init_8259A does, then
 * priorities, cascade, masks, edge and level requests, EOIs, rotation,
 * poll, register reads and spurious interrupts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_pic.h"

static struct pic pic;
static bool intr;
static unsigned intr_changes;

static void out_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    assert_int_equal(line, 0);
    assert_true(level != intr);              /* only changes are reported */
    intr = level;
    intr_changes++;
}

static void out8(uint16_t port, uint8_t v) { pic_port_write(&pic, port, v); }
static uint8_t in8(uint16_t port) { return pic_port_read(&pic, port); }

/* Linux arch/x86/kernel/i8259.c init_8259A(0), as the guest issues it. */
static void linux_init(bool auto_eoi)
{
    out8(0x21, 0xff);
    out8(0xa1, 0xff);
    out8(0x20, 0x11);                        /* ICW1: edge, cascade, ICW4 */
    out8(0x21, 0x30);                        /* ICW2: IR0-7 at 0x30 */
    out8(0x21, 0x04);                        /* ICW3: slave on IR2 */
    out8(0x21, auto_eoi ? 0x03 : 0x01);      /* ICW4: 8086 mode (+ AEOI) */
    out8(0xa0, 0x11);
    out8(0xa1, 0x38);                        /* IR8-15 at 0x38 */
    out8(0xa1, 0x02);                        /* slave id 2 */
    out8(0xa1, 0x01);
    out8(0x21, 0x00);                        /* unmask all */
    out8(0xa1, 0x00);
}

static int setup(void **state)
{
    (void)state;
    intr = false;
    intr_changes = 0;
    pic_init(&pic, (struct dev_irq){ out_set, NULL });
    linux_init(false);
    return 0;
}

static void pulse(unsigned irq)
{
    pic_set_irq(&pic, irq, true);
    pic_set_irq(&pic, irq, false);
}

static void test_masked_until_initialised(void **state)
{
    (void)state;
    pic_init(&pic, (struct dev_irq){ out_set, NULL });
    pulse(0);
    assert_false(intr);                      /* masked at power-on */
    assert_int_equal(in8(0x21), 0xff);
    linux_init(false);
    assert_false(intr);                      /* ICW1 dropped the stale request */
    pulse(0);
    assert_true(intr);
    assert_int_equal(pic_ack(&pic), 0x30);
}

static void test_deliver_and_eoi(void **state)
{
    (void)state;
    pulse(0);
    assert_true(intr);
    assert_int_equal(pic_ack(&pic), 0x30);
    assert_false(intr);
    out8(0x20, 0x0b);                        /* OCW3: read ISR */
    assert_int_equal(in8(0x20), 0x01);
    out8(0x20, 0x20);                        /* non-specific EOI */
    assert_int_equal(in8(0x20), 0x00);
    out8(0x20, 0x0a);                        /* OCW3: read IRR */
    assert_int_equal(in8(0x20), 0x00);
}

static void test_priority_and_nesting(void **state)
{
    (void)state;
    pulse(3);
    assert_int_equal(pic_ack(&pic), 0x33);
    pulse(5);
    assert_false(intr);                      /* lower than the one in service */
    pulse(1);
    assert_true(intr);                       /* higher: nests */
    assert_int_equal(pic_ack(&pic), 0x31);
    out8(0x20, 0x20);                        /* EOI ends IRQ 1 (highest in service) */
    assert_false(intr);                      /* 5 still below 3 */
    out8(0x20, 0x20);                        /* EOI ends IRQ 3 */
    assert_true(intr);
    assert_int_equal(pic_ack(&pic), 0x35);
    out8(0x20, 0x65);                        /* specific EOI for 5 */
    out8(0x20, 0x0b);
    assert_int_equal(in8(0x20), 0);
}

static void test_cascade(void **state)
{
    (void)state;
    pulse(12);                               /* slave IR4 */
    assert_true(intr);
    out8(0x20, 0x0a);
    assert_int_equal(in8(0x20), 0x04);       /* master IRR shows the cascade */
    assert_int_equal(pic_ack(&pic), 0x3c);
    out8(0x20, 0x0b);
    out8(0xa0, 0x0b);
    assert_int_equal(in8(0x20), 0x04);       /* master IR2 in service */
    assert_int_equal(in8(0xa0), 0x10);       /* slave IR4 in service */
    pulse(8);                                /* slave IR0 outranks IR4: nested on the slave */
    assert_false(intr);                      /* but the master's IR2 is in service */
    out8(0xa0, 0x20);
    out8(0x20, 0x20);
    assert_true(intr);
    assert_int_equal(pic_ack(&pic), 0x38);
    out8(0xa0, 0x20);
    out8(0x20, 0x20);
    assert_false(intr);
    /* A masked slave line never reaches the master. */
    out8(0xa1, 0x10);
    pulse(12);
    assert_false(intr);
    out8(0xa1, 0x00);
    assert_true(intr);
}

static void test_edge_and_level(void **state)
{
    (void)state;
    /* Edge: a line held high requests once. */
    pic_set_irq(&pic, 4, true);
    assert_int_equal(pic_ack(&pic), 0x34);
    out8(0x20, 0x20);
    assert_false(intr);
    pic_set_irq(&pic, 4, false);
    pic_set_irq(&pic, 4, true);
    assert_true(intr);                       /* the next rising edge does */
    assert_int_equal(pic_ack(&pic), 0x34);
    out8(0x20, 0x20);
    pic_set_irq(&pic, 4, false);

    /* Level (ELCR bit 11): requests again after EOI while the line is high. */
    out8(0x4d1, 0x08);
    assert_int_equal(in8(0x4d1), 0x08);
    pic_set_irq(&pic, 11, true);
    assert_int_equal(pic_ack(&pic), 0x3b);
    out8(0xa0, 0x20);
    out8(0x20, 0x20);
    assert_true(intr);
    assert_int_equal(pic_ack(&pic), 0x3b);
    out8(0xa0, 0x20);
    out8(0x20, 0x20);
    pic_set_irq(&pic, 11, false);            /* dropped: no request */
    assert_false(intr);
    /* IRQ 0-2 cannot be level-triggered. */
    out8(0x4d0, 0xff);
    assert_int_equal(in8(0x4d0), 0xf8);
}

static void test_spurious_irq7_and_15(void **state)
{
    (void)state;
    /* A level request withdrawn before INTA: the master answers IR7 and
     * sets no ISR bit. */
    out8(0x4d0, 0x20);                       /* IRQ 5 level */
    pic_set_irq(&pic, 5, true);
    assert_true(intr);
    pic_set_irq(&pic, 5, false);
    assert_int_equal(pic_ack(&pic), 0x37);
    out8(0x20, 0x0b);
    assert_int_equal(in8(0x20), 0x00);
    /* A slave request withdrawn while the master masked IR2 takes the
     * cascade request with it: an INTA then gets the master's IR7. */
    out8(0x4d1, 0x02);                       /* IRQ 9 level */
    pic_set_irq(&pic, 9, true);
    out8(0x21, 0x04);
    pic_set_irq(&pic, 9, false);
    out8(0x21, 0x00);
    assert_false(intr);
    assert_int_equal(pic_ack(&pic), 0x37);
    out8(0xa0, 0x0b);
    assert_int_equal(in8(0xa0), 0x00);
}

static void test_mask_register(void **state)
{
    (void)state;
    out8(0x21, 0x01);
    assert_int_equal(in8(0x21), 0x01);
    pulse(0);
    assert_false(intr);
    pulse(1);
    assert_int_equal(pic_ack(&pic), 0x31);
    out8(0x20, 0x20);
    out8(0x21, 0x00);
    assert_true(intr);                       /* IRQ 0 was latched while masked */
    assert_int_equal(pic_ack(&pic), 0x30);
}

static void test_poll_command(void **state)
{
    (void)state;
    out8(0x21, 0xff);                        /* polled systems mask INT */
    out8(0x20, 0x0c);                        /* OCW3: poll */
    assert_int_equal(in8(0x20), 0x00);       /* nothing pending */
    out8(0x21, 0x00);
    pulse(6);
    out8(0x20, 0x0c);
    assert_int_equal(in8(0x20), 0x86);       /* request on IR6, now in service */
    out8(0x20, 0x0b);
    assert_int_equal(in8(0x20), 0x40);
}

static void test_rotation_and_auto_eoi(void **state)
{
    (void)state;
    /* Rotate on non-specific EOI: the line served becomes lowest. */
    pulse(0);
    pic_ack(&pic);
    out8(0x20, 0xa0);                        /* rotate on non-specific EOI */
    pulse(0);
    pulse(1);
    assert_int_equal(pic_ack(&pic), 0x31);   /* IR1 now outranks IR0 */
    out8(0x20, 0xc4);                        /* set priority: IR4 lowest, IR5 highest */
    out8(0x20, 0x61);                        /* specific EOI 1 */
    pulse(5);
    assert_int_equal(pic_ack(&pic), 0x35);
    assert_false(intr);                      /* IR0 now ranks below IR5 in service */
    out8(0x20, 0x20);                        /* non-specific EOI: ends IR5 */
    assert_true(intr);
    assert_int_equal(pic_ack(&pic), 0x30);
    out8(0x20, 0x0b);
    assert_int_equal(in8(0x20), 0x01);

    /* Automatic EOI: nothing stays in service. */
    setup(NULL);
    linux_init(true);
    pulse(3);
    assert_int_equal(pic_ack(&pic), 0x33);
    out8(0x20, 0x0b);
    assert_int_equal(in8(0x20), 0x00);
    pulse(4);
    assert_true(intr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_masked_until_initialised, setup),
        cmocka_unit_test_setup(test_deliver_and_eoi, setup),
        cmocka_unit_test_setup(test_priority_and_nesting, setup),
        cmocka_unit_test_setup(test_cascade, setup),
        cmocka_unit_test_setup(test_edge_and_level, setup),
        cmocka_unit_test_setup(test_spurious_irq7_and_15, setup),
        cmocka_unit_test_setup(test_mask_register, setup),
        cmocka_unit_test_setup(test_poll_command, setup),
        cmocka_unit_test_setup(test_rotation_and_auto_eoi, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
