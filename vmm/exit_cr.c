/* Control-register accesses (exit qualification: Intel SDM vol. 3, table
 * 28-3). Only writes that change a bit we own (those VMX pins, NE, SMXE)
 * exit; the guest reads the shadow of what it wrote there. PE, PG and the
 * rest are the guest's own: with unrestricted guest and EPT the CPU handles
 * paging and long-mode switches itself, and every VM exit saves EFER.LMA
 * into the "IA-32e mode guest" entry control. When a write does exit, the
 * whole value is checked as a CPU would (vmm/guest_rules.c), a write
 * that turns paging on with EFER.LME set switches to long mode here, and
 * one that leaves PAE paging on loads its page-directory-pointer entries,
 * as the CPU would have. MOV to CR3 exits only on a CPU whose VMX controls
 * cannot turn CR3 exits off (before the TRUE control MSRs); it is carried
 * out as the CPU does: PCID's no-flush bit, a flush of the vCPU's
 * translations otherwise, PAE's entries.
 *
 * MOV to and from CR8 always exit (64-bit mode only: elsewhere the CPU
 * raises #UD itself). CR8 is the VM's local APIC task priority, bits 7:4;
 * left to the CPU it would be the host's own (arch/x86_64/vmx.c). */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_rules.h"
#include "vmm/guest_linear.h"
#include "vmm/vplatform.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/cpuid.h"
#include "include/hv/x86/msr.h"

/* What the guest believes a CR holds: bits we own come from the shadow,
 * the rest (PE, PG, EM, MP, TS...) are live in the VMCS, since writes to
 * them do not exit. */
static uint64_t guest_view(struct vcpu *v, uint32_t live, uint32_t mask, uint32_t shadow)
{
    uint64_t m = gs_read(v, mask);
    return (gs_read(v, live) & ~m) | (gs_read(v, shadow) & m);
}

static uint64_t guest_cr0(struct vcpu *v)
{
    return guest_view(v, VMCS_GUEST_CR0, VMCS_CR0_MASK, VMCS_CR0_SHADOW);
}

/* EFER bits the guest's CPUID offers (leaf 0x80000001 EDX: SYSCALL, NX, LM;
 * the monitor passes those bits through unchanged, but hides NX while the
 * guest's IA32_MISC_ENABLE disables it). */
static uint64_t efer_offered(const struct vcpu *v)
{
    uint32_t edx = host_cpuid(0x80000001u, 0).edx;
    if (v->misc_enable & MISC_ENABLE_XD_OFF)
        edx &= ~CPUIDX1_EDX_NX;
    return (edx & CPUIDX1_EDX_SYSCALL ? EFER_SCE : 0) | (edx & CPUIDX1_EDX_NX ? EFER_NXE : 0) |
           (edx & CPUIDX1_EDX_LM ? EFER_LME : 0) | EFER_LMA;
}

void vcpu_cr_state(struct vcpu *v, struct cr_state *s)
{
    s->cr0 = guest_cr0(v);
    s->cr3 = gs_read(v, VMCS_GUEST_CR3);
    s->cr4 = guest_view(v, VMCS_GUEST_CR4, VMCS_CR4_MASK, VMCS_CR4_SHADOW);
    s->efer = gs_read(v, VMCS_GUEST_EFER);
    s->cs_long = (gs_read(v, VMCS_SEG_AR(SEG_CS)) >> 13) & 1;
    /* The CPU's bits whose features the guest's CPUID offers (never VMXE
     * or SMXE: VT-x and SMX are hidden). */
    s->cr4_allowed = host_cr4_fixed1() & guest_cr4_offered(v);
    s->efer_allowed = efer_offered(v);
}

/* A MOV to CR carried out: done, refused (#GP), or waiting for the page
 * holding PAE's entries to come back (the instruction runs again then). */
enum cr_write { CR_DONE, CR_GP, CR_WAIT };

/* PAE's entries for a MOV to CR0, CR3 or CR4 (vcpu_load_pdptes). */
static enum cr_write load_pdptes(struct vcpu *v, uint64_t cr3, enum exit_action *wait)
{
    struct guest_linear g;
    guest_linear_init(&g, v);
    bool reserved;
    enum gl_result r = vcpu_load_pdptes(v, &g, cr3, &reserved);
    if (r == GL_WAIT) {
        *wait = g.action;
        return CR_WAIT;
    }
    /* Outside RAM a PC reads all ones: present entries with reserved bits. */
    return r == GL_OK && !reserved ? CR_DONE : CR_GP;
}

static enum cr_write set_cr0(struct vcpu *v, uint64_t val, enum exit_action *wait)
{
    struct cr_state s;
    vcpu_cr_state(v, &s);
    if (cr0_refusal(&s, val))
        return CR_GP;
    uint64_t efer = s.efer;
    uint64_t entry = gs_read(v, VMCS_ENTRY_CTLS);
    bool was_pg = s.cr0 & CR0_PG, pg = val & CR0_PG;
    if (pg && !was_pg && (efer & EFER_LME)) {
        efer |= EFER_LMA;
        entry |= ENTRY_IA32E_GUEST;
    } else if (!pg && was_pg && (efer & EFER_LMA)) {
        efer &= ~EFER_LMA;
        entry &= ~(uint64_t)ENTRY_IA32E_GUEST;
    }
    if (pdptes_reloaded(&s, val, s.cr4, efer & EFER_LMA)) {
        enum cr_write r = load_pdptes(v, s.cr3, wait);
        if (r != CR_DONE)
            return r;
    }
    gs_write(v, VMCS_GUEST_EFER, efer);
    gs_write(v, VMCS_ENTRY_CTLS, entry);
    v->cr0_shadow = val;
    gs_write(v, VMCS_CR0_SHADOW, val);
    gs_write(v, VMCS_GUEST_CR0, vcpu_real_cr0(val));
    /* Paging turned off (the CPU then drops every translation, SDM vol. 3,
     * 4.10.4.1), on, or its rights changed (PE, WP): the write ran here, not
     * in the CPU, so its translations under the vCPU's VPID are dropped
     * here (more than the CPU must drop, which it may always do). */
    if ((val ^ s.cr0) & (CR0_PG | CR0_PE | CR0_WP))
        host_guest_tlb_flush();
    return CR_DONE;
}

