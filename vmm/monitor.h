/* The monitor's machine-wide state: VMX on, the shared exit bitmaps, which
 * VMCS is current and whose FPU state the CPU holds. One CPU for now; these
 * become per-CPU with SMP. */
#ifndef VMM_MONITOR_H
#define VMM_MONITOR_H

#include "include/hv/types.h"

struct vcpu;

/* Enables VMX and prepares the bitmaps. False with a reason when guests
 * cannot run on this machine (the host still works). */
bool monitor_init(char *why, size_t size);
bool monitor_ready(void);
const char *monitor_unavailable_reason(void);

uint64_t monitor_io_bitmap_a(void);
uint64_t monitor_io_bitmap_b(void);
uint64_t monitor_msr_bitmap(void);

void monitor_set_current(struct vcpu *v);
struct vcpu *monitor_current(void);
/* Makes `v`'s VMCS current and its FPU, syscall-MSR and debug-register
 * state live on the CPU. False when the CPU refused `v`'s saved FPU state
 * (the caller stops that VM; nothing of the host is harmed). */
bool monitor_switch_to(struct vcpu *v);
/* Makes `v`'s VMCS current, and only that: for reading a vCPU that is not
 * running (`vm regs`). The next monitor_switch_to(v) then skips the load. */
void monitor_load_vmcs(struct vcpu *v);
/* `v` is going away: drop every reference to it. */
void monitor_forget(struct vcpu *v);


#endif
