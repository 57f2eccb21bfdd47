/* vmm/vcpu_boot_state.c: a new vCPU starts in exactly the state its loader
 * asked for (vmm/guest_loader.h), in every mode, with reset values for what
 * the monitor switches itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/vcpu_boot_state.h"
#include "vmm/vcpu.h"
#include "include/hv/x86/regs.h"
#include "tests/fake/guest_state_fake.h"

static struct vcpu vcpu;

static int setup(void **state)
{
    (void)state;
    fake_gs_reset();
    memset(&vcpu, 0xa5, sizeof vcpu); /* every field must be set, not inherited */
    fake_gs_set(VMCS_ENTRY_CTLS, ENTRY_LOAD_EFER | ENTRY_IA32E_GUEST);
    return 0;
}

static void assert_seg(enum vmcs_seg s, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(s)), sel);
    assert_int_equal(fake_gs_get(VMCS_SEG_BASE(s)), base);
    assert_int_equal(fake_gs_get(VMCS_SEG_LIMIT(s)), limit);
    assert_int_equal(fake_gs_get(VMCS_SEG_AR(s)), ar);
}

static void assert_reset_state(void)
{
    assert_int_equal(fake_gs_get(VMCS_GUEST_RFLAGS), 0x2);
    assert_int_equal(fake_gs_get(VMCS_GUEST_DR7), DR7_RESET);
    assert_int_equal(fake_gs_get(VMCS_TSC_OFFSET), 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_PAT), 0x0007040600070406ULL);
    assert_int_equal(fake_gs_get(VMCS_SEG_AR(SEG_LDTR)), 0x10000); /* unusable */
    assert_seg(SEG_TR, 0, 0, 0xffff, 0x8b);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vcpu.dr[i], 0);
    assert_int_equal(vcpu.dr[4], DR6_RESET);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(vcpu.syscall_msr[i], 0);
    assert_int_equal(vcpu.xcr0, XCR0_X87);
}

static void test_real_mode(void **state)
{
    (void)state;
    struct guest_boot_state b = { .mode = GUEST_MODE_REAL, .rip = 0x10, .cs_selector = 0x1000 };
    vcpu_load_boot_state(&vcpu, &b);
    assert_seg(SEG_CS, 0x1000, 0x10000, 0xffff, 0x93);     /* as after reset: R/W, accessed */
    assert_seg(SEG_DS, 0, 0, 0xffff, 0x93);
    assert_int_equal(fake_gs_get(VMCS_CR0_SHADOW), CR0_ET);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x10);
    assert_false(fake_gs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
    assert_int_equal(fake_gs_get(VMCS_GUEST_GDTR_LIMIT), 0xffff);
    assert_reset_state();
}

static void test_flat_protected_mode(void **state)
{
    (void)state;
    struct guest_boot_state b = { .mode = GUEST_MODE_PROT32, .rip = 0x100020, .eax = 0x2badb002,
                                  .ebx = 0x9000 };
    vcpu_load_boot_state(&vcpu, &b);
    assert_seg(SEG_CS, 0x08, 0, 0xffffffff, 0xc09b);
    assert_seg(SEG_SS, 0x10, 0, 0xffffffff, 0xc093);
    assert_int_equal(fake_gs_get(VMCS_CR0_SHADOW), CR0_ET | CR0_PE);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0x2badb002);
    assert_int_equal(vcpu.regs.gpr[REG_RBX], 0x9000);
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_EFER), 0);
    assert_reset_state();
}

/* The PVH entry: flat PROT32, EBX = start info, CR4 = 0, and TR the 32-bit
 * TSS of limit 0x67 pvh.pandoc names (the state above otherwise). */
static void test_pvh_entry(void **state)
{
    (void)state;
    struct guest_boot_state b = { .mode = GUEST_MODE_PROT32, .rip = 0x1000850, .ebx = 0x1000,
                                  .tr_limit = 0x67 };
    vcpu_load_boot_state(&vcpu, &b);
    assert_seg(SEG_CS, 0x08, 0, 0xffffffff, 0xc09b);
    assert_seg(SEG_DS, 0x10, 0, 0xffffffff, 0xc093);
    assert_seg(SEG_TR, 0, 0, 0x67, 0x8b);
    assert_int_equal(fake_gs_get(VMCS_CR0_SHADOW), CR0_ET | CR0_PE);
    assert_int_equal(fake_gs_get(VMCS_CR4_SHADOW), 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RFLAGS), 0x2);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x1000850);
    assert_int_equal(vcpu.regs.gpr[REG_RBX], 0x1000);
    assert_false(fake_gs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
}

/* The Linux 32-bit entry: the loader's GDT and selectors, ESI = boot_params. */
static void test_protected_mode_with_a_gdt(void **state)
{
    (void)state;
    struct guest_boot_state b = { .mode = GUEST_MODE_PROT32, .rip = 0x1000000, .cs_selector = 0x10,
                                  .ds_selector = 0x18, .gdt_base = 0x1000, .gdt_limit = 31,
                                  .rsi = 0x2000, .rsp = 0x8000 };
    vcpu_load_boot_state(&vcpu, &b);
    assert_seg(SEG_CS, 0x10, 0, 0xffffffff, 0xc09b);
    assert_seg(SEG_ES, 0x18, 0, 0xffffffff, 0xc093);
    assert_int_equal(fake_gs_get(VMCS_GUEST_GDTR_BASE), 0x1000);
    assert_int_equal(fake_gs_get(VMCS_GUEST_GDTR_LIMIT), 31);
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0x2000);
    assert_int_equal(vcpu.regs.gpr[REG_RBX], 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RSP), 0x8000);
    assert_reset_state();
}

/* The Linux and memtest86+ 64-bit entry. */
static void test_long_mode(void **state)
{
    (void)state;
    struct guest_boot_state b = { .mode = GUEST_MODE_LONG64, .rip = 0x1000200, .cs_selector = 0x10,
                                  .ds_selector = 0x18, .gdt_base = 0x1000, .gdt_limit = 31,
                                  .rsi = 0x2000, .rsp = 0x8000, .cr0 = 0x80000031,
                                  .cr3 = 0x10000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
    vcpu_load_boot_state(&vcpu, &b);
    assert_seg(SEG_CS, 0x10, 0, 0xffffffff, 0xa09b); /* L = 1 */
    assert_seg(SEG_GS, 0x18, 0, 0xffffffff, 0xc093);
    assert_int_equal(fake_gs_get(VMCS_CR0_SHADOW), 0x80000031);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x10000);
    assert_int_equal(fake_gs_get(VMCS_CR4_SHADOW), CR4_PAE);
    assert_int_equal(vcpu.cr4_shadow, CR4_PAE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_EFER), EFER_LME | EFER_LMA);
    assert_true(fake_gs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
    assert_true(fake_gs_get(VMCS_ENTRY_CTLS) & ENTRY_LOAD_EFER); /* other controls kept */
    assert_int_equal(fake_gs_get(VMCS_GUEST_IDTR_LIMIT), 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x1000200);
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0x2000);
    assert_reset_state();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_real_mode, setup),
        cmocka_unit_test_setup(test_flat_protected_mode, setup),
        cmocka_unit_test_setup(test_pvh_entry, setup),
        cmocka_unit_test_setup(test_protected_mode_with_a_gdt, setup),
        cmocka_unit_test_setup(test_long_mode, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
