/* vmm/dev_uart_regs.c: the 16550A's receive path and interrupt rules
 * (PC16550D datasheet): RBR/LSR.DR and the FIFO, IIR priorities and how each
 * source is cleared, OUT2 gating the IRQ line, loopback, the divisor latch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev_uart.h"

static char sent[64];
static size_t nsent;
static int irq_changes;
static bool irq_level;
static unsigned irq_line_seen;

static void tx(void *ctx, char c)
{
    assert_ptr_equal(ctx, sent);
    assert_true(nsent < sizeof sent);
    sent[nsent++] = c;
}

static void irq_set(void *ctx, unsigned line, bool level)
{
    assert_ptr_equal(ctx, &irq_level);
    /* Only changes are reported. */
    assert_true(level != irq_level);
    irq_level = level;
    irq_line_seen = line;
    irq_changes++;
}

static struct dev_uart u;

static void reset(void)
{
    dev_uart_init(&u, tx, sent);
    u.irq = (struct dev_irq){ irq_set, &irq_level };
    nsent = 0;
    irq_changes = 0;
    irq_level = false;
    irq_line_seen = 99;
}

static uint8_t rd(unsigned reg) { return dev_uart_read(&u, reg); }
static void wr(unsigned reg, uint8_t v) { dev_uart_write(&u, reg, v); }

