/* INIT/SIPI applied to the target vCPU: see vcpu_startup.h. */
#include "vmm/vcpu_startup.h"
#include "vmm/vcpu.h"
#include "vmm/vplatform.h"
#include "vmm/vcpu_boot_state.h"
#include "vmm/guest_state.h"
#include "vmm/dev_pm.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "include/hv/platform.h"
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

/* A start from a reset state (SIPI, the wake from S3): nothing of the old
 * context is kept. */
static void start_fresh(struct vcpu *v, const struct guest_boot_state *b)
{
    vcpu_load_boot_state(v, b);
    drop_events(v);
    host_guest_tlb_flush();
    v->in_hlt = false;
    v->tsc_gen = v->plat->tsc_gen - 1; /* the boot state zeroed the offset */
}

/* ACPI S3: the BSP looks for the wake event each time the board's next
 * deadline (the RTC's alarm among them) wakes it. False: it sleeps on. */
static bool s3_wake(struct vcpu *v, uint64_t *wake_ns)
{
    struct vplatform *p = v->plat;
    uint64_t now = plat_time_ns();
    *wake_ns = vplatform_tick(p, now);
    uint64_t addr = 0;
    switch (vplatform_wake_check(p, &addr)) {
    case VWAKE_NONE:
        return false;
    case VWAKE_BOOT:
        vm_guest_reset(v->vm, "a wake from S3 with no waking vector in the FACS: a boot");
        return false;
    case VWAKE_BAD:
        vm_fail(v->vm, "a wake from S3 to waking vector 0x%llx, which no CPU mode reaches "
                       "(real mode below 1 MiB, the X vector below 4 GiB)",
                (unsigned long long)addr);
        return false;
    case VWAKE_RESUME:
        break;
    }
    LOG_INFO("vm %s: woke from S3: resuming at 0x%llx in %s mode", v->vm->name,
             (unsigned long long)addr,
             p->cpu[0].resume_mode == DEV_PM_WAKE_REAL ? "real" : "32-bit protected");
    return true;
}

bool vcpu_startup(struct vcpu *v, uint64_t *wake_ns)
{
    struct vplatform *p = v->plat;
    *wake_ns = UINT64_MAX;
    if (!p)
        return true;
    if (v->id == 0 && vplatform_suspended(p) && !s3_wake(v, wake_ns)) {
        vplatform_take_start(p, v->id, &(uint8_t){ 0 }); /* the INIT: nothing runs */
        drop_events(v);
        v->in_hlt = false;
        return false;
    }
    uint8_t vector = 0;
    switch (vplatform_take_start(p, v->id, &vector)) {
    case VSTART_RESUME: {
        /* The firmware's resume path ends in a jump to the waking vector
         * (ACPI 6.x, 16.3.2 and 5.2.10): real mode with CS:IP from a
         * 20-bit address, or flat 32-bit protected mode, paging off. */
        const struct vplatform_cpu *c = &p->cpu[v->id];
        struct guest_boot_state b = { .mode = GUEST_MODE_PROT32, .rip = c->resume_addr };
        if (c->resume_mode == DEV_PM_WAKE_REAL)
            b = (struct guest_boot_state){ .mode = GUEST_MODE_REAL,
                                           .cs_selector = (uint16_t)(c->resume_addr >> 4),
                                           .rip = c->resume_addr & 0xf };
        start_fresh(v, &b);
        break;
    }
    case VSTART_SIPI: {
        /* The state after INIT with CS:IP from the vector (SDM 9.4.4.1
         * and table 9-1): real mode, no paging, segments at 0 but CS. */
        struct guest_boot_state b = { .mode = GUEST_MODE_REAL,
                                      .cs_selector = (uint16_t)(vector << 8), .rip = 0 };
        start_fresh(v, &b);
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
