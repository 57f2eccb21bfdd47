/* vmm/vcpu_describe.c: the line `stats exits` prints for each vCPU. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/vcpu_describe.h"

static const char *names(unsigned r)
{
    return r == 12 ? "hlt" : r == 52 ? "preemption-timer" : "other";
}

static void test_apic_only_before_the_first_exit(void **state)
{
    (void)state;
    struct vcpu_apic_view a = { .isr_top = -1, .irr_top = 0x40, .ppr = 0x20, .wait_sipi = true };
    struct vcpu_last_exit x = { 0 };
    char buf[240];
    vcpu_describe(&a, &x, names, buf, sizeof buf);
    assert_string_equal(buf, "in service 0x0, requested 0x40, priority 0x20, waiting for SIPI");
}

/* Where it stopped and why it takes no interrupt: IF, the STI and MOV SS
 * shadows and NMI blocking come from RFLAGS and the interruptibility
 * state (SDM vol. 3, table 25-3). */
static void test_where_and_what_blocks(void **state)
{
    (void)state;
    struct vcpu_apic_view a = { .isr_top = 0x31, .irr_top = 0x40, .ppr = 0x30, .nmi_pending = true };
    struct vcpu_last_exit x = { .rip = 0x400018, .rflags = 0x2, .reason = 52,
                                .interruptibility = 0x8, .valid = true };
    char buf[240];
    vcpu_describe(&a, &x, names, buf, sizeof buf);
    assert_string_equal(buf, "in service 0x31, requested 0x40, priority 0x30, NMI pending; "
                             "at RIP 0x400018, interrupts off, NMIs blocked, "
                             "last exit preemption-timer");
    x = (struct vcpu_last_exit){ .rip = 0xfffff000, .rflags = 0x202, .reason = 12,
                                 .interruptibility = 0x3, .valid = true };
    a = (struct vcpu_apic_view){ .isr_top = -1, .irr_top = -1, .suspended = true };
    vcpu_describe(&a, &x, names, buf, sizeof buf);
    assert_string_equal(buf, "in service 0x0, requested 0x0, priority 0x0, suspended to RAM "
                             "(ACPI S3); at RIP 0xfffff000, interrupts on, STI shadow, MOV SS "
                             "shadow, last exit hlt");
}

/* A short buffer is cut, always terminated; the exit part never starts
 * past the end. */
static void test_short_buffers(void **state)
{
    (void)state;
    struct vcpu_apic_view a = { .isr_top = -1, .irr_top = -1 };
    struct vcpu_last_exit x = { .rip = 1, .rflags = 0x202, .reason = 12, .valid = true };
    char buf[20];
    memset(buf, 'x', sizeof buf);
    vcpu_describe(&a, &x, names, buf, sizeof buf);
    assert_int_equal(strlen(buf), sizeof buf - 1);
    assert_memory_equal(buf, "in service 0x0, req", sizeof buf - 1);
    char one[1] = { 'x' };
    vcpu_describe(&a, &x, names, one, sizeof one);
    assert_int_equal(one[0], 0);
    vcpu_describe(&a, &x, names, buf, 0);               /* nothing written */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apic_only_before_the_first_exit),
        cmocka_unit_test(test_where_and_what_blocks),
        cmocka_unit_test(test_short_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
