/* A vCPU's state as the monitor stops its VM: RIP and RFLAGS, the general
 * registers, the control registers as the guest sees them, the segments and
 * descriptor tables, what the CPU was doing (activity, blocking, an event it
 * was delivering) and the code bytes at CS:RIP. vcpu_fail (vmm/exits.h)
 * prints it under the VM's "stopped:" line, as a CPU dump on a triple fault
 * or a hypervisor's log on a monitor failure does, so the guest's author, or
 * ours, sees what the guest was doing without a debugger attached.
 * vcpu_dump_read goes through the guest-state accessor (the fake in hosted
 * tests); vcpu_dump_format is pure. */
#ifndef VMM_VCPU_DUMP_H
#define VMM_VCPU_DUMP_H

#include "include/hv/types.h"

struct vcpu;

/* A segment register as the VMCS keeps it (SDM vol. 3, 25.4.1): the access
 * rights' bit 16 says the register is unusable (a null selector loaded). */
struct vcpu_dump_seg {
    uint16_t sel;
    uint32_t limit, ar;
    uint64_t base;
};

enum { VCPU_DUMP_CODE_BYTES = 16 };

struct vcpu_dump {
    unsigned vcpu;
    uint64_t rip, rflags;
    uint64_t gpr[16];                   /* RAX ... R15 as the CPU numbers them */
    uint64_t cr0, cr2, cr3, cr4, efer, dr7;
    struct vcpu_dump_seg seg[8];        /* ES CS SS DS FS GS LDTR TR: the VMCS's order */
    uint64_t gdtr_base, idtr_base;
    uint32_t gdtr_limit, idtr_limit;
    uint32_t activity;                  /* the VMCS's activity state: 0 active, 1 HLT, ... */
    uint32_t interruptibility;          /* STI / MOV SS / SMI / NMI blocking */
    uint64_t pending_dbg;               /* pending debug exceptions */
    uint32_t idt_vec_info, idt_vec_err; /* an event whose delivery the exit cut short */
    uint32_t entry_intr_info;           /* an event the next VM entry injects */
    uint64_t code_at;                   /* linear address of CS:RIP */
    uint8_t code[VCPU_DUMP_CODE_BYTES];
    unsigned code_len;                  /* bytes read there: 0 when nothing was */
};

/* Reads `v`'s state (its VMCS is current). The code bytes are read only
 * from pages the VM has in memory (a page paged out is not brought back for
 * a report) and never from devices. */
void vcpu_dump_read(struct vcpu *v, struct vcpu_dump *d);

/* The report, a line at a time, each under 200 characters and without a
 * newline: where and in which mode the vCPU stood, the registers (R8-R15
 * only in IA-32e mode), control registers, segments and tables, the event
 * being delivered or to be injected, the code bytes. */
typedef void (*vcpu_dump_line_fn)(const char *line, void *ctx);
void vcpu_dump_format(const struct vcpu_dump *d, vcpu_dump_line_fn emit, void *ctx);

#endif
