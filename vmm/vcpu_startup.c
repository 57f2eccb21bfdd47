/* INIT/SIPI applied to the target vCPU: see vcpu_startup.h. */
#include "vmm/vcpu_startup.h"
#include "vmm/vcpu.h"
#include "vmm/vplatform.h"
#include "vmm/vcpu_boot_state.h"
#include "vmm/guest_state.h"
#include "include/hv/x86/regs.h"

/* Whatever was queued for the old context goes: an event to inject, the
 * window exits asked for it. */
static void drop_events(struct vcpu *v)
{
    gs_write(v, VMCS_ENTRY_INTR_INFO, 0);
    gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, 0);
    uint64_t proc = gs_read(v, VMCS_PROC_CTLS);
    gs_write(v, VMCS_PROC_CTLS, proc & ~(uint64_t)(PROC_INTR_WINDOW | PROC_NMI_WINDOW));
    v->intr_window = v->nmi_window = false;
}

bool vcpu_startup(struct vcpu *v)
{
    struct vplatform *p = v->plat;
    if (!p)
        return true;
    uint8_t vector = 0;
    switch (vplatform_take_start(p, v->id, &vector)) {
    case VSTART_SIPI: {
        /* The state after INIT with CS:IP from the vector (SDM 9.4.4.1
         * and table 9-1): real mode, no paging, segments at 0 but CS. */
        struct guest_boot_state b = { .mode = GUEST_MODE_REAL,
                                      .cs_selector = (uint16_t)(vector << 8), .rip = 0 };
        vcpu_load_boot_state(v, &b);
        drop_events(v);
        host_guest_tlb_flush();
        v->in_hlt = false;
        v->tsc_gen = p->tsc_gen - 1; /* the boot state zeroed the offset */
        break;
    }
    case VSTART_INIT:
        drop_events(v);
        host_guest_tlb_flush();  /* INIT invalidates the TLBs; the VPID stays */
        v->in_hlt = false;
        break;
    default:
        break;
    }
    if (v->tsc_gen != p->tsc_gen) {
        gs_write(v, VMCS_TSC_OFFSET, p->tsc_offset);
        v->tsc_gen = p->tsc_gen;
    }
    return !vplatform_waiting_sipi(p, v->id);
}
