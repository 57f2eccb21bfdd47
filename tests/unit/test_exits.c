/* Every VM-exit handler (vmm/exit_*.c) on the host: the exit is decoded from
 * a fake VMCS (tests/fake/guest_state_fake.c), the handler runs, and the test
 * checks what a CPU would have done: registers, RIP, injected events, and
 * what the VM's lifecycle was told. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <cmocka.h>
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/vmmem_poll.h"
#include "vmm/guest_rules.h"
#include "vmm/io_ports.h"
#include "vmm/vplatform.h"
#include "vmm/backdoor.h"
#include "vmm/guestrpc.h"
#include "vmm/vga_window.h"
#include "kernel/vm.h"
#include "kernel/vcpu_handoff.h"
#include "kernel/log.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/msr.h"
#include "include/hv/x86/cpuid.h"
#include "tests/fake/vm_fail_fake.h"
#include "tests/fake/vm_exit_fake.h"
#include "tests/fake/guest_state_fake.h"
#include "tests/fake/platform_fake.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "tests/fake/fake_gpa.h"

/* ---- fakes for the VM lifecycle the handlers call ------------------------ */
static unsigned touches;
static bool touch_fails;
static uint64_t touched_gpa;
/* A page "paged out": unmapped with its frame kept. Its next touch maps it
 * back and tells the vCPU to wait, as a swap read does. */
static uint64_t sleeping_gpa = ~0ULL;
static mpn_t sleeping_mpn;

/* The RAM fault path (vmm/vmmem_poll.c, tested in test_vmmem_poll): the
 * dispatcher only has to hand RAM faults to it. */
enum exit_action vmmem_ram_fault(struct vcpu *v, uint64_t gpa)
{
    touches++;
    touched_gpa = gpa;
    if (gpa == sleeping_gpa) {
        assert_true(plat_gpa_map(v->vm->mem.ram.gpa, gpa >> PAGE_SHIFT, sleeping_mpn,
                                 PLAT_GPA_RWX));
        sleeping_gpa = ~0ULL;
        return EXIT_SLEEP;
    }
    if (!touch_fails) {
        /* Where the test gave the VM guest RAM, back the page for real. */
        struct plat_vm *g = v->vm->mem.ram.gpa;
        if (g && plat_gpa_lookup(g, gpa >> PAGE_SHIFT) == INVALID_MPN)
            assert_true(plat_gpa_map(g, gpa >> PAGE_SHIFT, page_alloc_zeroed(OWNER_TEST),
                                     PLAT_GPA_RWX));
        return EXIT_CONTINUE;
    }
    vm_fail(v->vm, "out of machine memory backing guest-physical 0x%llx",
            (unsigned long long)gpa);
    return EXIT_STOP;
}

/* Poll points inside long monitor paths (string I/O between pages). */
static unsigned poll_points;
void vmmem_poll_point(struct vcpu *v)
{
    (void)v;
    poll_points++;
}

/* ---- a vCPU in a fake VMCS ------------------------------------------------ */
static struct vm vm;
static struct vcpu vcpu;

#define RIP0 0x1000ULL
#define LEN 3

static int setup(void **state)
{
    (void)state;
    fake_gs_reset();
    vm_devices_destroy(&vm.devices); /* the previous test's UART */
    memset(&vm, 0, sizeof vm);
    memset(&vcpu, 0, sizeof vcpu);
    strcpy(vm.name, "t");
    strcpy(vm.cfg.unknown_port, "ignore");
    vm.state = VM_STATE_RUNNING;
    vm.mem.ram.ram_bytes = 16 << 20;
    char why[80];
    assert_true(io_attach_pc_devices(&vm, why, sizeof why));
    vcpu.vm = &vm;
    vcpu.misc_enable = MISC_ENABLE_RESET; /* as vcpu_create leaves it */
    fake_vm_fail_reset();
    fake_vm_calls_reset();
    touches = 0;
    touch_fails = false;
    sleeping_gpa = ~0ULL;
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_EXIT_INSN_LEN, LEN);
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
    fake_gs_set(VMCS_CR0_MASK, CR0_NE);
    fake_gs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET | CR0_NE);
    fake_gs_set(VMCS_CR4_MASK, CR4_VMXE | CR4_SMXE);
    return 0;
}

static enum exit_action run_exit(uint32_t reason, uint64_t qual)
{
    fake_gs_set(VMCS_EXIT_QUAL, qual);
    return vmm_handle_exit(&vcpu, reason);
}

static bool skipped(void) { return fake_gs_get(VMCS_GUEST_RIP) == RIP0 + LEN; }
static bool not_skipped(void) { return fake_gs_get(VMCS_GUEST_RIP) == RIP0; }

static void assert_injected(uint8_t vector, bool error)
{
    uint64_t info = fake_gs_get(VMCS_ENTRY_INTR_INFO);
    /* every injected fault pushes RFLAGS.RF, as a CPU delivering it would */
    assert_int_equal((fake_gs_get(VMCS_GUEST_RFLAGS) & RFLAGS_RF) != 0, VEC_IS_FAULT(vector));
    assert_true(info & INTR_INFO_VALID);
    assert_int_equal(info & 0xff, vector);
    assert_int_equal(info & INTR_TYPE_MASK, INTR_TYPE_HW_EXC);
    assert_int_equal((info & INTR_INFO_ERR_CODE) != 0, error);
    assert_true(not_skipped());
}

static void assert_nothing_injected(void)
{
    assert_false(fake_gs_get(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

/* ---- CPUID ------------------------------------------------------------------ */
static struct host_cpuid cpu_with_everything(uint32_t leaf, uint32_t sub)
{
    (void)sub;
    if (leaf == 0)                  /* highest basic leaf 0x23, GenuineIntel */
        return (struct host_cpuid){ 0x23, 0x756e6547, 0x6c65746e, 0x49656e69 };
    if (leaf == 0x80000000u)        /* highest extended leaf */
        return (struct host_cpuid){ 0x80000001u, 0, 0, 0 };
    if (leaf == 1)
        return (struct host_cpuid){ 0x906ea, 0x00100800, 0xffffffffu & ~(1u << 31), 0xffffffff };
    if (leaf == 0xd)
        return (struct host_cpuid){ 0x2e7, 0xa88, 0xa88, 0 };
    if (leaf == 7)
        return (struct host_cpuid){ 0, 0xffffffff, 0xffffffff, 0xffffffff };
    if (leaf == 0x80000001u)
        return (struct host_cpuid){ 0, 0, 0, CPUIDX1_EDX_SYSCALL | CPUIDX1_EDX_NX | CPUIDX1_EDX_LM |
                                                CPUIDX1_EDX_RDTSCP };
    return (struct host_cpuid){ leaf, leaf, leaf, leaf };
}

/* Every exit leaves where it found the guest for `stats exits`: RIP as it
 * was before the handler moved it, RFLAGS, the reason, the blocking. */
static void test_last_exit_recorded(void **state)
{
    (void)state;
    assert_false(vcpu.last_exit.valid);
    fake_gs_set(VMCS_GUEST_RFLAGS, 0x2);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0x8);
    vcpu.regs.gpr[REG_RAX] = 0;
    assert_int_equal(run_exit(EXIT_CPUID, 0), EXIT_CONTINUE);
    assert_true(vcpu.last_exit.valid);
    assert_int_equal(vcpu.last_exit.rip, RIP0);
    assert_int_equal(vcpu.last_exit.rflags, 0x2);
    assert_int_equal(vcpu.last_exit.reason, EXIT_CPUID);
    assert_int_equal(vcpu.last_exit.interruptibility, 0x8);
}

static void test_cpuid_hides_and_signs(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_everything;
    vcpu.id = 2;
    vcpu.regs.gpr[REG_RAX] = 1;
    assert_int_equal(run_exit(EXIT_CPUID, 0), EXIT_CONTINUE);
    uint32_t ecx = (uint32_t)vcpu.regs.gpr[REG_RCX];
    assert_false(ecx & (1u << 5));   /* VMX */
    assert_false(ecx & (1u << 6));   /* SMX */
    assert_false(ecx & (1u << 3));   /* MONITOR */
    assert_false(ecx & (1u << 21));  /* x2APIC */
    assert_false(ecx & (1u << 27));  /* OSXSAVE: the guest's CR4 has it off */
    assert_true(ecx & (1u << 31));   /* hypervisor */
    assert_int_equal(vcpu.regs.gpr[REG_RBX] >> 24, 2); /* APIC id = vCPU id */
    assert_true(skipped());

    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RAX] = 0x40000000u;
    run_exit(EXIT_CPUID, 0);
    char sig[13] = { 0 };
    memcpy(sig, &vcpu.regs.gpr[REG_RBX], 4);
    memcpy(sig + 4, &vcpu.regs.gpr[REG_RCX], 4);
    memcpy(sig + 8, &vcpu.regs.gpr[REG_RDX], 4);
    assert_string_equal(sig, "hvMicroHVisr");
}

static void test_cpuid_xsave_leaf_offers_what_xsetbv_takes(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_everything;
    fake_host.xcr0_offered = 7; /* fpu.c keeps x87, SSE, AVX only */
    vcpu.regs.gpr[REG_RAX] = 0xd;
    vcpu.regs.gpr[REG_RCX] = 0;
    run_exit(EXIT_CPUID, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 7);
    assert_int_equal(vcpu.regs.gpr[REG_RDX], 0);
    vcpu.regs.gpr[REG_RAX] = 0xd;
    vcpu.regs.gpr[REG_RCX] = 5; /* opmask: not offered, so no size either */
    run_exit(EXIT_CPUID, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0);
    assert_int_equal(vcpu.regs.gpr[REG_RBX], 0);
}

/* A host with x87, SSE, AVX, the three AVX-512 components and AMX's two,
 * at the offsets and sizes of SDM vol. 1, 13.4 (standard format). */
static struct host_cpuid cpu_with_amx(uint32_t leaf, uint32_t sub)
{
    static const uint32_t size[19] = { [2] = 256, [5] = 64, [6] = 512, [7] = 1024,
                                       [17] = 64, [18] = 8192 };
    static const uint32_t offset[19] = { [2] = 576, [5] = 1088, [6] = 1152, [7] = 1664,
                                         [17] = 2752, [18] = 2816 };
    if (leaf == 0xd && sub == 0)  /* ECX: the host's whole area, AMX's tiles included */
        return (struct host_cpuid){ 0x600e7, 2816 + 8192, 2816 + 8192, 0 };
    if (leaf == 0xd && sub < 19)
        return (struct host_cpuid){ size[sub], offset[sub], 0, 0 };
    return cpu_with_everything(leaf, sub);
}

static void test_cpuid_xsave_area_size_counts_offered_components(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_amx;
    fake_host.xcr0_offered = 0xe7; /* AVX-512 but not AMX */
    vcpu.regs.gpr[REG_RAX] = 0xd;
    vcpu.regs.gpr[REG_RCX] = 0;
    run_exit(EXIT_CPUID, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0xe7);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 1664 + 1024); /* ends with the upper ZMMs */
    fake_host.xcr0_offered = 3;    /* x87 and SSE: the legacy region and header */
    vcpu.regs.gpr[REG_RAX] = 0xd;
    vcpu.regs.gpr[REG_RCX] = 0;
    run_exit(EXIT_CPUID, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 576);
}

static uint32_t cpuid_reg(uint32_t leaf, uint32_t sub, unsigned reg)
{
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RAX] = leaf;
    vcpu.regs.gpr[REG_RCX] = sub;
    run_exit(EXIT_CPUID, 0);
    return (uint32_t)vcpu.regs.gpr[reg];
}

/* A host whose highest basic leaf is 0x1f (topology) and highest extended
 * 0x80000008; its CPU would answer leaves past those with its own 0x1f. */
static struct host_cpuid cpu_up_to_leaf_0x1f(uint32_t leaf, uint32_t sub)
{
    if (leaf == 0)
        return (struct host_cpuid){ 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69 };
    if (leaf == 0x80000000u)
        return (struct host_cpuid){ 0x80000008u, 0, 0, 0 };
    if ((leaf > 0x1f && leaf < 0x80000000u) || leaf > 0x80000008u)
        leaf = 0x1f;
    if (leaf == 0x80000008u)        /* 39 physical, 48 linear bits; every EBX bit */
        return (struct host_cpuid){ 0x3027, 0xffffffffu, 0xffffffffu, 0xffffffffu };
    if (leaf == 0x1f)               /* 2 threads a core, 8 cores: the host's */
        return sub == 0 ? (struct host_cpuid){ 1, 2, 0x100, 0x11 }
                        : (struct host_cpuid){ 4, 16, 0x201, 0x11 };
    return cpu_with_everything(leaf, sub);
}

/* Leaves a CPU does not have answer as an Intel CPU's do: past the highest
 * basic or extended leaf, the highest basic leaf's data, here the guest's
 * own topology, not the host's; a leaf inside the range that the monitor
 * does not know (reserved, or of a feature newer than its filter) is zeros;
 * descriptive leaves (caches, brand) are the host's. */
