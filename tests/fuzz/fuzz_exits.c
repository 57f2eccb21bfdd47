/* libFuzzer: the whole VM-exit dispatcher (vmm/exit_dispatch.c and every
 * handler behind it) under a hostile guest: any guest state, any exit a
 * guest can cause, in any order, against the PC board (vplatform), 64 KiB
 * of guest RAM with paging structures the input writes, and the host CPU a
 * fake (tests/fake/guest_state_fake.c). Checks: no crash, no ASan or UBSan
 * report; a handler that stops the VM has said why (vm_fail), and once
 * stopped no further exit is made.
 *
 * Input: one byte of host (bit 0: a CPU with every CPUID feature, bit 1:
 * the board attached, bit 2: two vCPUs on it, bit 3: VMware's backdoor
 * restricted to CPL 0, bit 4: its pseudo counters, bit 5: an HPET), then steps of one opcode
 * byte: 0 sets a guest-state field (a byte choosing it, 8 bytes of value),
 * 1 a general register (a byte, 8 bytes), 2 writes guest RAM (2 bytes of
 * address, a byte of length, the bytes), 3 makes an exit (a byte choosing
 * the reason, 8 bytes of qualification), at most 32 exits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/vmmem_poll.h"
#include "vmm/io_ports.h"
#include "vmm/vplatform.h"
#include "kernel/vm.h"
#include "kernel/vcpu_handoff.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/cpuid.h"
#include "include/hv/x86/msr.h"
#include "tests/fake/vm_fail_fake.h"
#include "tests/fake/vm_exit_fake.h"
#include "tests/fake/guest_state_fake.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/fake_gpa.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"

#define RAM_PAGES 16u
#define MAX_EXITS 32u

static struct vm vm;
static struct vcpu vcpu;

/* ---- guest RAM as the handlers reach it (the VM's other services are
 * tests/fake/vm_exit_fake.c's) ---------------------------------------------- */
/* The RAM fault path: a page of RAM is backed (zeroed), as a first touch. */
enum exit_action vmmem_ram_fault(struct vcpu *v, uint64_t gpa)
{
    struct plat_vm *g = v->vm->mem.ram.gpa;
    if (gpa >= v->vm->mem.ram.ram_bytes)
        abort();                    /* the callers ask only for RAM */
    if (plat_gpa_lookup(g, gpa >> PAGE_SHIFT) == INVALID_MPN) {
        mpn_t m = page_alloc_zeroed(OWNER_TEST);
        if (m == INVALID_MPN || !plat_gpa_map(g, gpa >> PAGE_SHIFT, m, PLAT_GPA_RWX))
            abort();
    }
    return EXIT_CONTINUE;
}

void vmmem_poll_point(struct vcpu *v) { (void)v; }

/* ---- the host ------------------------------------------------------------- */
static struct host_cpuid cpu_with_everything(uint32_t leaf, uint32_t sub)
{
    (void)sub;
    if (leaf == 0)
        return (struct host_cpuid){ 0x23, 0x756e6547, 0x6c65746e, 0x49656e69 };
    if (leaf == 0x80000000u)
        return (struct host_cpuid){ 0x80000008u, 0, 0, 0 };
    if (leaf == 0xd)
        return (struct host_cpuid){ 0x2e7, 0xa88, 0xa88, 0 };
    if (leaf == 0x80000008u)
        return (struct host_cpuid){ 0x3027, 0, 0, 0 };
    return (struct host_cpuid){ 0xffffffffu, 0xffffffffu, 0xffffffffu & ~(1u << 31),
                                0xffffffffu };
}

/* ---- the input ------------------------------------------------------------ */
struct input {
    const uint8_t *p;
    size_t n;
};

static bool take(struct input *in, void *out, size_t len)
{
    if (in->n < len)
        return false;
    memcpy(out, in->p, len);
    in->p += len;
    in->n -= len;
    return true;
}

/* Guest state a guest shapes (its registers, descriptor tables, control
 * registers) and what the CPU reports of an exit. */
