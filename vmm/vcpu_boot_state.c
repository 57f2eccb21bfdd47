/* A new vCPU's architectural state as its guest loader asked
 * (vmm/guest_loader.h, struct guest_boot_state): real mode, flat 32-bit
 * protected mode (with or without a GDT in guest memory), or 64-bit long mode
 * with the loader's page tables. Written through the guest-state accessor, so
 * every mode is checked on the host (tests/unit/test_vcpu_boot_state.c). */
#include "vmm/vcpu_boot_state.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "include/hv/x86/regs.h"
#include "lib/kstring.h"

/* Segment access rights (SDM vol. 3, 24.4.1): present, DPL 0, accessed. */
/* Real mode's CS as after reset or INIT (SDM vol. 3, table 9-1): present,
 * read/write, accessed; VM entry takes that type for CS with unrestricted
 * guest. As execute/read code (0x9b) a CS selector whose low bits are not 0
 * (a firmware's jump to a waking vector: CS = vector >> 4) was refused:
 * Bochs checks a non-conforming CS's DPL against the selector's RPL. */
#define AR_REAL_CS    0x93u
#define AR_DATA16     0x93u    /* read/write */
#define AR_CODE32     0xc09bu  /* D = 1, G = 1 */
#define AR_DATA32     0xc093u
#define AR_CODE64     0xa09bu  /* L = 1, D = 0, G = 1 */
#define AR_UNUSABLE   0x10000u
#define AR_TSS_BUSY   0x8bu    /* a busy 32/64-bit TSS, as at reset */

static void set_seg(struct vcpu *v, enum vmcs_seg s, uint16_t sel, uint64_t base, uint32_t limit,
                    uint32_t ar)
{
    gs_write(v, VMCS_SEG_SEL(s), sel);
    gs_write(v, VMCS_SEG_BASE(s), base);
    gs_write(v, VMCS_SEG_LIMIT(s), limit);
    gs_write(v, VMCS_SEG_AR(s), ar);
}

static void set_data_segs(struct vcpu *v, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    for (enum vmcs_seg s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            set_seg(v, s, sel, base, limit, ar);
}

/* Segments and control registers by mode; returns the CR0 the guest sees. */
static uint64_t load_mode(struct vcpu *v, const struct guest_boot_state *b)
{
    uint64_t cr3 = 0, cr4 = 0, efer = 0, cr0;
    uint64_t entry = gs_read(v, VMCS_ENTRY_CTLS) & ~(uint64_t)ENTRY_IA32E_GUEST;
    switch (b->mode) {
    case GUEST_MODE_REAL:
        cr0 = CR0_ET;
        set_seg(v, SEG_CS, b->cs_selector, (uint64_t)b->cs_selector << 4, 0xffff, AR_REAL_CS);
        set_data_segs(v, 0, 0, 0xffff, AR_DATA16);
        break;
    case GUEST_MODE_LONG64:
        cr0 = b->cr0;
        cr3 = b->cr3;
        cr4 = b->cr4;
        efer = b->efer | EFER_LMA;
        entry |= ENTRY_IA32E_GUEST;
        set_seg(v, SEG_CS, b->cs_selector, 0, 0xffffffff, AR_CODE64);
        set_data_segs(v, b->ds_selector, 0, 0xffffffff, AR_DATA32);
        break;
    default: /* PROT32: the loader's selectors when it wrote a GDT, else 0x08/0x10 */
        cr0 = CR0_ET | CR0_PE;
        set_seg(v, SEG_CS, b->gdt_limit ? b->cs_selector : 0x08, 0, 0xffffffff, AR_CODE32);
        set_data_segs(v, b->gdt_limit ? b->ds_selector : 0x10, 0, 0xffffffff, AR_DATA32);
        break;
    }
    gs_write(v, VMCS_ENTRY_CTLS, entry);
    gs_write(v, VMCS_GUEST_CR3, cr3);
    gs_write(v, VMCS_GUEST_EFER, efer);
    v->cr4_shadow = cr4;
    gs_write(v, VMCS_GUEST_CR4, vcpu_real_cr4(cr4));
    gs_write(v, VMCS_CR4_SHADOW, cr4);
    /* A GDT in guest memory when the loader wrote one; else GDTR/IDTR as at
     * reset (limit 0xffff), which only real mode and the flat loaders use. */
    gs_write(v, VMCS_GUEST_GDTR_BASE, b->gdt_limit ? b->gdt_base : 0);
    gs_write(v, VMCS_GUEST_GDTR_LIMIT, b->gdt_limit ? b->gdt_limit : 0xffff);
    gs_write(v, VMCS_GUEST_IDTR_BASE, 0);
    gs_write(v, VMCS_GUEST_IDTR_LIMIT, b->mode == GUEST_MODE_LONG64 ? 0 : 0xffff);
    return cr0;
}

void vcpu_load_boot_state(struct vcpu *v, const struct guest_boot_state *b)
{
    uint64_t cr0 = load_mode(v, b);
    v->cr0_shadow = cr0;
    gs_write(v, VMCS_GUEST_CR0, vcpu_real_cr0(cr0));
    gs_write(v, VMCS_CR0_SHADOW, cr0);
    set_seg(v, SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
    /* A busy 32-bit TSS: limit 0xffff as at reset, or what the loader's
     * ABI names (PVH: 0x67, the size of a 32-bit TSS). */
    set_seg(v, SEG_TR, 0, 0, b->tr_limit ? b->tr_limit : 0xffff, AR_TSS_BUSY);
    gs_write(v, VMCS_GUEST_DR7, DR7_RESET);
    gs_write(v, VMCS_TSC_OFFSET, 0); /* the guest's TSC is the host's until it writes one */
    gs_write(v, VMCS_GUEST_RSP, b->rsp);
    gs_write(v, VMCS_GUEST_RIP, b->rip);
    gs_write(v, VMCS_GUEST_RFLAGS, 0x2);
    gs_write(v, VMCS_GUEST_PENDING_DBG, 0);
    gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, 0);
    gs_write(v, VMCS_GUEST_ACTIVITY, 0);
    gs_write(v, VMCS_GUEST_SYSENTER_CS, 0);
    gs_write(v, VMCS_GUEST_SYSENTER_ESP, 0);
    gs_write(v, VMCS_GUEST_SYSENTER_EIP, 0);
    gs_write(v, VMCS_GUEST_DEBUGCTL, 0);
    gs_write(v, VMCS_GUEST_PAT, 0x0007040600070406ULL); /* the power-on value */
    memset(&v->regs, 0, sizeof v->regs);
    v->regs.gpr[REG_RAX] = b->eax;
    v->regs.gpr[REG_RBX] = b->ebx;
    v->regs.gpr[REG_RSI] = b->rsi;
    v->xcr0 = XCR0_X87; /* as at reset */
    /* State the monitor switches itself (monitor.c): reset values, never a
     * previous vCPU's. */
    memset(v->syscall_msr, 0, sizeof v->syscall_msr);
    v->tsc_aux = 0;
    memset(v->dr, 0, sizeof v->dr);
    v->dr[4] = DR6_RESET;
}