static void test_cpuid_leaves_out_of_range_and_unknown(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_up_to_leaf_0x1f;
    vcpu.id = 1;
    static const uint32_t past[] = { 0x20, 0x3fffffff, 0x40000100u, 0x7fffffff, 0x80000009u,
                                     0xc0000000u, 0xffffffffu };
    for (unsigned i = 0; i < sizeof past / sizeof past[0]; i++) {
        assert_int_equal(cpuid_reg(past[i], 0, REG_RBX), 1);  /* one thread at level 0 */
        assert_int_equal(cpuid_reg(past[i], 0, REG_RCX), 0x100);
        assert_int_equal(cpuid_reg(past[i], 0, REG_RDX), 1);  /* this vCPU's x2APIC ID */
    }
    /* Address sizes as the host's; of EBX's bits only WBNOINVD, the one
     * Intel defines (its exit is handled): AMD's speculation-control bits
     * (IBPB at 12, IBRS, STIBP, SSBD) name MSRs that #GP here. */
    assert_int_equal(cpuid_reg(0x80000008u, 0, REG_RAX), 0x3027);
    assert_int_equal(cpuid_reg(0x80000008u, 0, REG_RBX), CPUIDX8_EBX_WBNOINVD);
    assert_int_equal(cpuid_reg(0x80000008u, 0, REG_RCX), 0);
    assert_int_equal(cpuid_reg(0x80000008u, 0, REG_RDX), 0);
    fake_host.cpuid = cpu_with_everything;     /* highest basic leaf 0x23 */
    static const uint32_t unknown[] = { 8, 9, 0xc, 0xe, 0x11, 0x13, 0x17, 0x20, 0x21, 0x22 };
    for (unsigned i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        for (unsigned reg = REG_RAX; reg <= REG_RBX; reg++)
            assert_int_equal(cpuid_reg(unknown[i], 0, reg), 0);
    assert_int_equal(cpuid_reg(2, 0, REG_RAX), 2);
    assert_int_equal(cpuid_reg(0x18, 0, REG_RDX), 0x18);
    assert_int_equal(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_LM, CPUIDX1_EDX_LM);
    assert_int_equal(cpuid_reg(0x40000000u, 0, REG_RAX), 0x40000001u);
    assert_int_equal(cpuid_reg(0x40000002u, 0, REG_RBX), 0);
}

/* Every feature CPUID advertises must work: what has no emulated MSR, no
 * enabled VM-execution control or no offered XSAVE state is hidden. */
static void test_cpuid_tells_the_truth(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_everything;
    fake_host.xcr0_offered = 0x2e7; /* x87, SSE, AVX, AVX-512, PKRU */
    fake_host.vmx_proc2 = PROC2_RDTSCP;
    uint32_t ecx1 = cpuid_reg(1, 0, REG_RCX), edx1 = cpuid_reg(1, 0, REG_RDX);
    assert_false(ecx1 & (CPUID1_ECX_PDCM | CPUID1_ECX_EST | CPUID1_ECX_TM2 | CPUID1_ECX_DTES64));
    assert_false(edx1 & (CPUID1_EDX_DS | CPUID1_EDX_ACPI | CPUID1_EDX_TM | CPUID1_EDX_PBE));
    assert_true(edx1 & (CPUID1_EDX_MCE | CPUID1_EDX_MCA)); /* MCG_CAP is emulated */
    assert_true(ecx1 & CPUID1_ECX_AVX);
    uint32_t ebx7 = cpuid_reg(7, 0, REG_RBX), ecx7 = cpuid_reg(7, 0, REG_RCX);
    uint32_t edx7 = cpuid_reg(7, 0, REG_RDX);
    assert_false(ebx7 & (CPUID7_EBX_TSC_ADJUST | CPUID7_EBX_SGX | CPUID7_EBX_PT));
    assert_false(ebx7 & CPUID7_EBX_INVPCID); /* its control is off */
    assert_false(ecx7 & (CPUID7_ECX_WAITPKG | CPUID7_ECX_OSPKE));
    assert_true(ecx7 & CPUID7_ECX_PKU);
    assert_true(ecx7 & CPUID7_ECX_RDPID);
    assert_false(edx7 & CPUID7_EDX_SPEC_MSRS);
    /* MSR- or XSS-backed features the monitor does not offer */
    assert_false(ebx7 & CPUID7_EBX_MPX);
    assert_false(ecx7 & (CPUID7_ECX_CET_SS | CPUID7_ECX_TME | CPUID7_ECX_ENQCMD));
    assert_false(edx7 & (CPUID7_EDX_UINTR | CPUID7_EDX_PCONFIG | CPUID7_EDX_CET_IBT));
    assert_false(ecx1 & CPUID1_ECX_DCA);
    assert_true(ecx7 & CPUID7_ECX_VAES_VPCLMUL);
    assert_false(edx7 & CPUID7_EDX_AMX); /* XCR0 0x2e7 offers no tiles */
    assert_false(ecx7 & CPUID7_ECX_KL);
    /* their MSRs #GP here: architectural LBRs, SRBDS and TSX force-abort
     * controls, bus-lock detection in IA32_DEBUGCTL */
    assert_false(edx7 & (CPUID7_EDX_ARCH_LBR | CPUID7_EDX_SRBDS_CTRL |
                         CPUID7_EDX_TSX_FORCE_ABORT));
    assert_false(ecx7 & CPUID7_ECX_BUS_LOCK_DETECT);
    assert_int_equal(cpuid_reg(7, 0, REG_RAX), 0);   /* no sub-leaf 1 */
    assert_false(cpuid_reg(0xd, 1, REG_RAX) & CPUIDD1_EAX_XFD);
    static const uint32_t hidden_leaves[] = { 0xf, 0x10, 0x12, 0x14, 0x19, 0x1b, 0x1c, 0x1d,
                                              0x1e, 0x23 };
    for (unsigned i = 0; i < sizeof hidden_leaves / sizeof hidden_leaves[0]; i++)
        for (unsigned reg = REG_RAX; reg <= REG_RBX; reg++)
            assert_int_equal(cpuid_reg(hidden_leaves[i], 0, reg), 0);
    assert_true(ebx7 & CPUID7_EBX_AVX512);
    assert_true(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_RDTSCP);
    assert_int_equal(cpuid_reg(6, 0, REG_RAX), 0);
    /* SYSCALL only in 64-bit mode, as Intel CPUs show it. */
    uint64_t efer = fake_gs_get(VMCS_GUEST_EFER), cs_ar = fake_gs_get(VMCS_SEG_AR(SEG_CS));
    fake_gs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xa09b);                    /* L */
    assert_true(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_SYSCALL);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc09b);                    /* compatibility mode */
    assert_false(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_SYSCALL);
    fake_gs_set(VMCS_GUEST_EFER, 0);
    assert_false(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_SYSCALL);
    assert_true(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_LM);   /* LM stays */
    fake_gs_set(VMCS_GUEST_EFER, efer);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), cs_ar);

    /* A host that offers less: x87/SSE only, no RDTSCP control, INVPCID on. */
    fake_host.xcr0_offered = 3;
    fake_host.vmx_proc2 = PROC2_INVPCID;
    assert_false(cpuid_reg(1, 0, REG_RCX) & (CPUID1_ECX_AVX | CPUID1_ECX_FMA | CPUID1_ECX_F16C));
    ebx7 = cpuid_reg(7, 0, REG_RBX);
    assert_false(ebx7 & (CPUID7_EBX_AVX2 | CPUID7_EBX_AVX512));
    assert_true(ebx7 & CPUID7_EBX_INVPCID);
    assert_false(cpuid_reg(7, 0, REG_RCX) & CPUID7_ECX_PKU);
    assert_false(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_RDTSCP);
    assert_false(cpuid_reg(7, 0, REG_RCX) & CPUID7_ECX_RDPID); /* #UD without the control */
    assert_false(cpuid_reg(7, 0, REG_RCX) & CPUID7_ECX_VAES_VPCLMUL);
    /* Tiles offered: AMX shown. */
    fake_host.xcr0_offered = 3 | XCR0_AMX;
    assert_int_equal(cpuid_reg(7, 0, REG_RDX) & CPUID7_EDX_AMX, CPUID7_EDX_AMX);
}

/* ---- MSRs ------------------------------------------------------------------- */
static uint64_t rdmsr_value(uint32_t msr)
{
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RCX] = msr;
    run_exit(EXIT_RDMSR, 0);
    assert_true(skipped());
    return vcpu.regs.gpr[REG_RDX] << 32 | (uint32_t)vcpu.regs.gpr[REG_RAX];
}

/* RDMSR that must raise #GP (and leave RIP). */
static void rdmsr_faults(uint32_t msr)
{
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    vcpu.regs.gpr[REG_RCX] = msr;
    run_exit(EXIT_RDMSR, 0);
    assert_injected(VEC_GP, true);
}

static void wrmsr_value(uint32_t msr, uint64_t value)
{
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    vcpu.regs.gpr[REG_RCX] = msr;
    vcpu.regs.gpr[REG_RAX] = (uint32_t)value;
    vcpu.regs.gpr[REG_RDX] = value >> 32;
    run_exit(EXIT_WRMSR, 0);
}

/* The MSRs behind what CPUID advertises answer as a CPU's would. */
static void test_msrs_behind_cpuid(void **state)
{
    (void)state;
    assert_int_equal(rdmsr_value(MSR_IA32_MISC_ENABLE),
                     MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS);
    assert_int_equal(rdmsr_value(MSR_IA32_MCG_CAP), 0);
    assert_int_equal(rdmsr_value(MSR_IA32_MCG_STATUS), 0);
    wrmsr_value(MSR_IA32_MCG_STATUS, 0);
    assert_true(skipped());
    wrmsr_value(MSR_IA32_MCG_STATUS, 1);
    assert_injected(VEC_GP, true);
    wrmsr_value(MSR_IA32_MCG_CAP, 0); /* read-only */
    assert_injected(VEC_GP, true);

    /* Writing the TSC moves the guest's TSC by the VMCS offset. */
    fake_host.vmx_proc = PROC_TSC_OFFSETTING;
    fake_host.tsc = 1000;
    wrmsr_value(MSR_IA32_TSC, 50000);
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_TSC_OFFSET), 49000);
    fake_host.tsc = 1500;
    assert_int_equal(rdmsr_value(MSR_IA32_TSC), 50500);
    /* Without TSC offsetting the write cannot be honoured: #GP. */
    fake_host.vmx_proc = 0;
    wrmsr_value(MSR_IA32_TSC, 7);
    assert_injected(VEC_GP, true);
}

static struct host_cpuid cpu_with_leaf_0x16(uint32_t leaf, uint32_t sub)
{
    return leaf == 0 ? (struct host_cpuid){ 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 }
                     : cpu_with_everything(leaf, sub);
}

/* IA32_MISC_ENABLE reads back what was written to its architectural bits,
 * keeps its read-only ones, drops model-specific ones, and its limit-CPUID and
 * XD-disable bits act on CPUID and EFER as a CPU's do. */
static void test_misc_enable_kept_and_acting(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_leaf_0x16;
    assert_int_equal(cpuid_reg(0, 0, REG_RAX), 0x16);
    uint64_t v = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_THERMAL | MISC_ENABLE_EIST |
                 MISC_ENABLE_MONITOR | MISC_ENABLE_LIMIT_CPUID | MISC_ENABLE_XTPR_OFF |
                 MISC_ENABLE_XD_OFF;
    wrmsr_value(MSR_IA32_MISC_ENABLE, v | MISC_ENABLE_PERFMON); /* read-only bit: kept 0 */
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_MISC_ENABLE), v | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS);
    assert_int_equal(cpuid_reg(0, 0, REG_RAX), 2);
    assert_int_equal(cpuid_reg(7, 0, REG_RBX), 2);  /* past the limit: leaf 2's data */
    assert_int_equal(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_NX, 0);
    wrmsr_value(MSR_IA32_EFER, EFER_NXE);
    assert_injected(VEC_GP, true);
    /* A model-specific bit (a prefetcher control on some models): dropped. */
    wrmsr_value(MSR_IA32_MISC_ENABLE, v | 1ULL << 9);
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_MISC_ENABLE), v | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS);
    /* Both cleared: leaf 0x16 and NX again. */
    wrmsr_value(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRINGS);
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_MISC_ENABLE), MISC_ENABLE_RESET);
    assert_int_equal(cpuid_reg(0, 0, REG_RAX), 0x16);
    assert_true(cpuid_reg(0x80000001u, 0, REG_RDX) & CPUIDX1_EDX_NX);
    wrmsr_value(MSR_IA32_EFER, EFER_NXE);
    assert_true(skipped());
}

static void test_rdmsr_emulated_and_live(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_EFER, EFER_SCE);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_EFER;
    vcpu.regs.gpr[REG_RDX] = 0xdead;
    run_exit(EXIT_RDMSR, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], EFER_SCE);
    assert_int_equal(vcpu.regs.gpr[REG_RDX], 0);
    assert_true(skipped());
    /* KERNEL_GS_BASE comes from the CPU, where SWAPGS may have changed it. */
    fake_host.live_msr[MSR_IA32_KERNEL_GS_BASE & 7] = 0xffff800012345678ULL;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_KERNEL_GS_BASE;
    run_exit(EXIT_RDMSR, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0x12345678);
    assert_int_equal(vcpu.regs.gpr[REG_RDX], 0xffff8000);
}

/* IA32_TSC_AUX: in the CPU while the vCPU runs (RDTSCP reads it without an
 * exit), where the CPU has RDTSCP; a #GP otherwise and for bits 63:32. */
static void test_tsc_aux(void **state)
{
    (void)state;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_TSC_AUX;
    run_exit(EXIT_RDMSR, 0);
    assert_injected(VEC_GP, true);              /* no RDTSCP: no such MSR */
    setup(NULL);
    fake_host.vmx_proc2 = PROC2_RDTSCP;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_TSC_AUX;
    vcpu.regs.gpr[REG_RAX] = 1;                 /* Linux: the CPU's number */
    run_exit(EXIT_WRMSR, 0);
    assert_true(skipped());
    assert_int_equal(fake_host.last_msr, MSR_IA32_TSC_AUX);
    assert_int_equal(fake_host.last_msr_value, 1);
    setup(NULL);
    fake_host.vmx_proc2 = PROC2_RDTSCP;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_TSC_AUX;
    vcpu.regs.gpr[REG_RDX] = 1;                 /* reserved bits */
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_host.msr_writes, 0);
    fake_host.live_msr[MSR_IA32_TSC_AUX & 7] = 3;
    assert_int_equal(rdmsr_value(MSR_IA32_TSC_AUX), 3);
}

static void test_unknown_msr_is_gp_logged_once(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
        vcpu.regs.gpr[REG_RCX] = 0xdeadbeef;
        assert_int_equal(run_exit(i & 1 ? EXIT_WRMSR : EXIT_RDMSR, 0), EXIT_CONTINUE);
        assert_injected(VEC_GP, true);
    }
    assert_int_equal(fake_log_lines[LOG_WARN], 1);
    assert_int_equal(vm.unknown_msr_accesses, 3);
}

static void test_wrmsr_checked_as_a_cpu_would(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_everything;
    /* EFER.LME while paging is on: #GP, not a VM entry that fails. */
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_PG | CR0_NE);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_EFER;
    vcpu.regs.gpr[REG_RAX] = EFER_LME;
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_GUEST_EFER), 0);

    /* Non-canonical LSTAR: #GP, and the CPU is never asked. */
    setup(NULL);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_LSTAR;
    vcpu.regs.gpr[REG_RDX] = 0x00008000;
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_host.msr_writes, 0);

    /* A value the CPU itself refuses (its fault caught): #GP too. */
    setup(NULL);
    fake_host.refuse_msr_write = true;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_STAR;
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);

    /* Good values land where they live. */
    setup(NULL);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_KERNEL_GS_BASE;
    vcpu.regs.gpr[REG_RDX] = 0xffff8000;
    vcpu.regs.gpr[REG_RAX] = 0x1000;
    run_exit(EXIT_WRMSR, 0);
    assert_true(skipped());
    assert_int_equal(fake_host.last_msr_value, 0xffff800000001000ULL);
    /* Bit 55 set: canonical only where CPUID offers 5-level paging, which
     * makes such addresses 57 bits wide for WRMSR whatever CR4.LA57 is. */
    setup(NULL);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_FS_BASE;
    vcpu.regs.gpr[REG_RDX] = 0x00800000;
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);
    setup(NULL);
    fake_host.cpuid = cpu_with_everything;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_FS_BASE;
    vcpu.regs.gpr[REG_RDX] = 0x00800000;
    run_exit(EXIT_WRMSR, 0);
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_SEG_BASE(SEG_FS)), 0x0080000000000000ULL);
    setup(NULL);
    fake_host.cpuid = cpu_with_everything;
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_FS_BASE;
    vcpu.regs.gpr[REG_RDX] = 0x01000000;               /* bit 56 alone: not even that */
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);
    setup(NULL);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_PAT;
    vcpu.regs.gpr[REG_RAX] = 0x02; /* type 2 is reserved */
    run_exit(EXIT_WRMSR, 0);
    assert_injected(VEC_GP, true);
    setup(NULL);
    vcpu.regs.gpr[REG_RCX] = MSR_IA32_FS_BASE;
    vcpu.regs.gpr[REG_RAX] = 0x5000;
    run_exit(EXIT_WRMSR, 0);
    assert_int_equal(fake_gs_get(VMCS_SEG_BASE(SEG_FS)), 0x5000);
    assert_true(skipped());
}

