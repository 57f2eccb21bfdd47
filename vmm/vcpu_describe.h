/* One line on where a vCPU stands, for `stats exits`: its local APIC, what
 * it waits for, and where its last VM exit left it (RIP, whether it takes
 * interrupts and NMIs), so a VM that seems stuck shows why. Pure code. */
#ifndef VMM_VCPU_DESCRIBE_H
#define VMM_VCPU_DESCRIBE_H

#include "include/hv/types.h"

/* The guest as a VM exit left it: kept per vCPU by the exit dispatcher and
 * read by the shell without a lock (a hint, possibly one exit old). */
struct vcpu_last_exit {
    uint64_t rip, rflags;
    uint32_t reason;            /* basic exit reason */
    uint32_t interruptibility;  /* the VMCS's guest interruptibility state */
    bool valid;                 /* the vCPU has exited at least once */
};

struct vcpu_apic_view {
    int isr_top, irr_top;       /* -1: none */
    uint32_t ppr;
    bool nmi_pending, suspended, wait_sipi;
};

/* "in service 0x.., requested 0x.., priority 0x..[, NMI pending][, ...];
 * at RIP 0x.., interrupts off[, STI shadow][, MOV SS shadow][, NMIs
 * blocked], last exit hlt". `reason_name` names an exit reason. Always
 * terminated when n > 0. */
void vcpu_describe(const struct vcpu_apic_view *a, const struct vcpu_last_exit *x,
                   const char *(*reason_name)(unsigned), char *buf, size_t n);

#endif