static void test_reset_state(void **state)
{
    (void)state;
    reset();
    assert_int_equal(rd(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    assert_int_equal(rd(UART_IIR_FCR), 0x01);
    assert_int_equal(rd(UART_MSR), 0xb0);
    assert_int_equal(rd(UART_RBR_THR), 0);
    assert_int_equal(irq_changes, 0);
}

static void test_polled_receive(void **state)
{
    (void)state;
    reset();
    /* Without FIFOs the receiver holds one byte; the next waits. */
    assert_true(dev_uart_receive(&u, 'a'));
    assert_false(dev_uart_receive(&u, 'b'));
    assert_int_equal(u.rx_refused, 1);
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(rd(UART_RBR_THR), 'a');
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    /* No interrupt without IER, OUT2 or both. */
    assert_int_equal(irq_changes, 0);
    /* With FIFOs: 16 bytes, in order, then refused. */
    wr(UART_IIR_FCR, 0x01);
    for (int i = 0; i < UART_FIFO_SIZE; i++)
        assert_true(dev_uart_receive(&u, (uint8_t)('A' + i)));
    assert_false(dev_uart_receive(&u, 'x'));
    for (int i = 0; i < UART_FIFO_SIZE; i++) {
        assert_int_equal(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
        assert_int_equal(rd(UART_RBR_THR), 'A' + i);
    }
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
}

static void test_fifo_clear(void **state)
{
    (void)state;
    reset();
    wr(UART_IIR_FCR, 0x01);
    dev_uart_receive(&u, 'a');
    dev_uart_receive(&u, 'b');
    wr(UART_IIR_FCR, 0x03); /* clear the receiver FIFO, stay on */
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    dev_uart_receive(&u, 'c');
    wr(UART_IIR_FCR, 0x00); /* FIFOs off: emptied */
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    assert_int_equal(rd(UART_IIR_FCR) & 0xc0, 0);
}

/* Received data: IIR 0x4 and the line up (OUT2 set); reading RBR clears. */
static void test_receive_interrupt(void **state)
{
    (void)state;
    reset();
    wr(UART_MCR, UART_MCR_OUT2 | 0x03);
    wr(UART_IER, UART_IER_RDA);
    assert_int_equal(irq_changes, 0);
    dev_uart_receive(&u, 'k');
    assert_true(irq_level);
    assert_int_equal(irq_line_seen, UART_COM1_IRQ);
    assert_int_equal(rd(UART_IIR_FCR), 0x04);
    assert_int_equal(rd(UART_IIR_FCR), 0x04); /* reading IIR does not clear it */
    assert_int_equal(rd(UART_RBR_THR), 'k');
    assert_false(irq_level);
    assert_int_equal(rd(UART_IIR_FCR), 0x01);
    assert_int_equal(irq_changes, 2);
}

/* FIFO mode: below the trigger level the byte is reported as a character
 * timeout (0xC); at the level, as received data (0x4). */
static void test_trigger_level_and_timeout(void **state)
{
    (void)state;
    reset();
    wr(UART_MCR, UART_MCR_OUT2);
    wr(UART_IIR_FCR, 0x41); /* FIFOs on, trigger at 4 bytes */
    wr(UART_IER, UART_IER_RDA);
    dev_uart_receive(&u, '1');
    assert_int_equal(rd(UART_IIR_FCR), 0xcc);
    dev_uart_receive(&u, '2');
    dev_uart_receive(&u, '3');
    assert_int_equal(rd(UART_IIR_FCR), 0xcc);
    dev_uart_receive(&u, '4');
    assert_int_equal(rd(UART_IIR_FCR), 0xc4);
    rd(UART_RBR_THR);
    assert_int_equal(rd(UART_IIR_FCR), 0xcc);
    assert_true(irq_level);
    rd(UART_RBR_THR), rd(UART_RBR_THR), rd(UART_RBR_THR);
    assert_false(irq_level);
}

/* THR empty: raised by enabling it and after each byte, cleared by reading
 * IIR while it shows, or by writing THR; received data outranks it. */
static void test_thr_empty_interrupt(void **state)
{
    (void)state;
    reset();
    wr(UART_MCR, UART_MCR_OUT2);
    wr(UART_IER, UART_IER_THRE);
    assert_true(irq_level);
    assert_int_equal(rd(UART_IIR_FCR), 0x02);
    assert_false(irq_level);                  /* that read acknowledged it */
    assert_int_equal(rd(UART_IIR_FCR), 0x01);
    /* Writing IER again with the bit already on raises nothing. */
    wr(UART_IER, UART_IER_THRE);
    assert_false(irq_level);
    wr(UART_RBR_THR, 'z');                    /* sent at once: empty again */
    assert_int_equal(nsent, 1);
    assert_true(irq_level);
    /* Received data comes first; THR empty shows once it is read. */
    wr(UART_IER, UART_IER_THRE | UART_IER_RDA);
    dev_uart_receive(&u, 'q');
    assert_int_equal(rd(UART_IIR_FCR), 0x04);
    assert_int_equal(rd(UART_RBR_THR), 'q');
    assert_int_equal(rd(UART_IIR_FCR), 0x02);
    assert_int_equal(rd(UART_IIR_FCR), 0x01);
    assert_false(irq_level);
    /* Disabling the source drops the line. */
    wr(UART_RBR_THR, 'y');
    assert_true(irq_level);
    wr(UART_IER, 0);
    assert_false(irq_level);
}

/* OUT2 gates the line on a PC: the same pending interrupt, line low. */
static void test_out2_gates_the_line(void **state)
{
    (void)state;
    reset();
    wr(UART_IER, UART_IER_RDA);
    dev_uart_receive(&u, 'a');
    assert_int_equal(rd(UART_IIR_FCR), 0x04);
    assert_false(irq_level);
    wr(UART_MCR, UART_MCR_OUT2);
    assert_true(irq_level);
    wr(UART_MCR, 0);
    assert_false(irq_level);
}

/* Loopback: THR comes back through RBR, nothing reaches the line or the
 * pin, the modem inputs mirror MCR (Linux's 8250 probe expects 0x90 for
 * MCR = LOOP | OUT2 | RTS), the outside cannot send. */
static void test_loopback(void **state)
{
    (void)state;
    reset();
    wr(UART_MCR, UART_MCR_LOOP | 0x0a);
    assert_int_equal(rd(UART_MSR) & 0xf0, 0x90);
    wr(UART_MCR, UART_MCR_LOOP | 0x0f);
    assert_int_equal(rd(UART_MSR) & 0xf0, 0xf0);
    wr(UART_IER, UART_IER_RDA);
    wr(UART_RBR_THR, 0x5a);
    assert_int_equal(nsent, 0);
    assert_false(dev_uart_receive(&u, 'o'));
    assert_int_equal(rd(UART_IIR_FCR), 0x04);
    assert_false(irq_level);
    assert_int_equal(rd(UART_RBR_THR), 0x5a);
    wr(UART_MCR, 0x03);
    assert_int_equal(rd(UART_MSR), 0xb0);
}

static void test_divisor_latch(void **state)
{
    (void)state;
    reset();
    wr(UART_LCR, 0x83);
    wr(UART_RBR_THR, 0x01);
    wr(UART_IER, 0x02);
    assert_int_equal(rd(UART_RBR_THR), 0x01);
    assert_int_equal(rd(UART_IER), 0x02);
    assert_int_equal(nsent, 0);
    assert_int_equal(irq_changes, 0);
    /* A received byte waits behind the latch. */
    dev_uart_receive(&u, 'r');
    assert_int_equal(rd(UART_RBR_THR), 0x01);
    wr(UART_LCR, 0x03);
    assert_int_equal(rd(UART_IER), 0);
    assert_int_equal(rd(UART_RBR_THR), 'r');
}

/* Without a wired line nothing is called and the model still works. */
static void test_unwired(void **state)
{
    (void)state;
    dev_uart_init(&u, NULL, NULL);
    dev_uart_write(&u, UART_MCR, UART_MCR_OUT2);
    dev_uart_write(&u, UART_IER, 0x03);
    dev_uart_write(&u, UART_RBR_THR, 'x');
    assert_true(dev_uart_receive(&u, 'a'));
    assert_int_equal(dev_uart_read(&u, UART_IIR_FCR), 0x04);
    assert_true(u.line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_state),
        cmocka_unit_test(test_polled_receive),
        cmocka_unit_test(test_fifo_clear),
        cmocka_unit_test(test_receive_interrupt),
        cmocka_unit_test(test_trigger_level_and_timeout),
        cmocka_unit_test(test_thr_empty_interrupt),
        cmocka_unit_test(test_out2_gates_the_line),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_divisor_latch),
        cmocka_unit_test(test_unwired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
