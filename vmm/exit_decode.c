/* One read of everything an exit needs; handlers work on the result. Fields
 * the SDM defines only for some reasons (vol. 3, 28.2) are read only for
 * those and are 0 otherwise: they would be undefined, and every VMREAD
 * counts on the fast path. */
#include "vmm/exit_info.h"
#include "vmm/guest_state.h"

void exit_decode(struct vcpu *v, uint32_t raw_reason, struct exit_info *e)
{
    uint32_t reason = raw_reason & 0xffff;
    *e = (struct exit_info){
        .reason = reason,
        .entry_failed = (raw_reason & EXIT_REASON_ENTRY_FAIL) != 0,
        .qual = gs_read(v, VMCS_EXIT_QUAL),
        .insn_len = (uint32_t)gs_read(v, VMCS_EXIT_INSN_LEN),
        .idt_vec_info = (uint32_t)gs_read(v, VMCS_IDT_VECT_INFO),
        .interruptibility = (uint32_t)gs_read(v, VMCS_GUEST_INTERRUPTIBILITY),
        .rip = gs_read(v, VMCS_GUEST_RIP),
    };
    if (e->idt_vec_info & INTR_INFO_ERR_CODE)
        e->idt_vec_error = (uint32_t)gs_read(v, VMCS_IDT_VECT_ERR);
    switch (reason) {
    case EXIT_EPT_VIOLATION:
        e->gla = gs_read(v, VMCS_GUEST_LINEAR_ADDR);
        /* fall through */
    case EXIT_EPT_MISCONFIG:
        e->gpa = gs_read(v, VMCS_GUEST_PHYS_ADDR);
        break;
    case EXIT_EXCEPTION_NMI:
    case EXIT_EXTERNAL_INTR:
        e->intr_info = (uint32_t)gs_read(v, VMCS_EXIT_INTR_INFO);
        if (e->intr_info & INTR_INFO_ERR_CODE)
            e->intr_error = (uint32_t)gs_read(v, VMCS_EXIT_INTR_ERR);
        break;
    case EXIT_IO: case EXIT_GDTR_IDTR: case EXIT_LDTR_TR: case EXIT_INVEPT:
    case EXIT_INVVPID: case EXIT_INVPCID: case EXIT_RDRAND: case EXIT_RDSEED:
    case EXIT_VMREAD: case EXIT_VMWRITE: case EXIT_VMCLEAR: case EXIT_VMPTRLD:
    case EXIT_VMPTRST: case EXIT_VMXON: case EXIT_XSAVES: case EXIT_XRSTORS:
        e->insn_info = (uint32_t)gs_read(v, VMCS_EXIT_INSN_INFO);
        break;
    default:
        break;
    }
}
