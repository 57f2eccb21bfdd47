/* vmm/backdoor.c: VMware's backdoor calls and pseudo counters, as guest
 * tools and kvm-unit-tests' vmware_backdoors make them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/backdoor.h"

/* 2026-12-05 13:58:10.750000 UTC */
static const struct backdoor_host host = { 2400000000ULL, 1000000000ULL, 4096,
                                           1796479090750000LL };

static struct backdoor_regs call(uint32_t cmd)
{
    struct backdoor_regs r = { BDOOR_MAGIC, 0xdeadbeef, cmd, BDOOR_PORT, 0x1111, 0x2222, 0 };
    assert_true(backdoor_call(&r, &host));
    return r;
}

static void test_getversion(void **state)
{
    (void)state;
    struct backdoor_regs r = call(BDOOR_CMD_GETVERSION);
    assert_int_equal(r.ax, 6);
    assert_int_equal(r.bx, 0x564D5868);          /* "VMXh": tools check it */
    assert_int_equal(r.cx, 2);                   /* ESX */
    assert_int_equal(r.dx, BDOOR_PORT);          /* untouched */
    assert_int_equal(r.si, 0x1111);
}

/* GETHZ as Linux's vmware.c reads it: EBX:EAX the TSC in Hz, ECX the
 * APIC's clock; GETMHZ the TSC in MHz. */
static void test_gethz_and_getmhz(void **state)
{
    (void)state;
    struct backdoor_regs r = call(BDOOR_CMD_GETHZ);
    assert_int_equal(r.ax | r.bx << 32, 2400000000ULL);
    assert_int_equal(r.cx, 1000000000ULL);
    struct backdoor_host fast = { 0x1234567890ULL, 5000000000ULL, 0, 0 };
    struct backdoor_regs f = { BDOOR_MAGIC, 0, BDOOR_CMD_GETHZ, BDOOR_PORT, 0, 0, 0 };
    assert_true(backdoor_call(&f, &fast));
    assert_int_equal(f.ax, 0x34567890);
    assert_int_equal(f.bx, 0x12);
    assert_int_equal(f.cx, 0xffffffffu);          /* beyond 32 bits: unknown */
    assert_int_equal(call(BDOOR_CMD_GETMHZ).ax, 2400);
}

/* An unknown command changes nothing (kvm-unit-tests: EBX keeps 0xdeadbeef);
 * the command is CX, whatever ECX's upper half holds. */
static void test_unknown_command_and_cx(void **state)
{
    (void)state;
    struct backdoor_regs r = call(0xfff);
    assert_int_equal(r.bx, 0xdeadbeef);
    assert_int_equal(r.cx, 0xfff);
    assert_int_equal(r.ax, BDOOR_MAGIC);
    struct backdoor_regs w = { 0xffffffff00000000ULL | BDOOR_MAGIC, 0, 0xabcd0000u | BDOOR_CMD_GETVERSION,
                               BDOOR_PORT, 0, 0, 0 };
    assert_true(backdoor_call(&w, &host));
    assert_int_equal(w.ax, 6);                    /* 32-bit results, zero-extended */
    assert_int_equal(w.bx, BDOOR_MAGIC);
}

/* Without the magic it is no call: nothing changes. */
static void test_no_magic(void **state)
{
    (void)state;
    struct backdoor_regs r = { 0x12345678, 1, BDOOR_CMD_GETVERSION, BDOOR_PORT, 2, 3, 0 };
    assert_false(backdoor_call(&r, &host));
    assert_int_equal(r.ax, 0x12345678);
    assert_int_equal(r.bx, 1);
    assert_int_equal(r.cx, BDOOR_CMD_GETVERSION);
}

/* GETTIMEFULL as the BSDs' vmt(4) read it: EAX the magic, ESI:EDX seconds,
 * EBX microseconds; GETMEMSIZE in MiB (what vmstat multiplies by 2^20). */
static void test_gettimefull_and_getmemsize(void **state)
{
    (void)state;
    struct backdoor_regs r = call(BDOOR_CMD_GETTIMEFULL);
    assert_int_equal(r.ax, BDOOR_MAGIC);
    assert_int_equal(r.si << 32 | r.dx, 1796479090);
    assert_int_equal(r.bx, 750000);
    assert_int_equal(r.cx, 0);
    struct backdoor_host later = host;
    later.unix_us = (int64_t)0x123456789ULL * 1000000 + 5;     /* past 2106 */
    struct backdoor_regs w = { BDOOR_MAGIC, 0, BDOOR_CMD_GETTIMEFULL, BDOOR_PORT, 0, 0, 0 };
    assert_true(backdoor_call(&w, &later));
    assert_int_equal(w.si, 1);
    assert_int_equal(w.dx, 0x23456789);
    assert_int_equal(w.bx, 5);
    later.unix_us = -1;
    struct backdoor_regs n = { BDOOR_MAGIC, 7, BDOOR_CMD_GETTIMEFULL, BDOOR_PORT, 8, 9, 0 };
    assert_true(backdoor_call(&n, &later));
    assert_int_equal(n.ax, 0xffffffffu);
    assert_int_equal(n.bx, 7);
    assert_int_equal(call(BDOOR_CMD_GETMEMSIZE).ax, 4096);
}

static void test_pseudo_counters(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(backdoor_pmc(0x10000, 777, 888, &v));
    assert_int_equal(v, 777);
    assert_true(backdoor_pmc(0x10001, 777, 888, &v));
    assert_int_equal(v, 888);
    assert_true(backdoor_pmc(0x10002, 777, 888, &v));
    assert_int_equal(v, 888);
    v = 5;
    assert_false(backdoor_pmc(0x10003, 777, 888, &v));
    assert_false(backdoor_pmc(0, 777, 888, &v));
    assert_false(backdoor_pmc(0xfff, 777, 888, &v));
    assert_int_equal(v, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getversion),
        cmocka_unit_test(test_gethz_and_getmhz),
        cmocka_unit_test(test_unknown_command_and_cx),
        cmocka_unit_test(test_no_magic),
        cmocka_unit_test(test_gettimefull_and_getmemsize),
        cmocka_unit_test(test_pseudo_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
