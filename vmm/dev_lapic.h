/* A guest's local APIC (vlapic_*; arch/ has the host's lapic_*) in xAPIC
 * mode, as its MMIO page at 0xfee00000 sees it, or in x2APIC mode through
 * MSRs 0x800-0x8ff (vlapic_msr_*): ID, version, TPR/PPR, EOI, spurious
 * vector and software enable, ISR/TMR/IRR, ESR, ICR (fixed self-IPIs here,
 * every other IPI to a callback that routes it), SELF IPI (x2APIC), the
 * LVT, and the timer in one-shot, periodic and TSC-deadline modes. Interrupts come in with vlapic_accept (from the
 * I/O APIC, or the LVT's own timer), are delivered with vlapic_ack when
 * the vCPU can take them, and level-triggered ones send their EOI back to
 * a callback (the I/O APIC). See docs/devices.md. */
#ifndef VMM_DEV_LAPIC_H
#define VMM_DEV_LAPIC_H

#include "vmm/dev_irq.h"

#define VLAPIC_DEFAULT_BASE 0xfee00000ULL

enum vlapic_lvt { LVT_TIMER = 0, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

struct vlapic {
    uint8_t id;             /* xAPIC ID (writable in xAPIC mode) */
    uint8_t initial_id;     /* the initial APIC ID: the x2APIC ID */
    bool x2apic;            /* x2APIC mode (IA32_APIC_BASE.EXTD) */
    uint32_t tpr, ldr, dfr, svr, esr;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t isr[8], tmr[8], irr[8];
    /* The timer: counts bus clocks divided by the divide configuration. */
    uint64_t bus_hz;
    uint32_t initial_count, divide_conf;
    bool timer_armed;
    uint64_t timer_start_ns, periods_seen;
    /* TSC-deadline mode: the MSR's value and when it falls due. */
    uint64_t tsc_khz, tsc_deadline, deadline_ns;
    /* When the timer interrupt now waiting in the IRR fell due (0: none):
     * the board measures how late it was taken (vplatform_taken). */
    uint64_t timer_due_ns;
    bool intr;              /* a deliverable interrupt, as last reported */
    struct dev_irq out;     /* line 0: the vCPU has an interrupt to take */
    void (*eoi)(void *ctx, uint8_t vector);         /* level-triggered EOI */
    /* Every IPI but a fixed self-IPI: the ICR's low word and the
     * destination (xAPIC: ICR bits 63:56; x2APIC: bits 63:32). */
    void (*ipi)(void *ctx, struct vlapic *from, uint32_t icr_lo, uint32_t dest);
    void *ctx;
};

/* bus_hz: the timer's input clock (before the divider); tsc_khz: the
 * guest's TSC rate, for TSC-deadline mode. */
void vlapic_init(struct vlapic *l, uint8_t id, uint64_t bus_hz, uint64_t tsc_khz,
                 struct dev_irq out);
/* `offset` within the 4 KiB page; 32-bit accesses to 16-byte-aligned
 * registers only (others read 0 and write nothing). */
uint32_t vlapic_mmio_read(struct vlapic *l, uint64_t offset, unsigned size, uint64_t now_ns);
void vlapic_mmio_write(struct vlapic *l, uint64_t offset, unsigned size, uint32_t val,
                       uint64_t now_ns);
/* x2APIC mode: MSR `msr` (0x800-0x8ff). False: the access raises #GP
 * (xAPIC mode, no such register, read of a write-only or write of a
 * read-only register, reserved bits set; SDM vol. 3, 11.12.1.2-3). */
bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *val, uint64_t now_ns);
bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now_ns);
/* Enters or leaves x2APIC mode (the ID becomes the initial APIC ID, the
 * LDR is derived from it: SDM 11.12.10.2); the caller checked that the
 * IA32_APIC_BASE transition is legal. */
void vlapic_set_x2apic(struct vlapic *l, bool on);
/* INIT: every register back to its power-up value but the APIC ID and the
 * mode (SDM 11.4.7.3); the callbacks stay. */
void vlapic_reset(struct vlapic *l);
/* Whether this APIC is named by destination `dest` of an IPI or I/O APIC
 * message in physical or logical mode (SDM 11.6.2; x2APIC: 11.12.9/10);
 * broadcast (0xff, or 0xffffffff in x2APIC mode) names every APIC. */
bool vlapic_match_dest(const struct vlapic *l, bool logical, uint32_t dest);
/* IA32_TSC_DEADLINE (MSR 0x6e0); now_tsc is the guest's TSC at now_ns. */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *l);
void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t tsc, uint64_t now_ns, uint64_t now_tsc);
/* The task priority (TPR, offset 0x80), as MOV CR8 reaches it: CR8[3:0]
 * is TPR[7:4]; a write clears TPR[3:0] (SDM vol. 3, 11.8.6.1). */
uint8_t vlapic_tpr(const struct vlapic *l);
void vlapic_set_tpr(struct vlapic *l, uint8_t tpr);
/* A fixed interrupt arrives (level: the I/O APIC wants an EOI). */
void vlapic_accept(struct vlapic *l, uint8_t vector, bool level);
/* For `stats exits`: the highest vector in service and the highest
 * requested (-1: none), and the processor priority (a vector stuck in
 * service blocks every class at or below its own). */
int vlapic_isr_top(const struct vlapic *l);
int vlapic_irr_top(const struct vlapic *l);
uint32_t vlapic_ppr(const struct vlapic *l);
/* The vector to deliver now (IRR -> ISR), or -1: none outranks the PPR. */
int vlapic_ack(struct vlapic *l);
void vlapic_tick(struct vlapic *l, uint64_t now_ns);
uint64_t vlapic_next_deadline(const struct vlapic *l, uint64_t now_ns);

#endif
