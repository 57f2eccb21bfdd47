/* vcpu_dump_read: see vmm/vcpu_dump.h. The fields are the VMCS's guest-state
 * area (SDM vol. 3, 25.4) and IDT-vectoring information (25.9.3). */
#include "vmm/vcpu_dump.h"
#include "vmm/vcpu.h"
#include "vmm/exits.h"
#include "vmm/guest_rules.h"
#include "vmm/guest_state.h"
#include "vmm/guest_linear.h"
#include "include/hv/x86/regs.h"
#include "lib/kstring.h"

#define AR_L            (1u << 13)   /* CS: 64-bit code */
#define SEG_CS_INDEX    1

/* The code bytes at `gla`, a page at a time so a fetch that crosses into a
 * page not there still shows the bytes before it. */
static void read_code(struct vcpu *v, struct vcpu_dump *d)
{
    struct guest_linear g;
    guest_linear_init(&g, v);
    g.resident_only = true;
    d->code_len = 0;
    while (d->code_len < VCPU_DUMP_CODE_BYTES) {
        uint64_t at = d->code_at + d->code_len;
        size_t n = PAGE_SIZE - (at & (PAGE_SIZE - 1));
        if (n > VCPU_DUMP_CODE_BYTES - d->code_len)
            n = VCPU_DUMP_CODE_BYTES - d->code_len;
        uint64_t bad;
        if (guest_linear_read(&g, at, d->code + d->code_len, n, &bad) != GL_OK)
            return;
        d->code_len += (unsigned)n;
    }
}

void vcpu_dump_read(struct vcpu *v, struct vcpu_dump *d)
{
    memset(d, 0, sizeof *d);
    d->vcpu = v->id;
    d->rip = gs_read(v, VMCS_GUEST_RIP);
    d->rflags = gs_read(v, VMCS_GUEST_RFLAGS);
    for (unsigned i = 0; i < 16; i++)
        d->gpr[i] = vcpu_gpr_read(v, i);
    struct cr_state s;
    vcpu_cr_state(v, &s);   /* CR0 and CR4 through their read shadows */
    d->cr0 = s.cr0;
    d->cr3 = s.cr3;
    d->cr4 = s.cr4;
    d->efer = s.efer;
    d->cr2 = v->regs.cr2;
    d->dr7 = gs_read(v, VMCS_GUEST_DR7);
    for (unsigned i = 0; i < 8; i++) {
        d->seg[i].sel = (uint16_t)gs_read(v, VMCS_SEG_SEL(i));
        d->seg[i].base = gs_read(v, VMCS_SEG_BASE(i));
        d->seg[i].limit = (uint32_t)gs_read(v, VMCS_SEG_LIMIT(i));
        d->seg[i].ar = (uint32_t)gs_read(v, VMCS_SEG_AR(i));
    }
    d->gdtr_base = gs_read(v, VMCS_GUEST_GDTR_BASE);
    d->gdtr_limit = (uint32_t)gs_read(v, VMCS_GUEST_GDTR_LIMIT);
    d->idtr_base = gs_read(v, VMCS_GUEST_IDTR_BASE);
    d->idtr_limit = (uint32_t)gs_read(v, VMCS_GUEST_IDTR_LIMIT);
    d->activity = (uint32_t)gs_read(v, VMCS_GUEST_ACTIVITY);
    d->interruptibility = (uint32_t)gs_read(v, VMCS_GUEST_INTERRUPTIBILITY);
    d->pending_dbg = gs_read(v, VMCS_GUEST_PENDING_DBG);
    d->idt_vec_info = (uint32_t)gs_read(v, VMCS_IDT_VECT_INFO);
    d->idt_vec_err = (uint32_t)gs_read(v, VMCS_IDT_VECT_ERR);
    d->entry_intr_info = (uint32_t)gs_read(v, VMCS_ENTRY_INTR_INFO);
    /* CS's base counts outside 64-bit mode (real mode's CS * 16 among
     * them), and EIP is 32 bits there. */
    bool long64 = (d->efer & EFER_LMA) && (d->seg[SEG_CS_INDEX].ar & AR_L);
    d->code_at = long64 ? d->rip : (uint32_t)(d->seg[SEG_CS_INDEX].base + (uint32_t)d->rip);
    read_code(v, d);
}