static const uint32_t fields[] = {
    VMCS_GUEST_RIP, VMCS_GUEST_RSP, VMCS_GUEST_RFLAGS, VMCS_GUEST_CR0, VMCS_GUEST_CR3,
    VMCS_GUEST_CR4, VMCS_GUEST_EFER, VMCS_CR0_SHADOW, VMCS_CR4_SHADOW, VMCS_GUEST_DR7,
    VMCS_GUEST_DEBUGCTL, VMCS_GUEST_INTERRUPTIBILITY, VMCS_GUEST_ACTIVITY,
    VMCS_GUEST_PENDING_DBG, VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT,
    VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT, VMCS_GUEST_PAT, VMCS_GUEST_SYSENTER_CS,
    VMCS_EXIT_INSN_LEN, VMCS_EXIT_INSN_INFO, VMCS_IDT_VECT_INFO, VMCS_IDT_VECT_ERR,
    VMCS_EXIT_INTR_INFO, VMCS_EXIT_INTR_ERR, VMCS_GUEST_PHYS_ADDR, VMCS_GUEST_LINEAR_ADDR,
    VMCS_ENTRY_INTR_INFO,
    VMCS_SEG_SEL(SEG_CS), VMCS_SEG_BASE(SEG_CS), VMCS_SEG_LIMIT(SEG_CS), VMCS_SEG_AR(SEG_CS),
    VMCS_SEG_SEL(SEG_SS), VMCS_SEG_BASE(SEG_SS), VMCS_SEG_LIMIT(SEG_SS), VMCS_SEG_AR(SEG_SS),
    VMCS_SEG_SEL(SEG_DS), VMCS_SEG_BASE(SEG_DS), VMCS_SEG_LIMIT(SEG_DS), VMCS_SEG_AR(SEG_DS),
    VMCS_SEG_SEL(SEG_ES), VMCS_SEG_BASE(SEG_ES), VMCS_SEG_LIMIT(SEG_ES), VMCS_SEG_AR(SEG_ES),
    VMCS_SEG_SEL(SEG_TR), VMCS_SEG_BASE(SEG_TR), VMCS_SEG_LIMIT(SEG_TR), VMCS_SEG_AR(SEG_TR),
    VMCS_SEG_SEL(SEG_LDTR), VMCS_SEG_BASE(SEG_LDTR), VMCS_SEG_LIMIT(SEG_LDTR),
    VMCS_SEG_AR(SEG_LDTR),
};

/* Exits a guest can cause with the controls the monitor sets, and those a
 * CPU forces where it lacks the TRUE controls. */
static const uint32_t reasons[] = {
    EXIT_EXCEPTION_NMI, EXIT_EXTERNAL_INTR, EXIT_TRIPLE_FAULT, EXIT_INIT, EXIT_SIPI,
    EXIT_INTR_WINDOW, EXIT_NMI_WINDOW, EXIT_TASK_SWITCH, EXIT_CPUID, EXIT_GETSEC, EXIT_HLT,
    EXIT_INVLPG, EXIT_RDPMC, EXIT_RDTSC, EXIT_VMCALL, EXIT_VMCLEAR, EXIT_VMXON, EXIT_CR_ACCESS,
    EXIT_DR_ACCESS, EXIT_IO, EXIT_RDMSR, EXIT_WRMSR, EXIT_MWAIT, EXIT_MONITOR, EXIT_PAUSE,
    EXIT_EPT_VIOLATION, EXIT_EPT_MISCONFIG, EXIT_INVEPT, EXIT_RDTSCP, EXIT_PREEMPT_TIMER,
    EXIT_INVVPID, EXIT_WBINVD, EXIT_XSETBV, EXIT_INVPCID, EXIT_ENCLS, EXIT_XSAVES,
    EXIT_SEAMCALL, EXIT_TDCALL, EXIT_ENCLV,
    EXIT_INVALID_GUEST_STATE | EXIT_REASON_ENTRY_FAIL,
};

