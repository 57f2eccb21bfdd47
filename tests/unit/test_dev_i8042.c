/* vmm/dev_i8042.c: the controller as Linux's i8042 driver probes it (flush,
 * command byte, self-test), the keyboard's answers to atkbd's probe,
 * interrupts on IRQ 1 and 12, and every way a guest resets through it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_i8042.h"

static struct i8042 kbc;
static unsigned resets;
static bool irq1, irq12;
static unsigned irq1_edges; /* rising edges: what an edge-triggered pin sees */

static void irq_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    if (line == I8042_KBD_IRQ) {
        irq1_edges += level && !irq1;
        irq1 = level;
    } else if (line == I8042_AUX_IRQ) {
        irq12 = level;
    } else {
        fail();
    }
}

static void on_reset(void *ctx)
{
    assert_ptr_equal(ctx, &kbc);
    resets++;
}

static int setup(void **state)
{
    (void)state;
    resets = 0;
    irq1 = irq12 = false;
    irq1_edges = 0;
    i8042_init(&kbc, (struct dev_irq){ irq_set, NULL }, on_reset, &kbc);
    return 0;
}

static uint8_t status(void) { return i8042_port_read(&kbc, 0x64); }
static uint8_t data(void) { return i8042_port_read(&kbc, 0x60); }
static void cmd(uint8_t v) { i8042_port_write(&kbc, 0x64, v); }
static void out(uint8_t v) { i8042_port_write(&kbc, 0x60, v); }

static void test_linux_controller_probe(void **state)
{
    (void)state;
    assert_int_equal(status() & 0x01, 0);    /* i8042_flush: nothing waiting */
    assert_true(status() & 0x04);            /* SYS: POST passed */
    cmd(0x20);                               /* read the command byte */
    assert_true(status() & 0x01);
    assert_true(status() & 0x08);            /* A2: last write was a command */
    uint8_t ctr = data();
    assert_int_equal(ctr, 0x65);
    assert_int_equal(status() & 0x01, 0);
    cmd(0x60);
    out(ctr & ~0x03);                        /* interrupts off while probing */
    assert_false(status() & 0x08);
    cmd(0x20);
    assert_int_equal(data(), 0x64);
    assert_false(irq1);                      /* keyboard interrupt disabled */
    cmd(0xaa);                               /* self-test */
    assert_int_equal(data(), 0x55);
    cmd(0xab);                               /* keyboard interface test */
    assert_int_equal(data(), 0x00);
    cmd(0xd0);
    assert_int_equal(data() & 0x01, 0x01);   /* reset line inactive */
    assert_int_equal(data(), 0x03);          /* empty: the last byte again */
    assert_int_equal(resets, 0);
}

static void test_reset_paths(void **state)
{
    (void)state;
    cmd(0xfe);                               /* Linux reboot=k */
    assert_int_equal(resets, 1);
    cmd(0xf0);                               /* pulses bits 0-3: bit 0 too */
    assert_int_equal(resets, 2);
    cmd(0xff);                               /* pulses nothing */
    cmd(0xfd);                               /* bit 1 only (A20) */
    assert_int_equal(resets, 2);
    cmd(0xd1);
    out(0x03);                               /* output port, reset line high */
    assert_int_equal(resets, 2);
    cmd(0xd1);
    out(0x02);                               /* reset line low */
    assert_int_equal(resets, 3);
}

static void test_keyboard_probe_and_irq1(void **state)
{
    (void)state;
    out(0xff);                               /* keyboard reset */
    assert_true(irq1);
    assert_int_equal(data(), 0xfa);
    assert_true(irq1);                       /* the next byte moves in */
    assert_int_equal(data(), 0xaa);
    assert_false(irq1);
    /* One rising edge per byte: the handler reads one byte per interrupt
     * and the line is edge-triggered. */
    assert_int_equal(irq1_edges, 2);
    out(0xf2);                               /* identify */
    assert_int_equal(irq1_edges, 3);
    assert_int_equal(data(), 0xfa);
    assert_int_equal(irq1_edges, 4);
    assert_int_equal(data(), 0xab);
    assert_int_equal(irq1_edges, 5);
    assert_int_equal(data(), 0x83);
    assert_false(irq1);
    assert_int_equal(irq1_edges, 5);
    out(0xed);                               /* LEDs */
    assert_int_equal(data(), 0xfa);
    out(0x07);
    assert_int_equal(data(), 0xfa);
    assert_int_equal(kbc.leds, 7);
    out(0xf0);                               /* scancode set: query */
    out(0x00);
    assert_int_equal(data(), 0xfa);
    assert_int_equal(data(), 0xfa);
    assert_int_equal(data(), 0x02);
    out(0xee);
    assert_int_equal(data(), 0xee);
    out(0x12);                               /* not a keyboard command */
    assert_int_equal(data(), 0xfe);
    assert_int_equal(status() & 0x01, 0);
}

static void test_keyboard_input_and_disable(void **state)
{
    (void)state;
    i8042_kbd_input(&kbc, 0x1e);
    assert_true(irq1);
    assert_int_equal(data(), 0x1e);
    cmd(0xad);                               /* disable the keyboard */
    i8042_kbd_input(&kbc, 0x1e);
    assert_int_equal(status() & 0x01, 0);
    cmd(0xae);
    out(0xf5);                               /* keyboard stops scanning */
    assert_int_equal(data(), 0xfa);
    i8042_kbd_input(&kbc, 0x1e);
    assert_int_equal(status() & 0x01, 0);
    /* A full queue drops further bytes, never overruns. */
    out(0xf4);
    for (int i = 0; i < 40; i++)
        i8042_kbd_input(&kbc, (uint8_t)i);
    assert_int_equal(kbc.count, I8042_QUEUE);
}

static void test_aux_port_without_mouse(void **state)
{
    (void)state;
    cmd(0xa8);                               /* enable AUX */
    cmd(0x20);
    assert_int_equal(data() & 0x20, 0);
    cmd(0xd3);                               /* AUX loopback, as Linux's i8042_check_aux */
    out(0x5a);
    assert_true(status() & 0x20);            /* AUX OBF */
    assert_false(irq12);                     /* AUX interrupt still off */
    assert_int_equal(data(), 0x5a);
    cmd(0x60);
    out(0x47);                               /* both interrupts on */
    cmd(0xd4);                               /* a byte for the mouse ... */
    out(0xff);
    assert_true(irq12);
    assert_false(irq1);
    assert_int_equal(data(), 0xfe);          /* ... which is not there */
    assert_false(irq12);
    cmd(0xa9);
    assert_int_equal(data(), 0x00);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_linux_controller_probe, setup),
        cmocka_unit_test_setup(test_reset_paths, setup),
        cmocka_unit_test_setup(test_keyboard_probe_and_irq1, setup),
        cmocka_unit_test_setup(test_keyboard_input_and_disable, setup),
        cmocka_unit_test_setup(test_aux_port_without_mouse, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