/* ---- control registers ---------------------------------------------------- */
#define CR_QUAL(cr, type, gpr) ((uint64_t)(cr) | ((uint64_t)(type) << 4) | ((uint64_t)(gpr) << 8))

static void test_cr4_write_refused_and_accepted(void **state)
{
    (void)state;
    vcpu.regs.gpr[REG_RBX] = CR4_VMXE;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    assert_injected(VEC_GP, true);
    setup(NULL);
    vcpu.regs.gpr[REG_RBX] = CR4_PAE | CR4_OSFXSR;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_CR4_SHADOW), CR4_PAE | CR4_OSFXSR);
    assert_int_equal(vcpu.cr4_shadow, CR4_PAE | CR4_OSFXSR);
}

/* A CR4 bit is refused (#GP) unless the guest's CPUID offers its feature,
 * even where the CPU has it (SDM vol. 3, 2.5): before, only VMXE and SMXE
 * were, and a guest could turn on PKS, CET, LAM or FRED, which CPUID hid. */
static uint64_t cr4_write(uint64_t value)
{
    setup(NULL);
    vcpu.regs.gpr[REG_RBX] = value;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    return fake_gs_get(VMCS_ENTRY_INTR_INFO);
}

static void test_cr4_bits_follow_the_guests_cpuid(void **state)
{
    (void)state;
    const uint64_t cpu_has = 0x3727ff | CR4_PKE | CR4_CET | CR4_PKS | CR4_UINTR | (1ULL << 28) |
                             (1ULL << 32);
    /* a CPU with SMEP and SMAP whose CPUID (all zeros here) offers neither */
    assert_int_not_equal(cr4_write(CR4_SMEP), 0);
    assert_injected(VEC_GP, true);
    struct { uint64_t bit; bool offered; } cases[] = {
        { CR4_SMEP, true }, { CR4_SMAP, true }, { CR4_PCIDE | CR4_PAE, false /* not in long mode */ },
        { CR4_OSXSAVE, true }, { CR4_FSGSBASE, true },
        { CR4_PKS, false }, { CR4_CET, false }, { CR4_UINTR, false },
        { 1ULL << 28 /* LAM_SUP */, false }, { 1ULL << 32 /* FRED */, false },
        { CR4_PKE, false /* XCR0 offers no PKRU */ }, { CR4_VMXE, false }, { CR4_SMXE, false },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setup(NULL);
        fake_host.cpuid = cpu_with_everything;
        fake_host.cr4_fixed1 = cpu_has;
        vcpu.regs.gpr[REG_RBX] = cases[i].bit;
        run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
        if (cases[i].offered) {
            assert_true(skipped());
            assert_int_equal(vcpu.cr4_shadow, cases[i].bit);
        } else {
            assert_injected(VEC_GP, true);
        }
    }
    /* PKE once XCR0 offers PKRU, so CPUID offers PKU */
    setup(NULL);
    fake_host.cpuid = cpu_with_everything;
    fake_host.cr4_fixed1 = cpu_has;
    fake_host.xcr0_offered = 7 | XCR0_PKRU;
    vcpu.regs.gpr[REG_RBX] = CR4_PKE;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    assert_true(skipped());
}

static void test_cr0_paging_with_lme_enters_long_mode(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_EFER, EFER_LME);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PAE);
    vcpu.regs.gpr[REG_R9] = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 0, REG_R9));
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_GUEST_EFER), EFER_LME | EFER_LMA);
    assert_true(fake_gs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
    /* Without PAE: #GP, still in protected mode. */
    setup(NULL);
    fake_gs_set(VMCS_GUEST_EFER, EFER_LME);
    vcpu.regs.gpr[REG_R9] = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 0, REG_R9));
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_GUEST_EFER), EFER_LME);
}

static void test_cr3_moves_rsp_clts_lmsw(void **state)
{
    (void)state;
    /* Register 4 is RSP, which lives in the VMCS. */
    fake_gs_set(VMCS_GUEST_RSP, 0x7000);
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 0, REG_RSP));
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x7000);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_GUEST_CR3, 0x9000);
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 1, REG_R13));
    assert_int_equal(vcpu.regs.gpr[REG_R13], 0x9000);
    /* CLTS clears TS. */
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_TS);
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 2, 0));
    assert_false(fake_gs_get(VMCS_CR0_SHADOW) & CR0_TS);
    /* LMSW cannot clear PE. */
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 3, 0) | (0ULL << 16));
    assert_true(fake_gs_get(VMCS_CR0_SHADOW) & CR0_PE);
}

/* CR8 is the VM's own task priority (TPR bits 7:4), never the host's: a
 * write reaches the local APIC model and gates its interrupts, reserved
 * bits are #GP, and a read gives back what the TPR holds however it was
 * written. */
static void test_cr8_is_the_vm_task_priority(void **state)
{
    (void)state;
    vcpu.regs.gpr[REG_RBX] = 16; /* bit 4: reserved */
    run_exit(EXIT_CR_ACCESS, CR_QUAL(8, 0, REG_RBX));
    assert_injected(VEC_GP, true);

    setup(NULL);
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    assert_non_null(vcpu.plat);
    vplatform_mmio_write(vcpu.plat, 0, 0xfee000f0, 4, 0x1ff, 0); /* software-enabled */
    vcpu.regs.gpr[REG_RBX] = 0xa;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(8, 0, REG_RBX));
    assert_true(skipped());
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00080, 4, 0), 0xa0);
    /* The TPR written through the APIC page: CR8 reads its upper nibble. */
    vplatform_mmio_write(vcpu.plat, 0, 0xfee00080, 4, 0x35, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_R11] = ~0ULL;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(8, 1, REG_R11));
    assert_true(skipped());
    assert_int_equal(vcpu.regs.gpr[REG_R11], 3);
    /* A write clears TPR[3:0]; priority 6 holds back vector 0x51 (class
     * 5), priority 4 lets it through. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RBX] = 6;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(8, 0, REG_RBX));
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00080, 4, 0), 0x60);
    vlapic_accept(&vcpu.plat->lapic[0], 0x51, false);
    assert_false(vplatform_pending(vcpu.plat, 0));
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RBX] = 4;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(8, 0, REG_RBX));
    assert_true(skipped());
    assert_true(vplatform_pending(vcpu.plat, 0));
    /* A refused write changes nothing. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RBX] = 0x1f;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(8, 0, REG_RBX));
    assert_injected(VEC_GP, true);
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00080, 4, 0), 0x40);
}

/* ---- port I/O ---------------------------------------------------------------- */
#define IO_QUAL(port, size, in) ((uint64_t)((size) - 1) | ((in) ? 8u : 0u) | ((uint64_t)(port) << 16))

static void test_io_unknown_port_and_exit_port(void **state)
{
    (void)state;
    vcpu.regs.gpr[REG_RAX] = 0x1122334455667788ULL;
    run_exit(EXIT_IO, IO_QUAL(0x1234, 1, true));
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0x11223344556677ffULL); /* AL only */
    assert_true(skipped());
    vcpu.regs.gpr[REG_RAX] = 7;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0xf4, 1, false)), EXIT_STOP);
    assert_int_equal(fake_vm_calls.exit_status, 7);
}

/* Guest RAM for the string I/O tests: paging off, so linear = physical. */
static uint8_t *guest_bytes(uint64_t gpa)
{
    struct plat_vm *g = vm.mem.ram.gpa;
    mpn_t m = plat_gpa_lookup(g, gpa >> PAGE_SHIFT);
    if (m == INVALID_MPN) {
        assert_true(plat_gpa_map(g, gpa >> PAGE_SHIFT, page_alloc_zeroed(OWNER_TEST),
                                 PLAT_GPA_RWX));
        m = plat_gpa_lookup(g, gpa >> PAGE_SHIFT);
    }
    return (uint8_t *)plat_mpn_to_va(m) + (gpa & (PAGE_SIZE - 1));
}

/* A MOV to CR that exits and leaves PAE paging on loads the four page-
 * directory-pointer entries from CR3, as the CPU would have; VM entry takes
 * them from the VMCS. Before, they were left as they were (zeros when a
 * CR0 write that changed NE also turned paging on), so the guest's next
 * fetch page-faulted. A present entry with a reserved bit set is a #GP. */
static uint64_t pdpte_field(unsigned i)
{
    return fake_gs_get(VMCS_GUEST_PDPTE0 + 2 * i);
}

static void test_pae_paging_loads_pdptes(void **state)
{
    (void)state;
    vm.mem.ram.gpa = fake_gpa_create(256);
    uint64_t table[4] = { 0x6001, 0x7001, 0, 0x8019 };  /* PWT and PCD may be set */
    memcpy(guest_bytes(0x5000), table, sizeof table);
    fake_gs_set(VMCS_GUEST_CR3, 0x5000);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PAE);
    fake_gs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);     /* NE changes: the write exits */
    vcpu.regs.gpr[REG_RAX] = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 0, REG_RAX));
    assert_true(skipped());
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(pdpte_field(i), table[i]);
    assert_false(fake_gs_get(VMCS_GUEST_EFER) & EFER_LMA);

    /* CR4.PGE changes with PAE paging on: read again. */
    table[2] = 0x9001;
    memcpy(guest_bytes(0x5000), table, sizeof table);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RBX] = CR4_PAE | CR4_PGE;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    assert_true(skipped());
    assert_int_equal(pdpte_field(2), 0x9001);

    /* A MOV to CR3 that exits (CPUs without the TRUE controls) reads the
     * new table and flushes the vCPU's translations. */
    uint64_t other[4] = { 0xa001, 0, 0, 0 };
    memcpy(guest_bytes(0x3000), other, sizeof other);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    unsigned flushes = fake_host.tlb_flushes;
    vcpu.regs.gpr[REG_RCX] = 0x3000;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 0, REG_RCX));
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x3000);
    assert_int_equal(pdpte_field(0), 0xa001);
    assert_int_equal(pdpte_field(1), 0);
    assert_int_equal(fake_host.tlb_flushes, flushes + 1);

    /* Reserved bits in a present entry: #GP, nothing changed. */
    other[1] = 0x7001 | (1ULL << 5);
    memcpy(guest_bytes(0x3000), other, sizeof other);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RCX] = 0x3000;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 0, REG_RCX));
    assert_injected(VEC_GP, true);
    assert_int_equal(pdpte_field(1), 0);
    fake_gpa_destroy(vm.mem.ram.gpa);

    setup(NULL);
    vm.mem.ram.gpa = fake_gpa_create(256);
    table[3] = 1ULL << 40 | 1;                           /* beyond MAXPHYADDR 36 */
    memcpy(guest_bytes(0x5000), table, sizeof table);
    fake_gs_set(VMCS_GUEST_CR3, 0x5000);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PAE);
    fake_gs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);
    vcpu.regs.gpr[REG_RAX] = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 0, REG_RAX));
    assert_injected(VEC_GP, true);
    assert_false(fake_gs_get(VMCS_CR0_SHADOW) & CR0_PG);  /* paging still off */
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* With CR4.PCIDE, a MOV to CR3 with bit 63 set keeps the PCID's
 * translations and does not store the bit; in long mode a bit above
 * MAXPHYADDR is a #GP. */
/* VMCALL follows KVM's hypercall ABI: KVM_HC_SEND_IPI reaches the APICs its
 * bitmap names (from the minimum ID) and returns how many; any other
 * number is -KVM_ENOSYS, a call from CPL 3 -KVM_EPERM; the instruction is
 * skipped (it used to be #UD). Outside 64-bit mode the registers are 32
 * bits wide. */
static uint64_t send_ipi_hypercall(uint64_t low, uint64_t min, uint32_t icr)
{
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RAX] = 10;               /* KVM_HC_SEND_IPI */
    vcpu.regs.gpr[REG_RBX] = low;
    vcpu.regs.gpr[REG_RCX] = 0;
    vcpu.regs.gpr[REG_RDX] = min;
    vcpu.regs.gpr[REG_RSI] = icr;
    assert_int_equal(run_exit(EXIT_VMCALL, 0), EXIT_CONTINUE);
    assert_true(skipped());
    return vcpu.regs.gpr[REG_RAX];
}

static void test_vmcall_is_a_kvm_hypercall(void **state)
{
    (void)state;
    vcpu.plat = vplatform_attach(&vm, 2, 0, 0, 1000000);
    vcpu.regs.gpr[REG_RAX] = 99;
    assert_int_equal(run_exit(EXIT_VMCALL, 0), EXIT_CONTINUE);
    assert_true(skipped());
    assert_nothing_injected();
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0xffffffffULL - 999);   /* -1000, 32 bits */

    /* PV IPI, vector 0x42, to APIC IDs 1 + {0}: APIC 1 only (enabled by
     * its software, as an AP's OS does). */
    vplatform_mmio_write(vcpu.plat, 1, 0xfee000f0, 4, 0x1ff, 0);
    assert_int_equal(send_ipi_hypercall(0x1, 1, 0x42), 1);
    assert_int_equal(vlapic_irr_top(&vcpu.plat->lapic[1]), 0x42);
    assert_int_equal(vlapic_irr_top(&vcpu.plat->lapic[0]), -1);
    /* kvm-unit-tests' apic test: every bit of the low word from ID
     * 0xffffffff reaches nobody, and returns 0. */
    assert_int_equal(send_ipi_hypercall(0xffffffff, 0xffffffff, 0), 0);

    /* From CPL 3: -KVM_EPERM, nothing sent. */
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 3u << 5);
    assert_int_equal(send_ipi_hypercall(0x1, 0, 0x43), 0xffffffffULL);
    assert_int_equal(vlapic_irr_top(&vcpu.plat->lapic[0]), -1);
}

/* A MOV to CR0 or CR4 carried out by the monitor drops the vCPU's
 * translations when it changes paging (PG, PE, WP; PGE, PCIDE, PAE, PSE,
 * SMEP, SMAP, PKE, LA57), as the CPU would (under VPID they outlive the
 * exit); a change of NE or OSFXSR keeps them. An INVLPG that exits (CPUs
 * that force INVLPG exiting) drops them too and is done. */
static void test_cr_writes_and_invlpg_drop_translations(void **state)
{
    (void)state;
    fake_gs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
    unsigned flushes = fake_host.tlb_flushes;
    vcpu.regs.gpr[REG_RAX] = CR0_PE | CR0_ET | CR0_NE;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 0, REG_RAX));
    assert_true(skipped());
    assert_int_equal(fake_host.tlb_flushes, flushes);          /* NE alone */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RAX] = CR0_PE | CR0_ET | CR0_NE | CR0_WP;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(0, 0, REG_RAX));
    assert_true(skipped());
    assert_int_equal(fake_host.tlb_flushes, flushes + 1);      /* WP */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RBX] = CR4_OSFXSR;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    assert_true(skipped());
    assert_int_equal(fake_host.tlb_flushes, flushes + 1);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RBX] = CR4_OSFXSR | CR4_PGE;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(4, 0, REG_RBX));
    assert_true(skipped());
    assert_int_equal(fake_host.tlb_flushes, flushes + 2);      /* PGE */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    run_exit(EXIT_INVLPG, 0x12345000);
    assert_true(skipped());
    assert_int_equal(fake_host.tlb_flushes, flushes + 3);
}

