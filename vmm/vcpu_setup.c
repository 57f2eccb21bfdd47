/* Creating a vCPU: its VMCS programmed with our controls, the host state the
 * CPU returns to on every exit, and the guest's first state (real mode or
 * flat 32-bit protected mode, per the loader). */
#include "vmm/vcpu.h"
#include "vmm/monitor.h"
#include "vmm/guest_state.h"
#include "vmm/vcpu_boot_state.h"
#include "vmm/vpid.h"
#include "vmm/exits.h"
#include "kernel/vm.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/ept.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/fpu.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "include/hv/x86/regs.h"


extern char vmx_exit[];


static void setup_host(void)
{
    vmwrite(VMCS_HOST_CR0, read_cr0());
    vmwrite(VMCS_HOST_CR3, read_cr3());
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_CS_SEL, SEL_KCODE);
    vmwrite(VMCS_HOST_SS_SEL, SEL_KDATA);
    vmwrite(VMCS_HOST_DS_SEL, SEL_KDATA);
    vmwrite(VMCS_HOST_ES_SEL, SEL_KDATA);
    vmwrite(VMCS_HOST_FS_SEL, 0);
    vmwrite(VMCS_HOST_GS_SEL, 0);
    vmwrite(VMCS_HOST_TR_SEL, SEL_TSS);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, 0);
    vmwrite(VMCS_HOST_TR_BASE, gdt_tss_base());
    vmwrite(VMCS_HOST_GDTR_BASE, gdt_base());
    vmwrite(VMCS_HOST_IDTR_BASE, idt_base());
    vmwrite(VMCS_HOST_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
    vmwrite(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
    vmwrite(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit);
}

/* The vCPU's own VPID (vmm/vpid.h), and none of the translations an
 * earlier vCPU of the same slot left tagged with it: VM entry does not
 * flush them (SDM vol. 3, 29.4.3.1). */
static void setup_vpid(const struct vm *vm, unsigned id)
{
    const struct vmx_caps *c = vmx_caps();
    if (!(c->proc2 & PROC2_VPID))
        return;
    vmwrite(VMCS_VPID, vcpu_vpid((unsigned)vm->id, id));
    host_guest_tlb_flush();
}

static void setup_controls(struct vcpu *v)
{
    const struct vm *vm = v->vm;
    const struct vmx_caps *c = vmx_caps();
    vmwrite(VMCS_PIN_CTLS, c->pin);
    /* A VM of several vCPUs exits when a vCPU spins (vmm/exit_dispatch.c,
     * exit_pause): PAUSE-loop exiting with KVM's default gap and window
     * (TSC ticks: PAUSEs at most 128 apart for 4096 ticks), or every PAUSE
     * where the CPU has only that. One vCPU has no sibling to wait for. */
    uint32_t proc = c->proc, proc2 = c->proc2;
    if (vm->cfg.numvcpus > 1 && c->pause_loop) {
        proc2 |= PROC2_PAUSE_LOOP;
        vmwrite(VMCS_PLE_GAP, 128);
        vmwrite(VMCS_PLE_WINDOW, 4096);
    } else if (vm->cfg.numvcpus > 1 && c->pause_exit) {
        proc |= PROC_PAUSE_EXIT;
    }
    vmwrite(VMCS_PROC_CTLS, proc);
    vmwrite(VMCS_PROC_CTLS2, proc2);
    /* Every ENCLS and ENCLV leaf exits (to a #UD, exit_dispatch.c). */
    if (proc2 & PROC2_ENCLS_EXIT)
        vmwrite(VMCS_ENCLS_EXITING_BITMAP, ~0ULL);
    if (proc2 & PROC2_ENCLV_EXIT)
        vmwrite(VMCS_ENCLV_EXITING_BITMAP, ~0ULL);
    vmwrite(VMCS_EXIT_CTLS, c->exit);
    vmwrite(VMCS_ENTRY_CTLS, c->entry);
    vmwrite(VMCS_EXCEPTION_BITMAP, vcpu_exception_bitmap(vm));
    vmwrite(VMCS_PF_ERR_MASK, 0);
    vmwrite(VMCS_PF_ERR_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_STORE_CNT, 0);
    vmwrite(VMCS_EXIT_MSR_LOAD_CNT, 0);
    vmwrite(VMCS_ENTRY_MSR_LOAD_CNT, 0);
    vmwrite(VMCS_ENTRY_INTR_INFO, 0);
    vmwrite(VMCS_IO_BITMAP_A, monitor_io_bitmap_a());
    vmwrite(VMCS_IO_BITMAP_B, monitor_io_bitmap_b());
    vmwrite(VMCS_MSR_BITMAP, monitor_msr_bitmap());
    vmwrite(VMCS_EPTP, vm->mem.ram.gpa->ept.eptp);
    vmwrite(VMCS_LINK_POINTER, ~0ULL);
    /* CR0/CR4 bits VMX pins are owned by us: the guest reads its shadow. */
    uint64_t cr0_owned = (c->cr0_fixed0 | ~c->cr0_fixed1) & ~(CR0_PE | CR0_PG) & 0xffffffffULL;
    /* And the bits of features the guest's CPUID hides (SMX, CET, PKS, LAM,
     * FRED...): setting one must #GP (the write exits and cr4_refusal says
     * no) even on a CPU that has the feature. */
    uint64_t cr4_owned = ((c->cr4_fixed0 | ~c->cr4_fixed1) & 0xffffffffULL) |
                         (c->cr4_fixed1 & ~guest_cr4_offered(v));
    vmwrite(VMCS_CR0_MASK, cr0_owned | CR0_NE);
    vmwrite(VMCS_CR4_MASK, cr4_owned);
}

/* The CR0 the CPU runs with for a guest that believes it wrote `shadow`. */
uint64_t vcpu_real_cr0(uint64_t shadow)
{
    const struct vmx_caps *c = vmx_caps();
    uint64_t fixed0 = c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
    return ((shadow | fixed0 | CR0_NE) & c->cr0_fixed1) | (shadow & (CR0_PE | CR0_PG));
}

uint64_t vcpu_real_cr4(uint64_t shadow)
{
    const struct vmx_caps *c = vmx_caps();
    return (shadow | c->cr4_fixed0) & c->cr4_fixed1;
}

bool vcpu_create(struct vm *vm, unsigned id, const struct guest_boot_state *boot,
                 struct vcpu **out, char *why, size_t whylen)
{
    struct vcpu *v = kzalloc(sizeof *v);
    if (!v) {
        ksnprintf(why, whylen, "no memory for vCPU %u", id);
        return false;
    }
    v->vm = vm;
    v->id = id;
    v->vmcs = page_alloc_zeroed(OWNER_VMCS);
    v->fpu = page_alloc_zeroed(OWNER_VMCS);
    if (v->vmcs == INVALID_MPN || v->fpu == INVALID_MPN) {
        vcpu_destroy(v);
        ksnprintf(why, whylen, "no memory for vCPU %u's VMCS", id);
        return false;
    }
    fpu_init_area(plat_mpn_to_va(v->fpu));
    v->fpu_valid = true;
    *(uint32_t *)plat_mpn_to_va(v->vmcs) = vmx_caps()->revision;
    uint64_t pa = v->vmcs << PAGE_SHIFT;
    if (!vmclear(pa) || !vmptrld(pa)) {
        vcpu_destroy(v);
        ksnprintf(why, whylen, "VMCLEAR/VMPTRLD of vCPU %u's VMCS failed", id);
        return false;
    }
    monitor_set_current(v);
    setup_controls(v);
    setup_vpid(vm, id);
    setup_host();
    vcpu_load_boot_state(v, boot);
    v->misc_enable = MISC_ENABLE_RESET; /* at power-on only: INIT keeps it */
    *out = v;
    return true;
}

void vcpu_destroy(struct vcpu *v)
{
    if (!v)
        return;
    monitor_forget(v);
    if (v->vmcs != INVALID_MPN && v->vmcs) {
        vmclear(v->vmcs << PAGE_SHIFT);
        page_free(v->vmcs);
    }
    if (v->fpu != INVALID_MPN && v->fpu)
        page_free(v->fpu);
    kfree(v);
}