static void setup(uint8_t host)
{
    fake_gs_reset();
    memset(&vm, 0, sizeof vm);
    memset(&vcpu, 0, sizeof vcpu);
    strcpy(vm.name, "f");
    strcpy(vm.cfg.unknown_port, "ignore");
    vm.state = VM_STATE_RUNNING;
    vm.mem.ram.ram_bytes = RAM_PAGES * PAGE_SIZE;
    vm.mem.ram.gpa = fake_gpa_create(RAM_PAGES);
    char why[80];
    if (!io_attach_pc_devices(&vm, why, sizeof why))
        abort();
    vcpu.vm = &vm;
    vcpu.misc_enable = MISC_ENABLE_RESET;
    fake_vm_fail_reset();
    if (host & 1) {
        fake_host.cpuid = cpu_with_everything;
        fake_host.xcr0_offered = 0x2e7;
        fake_host.vmx_proc2 = PROC2_RDTSCP | PROC2_INVPCID;
    }
    vm.cfg.restrict_backdoor = host & 8;
    vm.cfg.pseudo_perfctr = host & 16;
    vm.cfg.hpet_present = host & 32;
    if (host & 2) {
        vcpu.plat = vplatform_attach(&vm, (host & 4) ? 2 : 1, 0, 0, 1000000);
        if (!vcpu.plat)
            abort();
    }
    fake_gs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
    fake_gs_set(VMCS_CR0_MASK, CR0_NE);
    fake_gs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET | CR0_NE);
    fake_gs_set(VMCS_CR4_MASK, CR4_VMXE | CR4_SMXE);
    fake_gs_set(VMCS_SEG_AR(SEG_CS), 0xc09b);
    fake_gs_set(VMCS_SEG_LIMIT(SEG_CS), 0xffffffff);
}

static void teardown(void)
{
    struct plat_vm *g = vm.mem.ram.gpa;
    for (ppn_t p = 0; p < RAM_PAGES; p++) {
        mpn_t m = plat_gpa_lookup(g, p);
        if (m != INVALID_MPN)
            page_free(m);
    }
    fake_gpa_destroy(g);
    vm_devices_destroy(&vm.devices);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        fake_plat_arena_init(256);
        page_alloc_init_flat(256);
        heap_init();
        ready = true;
    }
    struct input in = { data, size };
    uint8_t host = 0;
    take(&in, &host, 1);
    setup(host);
    unsigned exits = 0;
    uint8_t op, pick, len;
    uint64_t value;
    uint16_t at;
    while (exits < MAX_EXITS && take(&in, &op, 1)) {
        switch (op & 3) {
        case 0:
            if (take(&in, &pick, 1) && take(&in, &value, 8))
                fake_gs_set(fields[pick % (sizeof fields / sizeof fields[0])], value);
            break;
        case 1:
            if (take(&in, &pick, 1) && take(&in, &value, 8))
                vcpu.regs.gpr[pick % 16] = value;
            break;
        case 2: {
            if (!take(&in, &at, 2) || !take(&in, &len, 1))
                break;
            uint64_t gpa = at % (RAM_PAGES * PAGE_SIZE);
            if (vmmem_ram_fault(&vcpu, gpa & ~(uint64_t)(PAGE_SIZE - 1)) != EXIT_CONTINUE)
                abort();
            uint8_t *page = plat_mpn_to_va(plat_gpa_lookup(vm.mem.ram.gpa, gpa >> PAGE_SHIFT));
            size_t room = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
            size_t n = len < room ? len : room;
            n = n < in.n ? n : in.n;
            take(&in, page + (gpa & (PAGE_SIZE - 1)), n);
            break;
        }
        default: {
            if (!take(&in, &pick, 1) || !take(&in, &value, 8))
                break;
            fake_gs_set(VMCS_EXIT_QUAL, value);
            enum exit_action a =
                vmm_handle_exit(&vcpu, reasons[pick % (sizeof reasons / sizeof reasons[0])]);
            exits++;
            /* A stop names its reason, and nothing runs after it. */
            if (a == EXIT_STOP && vm.state == VM_STATE_RUNNING && fake_fail_reason[0] == '\0')
                abort();
            if (a == EXIT_STOP || vm.state != VM_STATE_RUNNING)
                exits = MAX_EXITS;
            break;
        }
        }
    }
    teardown();
    return 0;
}
