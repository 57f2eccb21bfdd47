/* The hosted guest-state accessor (vmm/guest_state.h): VMCS fields in a
 * table, host CPU facts and actions set and recorded by the test. */
#ifndef TESTS_FAKE_GUEST_STATE_FAKE_H
#define TESTS_FAKE_GUEST_STATE_FAKE_H

#include "vmm/guest_state.h"

/* Forgets every field (all read 0) and resets the host facts below. */
void fake_gs_reset(void);
void fake_gs_set(uint32_t field, uint64_t value);
uint64_t fake_gs_get(uint32_t field);
/* Fields written since the last reset (0 if none). */
unsigned fake_gs_writes(uint32_t field);

struct fake_host {
    struct host_cpuid (*cpuid)(uint32_t leaf, uint32_t sub); /* NULL: all zero */
    uint64_t tsc;
    uint64_t xcr0_offered;
    uint64_t cr4_fixed1;
    uint32_t vmx_proc, vmx_proc2;   /* VM-execution controls in force */
    bool nmi_window;                /* NMI-window exiting available */
    bool refuse_msr_write, refuse_xsetbv; /* the CPU faults: caught, returns false */
    /* What the guarded instructions were asked to do. */
    uint32_t last_msr;
    uint64_t last_msr_value, last_xsetbv;
    unsigned msr_writes, xsetbvs;
    uint64_t live_msr[8]; /* host_guest_msr_read answers, by msr & 7 */
    uint64_t dr6;         /* the guest's live DR6 */
    uint64_t dr[4];       /* and DR0-DR3 */
    unsigned tlb_flushes; /* host_guest_tlb_flush calls */
};
extern struct fake_host fake_host;

#endif
