/* vmm/dev_pm.c: the guest's PM1 registers, PM timer and reset port (ACPI
 * 6.x 4.8.3): S5 powers off, other sleep types are named, status is
 * write-1-to-clear, enables and SLP_TYP read back, SCI_EN reads 1, accesses
 * of every width mean the bytes they cover, 0xCF9 asks for a reset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev_pm.h"
#include "vmm/acpi_guest.h"

#define B ACPI_GUEST_PM_BASE
#define S5 ACPI_GUEST_S5_TYP

static struct dev_pm pm;
static unsigned detail;

static enum dev_pm_event wr(uint16_t port, unsigned size, uint32_t v)
{
    detail = 0xdead;
    return dev_pm_write(&pm, port, size, v, &detail);
}

static uint32_t rd(uint16_t port, unsigned size) { return dev_pm_read(&pm, port, size, 0); }

static void test_s5_powers_off(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5);
    /* Linux writes SLP_TYP first, then SLP_TYP | SLP_EN, as words. */
    assert_int_equal(wr(B + 4, 2, S5 << 10), DEV_PM_NONE);
    assert_int_equal(rd(B + 4, 2), PM1_CNT_SCI_EN | S5 << 10);
    assert_int_equal(wr(B + 4, 2, S5 << 10 | PM1_CNT_SLP_EN), DEV_PM_POWER_OFF);
    /* One write with both; a byte write to the high half alone. */
    dev_pm_init(&pm, B, S5);
    assert_int_equal(wr(B + 4, 2, S5 << 10 | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN), DEV_PM_POWER_OFF);
    dev_pm_init(&pm, B, S5);
    assert_int_equal(wr(B + 5, 1, (S5 << 2) | 0x20), DEV_PM_POWER_OFF);
    /* A dword write at PM1a_CNT covers CNT and the unused word after it. */
    dev_pm_init(&pm, B, S5);
    assert_int_equal(wr(B + 4, 4, 0xffff0000u | S5 << 10 | PM1_CNT_SLP_EN), DEV_PM_POWER_OFF);
}

static void test_other_sleep_types_named(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5);
    assert_int_equal(wr(B + 4, 2, 3 << 10 | PM1_CNT_SLP_EN), DEV_PM_SLEEP_OTHER);
    assert_int_equal(detail, 3);
    assert_int_equal(wr(B + 4, 2, PM1_CNT_SLP_EN), DEV_PM_SLEEP_OTHER); /* type 0 */
    assert_int_equal(detail, 0);
    /* SLP_EN and GBL_RLS read as 0; SCI_EN cannot be cleared. */
    dev_pm_init(&pm, B, S5);
    wr(B + 4, 2, 0xffff & ~PM1_CNT_SLP_EN);
    assert_int_equal(rd(B + 4, 2), PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP);
    wr(B + 4, 2, 0);
    assert_int_equal(rd(B + 4, 2), PM1_CNT_SCI_EN);
}

static void test_status_and_enable(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5);
    assert_int_equal(rd(B, 2), 0);
    pm.sts = 0x8101; /* as if WAK, PWRBTN and TMR status were set */
    assert_int_equal(wr(B, 2, 0x0001), DEV_PM_NONE);
    assert_int_equal(rd(B, 2), 0x8100);  /* write 1 to clear, 0 keeps */
    wr(B + 1, 1, 0x80);
    assert_int_equal(rd(B, 2), 0x0100);
    /* Enables: defined bits read back, the rest stay 0. */
    wr(B + 2, 2, 0xffff);
    assert_int_equal(rd(B + 2, 2), PM1_EN_DEFINED);
    /* A dword at PM1a_EVT: status in the low half, enable in the high. */
    assert_int_equal(rd(B, 4), (uint32_t)PM1_EN_DEFINED << 16 | 0x0100);
    wr(B, 4, 0x00010100u);
    assert_int_equal(rd(B, 4), 0x00010000u);
    assert_int_equal(rd(B + 3, 1), 0x00);
}

static void test_pm_timer(void **state)
{
    (void)state;
    assert_int_equal(dev_pm_timer(0), 0);
    assert_int_equal(dev_pm_timer(1000000000ULL), 3579545 & 0xffffff);
    assert_int_equal(dev_pm_timer(1000ULL), 3);                   /* 3.58 ticks per us */
    /* 24 bits, wrapping; no overflow after centuries of uptime. */
    uint64_t big = 200ULL * 365 * 24 * 3600 * 1000000000ULL;
    assert_true(dev_pm_timer(big) <= 0xffffff);
    dev_pm_init(&pm, B, S5);
    assert_int_equal(dev_pm_read(&pm, B + 8, 4, 2000000000ULL), (2 * 3579545) & 0xffffff);
    /* Byte reads take its bytes; writes do nothing. */
    uint32_t t = dev_pm_read(&pm, B + 8, 4, 5000000ULL);
    assert_int_equal(dev_pm_read(&pm, B + 9, 1, 5000000ULL), (t >> 8) & 0xff);
    assert_int_equal(wr(B + 8, 4, 0), DEV_PM_NONE);
    assert_int_equal(dev_pm_read(&pm, B + 8, 4, 5000000ULL), t);
    /* Past the block nothing answers. */
    assert_int_equal(dev_pm_read(&pm, B + 10, 4, 0) >> 16, 0xffff);
}

static void test_reset_port(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5);
    assert_int_equal(rd(ACPI_GUEST_RESET_PORT, 1), 0);
    assert_int_equal(wr(ACPI_GUEST_RESET_PORT, 1, 0x02), DEV_PM_NONE); /* SYS_RST, no RST_CPU */
    assert_int_equal(rd(ACPI_GUEST_RESET_PORT, 1), 0x02);
    assert_int_equal(wr(ACPI_GUEST_RESET_PORT, 1, ACPI_GUEST_RESET_VALUE), DEV_PM_RESET);
    assert_int_equal(detail, 0x06);
    assert_int_equal(wr(ACPI_GUEST_RESET_PORT, 1, 0x0e), DEV_PM_RESET);
    assert_int_equal(detail, 0x0e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s5_powers_off),
        cmocka_unit_test(test_other_sleep_types_named),
        cmocka_unit_test(test_status_and_enable),
        cmocka_unit_test(test_pm_timer),
        cmocka_unit_test(test_reset_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