static void test_cr3_exit_pcid_no_flush_and_reserved_bits(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
    fake_gs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PAE | CR4_PCIDE);
    unsigned flushes = fake_host.tlb_flushes;
    vcpu.regs.gpr[REG_RDX] = (1ULL << 63) | 0x123000 | 5;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 0, REG_RDX));
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x123005);
    assert_int_equal(fake_host.tlb_flushes, flushes);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RDX] = 0x124000 | 5;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 0, REG_RDX));
    assert_int_equal(fake_host.tlb_flushes, flushes + 1);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RDX] = 1ULL << 40;
    run_exit(EXIT_CR_ACCESS, CR_QUAL(3, 0, REG_RDX));
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x124005);
}

/* ---- task switches ------------------------------------------------------- */
static void put_desc(uint64_t at, uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    uint32_t d[2] = { (limit & 0xffff) | (base << 16),
                      ((base >> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) |
                          (base & 0xff000000u) };
    memcpy(guest_bytes(at), d, 8);
}

/* The exit's glue (the rules are test_task_switch's): the state comes from
 * the VMCS and goes back; an INT n through a task gate resumes after the
 * INT and is not queued again; an IRET that switches tasks unblocks NMIs; a
 * CALL to a 16-bit TSS is carried out too (FS and GS null, TR a busy 16-bit
 * TSS). */
/* Two 32-bit tasks in a GDT at 0x1000 (flat code 0x08 and data 0x10): A
 * (0x18, TSS at 0x2000) running on flat segments, B (0x20, TSS at 0x3000)
 * available, starting at EIP 0x5555 with ESP 0x8000 and CR3 `b_cr3`. */
static void two_tasks(uint32_t b_cr3)
{
    put_desc(0x1008, 0, 0xfffff, 0x9b, 0xc);     /* code */
    put_desc(0x1010, 0, 0xfffff, 0x93, 0xc);     /* data */
    put_desc(0x1018, 0x2000, 0x67, 0x8b, 0);     /* A: running */
    put_desc(0x1020, 0x3000, 0x67, 0x89, 0);     /* B */
    uint32_t b[0x68 / 4] = { 0 };
    b[0x1c / 4] = b_cr3;
    b[0x20 / 4] = 0x5555;                         /* EIP */
    b[0x24 / 4] = 0x2;
    b[0x38 / 4] = 0x8000;                         /* ESP */
    b[0x48 / 4] = b[0x50 / 4] = b[0x54 / 4] = 0x10;
    b[0x4c / 4] = 0x08;
    memcpy(guest_bytes(0x3000), b, sizeof b);
    memset(guest_bytes(0x2000), 0, 0x68);
    fake_gs_set(VMCS_GUEST_GDTR_BASE, 0x1000);
    fake_gs_set(VMCS_GUEST_GDTR_LIMIT, 0x2f);
    fake_gs_set(VMCS_SEG_SEL(SEG_TR), 0x18);
    fake_gs_set(VMCS_SEG_BASE(SEG_TR), 0x2000);
    fake_gs_set(VMCS_SEG_LIMIT(SEG_TR), 0x67);
    fake_gs_set(VMCS_SEG_AR(SEG_TR), 0x8b);
    fake_gs_set(VMCS_SEG_AR(SEG_LDTR), 1u << 16);
    fake_gs_set(VMCS_GUEST_RFLAGS, 0x2);
    for (unsigned i = 0; i < 6; i++) {
        fake_gs_set(VMCS_SEG_SEL(i), i == SEG_CS ? 0x08 : 0x10);
        fake_gs_set(VMCS_SEG_LIMIT(i), 0xffffffff);
        fake_gs_set(VMCS_SEG_AR(i), i == SEG_CS ? 0xc09b : 0xc093);
    }
}

static void test_task_switch_exit(void **state)
{
    (void)state;
    vm.mem.ram.gpa = fake_gpa_create(256);
    two_tasks(0);
    put_desc(0x1028, 0x4000, 0x2b, 0x81, 0);     /* a 16-bit TSS */
    fake_gs_set(VMCS_EXIT_INSN_LEN, 2);
    /* INT 0x40 through a gate: the event the exit interrupted is its own. */
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_SW_INT | 0x40);
    vcpu.regs.gpr[REG_RBX] = 0xb0b0;
    run_exit(EXIT_TASK_SWITCH, 0x20 | (3ULL << 30));
    assert_nothing_injected();
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x5555);
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x20);
    assert_int_equal(fake_gs_get(VMCS_SEG_AR(SEG_TR)), 0x8b);
    assert_int_equal(fake_gs_get(VMCS_SEG_AR(SEG_CS)), 0xc09b);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RSP), 0x8000);
    assert_true(fake_gs_get(VMCS_GUEST_CR0) & CR0_TS);
    assert_true(fake_gs_get(VMCS_GUEST_RFLAGS) & (1u << 14)); /* NT */
    uint32_t saved_eip, saved_ebx;
    memcpy(&saved_eip, guest_bytes(0x2020), 4);
    memcpy(&saved_ebx, guest_bytes(0x2034), 4);
    assert_int_equal(saved_eip, RIP0 + 2);       /* after the INT */
    assert_int_equal(saved_ebx, 0xb0b0);
    /* IRET back to A, with NMIs blocked: unblocked. */
    fake_gs_set(VMCS_IDT_VECT_INFO, 0);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
    fake_gs_set(VMCS_GUEST_RIP, 0x5600);
    fake_gs_set(VMCS_EXIT_INSN_LEN, 1);
    run_exit(EXIT_TASK_SWITCH, 0x18 | (1ULL << 30));
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x18);
    assert_int_equal(fake_gs_get(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_NMI, 0);
    assert_int_equal(vcpu.regs.gpr[REG_RBX], 0xb0b0);
    /* With paging on, a switch loads the new task's CR3, which drops the
     * guest's translations (under VPID the CPU keeps them across the exit).
     * Both tasks' tables map the first 4 MiB as they are (PSE). */
    uint32_t pde = 0x87, cr3 = 0x5000;
    memcpy(guest_bytes(0x5000), &pde, 4);
    memcpy(guest_bytes(0x2000 + 0x1c), &cr3, 4);
    memcpy(guest_bytes(0x3000 + 0x1c), &cr3, 4);
    uint64_t cr0 = fake_gs_get(VMCS_GUEST_CR0);
    fake_gs_set(VMCS_GUEST_CR0, cr0 | CR0_PG | CR0_PE);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PSE);
    fake_gs_set(VMCS_GUEST_CR3, 0x5000);
    unsigned tlb_flushes = fake_host.tlb_flushes;
    run_exit(EXIT_TASK_SWITCH, 0x20 | (2ULL << 30));              /* JMP to B */
    assert_nothing_injected();
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x20);
    assert_int_equal(fake_host.tlb_flushes, tlb_flushes + 1);
    run_exit(EXIT_TASK_SWITCH, 0x18 | (2ULL << 30));              /* and back to A */
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x18);
    assert_int_equal(fake_host.tlb_flushes, tlb_flushes + 2);
    fake_gs_set(VMCS_GUEST_CR0, cr0);
    fake_gs_set(VMCS_GUEST_CR4, 0);
    /* A CALL to a busy TSS: #GP with the selector, nothing switched. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    run_exit(EXIT_TASK_SWITCH, 0x18);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0x18);
    /* The same #GP while a task gate delivers an exception meets it as
     * table 6-5 says: after a #UD (benign) alone, after a #GP (contributory)
     * #DF, after a #DF a triple fault. An exception is an event external to
     * the program, so the #GP's error code has EXT (bit 0) set; an INT n's
     * does not (SDM vol. 3, 6.13). */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | VEC_UD);
    run_exit(EXIT_TASK_SWITCH, 0x18 | (3ULL << 30));
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0x19);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_SW_INT | 0x40);
    run_exit(EXIT_TASK_SWITCH, 0x18 | (3ULL << 30));
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0x18);
    /* An NMI through a task gate whose switch faults: EXT, and NMIs stay
     * blocked for the #GP's handler, as the NMI's delivery had begun. */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI);
    run_exit(EXIT_TASK_SWITCH, 0x18 | (3ULL << 30));
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0x19);
    assert_true(fake_gs_get(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_NMI);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RFLAGS, 0x2);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE | VEC_GP);
    run_exit(EXIT_TASK_SWITCH, 0x18 | (3ULL << 30));
    assert_injected(VEC_DF, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE | VEC_DF);
    assert_int_equal(run_exit(EXIT_TASK_SWITCH, 0x18 | (3ULL << 30)), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "triple fault"));
    fake_gs_set(VMCS_IDT_VECT_INFO, 0);
    /* A CALL to a 16-bit TSS: IP, FLAGS, SP and four selectors, words. */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    uint16_t t16[0x2c / 2] = { 0 };
    t16[0x0e / 2] = 0x77;                         /* IP */
    t16[0x10 / 2] = 0x2;                          /* FLAGS */
    t16[0x1a / 2] = 0x9000;                       /* SP */
    t16[0x22 / 2] = t16[0x26 / 2] = t16[0x28 / 2] = 0x10;
    t16[0x24 / 2] = 0x08;
    memcpy(guest_bytes(0x4000), t16, sizeof t16);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_EXIT_INSN_LEN, 7);
    assert_int_equal(run_exit(EXIT_TASK_SWITCH, 0x28), EXIT_CONTINUE);
    assert_nothing_injected();
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x77);
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x28);
    assert_int_equal(fake_gs_get(VMCS_SEG_AR(SEG_TR)), 0x83);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RSP) & 0xffff, 0x9000);
    assert_true(fake_gs_get(VMCS_SEG_AR(SEG_FS)) & (1u << 16));   /* null: unusable */
    uint16_t link;
    memcpy(&link, guest_bytes(0x4000), 2);
    assert_int_equal(link, 0x18);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* A page the switch needs that is paged out (here the new task's PAE page-
 * directory-pointer table, which only the new task reads, after the commit)
 * sends the vCPU to wait before anything is written: the old task's TSS and
 * both busy flags are as they were, and when the exit comes again the
 * switch runs whole. Before, the commit was made and the VM stopped. */
static void test_task_switch_waits_for_a_paged_out_page(void **state)
{
    (void)state;
    struct plat_vm *g = vm.mem.ram.gpa = fake_gpa_create(256);
    two_tasks(0x6000);
    /* Both tasks' PAE tables map the first 2 MiB as they are. */
    uint64_t pdpte = 0x7000 | 1, pde = 0x83;
    memcpy(guest_bytes(0x5000), &pdpte, 8);
    memcpy(guest_bytes(0x6000), &pdpte, 8);
    memcpy(guest_bytes(0x7000), &pde, 8);
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PAE);
    fake_gs_set(VMCS_GUEST_CR3, 0x5000);
    fake_gs_set(VMCS_EXIT_INSN_LEN, 5);
    sleeping_mpn = plat_gpa_lookup(g, 6);
    plat_gpa_unmap(g, 6);
    sleeping_gpa = 0x6000;
    uint8_t tss_a[0x68], gdt[0x28];
    memcpy(tss_a, guest_bytes(0x2000), sizeof tss_a);
    memcpy(gdt, guest_bytes(0x1000), sizeof gdt);

    assert_int_equal(run_exit(EXIT_TASK_SWITCH, 0x20 | (2ULL << 30)), EXIT_SLEEP); /* JMP */
    assert_int_equal(sleeping_gpa, ~0ULL);        /* the page was asked for */
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x18);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x5000);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0);
    assert_memory_equal(guest_bytes(0x2000), tss_a, sizeof tss_a);
    assert_memory_equal(guest_bytes(0x1000), gdt, sizeof gdt);
    assert_nothing_injected();
    assert_string_equal(fake_fail_reason, "");

    assert_int_equal(run_exit(EXIT_TASK_SWITCH, 0x20 | (2ULL << 30)), EXIT_CONTINUE);
    assert_string_equal(fake_fail_reason, "");
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x20);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR3), 0x6000);
    assert_int_equal(fake_gs_get(VMCS_GUEST_PDPTE0), pdpte);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x5555);
    uint32_t saved_eip;
    memcpy(&saved_eip, guest_bytes(0x2020), 4);
    assert_int_equal(saved_eip, RIP0 + 5);        /* after the JMP */
    fake_gpa_destroy(g);
}

/* A VM the monitor stops for a vCPU (here a triple fault) gets that vCPU's
 * state on the console under its reason (vmm/vcpu_dump.h): the registers
 * and the code at CS:RIP, read only as far as the VM has pages in memory
 * (the page after is not backed for a report). A second stop of a VM
 * already over prints nothing more and keeps the first reason. */
static void test_stop_prints_the_vcpu_state(void **state)
{
    (void)state;
    struct plat_vm *g = vm.mem.ram.gpa = fake_gpa_create(256);
    static const uint8_t code[] = { 0x0f, 0x0b, 0xeb, 0xfe, 0xf4, 0x90, 0x66, 0x0f };
    memcpy(guest_bytes(0x1ff8), code, sizeof code);   /* the last bytes of page 1 */
    fake_gs_set(VMCS_GUEST_RIP, 0x1ff8);
    vcpu.regs.gpr[REG_RAX] = 0xfeedULL;
    assert_int_equal(run_exit(EXIT_TRIPLE_FAULT, 0), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "triple fault (vCPU 0, RIP 0x1ff8)");
    /* header, two lines of registers (no R8-R15 outside IA-32e mode), the
     * control registers, three of segments, the descriptor tables, the
     * code */
    assert_int_equal(fake_log_lines[LOG_ERROR], 9);
    assert_string_equal(fake_log_last, "vm t: vCPU 0: code at 0x1ff8: 0f 0b eb fe f4 90 66 0f");
    assert_int_equal(touches, 0);
    assert_int_equal(plat_gpa_lookup(g, 2), INVALID_MPN);

    vm.state = VM_STATE_RUNNING;
    fake_vm_fail_reset();
    fake_gs_set(VMCS_GUEST_RIP, 0x3000);   /* a page never touched */
    assert_int_equal(run_exit(EXIT_TRIPLE_FAULT, 0), EXIT_STOP);
    assert_non_null(strstr(fake_log_last, "code at 0x3000: not readable"));
    assert_int_equal(touches, 0);

    unsigned lines = fake_log_total;
    assert_int_equal(run_exit(EXIT_EPT_MISCONFIG, 0), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "triple fault (vCPU 0, RIP 0x3000)");
    assert_int_equal(fake_log_total, lines);
    fake_gpa_destroy(g);
}

/* After the commit, a page the new task's paging does not map is that
 * task's #PF (SDM vol. 3, 7.3): here a #GP with its error code comes
 * through a task gate and the new task's stack is not mapped, so the push
 * faults; the switch stands, CR2 names the stack, the error code says a
 * supervisor write to a page not present. Before, the VM stopped. */
