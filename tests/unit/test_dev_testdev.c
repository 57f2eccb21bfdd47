/* vmm/dev_testdev.c: QEMU's pc-testdev as its register list defines it:
 * the latch at 0xe0 and 0xe8, the page drop at 0xe4, the interrupt lines at
 * 0x2000 and the memory window at 0xff000000. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev_testdev.h"

static struct testdev *t;
static int lines[TESTDEV_IRQ_LINES];   /* -1: never set */
static uint64_t dropped[8];
static unsigned ndropped;
static uint8_t window[TESTDEV_IOMEM_LEN];   /* the host's pages, back to back */

static void set_irq(void *ctx, unsigned line, bool level)
{
    assert_ptr_equal(ctx, &lines);
    assert_true(line < TESTDEV_IRQ_LINES);
    lines[line] = level;
}

static void drop_page(void *ctx, uint64_t gpa)
{
    (void)ctx;
    assert_true(ndropped < 8);
    dropped[ndropped++] = gpa;
}

static int setup(void **state)
{
    (void)state;
    t = malloc(sizeof *t);
    struct testdev_host host = { set_irq, drop_page, &lines, { NULL } };
    for (unsigned p = 0; p < TESTDEV_IOMEM_PAGES; p++)
        host.iomem[p] = window + p * 4096;
    host.iomem[2] = NULL;                    /* a page the host has none for */
    memset(window, 0, sizeof window);
    testdev_init(t, &host);
    for (unsigned i = 0; i < TESTDEV_IRQ_LINES; i++)
        lines[i] = -1;
    ndropped = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(t);
    return 0;
}

/* What is written reads back, at any width and byte offset, through both
 * windows onto the one latch. */
static void test_latch(void **state)
{
    (void)state;
    assert_int_equal(testdev_port_read(t, 0xe0, 4), 0);
    testdev_port_write(t, 0xe0, 4, 0x11223344);
    assert_int_equal(testdev_port_read(t, 0xe0, 4), 0x11223344);
    assert_int_equal(testdev_port_read(t, 0xe1, 1), 0x33);
    assert_int_equal(testdev_port_read(t, 0xe2, 2), 0x1122);
    testdev_port_write(t, 0xe9, 1, 0xab);             /* the byte-wise window */
    assert_int_equal(testdev_port_read(t, 0xe0, 4), 0x1122ab44);
    testdev_port_write(t, 0xea, 2, 0xcdef);
    assert_int_equal(testdev_port_read(t, 0xe8, 4), 0xcdefab44);
    /* A 4-byte access at 0xe2 reaches two latch bytes, then the drop
     * port, which reads as all ones and takes no partial write. */
    assert_int_equal(testdev_port_read(t, 0xe2, 4), 0xffffcdef);
    testdev_port_write(t, 0xe2, 4, 0x55667788);
    assert_int_equal(testdev_port_read(t, 0xe0, 4), 0x7788ab44);
    assert_int_equal(ndropped, 0);
}

/* A 32-bit write to 0xe4 names a page to drop; other sizes do nothing. */
static void test_drop_page(void **state)
{
    (void)state;
    testdev_port_write(t, 0xe4, 4, 0x12345678);
    assert_int_equal(ndropped, 1);
    assert_int_equal(dropped[0], 0x12345000);
    testdev_port_write(t, 0xe4, 2, 0x1000);
    testdev_port_write(t, 0xe4, 1, 0x10);
    assert_int_equal(ndropped, 1);
    assert_int_equal(t->flushes, 1);
}

/* A byte written at 0x2000 + N sets line N to its truth; wider writes and
 * reads do nothing (QEMU takes bytes only). */
static void test_irq_lines(void **state)
{
    (void)state;
    testdev_port_write(t, 0x2000 + 14, 1, 1);
    assert_int_equal(lines[14], 1);
    testdev_port_write(t, 0x2000 + 14, 1, 0);
    assert_int_equal(lines[14], 0);
    testdev_port_write(t, 0x2000 + 23, 1, 0x80);
    assert_int_equal(lines[23], 1);
    testdev_port_write(t, 0x2000 + 5, 2, 1);
    assert_int_equal(lines[5], -1);
    assert_int_equal(testdev_port_read(t, 0x2000 + 5, 1), 0xff);
    assert_int_equal(t->irq_writes, 3);
}

/* The window keeps what is written, at 1 to 8 bytes, in the host's pages
 * (where the guest's own accesses reach them); bytes past its end or in a
 * page the host gave none for read as all ones and are not written. */
static void test_iomem(void **state)
{
    (void)state;
    assert_true(testdev_iomem_owns(TESTDEV_IOMEM_BASE));
    assert_true(testdev_iomem_owns(TESTDEV_IOMEM_BASE + TESTDEV_IOMEM_LEN - 1));
    assert_false(testdev_iomem_owns(TESTDEV_IOMEM_BASE + TESTDEV_IOMEM_LEN));
    assert_false(testdev_iomem_owns(TESTDEV_IOMEM_BASE - 1));
    uint64_t a = TESTDEV_IOMEM_BASE + 0x100;
    assert_int_equal(testdev_iomem_read(t, a, 8), 0);
    testdev_iomem_write(t, a, 8, 0x0102030405060708ULL);
    assert_int_equal(testdev_iomem_read(t, a, 8), 0x0102030405060708ULL);
    assert_int_equal(testdev_iomem_read(t, a + 1, 2), 0x0607);
    testdev_iomem_write(t, a + 3, 1, 0xee);
    assert_int_equal(testdev_iomem_read(t, a, 4), 0xee060708);
    assert_int_equal(window[0x103], 0xee);
    window[0x4000 + 7] = 0x5a;                         /* the guest wrote there */
    assert_int_equal(testdev_iomem_read(t, TESTDEV_IOMEM_BASE + 0x4006, 2), 0x5a00);
    uint64_t across = TESTDEV_IOMEM_BASE + 0x2000 - 2; /* into the missing page */
    testdev_iomem_write(t, across, 4, 0x11223344);
    assert_int_equal(testdev_iomem_read(t, across, 4), 0xffff3344);
    assert_int_equal(window[0x2000], 0);
    uint64_t end = TESTDEV_IOMEM_BASE + TESTDEV_IOMEM_LEN - 2;
    testdev_iomem_write(t, end, 4, 0xaabbccdd);
    assert_int_equal(testdev_iomem_read(t, end, 4), 0xffffccdd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_irq_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iomem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
