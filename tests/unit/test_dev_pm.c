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
#define S3 ACPI_GUEST_S3_TYP

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
    dev_pm_init(&pm, B, S5, S3);
    /* Linux writes SLP_TYP first, then SLP_TYP | SLP_EN, as words. */
    assert_int_equal(wr(B + 4, 2, S5 << 10), DEV_PM_NONE);
    assert_int_equal(rd(B + 4, 2), PM1_CNT_SCI_EN | S5 << 10);
    assert_int_equal(wr(B + 4, 2, S5 << 10 | PM1_CNT_SLP_EN), DEV_PM_POWER_OFF);
    /* One write with both; a byte write to the high half alone. */
    dev_pm_init(&pm, B, S5, S3);
    assert_int_equal(wr(B + 4, 2, S5 << 10 | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN), DEV_PM_POWER_OFF);
    dev_pm_init(&pm, B, S5, S3);
    assert_int_equal(wr(B + 5, 1, (S5 << 2) | 0x20), DEV_PM_POWER_OFF);
    /* A dword write at PM1a_CNT covers CNT and the unused word after it. */
    dev_pm_init(&pm, B, S5, S3);
    assert_int_equal(wr(B + 4, 4, 0xffff0000u | S5 << 10 | PM1_CNT_SLP_EN), DEV_PM_POWER_OFF);
}

static void test_other_sleep_types_named(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5, S3);
    assert_int_equal(wr(B + 4, 2, 3 << 10 | PM1_CNT_SLP_EN), DEV_PM_SLEEP_OTHER);
    assert_int_equal(detail, 3);
    assert_false(pm.sleeping);
    assert_int_equal(wr(B + 4, 2, PM1_CNT_SLP_EN), DEV_PM_SLEEP_OTHER); /* type 0 */
    assert_int_equal(detail, 0);
    /* SLP_EN and GBL_RLS read as 0; SCI_EN cannot be cleared. */
    dev_pm_init(&pm, B, S5, S3);
    wr(B + 4, 2, 0xffff & ~PM1_CNT_SLP_EN);
    assert_int_equal(rd(B + 4, 2), PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP);
    wr(B + 4, 2, 0);
    assert_int_equal(rd(B + 4, 2), PM1_CNT_SCI_EN);
}

/* S3: SLP_EN with \_S3's type (the byte write test kernels make, 0x2400);
 * RTC_STS from the RTC's interrupt; the wake needs it enabled. */
static void test_s3_and_its_wake(void **state)
{
    (void)state;
    uint8_t facs[64] = { 0 };
    uint64_t addr = 1;
    dev_pm_init(&pm, B, S5, S3);
    assert_int_equal(wr(B + 4, 2, 0x2400), DEV_PM_SLEEP_S3);
    assert_true(pm.sleeping);
    assert_false(dev_pm_wake_due(&pm));
    dev_pm_rtc_irq(&pm);
    assert_int_equal(rd(B, 2), PM1_STS_RTC);
    assert_false(dev_pm_wake_due(&pm));               /* RTC_EN is off */
    wr(B + 2, 2, PM1_STS_RTC);
    assert_true(dev_pm_wake_due(&pm));
    /* No FACS: a boot. WAK_STS either way; awake again. */
    assert_int_equal(dev_pm_wake(&pm, &addr), DEV_PM_WAKE_BOOT);
    assert_int_equal(addr, 0);
    assert_int_equal(rd(B, 2), PM1_STS_WAK | PM1_STS_RTC);
    assert_false(pm.sleeping);
    assert_false(dev_pm_wake_due(&pm));
    wr(B, 2, 0xffff);
    assert_int_equal(rd(B, 2), 0);
    /* In S0 the RTC's interrupt sets the status too, and wakes nothing. */
    dev_pm_rtc_irq(&pm);
    assert_false(dev_pm_wake_due(&pm));
    /* The FACS's vectors, read at the wake as the guest left them. */
    pm.facs = facs;
    static const struct { uint32_t v; uint64_t x; enum dev_pm_wake_mode m; uint64_t addr; } cases[] = {
        { 0, 0, DEV_PM_WAKE_BOOT, 0 },
        { 0x1000, 0, DEV_PM_WAKE_REAL, 0x1000 },
        { 0xfffff, 0, DEV_PM_WAKE_REAL, 0xfffff },
        { 0x100000, 0, DEV_PM_WAKE_BAD, 0x100000 },
        { 0xffffffffu, 0, DEV_PM_WAKE_BAD, 0xffffffffu },
        { 0x1000, 0x9a000, DEV_PM_WAKE_PROT32, 0x9a000 },   /* X wins */
        { 0, 0xfffffff0u, DEV_PM_WAKE_PROT32, 0xfffffff0u },
        { 0, 0x100000000ULL, DEV_PM_WAKE_BAD, 0x100000000ULL },
        { 0, ~0ULL, DEV_PM_WAKE_BAD, ~0ULL },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (unsigned b = 0; b < 4; b++)
            facs[FACS_WAKING_VECTOR + b] = (uint8_t)(cases[i].v >> (8 * b));
        for (unsigned b = 0; b < 8; b++)
            facs[FACS_X_WAKING_VECTOR + b] = (uint8_t)(cases[i].x >> (8 * b));
        assert_int_equal(wr(B + 5, 1, 0x24), DEV_PM_SLEEP_S3);
        assert_int_equal(dev_pm_wake(&pm, &addr), cases[i].m);
        assert_int_equal(addr, cases[i].addr);
    }
}

/* The fixed power button: PWRBTN_STS; the SCI while awake with the enable;
 * a wake from S3 whatever PWRBTN_EN says (ACPI 4.8.2.2.1). */
static void test_power_button_and_sci(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5, S3);
    dev_pm_power_button(&pm);
    assert_int_equal(rd(B, 2), PM1_STS_PWRBTN);
    assert_false(dev_pm_sci(&pm));                   /* PWRBTN_EN off */
    wr(B + 2, 2, PM1_STS_PWRBTN);
    assert_true(dev_pm_sci(&pm));
    wr(B, 2, PM1_STS_PWRBTN);                        /* the OS clears it: the SCI drops */
    assert_false(dev_pm_sci(&pm));
    dev_pm_rtc_irq(&pm);
    assert_false(dev_pm_sci(&pm));                   /* RTC_EN off */
    wr(B + 2, 2, PM1_STS_RTC);
    assert_true(dev_pm_sci(&pm));
    /* asleep: no SCI; the button wakes with its enable off */
    wr(B, 2, 0xffff);
    wr(B + 2, 2, 0);
    assert_int_equal(wr(B + 4, 2, 0x2400), DEV_PM_SLEEP_S3);
    assert_false(dev_pm_wake_due(&pm));
    dev_pm_power_button(&pm);
    assert_false(dev_pm_sci(&pm));
    assert_true(dev_pm_wake_due(&pm));
    uint64_t addr;
    assert_int_equal(dev_pm_wake(&pm, &addr), DEV_PM_WAKE_BOOT);
    assert_int_equal(rd(B, 2), PM1_STS_WAK | PM1_STS_PWRBTN);
}

static void test_status_and_enable(void **state)
{
    (void)state;
    dev_pm_init(&pm, B, S5, S3);
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
    dev_pm_init(&pm, B, S5, S3);
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
    dev_pm_init(&pm, B, S5, S3);
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
        cmocka_unit_test(test_s3_and_its_wake),
        cmocka_unit_test(test_power_button_and_sci),
        cmocka_unit_test(test_status_and_enable),
        cmocka_unit_test(test_pm_timer),
        cmocka_unit_test(test_reset_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
