/* Everything a VM exit's handler may need from the VMCS, read once by
 * exit_decode before the handler runs (Intel SDM vol. 3, 28.2). */
#ifndef VMM_EXIT_INFO_H
#define VMM_EXIT_INFO_H

#include "include/hv/types.h"

struct vcpu;

struct exit_info {
    uint32_t reason;            /* basic exit reason (bits 15:0) */
    bool entry_failed;          /* bit 31: the VM entry itself failed */
    uint64_t qual;              /* exit qualification */
    uint64_t gpa;               /* guest-physical address (EPT exits) */
    uint64_t gla;               /* guest-linear address, where valid */
    uint32_t insn_len;          /* VM-exit instruction length */
    uint32_t insn_info;         /* VM-exit instruction information */
    uint32_t intr_info;         /* exit interruption information (exceptions, NMIs) */
    uint32_t intr_error;
    uint32_t idt_vec_info;      /* an event being delivered when the exit hit */
    uint32_t idt_vec_error;
    uint32_t interruptibility;
    uint64_t rip;
};

void exit_decode(struct vcpu *v, uint32_t raw_reason, struct exit_info *e);

#endif