static void test_task_switch_pf_after_commit_is_the_new_tasks(void **state)
{
    (void)state;
    vm.mem.ram.gpa = fake_gpa_create(256);
    two_tasks(0x5000);
    uint32_t pde = 0x87, esp_b = 0x800000;        /* 4 MiB mapped; B's stack past it */
    memcpy(guest_bytes(0x5000), &pde, 4);
    memcpy(guest_bytes(0x3000 + 0x38), &esp_b, 4);
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
    fake_gs_set(VMCS_GUEST_CR4, CR4_PSE);
    fake_gs_set(VMCS_GUEST_CR3, 0x5000);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE | VEC_GP);
    fake_gs_set(VMCS_IDT_VECT_ERR, 0x10);
    assert_int_equal(run_exit(EXIT_TASK_SWITCH, 0x20 | (3ULL << 30)), EXIT_CONTINUE);
    assert_string_equal(fake_fail_reason, "");
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO),
                     INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE | VEC_PF);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), PF_ERR_WRITE);
    assert_int_equal(vcpu.regs.cr2, esp_b - 4);
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_TR)), 0x20);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x5555);
    fake_gs_set(VMCS_IDT_VECT_INFO, 0);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

static void string_insn(const uint8_t *bytes, unsigned n)
{
    memcpy(guest_bytes(RIP0), bytes, n);
    fake_gs_set(VMCS_EXIT_INSN_LEN, n);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc09b); /* 32-bit code (D=1) */
}

/* INS/OUTS are carried out: REP OUTSB from guest RAM to the POST port in
 * chunks (the instruction runs again until rCX is 0), a page of the source
 * backed through the RAM fault path, a poll point per page; INS from an
 * unclaimed port fills memory with all ones; a bad instruction stops the VM. */
static void test_io_string_ins_outs(void **state)
{
    (void)state;
    vm.mem.ram.gpa = fake_gpa_create(256);
    static const uint8_t rep_outsb[] = { 0x3e, 0xf3, 0x6e }, insw[] = { 0x26, 0x66, 0x6d },
                         notio[] = { 0x90, 0x90, 0x90 };
    string_insn(rep_outsb, 3);
    for (unsigned i = 0; i < 3; i++)
        guest_bytes(0x20000 + (uint64_t)i * PAGE_SIZE)[0] = 0; /* back 3 pages */
    vcpu.regs.gpr[REG_RSI] = 0x20ff0;
    vcpu.regs.gpr[REG_RCX] = 0x11000 + 0x20;   /* over 64 KiB: two exits */
    vcpu.regs.gpr[REG_RDX] = 0x80;
    unsigned t0 = touches;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x80, 1, false) | 16 | 32), EXIT_CONTINUE);
    assert_true(not_skipped());                 /* more to do: RIP stays */
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 0x1020);
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0x30ff0);
    assert_int_equal(poll_points, 16);          /* a new page every 4 KiB */
    assert_true(touches > t0);                  /* unbacked source pages came in */
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x80, 1, false) | 16 | 32), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 0);
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0x32010);
    fake_gpa_destroy(vm.mem.ram.gpa);

    setup(NULL);
    vm.mem.ram.gpa = fake_gpa_create(256);
    string_insn(insw, 3);
    vcpu.regs.gpr[REG_RDI] = 0x5000;
    vcpu.regs.gpr[REG_RCX] = 9;                 /* no REP: ignored */
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x1234, 2, true) | 16), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(guest_bytes(0x5000)[0], 0xff);
    assert_int_equal(guest_bytes(0x5000)[1], 0xff);
    assert_int_equal(guest_bytes(0x5000)[2], 0);
    assert_int_equal(vcpu.regs.gpr[REG_RDI], 0x5002);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 9);

    /* INS into the legacy hole: nothing there keeps the bytes, as on a PC
     * bus (it used to stop the VM); OUTS from it sends all ones. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RDI] = 0xb8000;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x1234, 2, true) | 16), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(vcpu.regs.gpr[REG_RDI], 0xb8002);
    /* Memory that is neither RAM nor a device: the same, counted; with
     * monitor.unknownMemory = "stop" the VM stops, naming the address. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RDI] = 0xe0000000;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x1234, 2, true) | 16), EXIT_CONTINUE);
    assert_int_equal(vm.unknown_memory_accesses, 1);
    strcpy(vm.cfg.unknown_memory, "stop");
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RDI] = 0xe0000000;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x1234, 2, true) | 16), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "INS on port 0x1234 into guest-linear 0xe0000000, which "
                                        "is not guest RAM"));
    /* The local APIC's page is registers, not memory: that stops the VM. */
    fake_gpa_destroy(vm.mem.ram.gpa);
    setup(NULL);
    vm.mem.ram.gpa = fake_gpa_create(256);
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    string_insn(insw, 3);
    vcpu.regs.gpr[REG_RDI] = 0xfee00300;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x1234, 2, true) | 16), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "which is not guest RAM"));
    /* With display memory (svga.present) the text screen keeps what INS
     * puts there, as the guest's own stores there do. */
    static uint8_t vga_mem[VGA_WINDOW_PAGES][4096];
    static uint8_t *vga_pages[VGA_WINDOW_PAGES];
    for (unsigned i = 0; i < VGA_WINDOW_PAGES; i++)
        vga_pages[i] = vga_mem[i];
    vcpu.plat->vga_window = vga_pages;
    vm.state = VM_STATE_RUNNING;
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vcpu.regs.gpr[REG_RDI] = 0xb8ffe;                   /* the last word of a page */
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x1234, 2, true) | 16), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(vga_mem[(0xb8ffe - 0xa0000) >> 12][0xffe], 0xff);   /* the port's all ones */
    assert_int_equal(vga_mem[(0xb8ffe - 0xa0000) >> 12][0xfff], 0xff);
    assert_int_equal(vga_mem[(0xb9000 - 0xa0000) >> 12][0], 0);
    assert_true(vga_window_owns(vcpu.plat, 0xbffff));
    assert_false(vga_window_owns(vcpu.plat, 0xc0000));
    assert_false(vga_window_owns(vcpu.plat, 0x9ffff));
    vcpu.plat->vga_window = NULL;
    fake_gpa_destroy(vm.mem.ram.gpa);

    setup(NULL);
    vm.mem.ram.gpa = fake_gpa_create(256);
    string_insn(notio, 3);
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x3f8, 1, false) | 16), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "is not INS/OUTS"));
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* ---- EPT violations --------------------------------------------------------- */
static void test_ept_violation_ram_outside_and_out_of_memory(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x204123);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE), EXIT_CONTINUE);
    assert_int_equal(touches, 1);
    assert_int_equal(touched_gpa, 0x204123);
    assert_true(not_skipped()); /* the access is retried */

    strcpy(vm.cfg.unknown_memory, "stop");
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xe0000000);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "write of guest-physical 0xe0000000 outside RAM and MMIO "
                                     "(vCPU 0, RIP 0x1000; monitor.unknownMemory = \"stop\")");
    /* the legacy hole (VGA, option ROMs) reads as all ones, code fetched
     * there too: the page is mapped to the all-ones page and the guest
     * goes on (it takes the #UD of 0xff 0xff); before, the VM stopped */
    fake_vm_fail_reset();
    vm.state = VM_STATE_RUNNING;
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xb8000);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_FETCH), EXIT_CONTINUE);
    assert_int_equal(fake_vm_calls.floating_maps, 1);
    assert_true(not_skipped());

    touch_fails = true;
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x300000);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "out of machine memory backing guest-physical 0x300000");
}

/* Memory that is neither RAM nor a device behaves as a PC bus with nothing
 * there: a read gives all ones, a write is dropped, the instruction
 * completes and the guest goes on; the first access to each page is
 * logged. Code cannot run there and page tables cannot live there: those
 * stop the VM, naming the address. */
/* Guest RAM with `insns` at RIP0 in 32-bit code, and EBX = `addr`, where
 * their data access faults (paging off: linear = physical). */
static void data_access_at(const uint8_t *insns, size_t n, uint64_t addr)
{
    vm.mem.ram.gpa = fake_gpa_create(256);
    memcpy(guest_bytes(RIP0), insns, n);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc09b);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, addr);
    fake_gs_set(VMCS_GUEST_LINEAR_ADDR, addr);
    vcpu.regs.gpr[REG_RBX] = addr;
}

/* MOVS with a device on one side: the device is the operand that faulted
 * and the other is memory, reached through the guest's paging as the CPU
 * would (here the option-ROM hole, all ones, into RAM, an element an exit);
 * a register device on the other side stops the VM, naming both. */
static void test_mmio_movs_reaches_memory(void **state)
{
    (void)state;
    static const uint8_t insns[] = { 0xf3, 0xa5 };   /* rep movsd */
    data_access_at(insns, sizeof insns, 0xc0010);
    vcpu.regs.gpr[REG_RSI] = 0xc0010;
    vcpu.regs.gpr[REG_RDI] = 0x5000;
    vcpu.regs.gpr[REG_RCX] = 2;
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    uint32_t got;
    memcpy(&got, guest_bytes(0x5000), 4);
    assert_int_equal(got, 0xffffffff);
    assert_true(not_skipped());                   /* one more element: runs again */
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0xc0014);
    assert_int_equal(vcpu.regs.gpr[REG_RDI], 0x5004);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 1);
    assert_string_equal(fake_fail_reason, "");

    vcpu.regs.gpr[REG_RDI] = 0xfee00300;          /* the other side a register device */
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xc0014);
    fake_gs_set(VMCS_GUEST_LINEAR_ADDR, 0xc0014);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "MOVS between a device at guest-physical 0xc0014 and "
                                             "guest-linear 0xfee00300"));
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* A divide through a device access that faults is the guest's #DE at the
 * instruction (nothing changed); one that fits completes. Unknown memory
 * reads all ones, so EDX = 0xffffffff makes the quotient too wide. */
static void test_mmio_divide_error_is_the_guests(void **state)
{
    (void)state;
    static const uint8_t insns[] = { 0xf7, 0x33 };   /* div dword [ebx] */
    data_access_at(insns, sizeof insns, 0xe0000010);
    vcpu.regs.gpr[REG_RAX] = 0x12345678;
    vcpu.regs.gpr[REG_RDX] = 0xffffffff;
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_injected(VEC_DE, false);
    assert_true(not_skipped());
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 0x12345678);
    assert_int_equal(vcpu.regs.gpr[REG_RDX], 0xffffffff);
    assert_string_equal(fake_fail_reason, "");

    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    vcpu.regs.gpr[REG_RDX] = 1;                       /* 0x112345678 / 0xffffffff */
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_int_equal(vcpu.regs.gpr[REG_RAX], 1);
    assert_int_equal(vcpu.regs.gpr[REG_RDX], 0x12345679);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), 0);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

static void test_unknown_memory_reads_all_ones(void **state)
{
    (void)state;
    static const uint8_t insns[] = { 0x89, 0x03,     /* mov [ebx], eax */
                                     0x8b, 0x0b };   /* mov ecx, [ebx] */
    data_access_at(insns, sizeof insns, 0xe0000010);
    vcpu.regs.gpr[REG_RAX] = 0x5a5a5a5a;
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 4);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 0xffffffffULL);  /* a 32-bit load zero-extends */
    assert_int_equal(fake_fail_reason[0], 0);
    assert_int_equal(touches, 0);                 /* nothing was allocated or mapped */
    assert_int_equal(vm.unknown_memory_accesses, 2);
    assert_int_equal(fake_log_lines[LOG_WARN], 1); /* one page: logged once */

    /* Another page is logged too; a guest sweeping pages logs only the first
     * few, then says the rest are counted. */
    for (uint64_t page = 1; page <= 40; page++) {
        uint64_t a = 0xe0000010 + (page << 12);
        fake_gs_set(VMCS_GUEST_RIP, RIP0 + 2);
        fake_gs_set(VMCS_GUEST_PHYS_ADDR, a);
        fake_gs_set(VMCS_GUEST_LINEAR_ADDR, a);
        vcpu.regs.gpr[REG_RBX] = a;
        assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                         EXIT_CONTINUE);
    }
    assert_int_equal(vm.unknown_memory_accesses, 42);
    assert_int_equal(fake_log_lines[LOG_WARN], REPORT_ONCE_KEEP + 1);

    /* Code there cannot run, a page table there cannot be walked. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xe0000000);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_FETCH | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "instruction fetch from memory that is neither RAM nor a "
                                          "device at guest-physical 0xe0000000 (vCPU 0, RIP 0x1000)");
    fake_vm_fail_reset();
    vm.state = VM_STATE_RUNNING;
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "neither RAM nor a device used as a page table"));
    /* The same with the linear address given, but the access a walk's
     * (bit 8 clear): an instruction fetch through page tables there, say,
     * is no data access to emulate at RIP. */
    fake_vm_fail_reset();
    vm.state = VM_STATE_RUNNING;
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "neither RAM nor a device used as a page table"));
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* The BIOS area reads as ROM; a write there stops the VM, naming it. */
static void test_bios_area_read_as_rom(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xf5a50);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ), EXIT_CONTINUE);
    assert_int_equal(fake_vm_calls.rom_maps, 1);
    assert_int_equal(touches, 0);
    /* A write is dropped, as ROM drops it: the instruction is emulated and
     * the guest goes on (it used to stop the VM). */
    static const uint8_t mov_ebx_eax[] = { 0x89, 0x03 };     /* mov [ebx], eax */
    data_access_at(mov_ebx_eax, sizeof mov_ebx_eax, 0xf5a50);
    vcpu.regs.gpr[REG_RAX] = 0x12345678;
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_int_equal(fake_vm_calls.rom_maps, 1);
    assert_int_equal(fake_fail_reason[0], 0);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* The bug: an event being delivered when the exit hit was dropped. */
static void test_interrupted_event_is_delivered_again(void **state)
{
    (void)state;
    uint32_t pf = 14 | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE | INTR_INFO_VALID;
    fake_gs_set(VMCS_IDT_VECT_INFO, pf);
    fake_gs_set(VMCS_IDT_VECT_ERR, 6);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x205000); /* its stack page, not yet backed */
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), pf);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 6);

    /* A software interrupt (INT 0x80) needs its instruction length again. */
    setup(NULL);
    uint32_t sw = 0x80 | INTR_TYPE_SW_INT | INTR_INFO_VALID;
    fake_gs_set(VMCS_IDT_VECT_INFO, sw);
    fake_gs_set(VMCS_EXIT_INSN_LEN, 2);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x205000);
    run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), sw);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INSN_LEN), 2);

    /* No event in flight: nothing queued. */
    setup(NULL);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x205000);
    run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE);
    assert_nothing_injected();
}

/* An event whose delivery touches a device page (a stack in the legacy
 * hole) stops the VM, naming it, instead of emulating the instruction at
 * RIP for an access it did not make. */
static void test_event_delivery_through_a_device_page_stops(void **state)
{
    (void)state;
    fake_gs_set(VMCS_IDT_VECT_INFO, 0x20 | INTR_TYPE_EXT | INTR_INFO_VALID);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xb8ff8);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "event delivery through a device page"));
}

static void test_ept_violation_after_iret_blocks_nmi(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x205000);
    run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_NMI_UNBLOCK);
    assert_true(fake_gs_get(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_NMI);
}

/* ---- XSETBV ------------------------------------------------------------------- */
static void xsetbv_setup(uint64_t value)
{
    fake_gs_set(VMCS_GUEST_CR4, CR4_OSXSAVE);
    vcpu.regs.gpr[REG_RCX] = 0;
    vcpu.regs.gpr[REG_RAX] = (uint32_t)value;
    vcpu.regs.gpr[REG_RDX] = value >> 32;
}