static enum cr_write set_cr4(struct vcpu *v, uint64_t val, enum exit_action *wait)
{
    struct cr_state s;
    vcpu_cr_state(v, &s);
    if (cr4_refusal(&s, val))
        return CR_GP;
    if (pdptes_reloaded(&s, s.cr0, val, s.efer & EFER_LMA)) {
        enum cr_write r = load_pdptes(v, s.cr3, wait);
        if (r != CR_DONE)
            return r;
    }
    v->cr4_shadow = val;
    gs_write(v, VMCS_CR4_SHADOW, val);
    gs_write(v, VMCS_GUEST_CR4, vcpu_real_cr4(val));
    /* A change of PGE or PCIDE drops every translation (4.10.4.1); one of
     * the paging mode's or rights' bits changes what they would be. */
    if ((val ^ s.cr4) & (CR4_PGE | CR4_PCIDE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP |
                         CR4_PKE | CR4_LA57))
        host_guest_tlb_flush();
    return CR_DONE;
}

/* MOV to CR3 (SDM vol. 2, MOV to CR; vol. 3, 4.10.4.1): with CR4.PCIDE,
 * bit 63 asks to keep the PCID's translations and is not stored; in long
 * mode the bits from MAXPHYADDR up are reserved; otherwise the vCPU's
 * translations are flushed (all of them, globals too: more than the CPU
 * drops, never less). */
static enum cr_write set_cr3(struct vcpu *v, uint64_t val, enum exit_action *wait)
{
    struct cr_state s;
    vcpu_cr_state(v, &s);
    bool keep = (s.cr4 & CR4_PCIDE) && (val >> 63);
    if (s.cr4 & CR4_PCIDE)
        val &= ~(1ULL << 63);
    unsigned bits = guest_phys_bits();
    if ((s.efer & EFER_LMA) && bits < 64 && (val >> bits))
        return CR_GP;
    if (!(s.efer & EFER_LMA))
        val = (uint32_t)val;
    if ((s.cr0 & CR0_PG) && (s.cr4 & CR4_PAE) && !(s.efer & EFER_LMA)) {
        enum cr_write r = load_pdptes(v, val, wait);
        if (r != CR_DONE)
            return r;
    }
    gs_write(v, VMCS_GUEST_CR3, val);
    if (!keep)
        host_guest_tlb_flush();
    return CR_DONE;
}

/* MOV to CR8: bits 63:4 are reserved (#GP). Without a platform (the
 * hosted tests only) the value is checked and dropped. */
static bool set_cr8(struct vcpu *v, uint64_t val)
{
    if (val >> 4)
        return false;
    if (v->plat)
        vplatform_cr8_write(v->plat, v->id, val);
    return true;
}

static uint64_t get_cr8(const struct vcpu *v)
{
    return v->plat ? vplatform_cr8_read(v->plat, v->id) : 0;
}

enum exit_action exit_cr_access(struct vcpu *v, const struct exit_info *e)
{
    unsigned cr = e->qual & 15, type = (e->qual >> 4) & 3, gpr = (e->qual >> 8) & 15;
    enum cr_write r = CR_DONE;
    enum exit_action wait = EXIT_CONTINUE;
    switch (type) {
    case 0: /* MOV to CR */
        if (cr == 0)
            r = set_cr0(v, vcpu_gpr_read(v, gpr), &wait);
        else if (cr == 4)
            r = set_cr4(v, vcpu_gpr_read(v, gpr), &wait);
        else if (cr == 3)
            r = set_cr3(v, vcpu_gpr_read(v, gpr), &wait);
        else if (cr == 8)
            r = set_cr8(v, vcpu_gpr_read(v, gpr)) ? CR_DONE : CR_GP;
        else
            r = CR_GP;
        break;
    case 1: /* MOV from CR: only CR3 and CR8 can exit */
        vcpu_gpr_write(v, gpr, cr == 8 ? get_cr8(v) : gs_read(v, VMCS_GUEST_CR3));
        break;
    case 2: /* CLTS */
        r = set_cr0(v, guest_cr0(v) & ~CR0_TS, &wait);
        break;
    case 3: { /* LMSW: the low four bits; PE cannot be cleared this way */
        uint64_t cur = guest_cr0(v);
        r = set_cr0(v, (cur & ~0xfULL) | ((e->qual >> 16) & 0xf) | (cur & CR0_PE), &wait);
        break;
    }
    }
    if (r == CR_WAIT)
        return wait;    /* nothing changed: the instruction runs again */
    if (r == CR_GP) {
        vcpu_inject_exception(v, VEC_GP, true, 0);
        return EXIT_CONTINUE;
    }
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}
