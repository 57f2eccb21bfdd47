/* Control-register accesses (exit qualification: Intel SDM vol. 3, table
 * 28-3). Only writes that change a bit we own (those VMX pins, and NE)
 * exit; the guest reads the shadow of what it wrote there. PE, PG and the
 * rest are the guest's own: with unrestricted guest and EPT the CPU handles
 * paging and long-mode switches itself, and every VM exit saves EFER.LMA
 * into the "IA-32e mode guest" entry control. When a write does exit and
 * also turns paging on with EFER.LME set, we do that switch here. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/monitor.h"
#include "kernel/vm.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/vmx.h"

#include "vmm/guest_rules.h"
#include "include/hv/x86/regs.h"
#include "arch/x86_64/cpu.h"

uint64_t *guest_gpr(struct guest_regs *r, unsigned index)
{
    switch (index & 15) {
    case 0: return &r->rax;
    case 1: return &r->rcx;
    case 2: return &r->rdx;
    case 3: return &r->rbx;
    case 5: return &r->rbp;
    case 6: return &r->rsi;
    case 7: return &r->rdi;
    case 8: return &r->r8;
    case 9: return &r->r9;
    case 10: return &r->r10;
    case 11: return &r->r11;
    case 12: return &r->r12;
    case 13: return &r->r13;
    case 14: return &r->r14;
    default: return &r->r15; /* 15; 4 (RSP) is handled by the callers */
    }
}

static uint64_t read_gpr(struct vcpu *v, unsigned index)
{
    return index == 4 ? vmread(VMCS_GUEST_RSP) : *guest_gpr(&v->regs, index);
}

static void write_gpr(struct vcpu *v, unsigned index, uint64_t val)
{
    if (index == 4)
        vmwrite(VMCS_GUEST_RSP, val);
    else
        *guest_gpr(&v->regs, index) = val;
}

/* What the guest believes a CR holds: bits we own come from the shadow,
 * the rest (PE, PG, EM, MP, TS...) are live in the VMCS, since writes to
 * them do not exit. */
static uint64_t guest_view(uint32_t live, uint32_t mask, uint32_t shadow)
{
    uint64_t m = vmread(mask);
    return (vmread(live) & ~m) | (vmread(shadow) & m);
}

static uint64_t guest_cr0(void)
{
    return guest_view(VMCS_GUEST_CR0, VMCS_CR0_MASK, VMCS_CR0_SHADOW);
}

/* EFER bits the guest's CPUID offers (leaf 0x80000001 EDX: SYSCALL, NX, LM;
 * the monitor passes those bits through unchanged). */
static uint64_t efer_offered(void)
{
    static uint64_t offered;
    if (!offered) {
        uint32_t edx = cpuid(0x80000001u, 0).edx;
        offered = ((edx >> 11) & 1 ? EFER_SCE : 0) | ((edx >> 20) & 1 ? EFER_NXE : 0) |
                  ((edx >> 29) & 1 ? EFER_LME : 0) | EFER_LMA;
    }
    return offered;
}

void vcpu_cr_state(struct cr_state *s)
{
    s->cr0 = guest_cr0();
    s->cr3 = vmread(VMCS_GUEST_CR3);
    s->cr4 = guest_view(VMCS_GUEST_CR4, VMCS_CR4_MASK, VMCS_CR4_SHADOW);
    s->efer = vmread(VMCS_GUEST_EFER);
    s->cs_long = (vmread(VMCS_SEG_AR(SEG_CS)) >> 13) & 1;
    /* VMXE and SMXE: we offer neither VT-x nor SMX (CPUID hides them). */
    s->cr4_allowed = vmx_caps()->cr4_fixed1 & ~(CR4_VMXE | CR4_SMXE) & 0xffffffffULL;
    s->efer_allowed = efer_offered();
}

/* Every rule a CPU applies (guest_rules.c), then the write. PG turning on
 * with EFER.LME is the switch to long mode, done here when the write exits. */
static bool set_cr0(struct vcpu *v, uint64_t val)
{
    struct cr_state s;
    vcpu_cr_state(&s);
    if (cr0_refusal(&s, val))
        return false;
    uint64_t efer = s.efer;
    uint32_t entry = (uint32_t)vmread(VMCS_ENTRY_CTLS);
    bool was_pg = s.cr0 & CR0_PG, pg = val & CR0_PG;
    if (pg && !was_pg && (efer & EFER_LME)) {
        efer |= EFER_LMA;
        entry |= ENTRY_IA32E_GUEST;
    } else if (!pg && was_pg && (efer & EFER_LMA)) {
        efer &= ~EFER_LMA;
        entry &= ~ENTRY_IA32E_GUEST;
    }
    vmwrite(VMCS_GUEST_EFER, efer);
    vmwrite(VMCS_ENTRY_CTLS, entry);
    v->cr0_shadow = val;
    vmwrite(VMCS_CR0_SHADOW, val);
    vmwrite(VMCS_GUEST_CR0, vcpu_real_cr0(val));
    return true;
}

static bool set_cr4(struct vcpu *v, uint64_t val)
{
    struct cr_state s;
    vcpu_cr_state(&s);
    if (cr4_refusal(&s, val))
        return false;
    v->cr4_shadow = val;
    vmwrite(VMCS_CR4_SHADOW, val);
    vmwrite(VMCS_GUEST_CR4, vcpu_real_cr4(val));
    return true;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUAL);
    unsigned cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;
    bool ok = true;
    switch (type) {
    case 0: /* MOV to CR */
        if (cr == 0)
            ok = set_cr0(v, read_gpr(v, gpr));
        else if (cr == 4)
            ok = set_cr4(v, read_gpr(v, gpr));
        else if (cr == 3)
            vmwrite(VMCS_GUEST_CR3, read_gpr(v, gpr));
        else
            ok = false;
        break;
    case 1: /* MOV from CR (only CR3 can exit) */
        write_gpr(v, gpr, vmread(VMCS_GUEST_CR3));
        break;
    case 2: /* CLTS */
        ok = set_cr0(v, guest_cr0() & ~CR0_TS);
        break;
    case 3: { /* LMSW: the low four bits; PE cannot be cleared this way */
        uint64_t cur = guest_cr0();
        ok = set_cr0(v, (cur & ~0xfULL) | ((q >> 16) & 0xf) | (cur & CR0_PE));
        break;
    }
    }
    if (!ok) {
        vcpu_inject_exception(v, 13, true, 0);
        return EXIT_CONTINUE;
    }
    vcpu_skip_instruction();
    return EXIT_CONTINUE;
}