static void test_xsetbv(void **state)
{
    (void)state;
    fake_host.xcr0_offered = 0x2e7;
    xsetbv_setup(0xe7);
    run_exit(EXIT_XSETBV, 0);
    assert_true(skipped());
    assert_int_equal(vcpu.xcr0, 0xe7);
    assert_int_equal(fake_host.last_xsetbv, 0xe7);

    /* opmask without ZMM state: refused before the CPU sees it */
    setup(NULL);
    fake_host.xcr0_offered = 0x2e7;
    xsetbv_setup(0x27);
    run_exit(EXIT_XSETBV, 0);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_host.xsetbvs, 0);

    /* the CPU's own refusal, caught */
    setup(NULL);
    fake_host.refuse_xsetbv = true;
    xsetbv_setup(3);
    run_exit(EXIT_XSETBV, 0);
    assert_injected(VEC_GP, true);

    /* CPL 3: #GP; CR4.OSXSAVE off: #UD */
    setup(NULL);
    xsetbv_setup(3);
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 3 << 5);
    run_exit(EXIT_XSETBV, 0);
    assert_injected(VEC_GP, true);
    setup(NULL);
    xsetbv_setup(3);
    fake_gs_set(VMCS_GUEST_CR4, 0);
    run_exit(EXIT_XSETBV, 0);
    assert_injected(VEC_UD, false);
}

/* ---- the small handlers --------------------------------------------------------- */
static void test_small_handlers(void **state)
{
    (void)state;
    assert_int_equal(run_exit(EXIT_HLT, 0), EXIT_HALT);
    assert_true(skipped());

    setup(NULL);
    assert_int_equal(run_exit(EXIT_PAUSE, 0), EXIT_CONTINUE);
    assert_true(skipped());
    setup(NULL);
    assert_int_equal(run_exit(EXIT_VMXON, 0), EXIT_CONTINUE);
    assert_injected(VEC_UD, false);
    setup(NULL);
    assert_int_equal(run_exit(EXIT_RDPMC, 0), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    setup(NULL);
    /* In real mode an exception has no error code. */
    fake_gs_set(VMCS_GUEST_CR0, CR0_ET);
    run_exit(EXIT_RDPMC, 0);
    assert_injected(VEC_GP, false);

    setup(NULL);
    assert_int_equal(run_exit(EXIT_TRIPLE_FAULT, 0), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "triple fault (vCPU 0, RIP 0x1000)");
    setup(NULL);
    assert_int_equal(run_exit(EXIT_INVALID_GUEST_STATE | EXIT_REASON_ENTRY_FAIL, 0), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "VM entry failed: invalid-guest-state (exit qualification 0, "
                                     "vCPU 0, RIP 0x1000)");
    /* GETSEC, SEAMCALL and TDCALL exit whatever the controls, ENCLS and
     * ENCLV under their exiting controls: #UD, as on a CPU without SMX, TDX
     * or SGX. */
    unsigned ud_exits[] = { EXIT_GETSEC, EXIT_SEAMCALL, EXIT_TDCALL, EXIT_ENCLS, EXIT_ENCLV };
    for (unsigned i = 0; i < sizeof ud_exits / sizeof ud_exits[0]; i++) {
        setup(NULL);
        assert_int_equal(run_exit(ud_exits[i], 0), EXIT_CONTINUE);
        assert_injected(VEC_UD, false);
        assert_true(not_skipped());
    }
    /* An exit the controls never ask for stops the VM, naming it. */
    setup(NULL);
    assert_int_equal(run_exit(EXIT_DR_ACCESS, 0x5), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "unhandled VM exit 29 (dr-access), qualification 0x5, "
                                     "vCPU 0, RIP 0x1000");
    setup(NULL);
    /* The preemption timer also stops the guest for device deadlines:
     * vcpu_run decides whether the slice is over. */
    assert_int_equal(run_exit(EXIT_PREEMPT_TIMER, 0), EXIT_CONTINUE);
    assert_int_equal(run_exit(EXIT_INTR_WINDOW, 0), EXIT_CONTINUE);
    assert_int_equal(run_exit(EXIT_EXTERNAL_INTR, 0), EXIT_YIELD);
}

/* ---- the VM's local APIC behind MSRs, CPUID and MMIO ------------------------------ */
static void test_apic_msrs_and_cpuid(void **state)
{
    (void)state;
    /* Without the platform: no TSC-deadline MSR, and CPUID does not offer it. */
    fake_host.cpuid = cpu_with_everything;
    assert_int_equal(cpuid_reg(1, 0, REG_RCX) & CPUID1_ECX_TSC_DEADLINE, 0);
    wrmsr_value(MSR_IA32_TSC_DEADLINE, 5);
    assert_injected(VEC_GP, true);

    setup(NULL);
    fake_host.cpuid = cpu_with_everything;
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000); /* a 1 GHz guest TSC */
    assert_non_null(vcpu.plat);
    assert_true(cpuid_reg(1, 0, REG_RCX) & CPUID1_ECX_TSC_DEADLINE);
    assert_true(cpuid_reg(1, 0, REG_RCX) & CPUID1_ECX_X2APIC); /* the model's x2APIC */
    /* nominal TSC and core frequencies hidden: guests measure the TSC */
    assert_int_equal(cpuid_reg(0x15, 0, REG_RBX), 0);
    assert_int_equal(cpuid_reg(0x16, 0, REG_RAX), 0);
    assert_int_equal(rdmsr_value(MSR_IA32_APIC_BASE), 0xfee00000ULL | APIC_BASE_BSP | APIC_BASE_ENABLE);
    /* x2APIC registers #GP in xAPIC mode */
    rdmsr_faults(0x802);
    /* EXTD without enable is the invalid state: #GP, nothing changes */
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_EXTD);
    assert_injected(VEC_GP, true);
    assert_false(vcpu.plat->lapic[0].x2apic);
    /* xAPIC -> x2APIC: the MSRs answer, the MMIO page does not */
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_ENABLE | APIC_BASE_EXTD);
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_APIC_BASE),
                     0xfee00000ULL | APIC_BASE_BSP | APIC_BASE_ENABLE | APIC_BASE_EXTD);
    assert_int_equal(rdmsr_value(0x80d), 1);            /* LDR: cluster 0, bit 0 */
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00020, 4, 0), 0xffffffffu);
    wrmsr_value(0x80b, 1);                               /* EOI takes only 0 */
    assert_injected(VEC_GP, true);
    rdmsr_faults(0x80b);                                 /* ... and is write-only */
    assert_int_equal(rdmsr_value(0x802), 0);             /* the 32-bit x2APIC ID */
    /* x2APIC -> xAPIC directly is illegal */
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_ENABLE);
    assert_injected(VEC_GP, true);
    assert_true(vcpu.plat->lapic[0].x2apic);
    /* the global disable takes the APIC out (and out of x2APIC mode) */
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfee00000ULL);
    assert_true(skipped());
    assert_false(vcpu.plat->apic_hw_enabled[0]);
    assert_false(vcpu.plat->lapic[0].x2apic);
    assert_int_equal(rdmsr_value(MSR_IA32_APIC_BASE), 0xfee00000ULL | APIC_BASE_BSP);
    /* ... and out of sight: CPUID's APIC flag clear, its page not decoded */
    assert_int_equal(cpuid_reg(1, 0, REG_RDX) & CPUID1_EDX_APIC, 0);
    vplatform_mmio_write(vcpu.plat, 0, 0xfee00080, 4, 0x30, 0);
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00080, 4, 0), 0xffffffffu);
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00030, 4, 0), 0xffffffffu);
    /* disabled -> x2APIC must pass through xAPIC */
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_ENABLE | APIC_BASE_EXTD);
    assert_injected(VEC_GP, true);
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_ENABLE);
    assert_true(vcpu.plat->apic_hw_enabled[0]);
    assert_true(cpuid_reg(1, 0, REG_RDX) & CPUID1_EDX_APIC);
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00080, 4, 0), 0); /* write dropped */
    assert_int_not_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfee00030, 4, 0), 0xffffffffu);
    /* TSC-deadline mode: the LVT timer in mode 2, then the MSR arms it. */
    vplatform_mmio_write(vcpu.plat, 0, 0xfee000f0, 4, 0x1ff, 0);
    vplatform_mmio_write(vcpu.plat, 0, 0xfee00320, 4, (2u << 17) | 0x40, 0);
    fake_host.tsc = 5000;
    fake_plat_set_time_ns(5000);
    wrmsr_value(MSR_IA32_TSC_DEADLINE, 8000);
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_TSC_DEADLINE), 8000);
    assert_int_equal(vplatform_next_deadline(vcpu.plat, 5000), 8000); /* 3000 ticks at 1 GHz */
}

/* HLT through its exit handler: skipped, then asleep until the board's next
 * deadline with IF = 1, halted for good with IF = 0. */
static void test_hlt_sleeps_or_halts(void **state)
{
    (void)state;
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    fake_plat_set_time_ns(1000);
    vplatform_mmio_write(vcpu.plat, 0, 0xfee00320, 4, 0x40, 1000);      /* one-shot */
    vplatform_mmio_write(vcpu.plat, 0, 0xfee003e0, 4, 0xb, 1000);       /* divide by 1 */
    vplatform_mmio_write(vcpu.plat, 0, 0xfee00380, 4, 5000, 1000);      /* 5 us at 1 GHz */
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    assert_int_equal(run_exit(EXIT_HLT, 0), EXIT_SLEEP);
    assert_true(skipped());
    assert_int_equal(vm.vcpu_wake_ns[0], 6000);
    setup(NULL);
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    fake_gs_set(VMCS_GUEST_RFLAGS, 2);
    assert_int_equal(run_exit(EXIT_HLT, 0), EXIT_HALT);
    assert_true(skipped());
}

/* The HPET's page is a device when the VM has one (hpet0.present): its
 * registers through the MMIO emulator; without it, unknown memory. */
static void test_hpet_mmio_exits(void **state)
{
    (void)state;
    static const uint8_t insns[] = { 0x8b, 0x0b,     /* mov ecx, [ebx] */
                                     0x89, 0x03 };   /* mov [ebx], eax */
    vm.cfg.hpet_present = true;
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    data_access_at(insns, sizeof insns, 0xfed00004);  /* GCAP_ID's high half: the period */
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], HPET_PERIOD_FS);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xfed00010);    /* GEN_CONF: enable */
    fake_gs_set(VMCS_GUEST_LINEAR_ADDR, 0xfed00010);
    vcpu.regs.gpr[REG_RBX] = 0xfed00010;
    vcpu.regs.gpr[REG_RAX] = 1;
    fake_plat_set_time_ns(1000);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    fake_plat_set_time_ns(1000 + 1000000000);
    assert_int_equal(hpet_counter(&vcpu.plat->hpet, plat_time_ns()), HPET_HZ);
    assert_int_equal(vm.unknown_memory_accesses, 0);
    assert_int_equal(fake_fail_reason[0], 0);
    fake_gpa_destroy(vm.mem.ram.gpa);

    setup(NULL);                                      /* hpet0.present = FALSE */
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    data_access_at(insns, sizeof insns, 0xfed00004);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION),
                     EXIT_CONTINUE);
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 0xffffffffULL);
    assert_int_equal(vm.unknown_memory_accesses, 1);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* VMware's backdoor (vmm/backdoor.h): IN EAX, DX at 0x5658 with the magic
 * answers in the registers; without the magic it is an unclaimed port;
 * monitor_control.restrict_backdoor keeps it from CPL 3. */
static void test_backdoor_port(void **state)
{
    (void)state;
    uint64_t *g = vcpu.regs.gpr;
    g[REG_RAX] = 0xffffffff00000000ULL | BDOOR_MAGIC;
    g[REG_RBX] = 0xdeadbeef;
    g[REG_RCX] = BDOOR_CMD_GETVERSION;
    g[REG_RDX] = BDOOR_PORT;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(BDOOR_PORT, 4, true)), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(g[REG_RAX], 6);
    assert_int_equal(g[REG_RBX], BDOOR_MAGIC);
    assert_int_equal(g[REG_RCX], 2);
    assert_int_equal(vm.backdoor_calls, 1);
    assert_int_equal(vm.unknown_port_accesses, 0);
    /* No magic: an ordinary port nothing claims. */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    g[REG_RAX] = 0;
    g[REG_RBX] = 7;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(BDOOR_PORT, 4, true)), EXIT_CONTINUE);
    assert_int_equal(g[REG_RAX], 0xffffffffULL);
    assert_int_equal(g[REG_RBX], 7);
    assert_int_equal(vm.unknown_port_accesses, 1);
    /* Restricted, from CPL 3 (IOPL 3 let the IN through): no backdoor. */
    vm.cfg.restrict_backdoor = true;
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc0f3);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    g[REG_RAX] = BDOOR_MAGIC;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(BDOOR_PORT, 4, true)), EXIT_CONTINUE);
    assert_int_equal(g[REG_RAX], 0xffffffffULL);
    assert_int_equal(vm.backdoor_calls, 1);
    /* ... and from CPL 0 it answers. */
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc093);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    g[REG_RAX] = BDOOR_MAGIC;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(BDOOR_PORT, 4, true)), EXIT_CONTINUE);
    assert_int_equal(vm.backdoor_calls, 2);
    assert_int_equal(vcpu_exception_bitmap(&vm), 0);       /* nothing to intercept */
    vm.cfg.pseudo_perfctr = true;
    assert_int_equal(vcpu_exception_bitmap(&vm), 1u << VEC_GP);
}

/* A #GP exit with the faulting instruction at RIP (32-bit code, CPL 3),
 * in guest memory the caller made. */
static enum exit_action gp_exit_in(const uint8_t *insns, size_t n, uint32_t error)
{
    memcpy(guest_bytes(RIP0), insns, n);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc0fb);
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc0f3);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_EXIT_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE |
                                         VEC_GP);
    fake_gs_set(VMCS_EXIT_INTR_ERR, error);
    return run_exit(EXIT_EXCEPTION_NMI, 0);
}

/* The same in guest memory of its own, gone after. */
static enum exit_action gp_exit(const uint8_t *insns, size_t n, uint32_t error)
{
    vm.mem.ram.gpa = fake_gpa_create(256);
    enum exit_action a = gp_exit_in(insns, n, error);
    fake_gpa_destroy(vm.mem.ram.gpa);
    return a;
}

/* The backdoor from CPL 3 where IOPL and the TSS deny the port: the CPU's
 * #GP is intercepted and the IN carried out; anything else goes back to
 * the guest as its #GP, with its error code. */
static void test_backdoor_past_the_io_permission_gp(void **state)
{
    (void)state;
    static const uint8_t in_eax_dx[] = { 0xed }, in16[] = { 0x66, 0xed },
                         cli[] = { 0xfa }, rdpmc[] = { 0x0f, 0x33 };
    uint64_t *g = vcpu.regs.gpr;
    g[REG_RAX] = BDOOR_MAGIC;
    g[REG_RBX] = 0xdeadbeef;
    g[REG_RCX] = 0xfff;                                     /* unknown: EBX kept */
    g[REG_RDX] = BDOOR_PORT;
    assert_int_equal(gp_exit(in_eax_dx, 1, 0), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 1);
    assert_false(fake_gs_get(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
    assert_int_equal(g[REG_RBX], 0xdeadbeef);
    assert_int_equal(vm.backdoor_calls, 1);
    /* Another port: the guest's #GP. */
    g[REG_RDX] = 0x1234;
    assert_int_equal(gp_exit(in_eax_dx, 1, 0), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0);
    /* A 16-bit IN is no backdoor call. */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    g[REG_RDX] = BDOOR_PORT;
    assert_int_equal(gp_exit(in16, 2, 0), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    /* Any other #GP, with its error code (a selector's). */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    assert_int_equal(gp_exit(cli, 1, 0x1230), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0x1230);
    assert_int_equal(vm.gp_reflected, 3);
    /* RDPMC of a pseudo counter at CPL 3 with CR4.PCE clear: only with
     * monitor_control.pseudo_perfctr. */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    g[REG_RCX] = BDOOR_PMC_REAL_NS;
    fake_plat_set_time_ns(0x123456789abULL);
    assert_int_equal(gp_exit(rdpmc, 2, 0), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    vm.cfg.pseudo_perfctr = true;
    assert_int_equal(gp_exit(rdpmc, 2, 0), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_int_equal(g[REG_RAX], 0x456789abULL);
    assert_int_equal(g[REG_RDX], 0x123);
    /* Restricted: the backdoor's IN at CPL 3 is the guest's #GP again. */
    vm.cfg.restrict_backdoor = true;
    g[REG_RAX] = BDOOR_MAGIC;
    assert_int_equal(gp_exit(in_eax_dx, 1, 0), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    assert_int_equal(vm.backdoor_calls, 1);
}

/* GuestRPC (backdoor command 30, vmm/guestrpc.h) through the monitor: a
 * channel opened from CPL 3 past the I/O permission #GP, a request sent
 * and its reply read by IN exits at CPL 0, against the VM's guestinfo
 * variables; the channels exist from the first OPEN and go with the VM's
 * devices. */
static void guestrpc_in(uint32_t type, uint32_t bx, uint32_t chan, uint32_t hi, uint32_t lo)
{
    uint64_t *g = vcpu.regs.gpr;
    g[REG_RAX] = 0xffffffff00000000ULL | BDOOR_MAGIC;   /* IN EAX clears the upper half */
    g[REG_RBX] = bx;
    g[REG_RCX] = BDOOR_CMD_MESSAGE | type << 16;
    g[REG_RDX] = BDOOR_PORT | chan << 16;
    g[REG_RSI] = hi;
    g[REG_RDI] = lo;
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(BDOOR_PORT, 4, true)), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(g[REG_RAX], BDOOR_MAGIC);
}

static void test_guestrpc_through_the_backdoor(void **state)
{
    (void)state;
    static const uint8_t in_eax_dx[] = { 0xed };
    uint64_t *g = vcpu.regs.gpr;
    guestinfo_init(&vm.cfg.guestinfo);
    assert_int_equal(guestinfo_set(&vm.cfg.guestinfo, "guestinfo.k", 11, "v1", 2), GUESTINFO_OK);
    assert_null(vm.guestrpc);
    g[REG_RAX] = BDOOR_MAGIC;
    g[REG_RBX] = GUESTRPC_PROTO_RPCI | GUESTRPC_FLAG_COOKIE;
    g[REG_RCX] = BDOOR_CMD_MESSAGE;
    g[REG_RDX] = BDOOR_PORT;
    assert_int_equal(gp_exit(in_eax_dx, 1, 0), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 1);
    assert_int_equal(g[REG_RCX] >> 16, GUESTRPC_STATUS_SUCCESS);
    assert_non_null(vm.guestrpc);
    uint32_t chan = (uint32_t)g[REG_RDX] >> 16, hi = (uint32_t)g[REG_RSI],
             lo = (uint32_t)g[REG_RDI];
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc09b);
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc093);
    static const char req[] = "info-get guestinfo.k";
    guestrpc_in(GUESTRPC_SENDSIZE, sizeof req - 1, chan, hi, lo);
    assert_int_equal(g[REG_RCX] >> 16, GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_HB);
    for (size_t i = 0; i < sizeof req - 1; i += 4) {
        uint32_t w;
        memcpy(&w, req + i, 4);
        guestrpc_in(GUESTRPC_SENDPAYLOAD, w, chan, hi, lo);
        assert_int_equal(g[REG_RCX] >> 16, GUESTRPC_STATUS_SUCCESS);
    }
    guestrpc_in(GUESTRPC_RECVSIZE, 0, chan, hi, lo);
    assert_int_equal(g[REG_RCX] >> 16,
                     GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_DORECV | GUESTRPC_STATUS_HB);
    assert_int_equal(g[REG_RBX], 4);
    guestrpc_in(GUESTRPC_RECVPAYLOAD, 1, chan, hi, lo);
    assert_int_equal(g[REG_RBX], 0x31762031);                  /* "1 v1" */
    guestrpc_in(GUESTRPC_RECVSTATUS, 1, chan, hi, lo);
    assert_int_equal(g[REG_RCX] >> 16, GUESTRPC_STATUS_SUCCESS);
    assert_int_equal(vm.guestrpc_requests, 1);

    /* The high-bandwidth port: REP OUTSB of the request at CPL 0 (an I/O
     * exit; EBP and EDI the cookies), REP INSB of the reply from CPL 3
     * past the I/O permission #GP (ESI and EBP the cookies). */
    vm.mem.ram.gpa = fake_gpa_create(256);
    static const uint8_t rep_outsb[] = { 0xf3, 0x6e }, rep_insb[] = { 0xf3, 0x6c };
    static const char req2[] = "info-set guestinfo.k v2 by the fast port";
    memcpy(guest_bytes(0x5000), req2, sizeof req2 - 1);
    guestrpc_in(GUESTRPC_SENDSIZE, sizeof req2 - 1, chan, hi, lo);
    string_insn(rep_outsb, 2);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    g[REG_RAX] = BDOOR_MAGIC;
    g[REG_RBX] = GUESTRPC_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE;
    g[REG_RCX] = sizeof req2 - 1;
    g[REG_RDX] = BDOORHB_PORT | chan << 16;
    g[REG_RSI] = 0x5000;
    g[REG_RDI] = lo;
    g[REG_RBP] = hi;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(BDOORHB_PORT, 1, false) | 16 | 32),
                     EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    fake_gs_set(VMCS_EXIT_INSN_LEN, LEN);
    assert_int_equal(g[REG_RBX] >> 16, GUESTRPC_STATUS_SUCCESS);
    assert_int_equal(g[REG_RCX], 0);
    assert_int_equal(g[REG_RSI], 0x5000 + sizeof req2 - 1);
    const char *val;
    size_t vlen;
    assert_true(guestinfo_get(&vm.cfg.guestinfo, "guestinfo.k", 11, &val, &vlen));
    assert_int_equal(vlen, 19);
    assert_memory_equal(val, "v2 by the fast port", 19);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    guestrpc_in(GUESTRPC_RECVSIZE, 0, chan, hi, lo);
    assert_int_equal(g[REG_RBX], 2);
    g[REG_RAX] = BDOOR_MAGIC;
    g[REG_RBX] = GUESTRPC_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE;
    g[REG_RCX] = 2;
    g[REG_RDX] = BDOORHB_PORT | chan << 16;
    g[REG_RSI] = hi;
    g[REG_RDI] = 0x6000;
    g[REG_RBP] = lo;
    /* First a count whose low half is the reply's length, in 64-bit mode:
     * refused whole (it would move 4 GiB more than the channel holds). */
    fake_gs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
    g[REG_RCX] = 1ULL << 32 | 2;
    memcpy(guest_bytes(RIP0), rep_insb, 2);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xa0fb);                 /* 64-bit code, CPL 3 */
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc0f3);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_EXIT_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE |
                                         VEC_GP);
    fake_gs_set(VMCS_EXIT_INTR_ERR, 0);
    assert_int_equal(run_exit(EXIT_EXCEPTION_NMI, 0), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_int_equal(g[REG_RBX] >> 16, 0);
    assert_int_equal(g[REG_RCX], 1ULL << 32 | 2);
    assert_int_equal(guest_bytes(0x6000)[0], 0);
    fake_gs_set(VMCS_GUEST_EFER, 0);
    g[REG_RBX] = GUESTRPC_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE;
    g[REG_RCX] = 2;
    assert_int_equal(gp_exit_in(rep_insb, 2, 0), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 2);
    assert_false(fake_gs_get(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
    assert_int_equal(g[REG_RBX] >> 16, GUESTRPC_STATUS_SUCCESS);
    assert_memory_equal(guest_bytes(0x6000), "1 ", 2);
    assert_int_equal(g[REG_RDI], 0x6002);
    assert_int_equal(g[REG_RCX], 0);
    assert_int_equal(vm.guestrpc_hb, 2);
    /* Again: the reply is gone, so the port refuses (status 0, nothing moved). */
    g[REG_RBX] = GUESTRPC_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE;
    g[REG_RCX] = 2;
    g[REG_RDI] = 0x7000;
    assert_int_equal(gp_exit_in(rep_insb, 2, 0), EXIT_CONTINUE);
    assert_int_equal(g[REG_RBX] >> 16, 0);
    assert_int_equal(g[REG_RCX], 2);
    assert_int_equal(guest_bytes(0x7000)[0], 0);
    /* Without the magic the port is an ordinary one: from CPL 3 the #GP. */
    g[REG_RAX] = 0;
    assert_int_equal(gp_exit_in(rep_insb, 2, 0), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc09b);
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc093);
    fake_gpa_destroy(vm.mem.ram.gpa);
    /* The wrong cookie: refused. */
    guestrpc_in(GUESTRPC_CLOSE, 0, chan, hi, lo ^ 1);
    assert_int_equal(g[REG_RCX] >> 16, 0);
    assert_int_equal(vm.backdoor_calls, 17);
    /* The channels go with the devices. */
    vm_devices_destroy(&vm.devices);
    assert_null(vm.guestrpc);
}

/* A #GP while an event was being delivered meets it as the SDM's table
 * 6-5 says: after a contributory fault, #DF; after #DF, a triple fault;
 * after an interrupt, the #GP alone. */
static void test_intercepted_gp_during_delivery(void **state)
{
    (void)state;
    static const uint8_t nop[] = { 0x90 };
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE |
                                        VEC_NP);
    assert_int_equal(gp_exit(nop, 1, 0x18), EXIT_CONTINUE);
    assert_injected(VEC_DF, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_EXT | 0x30);
    assert_int_equal(gp_exit(nop, 1, 0x182), EXIT_CONTINUE);
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), 0x182);
    fake_gs_set(VMCS_IDT_VECT_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE |
                                        VEC_DF);
    assert_int_equal(gp_exit(nop, 1, 0), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "triple fault (vCPU 0, RIP 0x1000): exception 13 while "
                                          "delivering #DF");
    fake_gs_set(VMCS_IDT_VECT_INFO, 0);
}

static void test_apic_mmio_exits(void **state)
{
    (void)state;
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xfee000b0);
    /* An instruction fetch from the APIC page stops the VM. */
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_FETCH | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "instruction fetch from a device page at guest-physical "
                                     "0xfee000b0 (vCPU 0, RIP 0x1000)");
    /* A data access whose instruction cannot be read (no RAM behind RIP in
     * this test) stops it naming the address; never the host. */
    setup(NULL);
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xfee000b0);
    fake_gs_set(VMCS_GUEST_LINEAR_ADDR, 0xfee000b0);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "cannot be read"));
    assert_non_null(strstr(fake_fail_reason, "guest-physical 0xfee000b0"));
    assert_true(not_skipped());
}

/* WRMSR IA32_APIC_BASE moves the vCPU's xAPIC page: EPT violations there
 * reach the emulator (here it stops at the unreadable instruction, naming
 * the address, instead of "outside RAM and MMIO"); a base past MAXPHYADDR
 * is #GP; over RAM (which EPT maps for every vCPU alike) the VM stops. */
static void test_apic_base_moved_by_wrmsr(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_everything;   /* no leaf 0x80000008: MAXPHYADDR 36 */
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfed40000ULL | APIC_BASE_ENABLE | (1ULL << 36));
    assert_injected(VEC_GP, true);
    wrmsr_value(MSR_IA32_APIC_BASE, 0xfed40000ULL | APIC_BASE_ENABLE);
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_APIC_BASE), 0xfed40000ULL | APIC_BASE_BSP | APIC_BASE_ENABLE);
    assert_int_equal(vplatform_mmio_read(vcpu.plat, 0, 0xfed40030, 4, 0) & 0xff, 0x14); /* version */
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0xfed40030);
    fake_gs_set(VMCS_GUEST_LINEAR_ADDR, 0xfed40030);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION), EXIT_STOP);
    assert_non_null(strstr(fake_fail_reason, "cannot be read"));
    assert_non_null(strstr(fake_fail_reason, "guest-physical 0xfed40030"));

    setup(NULL);
    fake_host.cpuid = cpu_with_everything;
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    wrmsr_value(MSR_IA32_APIC_BASE, 0x200000ULL | APIC_BASE_ENABLE);
    assert_string_equal(fake_fail_reason, "vCPU 0 moved its local APIC to guest-physical 0x200000, "
                                          "over RAM or another device: not supported (RIP 0x1000)");
}

static void test_skip_ends_sti_blocking(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_STI | INTERRUPTIBILITY_NMI);
    run_exit(EXIT_PAUSE, 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_INTERRUPTIBILITY), INTERRUPTIBILITY_NMI);
}

/* An instruction the monitor completes ends as the CPU's own would: a
 * single-step trap with TF (not with BTF), RF cleared, EIP wrapped at 4 GiB
 * outside 64-bit mode. */
static void test_completed_instruction_traps_and_wraps(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_TF | RFLAGS_RF | 0x2);
    run_exit(EXIT_CPUID, 0);
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), VEC_DB | INTR_TYPE_HW_EXC | INTR_INFO_VALID);
    assert_int_equal(fake_host.dr6, DR6_BS);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RFLAGS), RFLAGS_TF | 0x2);

    /* With BTF, TF steps over branches only: no trap after CPUID. */
    setup(NULL);
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_TF | 0x2);
    fake_gs_set(VMCS_GUEST_DEBUGCTL, DEBUGCTL_BTF);
    run_exit(EXIT_CPUID, 0);
    assert_true(skipped());
    assert_nothing_injected();
    assert_int_equal(fake_host.dr6, 0);

    /* HLT with TF: the trap is a debug exception, which ends the halt at
     * once, interrupts off or on. */
    setup(NULL);
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_TF | 0x2);
    assert_int_equal(run_exit(EXIT_HLT, 0), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), VEC_DB | INTR_TYPE_HW_EXC | INTR_INFO_VALID);

    /* Without TF: RF cleared, nothing raised. */
    setup(NULL);
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_RF | 0x2);
    run_exit(EXIT_CPUID, 0);
    assert_nothing_injected();
    assert_int_equal(fake_gs_get(VMCS_GUEST_RFLAGS), 0x2);

    /* EIP wraps in 32-bit code, RIP does not in 64-bit code. */
    setup(NULL);
    fake_gs_set(VMCS_GUEST_RIP, 0xfffffffeULL);
    run_exit(EXIT_CPUID, 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 1);
    setup(NULL);
    fake_gs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xa09b);
    fake_gs_set(VMCS_GUEST_RIP, 0xfffffffeULL);
    run_exit(EXIT_CPUID, 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x100000001ULL);
}

/* INS at CPL 3 into a read-only user page: the CPU never checked its
 * destination (the exit comes first), so the monitor refuses it as the CPU
 * would, a #PF with P, W and U set; the page stays untouched. */
static void test_ins_checks_the_page_rights(void **state)
{
    (void)state;
    vm.mem.ram.gpa = fake_gpa_create(256);
    uint32_t pde0 = 0x13000 | 3, pde1 = 0x11000 | 7, code = 0x1000 | 3, ro = 0x12000 | 5;
    memcpy(guest_bytes(0x10000), &pde0, 4);          /* 0-4 MiB: supervisor */
    memcpy(guest_bytes(0x10004), &pde1, 4);          /* 4-8 MiB: user */
    memcpy(guest_bytes(0x13000 + 4), &code, 4);      /* 0x1000 -> 0x1000 */
    memcpy(guest_bytes(0x11000), &ro, 4);            /* 0x400000 -> 0x12000, read-only */
    static const uint8_t insb[] = { 0x6c };
    string_insn(insb, 1);
    guest_bytes(0x12000)[0] = 0x5a;
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_PG | CR0_WP | CR0_ET | CR0_NE);
    fake_gs_set(VMCS_GUEST_CR3, 0x10000);
    fake_gs_set(VMCS_SEG_AR(SEG_SS), 0xc0f3);          /* DPL 3 */
    vcpu.regs.gpr[REG_RDI] = 0x400000;
    vcpu.regs.gpr[REG_RDX] = 0x80;
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x80, 1, true) | 16), EXIT_CONTINUE);
    assert_injected(VEC_PF, true);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_EXC_ERR), PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER);
    assert_int_equal(vcpu.regs.cr2, 0x400000);
    assert_int_equal(guest_bytes(0x12000)[0], 0x5a);
    /* Made writable: the byte goes in, and the entry is accessed and dirty. */
    ro |= 2;
    memcpy(guest_bytes(0x11000), &ro, 4);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RFLAGS, 0x2);
    assert_int_equal(run_exit(EXIT_IO, IO_QUAL(0x80, 1, true) | 16), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), RIP0 + 1);   /* past the one-byte INSB */
    assert_int_equal(guest_bytes(0x12000)[0], 0xff);   /* port 0x80 reads all ones */
    uint32_t pte;
    memcpy(&pte, guest_bytes(0x11000), 4);
    assert_int_equal(pte, ro | 0x60);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* An IN the monitor carries out hits an I/O breakpoint (CR4.DE, R/W 10b):
 * a #DB trap after it, DR6.B0; without CR4.DE nothing. */
static void test_in_hits_an_io_breakpoint(void **state)
{
    (void)state;
    fake_host.dr[0] = 0x3fd;
    fake_gs_set(VMCS_GUEST_DR7, 0x400 | 1 | (2u << 16));
    fake_gs_set(VMCS_GUEST_CR4, CR4_DE);
    run_exit(EXIT_IO, (0x3fdULL << 16) | 8);            /* in al, dx */
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), VEC_DB | INTR_TYPE_HW_EXC | INTR_INFO_VALID);
    assert_int_equal(fake_host.dr6, 1);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    run_exit(EXIT_IO, (0x3fcULL << 16) | 8);            /* another port */
    assert_nothing_injected();
    fake_gs_set(VMCS_GUEST_CR4, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    run_exit(EXIT_IO, (0x3fdULL << 16) | 8);
    assert_nothing_injected();

    /* REP OUTSB to a watched port traps after each iteration: one byte
     * moves, RIP stays on the REP (it goes on after the handler). */
    setup(NULL);
    vm.mem.ram.gpa = fake_gpa_create(256);
    static const uint8_t rep_outsb[] = { 0xf3, 0x6e };
    string_insn(rep_outsb, 2);
    guest_bytes(0x20000)[0] = 0;
    fake_host.dr[1] = 0x80;
    fake_gs_set(VMCS_GUEST_DR7, 0x400 | (2u << 2) | (2u << 20));   /* G1, I/O */
    fake_gs_set(VMCS_GUEST_CR4, CR4_DE);
    vcpu.regs.gpr[REG_RSI] = 0x20000;
    vcpu.regs.gpr[REG_RCX] = 3;
    vcpu.regs.gpr[REG_RDX] = 0x80;
    run_exit(EXIT_IO, IO_QUAL(0x80, 1, false) | 16 | 32);
    assert_true(not_skipped());
    assert_int_equal(vcpu.regs.gpr[REG_RCX], 2);
    assert_int_equal(vcpu.regs.gpr[REG_RSI], 0x20001);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), VEC_DB | INTR_TYPE_HW_EXC | INTR_INFO_VALID);
    assert_int_equal(fake_host.dr6, 2);
    fake_gpa_destroy(vm.mem.ram.gpa);
}

/* IA32_DEBUGCTL is the VMCS's (the debug controls load and save it): BTF is
 * kept, bits for features CPUID does not offer are #GP. */
static void test_debugctl_kept_in_the_vmcs(void **state)
{
    (void)state;
    wrmsr_value(MSR_IA32_DEBUGCTL, DEBUGCTL_BTF);
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_GUEST_DEBUGCTL), DEBUGCTL_BTF);
    assert_int_equal(rdmsr_value(MSR_IA32_DEBUGCTL), DEBUGCTL_BTF);
    wrmsr_value(MSR_IA32_DEBUGCTL, DEBUGCTL_LBR | DEBUGCTL_BTF);  /* every VT-x CPU's */
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_DEBUGCTL), DEBUGCTL_LBR | DEBUGCTL_BTF);
    wrmsr_value(MSR_IA32_DEBUGCTL, 1ULL << 2);  /* bus-lock detection: not offered */
    assert_injected(VEC_GP, true);
    assert_int_equal(fake_gs_get(VMCS_GUEST_DEBUGCTL), DEBUGCTL_LBR | DEBUGCTL_BTF);
    /* RTM debugging: a #GP on a CPU without RTM, kept on one with it. */
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    wrmsr_value(MSR_IA32_DEBUGCTL, DEBUGCTL_RTM);
    assert_injected(VEC_GP, true);
    fake_gs_set(VMCS_ENTRY_INTR_INFO, 0);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    fake_host.cpuid = cpu_with_everything;      /* leaf 7 shows RTM */
    assert_true(cpuid_reg(7, 0, REG_RBX) & CPUID7_EBX_RTM);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    wrmsr_value(MSR_IA32_DEBUGCTL, DEBUGCTL_RTM | DEBUGCTL_BTF);
    assert_true(skipped());
    assert_int_equal(fake_gs_get(VMCS_GUEST_DEBUGCTL), DEBUGCTL_RTM | DEBUGCTL_BTF);
}

/* IA32_TSC_ADJUST (SDM 17.17.3): offered with the board and TSC offsetting;
 * a write moves the TSC by the change, a TSC write adds its change to it. */
static void test_tsc_adjust(void **state)
{
    (void)state;
    fake_host.cpuid = cpu_with_everything;
    fake_host.vmx_proc = PROC_TSC_OFFSETTING;
    vcpu.plat = vplatform_attach(&vm, 1, 0, 0, 1000000);
    assert_non_null(vcpu.plat);
    assert_true(cpuid_reg(7, 0, REG_RBX) & CPUID7_EBX_TSC_ADJUST);
    fake_host.tsc = 1000;
    assert_int_equal(rdmsr_value(MSR_IA32_TSC_ADJUST), 0);
    wrmsr_value(MSR_IA32_TSC_ADJUST, 5000);
    assert_true(skipped());
    assert_int_equal(rdmsr_value(MSR_IA32_TSC), 6000);
    assert_int_equal(rdmsr_value(MSR_IA32_TSC_ADJUST), 5000);
    assert_int_equal(vcpu.plat->tsc_offset, 5000);    /* for the other vCPUs too */
    wrmsr_value(MSR_IA32_TSC, 1000);                  /* back by 5000 */
    assert_int_equal(rdmsr_value(MSR_IA32_TSC_ADJUST), 0);
    assert_int_equal(fake_gs_get(VMCS_TSC_OFFSET), 0);
    wrmsr_value(MSR_IA32_TSC_ADJUST, (uint64_t)-400);  /* backwards */
    assert_int_equal(rdmsr_value(MSR_IA32_TSC), 600);
    /* Without TSC offsetting it is not there: hidden, and #GP. */
    fake_host.vmx_proc = 0;
    assert_false(cpuid_reg(7, 0, REG_RBX) & CPUID7_EBX_TSC_ADJUST);
    rdmsr_faults(MSR_IA32_TSC_ADJUST);
}

/* An NMI whose delivery was cut short by an exit is queued again with
 * blocking by NMI cleared, or the VM entry would fail. */
static void test_interrupted_nmi_is_queued_unblocked(void **state)
{
    (void)state;
    uint32_t nmi = VEC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID;
    fake_gs_set(VMCS_IDT_VECT_INFO, nmi);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
    fake_gs_set(VMCS_GUEST_PHYS_ADDR, 0x205000);
    assert_int_equal(run_exit(EXIT_EPT_VIOLATION, EPT_QUAL_WRITE), EXIT_CONTINUE);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), nmi);
    assert_int_equal(fake_gs_get(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_NMI, 0);
}

/* ---- PAUSE (VMs of several vCPUs exit on PAUSE loops) ------------------------ */
/* A vCPU spinning in a PAUSE loop waits for another CPU; here the vCPU it
 * waits for can run only once this one stops, so it gives its slice's rest
 * to a sibling that can run, and spins on when none can. */
static void test_pause_loop_gives_the_cpu_to_a_sibling(void **state)
{
    (void)state;
    static struct vcpu sibling;
    vm.nvcpus = 2;
    vm.vcpu[0] = &vcpu;
    vm.vcpu[1] = &sibling;
    vm.vcpu_state[1] = VCPU_SLEEPING;               /* in HLT: not the one it waits for */
    assert_int_equal(run_exit(EXIT_PAUSE, 0), EXIT_CONTINUE);
    assert_true(skipped());
    assert_int_equal(vcpu_handoff_take(&vm), -1);
    fake_gs_set(VMCS_GUEST_RIP, RIP0);
    vm.vcpu_state[1] = VCPU_RUNNABLE;               /* preempted: maybe the lock holder */
    assert_int_equal(run_exit(EXIT_PAUSE, 0), EXIT_YIELD);
    assert_true(skipped());
    assert_int_equal(vcpu_handoff_take(&vm), 1);
    assert_int_equal(vm.stats.handoffs_spin, 1);
    vm.vcpu[0] = vm.vcpu[1] = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_last_exit_recorded, setup),
        cmocka_unit_test_setup(test_cpuid_hides_and_signs, setup),
        cmocka_unit_test_setup(test_pause_loop_gives_the_cpu_to_a_sibling, setup),
        cmocka_unit_test_setup(test_cpuid_xsave_leaf_offers_what_xsetbv_takes, setup),
        cmocka_unit_test_setup(test_cpuid_xsave_area_size_counts_offered_components, setup),
        cmocka_unit_test_setup(test_cpuid_tells_the_truth, setup),
        cmocka_unit_test_setup(test_msrs_behind_cpuid, setup),
        cmocka_unit_test_setup(test_misc_enable_kept_and_acting, setup),
        cmocka_unit_test_setup(test_rdmsr_emulated_and_live, setup),
        cmocka_unit_test_setup(test_unknown_msr_is_gp_logged_once, setup),
        cmocka_unit_test_setup(test_wrmsr_checked_as_a_cpu_would, setup),
        cmocka_unit_test_setup(test_cr4_write_refused_and_accepted, setup),
        cmocka_unit_test_setup(test_cr4_bits_follow_the_guests_cpuid, setup),
        cmocka_unit_test_setup(test_cr8_is_the_vm_task_priority, setup),
        cmocka_unit_test_setup(test_task_switch_exit, setup),
        cmocka_unit_test_setup(test_cpuid_leaves_out_of_range_and_unknown, setup),
        cmocka_unit_test_setup(test_task_switch_waits_for_a_paged_out_page, setup),
        cmocka_unit_test_setup(test_stop_prints_the_vcpu_state, setup),
        cmocka_unit_test_setup(test_task_switch_pf_after_commit_is_the_new_tasks, setup),
        cmocka_unit_test_setup(test_cr0_paging_with_lme_enters_long_mode, setup),
        cmocka_unit_test_setup(test_cr3_moves_rsp_clts_lmsw, setup),
        cmocka_unit_test_setup(test_pae_paging_loads_pdptes, setup),
        cmocka_unit_test_setup(test_vmcall_is_a_kvm_hypercall, setup),
        cmocka_unit_test_setup(test_cr3_exit_pcid_no_flush_and_reserved_bits, setup),
        cmocka_unit_test_setup(test_cr_writes_and_invlpg_drop_translations, setup),
        cmocka_unit_test_setup(test_io_unknown_port_and_exit_port, setup),
        cmocka_unit_test_setup(test_io_string_ins_outs, setup),
        cmocka_unit_test_setup(test_ept_violation_ram_outside_and_out_of_memory, setup),
        cmocka_unit_test_setup(test_unknown_memory_reads_all_ones, setup),
        cmocka_unit_test_setup(test_mmio_divide_error_is_the_guests, setup),
        cmocka_unit_test_setup(test_mmio_movs_reaches_memory, setup),
        cmocka_unit_test_setup(test_hpet_mmio_exits, setup),
        cmocka_unit_test_setup(test_backdoor_port, setup),
        cmocka_unit_test_setup(test_backdoor_past_the_io_permission_gp, setup),
        cmocka_unit_test_setup(test_guestrpc_through_the_backdoor, setup),
        cmocka_unit_test_setup(test_intercepted_gp_during_delivery, setup),
        cmocka_unit_test_setup(test_bios_area_read_as_rom, setup),
        cmocka_unit_test_setup(test_interrupted_event_is_delivered_again, setup),
        cmocka_unit_test_setup(test_ept_violation_after_iret_blocks_nmi, setup),
        cmocka_unit_test_setup(test_xsetbv, setup),
        cmocka_unit_test_setup(test_small_handlers, setup),
        cmocka_unit_test_setup(test_skip_ends_sti_blocking, setup),
        cmocka_unit_test_setup(test_apic_msrs_and_cpuid, setup),
        cmocka_unit_test_setup(test_tsc_aux, setup),
        cmocka_unit_test_setup(test_apic_mmio_exits, setup),
        cmocka_unit_test_setup(test_apic_base_moved_by_wrmsr, setup),
        cmocka_unit_test_setup(test_hlt_sleeps_or_halts, setup),
        cmocka_unit_test_setup(test_completed_instruction_traps_and_wraps, setup),
        cmocka_unit_test_setup(test_debugctl_kept_in_the_vmcs, setup),
        cmocka_unit_test_setup(test_tsc_adjust, setup),
        cmocka_unit_test_setup(test_in_hits_an_io_breakpoint, setup),
        cmocka_unit_test_setup(test_ins_checks_the_page_rights, setup),
        cmocka_unit_test_setup(test_event_delivery_through_a_device_page_stops, setup),
        cmocka_unit_test_setup(test_interrupted_nmi_is_queued_unblocked, setup),
    };
    /* io_ports.c keeps its per-VM "logged once" set on the heap. */
    fake_plat_arena_init(256);
    page_alloc_init_flat(256);
    heap_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
