/* A VM's interrupt controllers and timers, wired as on a PC: the 8259 pair,
 * the 8254 PIT (with port 0x61), the CMOS RTC, the i8042, the HPET (when
 * the VM has one), the I/O APIC and one local APIC per vCPU
 * (docs/devices.md, "Wiring"). The models are the
 * pure state machines of vmm/dev_*.c; this file is their board: ISA lines to
 * both the PIC and the I/O APIC (IRQ 0 on pin 2, the usual interrupt source
 * override), I/O APIC messages to the local APICs and their level EOIs
 * back, the PIC's INT into LINT0 when the guest set it to ExtINT (or the
 * local APIC is globally off), and an interrupt for a sleeping vCPU wakes
 * it (vm_vcpu_wake).
 *
 * Time: every model is passed plat_time_ns(); the monitor calls
 * vplatform_tick before each VM entry once the earliest deadline is due, and
 * arms the preemption timer for that deadline, so a guest spinning without
 * exits still gets its timer interrupt on time. */
#ifndef VMM_VPLATFORM_H
#define VMM_VPLATFORM_H

#include "include/hv/types.h"
#include "vmm/dev_pic.h"
#include "vmm/dev_pit.h"
#include "vmm/dev_rtc.h"
#include "vmm/dev_i8042.h"
#include "vmm/dev_ioapic.h"
#include "vmm/dev_lapic.h"
#include "vmm/dev_hpet.h"

struct dev_pm;

struct vm;
struct vballoon;
struct testdev;

#define VPLATFORM_CPUS 4            /* = VM_MAX_VCPUS (checked in vplatform.c) */
/* The local APIC timer's input clock: what QEMU and KVM give guests. */
#define VPLATFORM_APIC_BUS_HZ 1000000000ULL

/* A vCPU's start-up and NMI state, kept on the board because IPIs arrive
 * here while another vCPU (the sender) owns the CPU; the target's monitor
 * applies it to its own VMCS when it next runs (vmm/vcpu_startup.c). */
struct vplatform_cpu {
    bool wait_sipi;         /* after INIT (or never started: an AP): only a SIPI runs it */
    bool init_pending;      /* INIT came: the vCPU's state must be reset */
    bool sipi_pending;      /* SIPI came while waiting: start at sipi_vector << 12 */
    uint8_t sipi_vector;
    /* The wake from S3 (the BSP only): start as the OS's waking vector asks
     * (enum dev_pm_wake_mode, REAL or PROT32) at resume_addr. */
    bool resume_pending;
    uint8_t resume_mode;
    uint32_t resume_addr;
    /* NMIs to inject, at most two: a CPU takes one as it comes and latches
     * one more while that one's handler runs (SDM vol. 3, 6.7.1); two that
     * came while the vCPU was off the CPU are both seen. One, if it is in
     * an NMI handler already (vcpu_events.c). */
    uint8_t nmi_pending;
};

enum vplatform_start { VSTART_NONE = 0, VSTART_INIT, VSTART_SIPI, VSTART_RESUME };

struct vplatform {
    struct vm *vm;
    unsigned ncpus;
    struct pic pic;
    struct pit pit;
    struct rtc rtc;
    struct i8042 kbd;
    struct vioapic ioapic;
    struct vlapic lapic[VPLATFORM_CPUS];
    bool apic_hw_enabled[VPLATFORM_CPUS]; /* IA32_APIC_BASE bit 11 */
    uint64_t apic_base[VPLATFORM_CPUS];   /* IA32_APIC_BASE's page: where the xAPIC decodes */
    struct vplatform_cpu cpu[VPLATFORM_CPUS];
    /* The guest TSC all vCPUs share: one offset (WRMSR TSC on any vCPU sets
     * it); tsc_gen changes with it, so each vCPU reloads it into its VMCS. */
    uint64_t tsc_offset;
    uint32_t tsc_gen;
    /* IA32_TSC_ADJUST (SDM vol. 3, 17.17.3), one for the VM as its TSC is:
     * a write moves the TSC by the change, a TSC write adds its change. */
    uint64_t tsc_adjust;
    bool pic_int;                   /* the PIC's INT output */
    /* The earliest model deadline (plat_time_ns), recomputed after every
     * tick and every guest access to a model; 0 forces a recomputation, and
     * tells the run loop that an interrupt output may have changed (its
     * fast path skips the board while this stays set and nothing is due). */
    uint64_t next_deadline;
    uint64_t ticks, injected, reset_requests;
    uint8_t port92;         /* System Control Port A: bit 1 A20 (bit 0 resets) */
    uint64_t ipis, ipis_dropped, nmis;   /* IPIs routed; naming no APIC; NMIs taken */
    struct vballoon *balloon;       /* its virtio-mmio balloon, or NULL
                                       (vmm/virtio_balloon_attach.h) */
    struct testdev *testdev;        /* QEMU's pc-testdev, or NULL (vmm/testdev_attach.h) */
    uint8_t *const *vga_window;     /* the display memory's pages, or NULL (vmm/vga_attach.h) */
    /* The ACPI PM registers (vmm/dev_pm.h), or NULL: the RTC's interrupt
     * sets their RTC_STS, and they say when S3 begins and ends (asleep:
     * every vCPU waits, the BSP for the wake). */
    struct dev_pm *pm;
    bool sci;                       /* the SCI's level on ISA line 9 */
    /* The HPET (hpet0.present): decoded and ticked only when present. In
     * legacy replacement mode its timers 0 and 1 drive ISA lines 0 and 8
     * instead of the PIT and the RTC: each line's two drivers' levels are
     * kept ([0] line 0, [1] line 8), and the line follows the one in charge. */
    struct hpet hpet;
    bool hpet_present;
    bool legacy_src[2];             /* the PIT's and the RTC's outputs */
    bool legacy_hpet[2];            /* the HPET's timers 0 and 1 in legacy mode */
    bool legacy_driven[2];          /* what lines 0 and 8 carry */
    uint64_t rtc_irqs_seen;         /* rtc.irqs already passed to pm */
};

/* Allocates the models and claims their ports on the VM's port bus; the
 * state is destroyed with the VM's devices. `now_ns` is plat_time_ns(),
 * `unix_s` the time of day the RTC starts at, `tsc_khz` the guest's TSC rate
 * (TSC-deadline mode). NULL when memory or the port table ran out. */
struct vplatform *vplatform_attach(struct vm *vm, unsigned ncpus, uint64_t now_ns,
                                   int64_t unix_s, uint64_t tsc_khz);

/* Initialises the models (vplatform_attach does it; tests call it on their
 * own struct). */
void vplatform_init(struct vplatform *p, struct vm *vm, unsigned ncpus, uint64_t now_ns,
                    int64_t unix_s, uint64_t tsc_khz);

/* One port access on the models' ports (byte registers: wider accesses are
 * split into bytes, lowest port first). */
uint32_t vplatform_port_read(struct vplatform *p, uint16_t port, unsigned size, uint64_t now_ns);
void vplatform_port_write(struct vplatform *p, uint16_t port, unsigned size, uint32_t val,
                          uint64_t now_ns);

/* Runs every model's tick if the earliest deadline is due; returns the next
 * deadline (DEV_NO_DEADLINE: none). Cheap when nothing is due. */
uint64_t vplatform_tick(struct vplatform *p, uint64_t now_ns);
/* The deadline without ticking (recomputed if an access invalidated it). */
uint64_t vplatform_next_deadline(struct vplatform *p, uint64_t now_ns);

/* vCPU `cpu` has an interrupt it could take now (ExtINT from the PIC, or a
 * local APIC vector above its PPR). */
bool vplatform_pending(const struct vplatform *p, unsigned cpu);
/* A device can raise an NMI: an unmasked I/O APIC pin in NMI delivery mode
 * (an NMI watchdog on the PIT, as Linux's nmi_watchdog=1 sets up). A vCPU
 * halted with interrupts off must then still see the devices' deadlines. */
bool vplatform_device_nmi_possible(const struct vplatform *p);
/* The INTA cycle for `cpu`: the vector to inject, its state moved to "in
 * service"; -1 when nothing is pending after all. */
int vplatform_ack(struct vplatform *p, unsigned cpu);

/* Start-up: what vCPU `cpu` must do before it runs again (INIT: reset and
 * wait; SIPI: start in real mode at *vector << 12; RESUME: start as
 * cpu[].resume_mode/addr say), consumed; a SIPI or resume that follows an
 * INIT not yet seen is reported alone. */
enum vplatform_start vplatform_take_start(struct vplatform *p, unsigned cpu, uint8_t *vector);
/* The vCPU waits for a SIPI: it must not run. */
bool vplatform_waiting_sipi(const struct vplatform *p, unsigned cpu);

/* ACPI S3, suspend to RAM (the guest wrote SLP_EN with \_S3's type, which
 * put the PM block to sleep): the CPUs lose their state, each as by INIT
 * (the local APICs reset), and wait; RAM and the board's other devices keep
 * theirs (the RTC runs on). */
void vplatform_suspend(struct vplatform *p);
/* In S3 (the PM block asleep). */
bool vplatform_suspended(const struct vplatform *p);
/* While suspended, called for the BSP with the board ticked: when a wake
 * event is due (dev_pm_wake_due), the board is awake again and the BSP has
 * a VSTART_RESUME pending for a real- or protected-mode vector; BOOT (no
 * vector) and BAD (*addr: the vector) are the caller's to act on. NONE:
 * still asleep. */
enum vplatform_wake { VWAKE_NONE = 0, VWAKE_RESUME, VWAKE_BOOT, VWAKE_BAD };
enum vplatform_wake vplatform_wake_check(struct vplatform *p, uint64_t *addr);
/* The PM block's registers changed (a guest access): the SCI follows. */
void vplatform_pm_changed(struct vplatform *p);
/* The fixed power button (`vm power-button`): PWRBTN_STS, the SCI if the OS
 * enabled it, and a suspended VM wakes. False: no PM block. */
bool vplatform_power_button(struct vplatform *p);
/* An INIT, SIPI or NMI is waiting for vCPU `cpu` (cheap, for the run loop). */
static inline bool vplatform_cpu_event(const struct vplatform *p, unsigned cpu)
{
    const struct vplatform_cpu *c = &p->cpu[cpu];
    return c->init_pending || c->sipi_pending || c->nmi_pending;
}
/* An NMI for `cpu`: latched, the vCPU woken (vm_vcpu_kick). */
void vplatform_nmi(struct vplatform *p, unsigned cpu);
/* The board's NMI line (the NMI button, a chipset error): LINT1 of every
 * local APIC, as the MADT says, acting as its LVT entry says (NMI, or a
 * fixed vector; masked: nothing); with the APIC globally off, the core's
 * NMI pin (SDM 11.4.3). */
void vplatform_nmi_button(struct vplatform *p);
/* `vector` was injected into `cpu` at `now_ns`: if it is the local APIC
 * timer's, counts how late it came (the VM's struct vm_timer_stats). */
void vplatform_taken(struct vplatform *p, unsigned cpu, int vector, uint64_t now_ns);
/* The NMI is injected now: no longer pending. */
void vplatform_nmi_taken(struct vplatform *p, unsigned cpu);

/* IA32_APIC_BASE for `cpu`: its APIC's page, the BSP flag on vCPU 0 only,
 * the enable and EXTD (x2APIC) bits. A write follows the SDM's legal
 * transitions (11.12.5: disabled <-> xAPIC, xAPIC -> x2APIC, x2APIC ->
 * disabled) and moves the page (11.4.4; the caller checks that nothing else
 * is there); false means #GP (x2APIC -> xAPIC, EXTD without enable, reserved
 * bits: 0-7, 9, and from `phys_bits`, the guest's MAXPHYADDR, up). */
uint64_t vplatform_apic_base_read(const struct vplatform *p, unsigned cpu);
bool vplatform_apic_base_write(struct vplatform *p, unsigned cpu, uint64_t val,
                               unsigned phys_bits);
/* An x2APIC MSR (0x800-0x8ff) of `cpu`; false: #GP. */
bool vplatform_x2apic_read(struct vplatform *p, unsigned cpu, uint32_t msr, uint64_t *val,
                           uint64_t now_ns);
bool vplatform_x2apic_write(struct vplatform *p, unsigned cpu, uint32_t msr, uint64_t val,
                            uint64_t now_ns);

/* CR8, the task priority's upper nibble, of `cpu` (MOV to or from CR8,
 * which exits: vmm/exit_cr.c); the caller refused reserved bits. */
uint64_t vplatform_cr8_read(const struct vplatform *p, unsigned cpu);
void vplatform_cr8_write(struct vplatform *p, unsigned cpu, uint64_t cr8);

/* The local APICs' pages (xAPIC MMIO): the default page 0xfee00000 and
 * each vCPU's IA32_APIC_BASE page (`p` may be NULL: the default page only).
 * A vCPU reaches its own APIC at its own page; anywhere else on these pages,
 * and at its page while its APIC is disabled or in x2APIC mode (SDM
 * 11.12.2), it reads all ones and its writes are dropped, as for a bus
 * address nothing claims. Then the I/O APIC's window. */
bool vplatform_is_lapic(const struct vplatform *p, uint64_t gpa);
bool vplatform_is_ioapic(uint64_t gpa);
/* The HPET's registers (its page, when the VM has one): 1- to 8-byte
 * accesses (vmm/dev_hpet.h). */
bool vplatform_is_hpet(const struct vplatform *p, uint64_t gpa);
uint64_t vplatform_hpet_read(struct vplatform *p, uint64_t gpa, unsigned size, uint64_t now_ns);
void vplatform_hpet_write(struct vplatform *p, uint64_t gpa, unsigned size, uint64_t val,
                          uint64_t now_ns);
uint32_t vplatform_mmio_read(struct vplatform *p, unsigned cpu, uint64_t gpa, unsigned size,
                             uint64_t now_ns);
void vplatform_mmio_write(struct vplatform *p, unsigned cpu, uint64_t gpa, unsigned size,
                          uint32_t val, uint64_t now_ns);

/* IA32_TSC_DEADLINE for `cpu`; guest_tsc is the guest's TSC at now_ns. */
uint64_t vplatform_tsc_deadline_read(const struct vplatform *p, unsigned cpu);
void vplatform_tsc_deadline_write(struct vplatform *p, unsigned cpu, uint64_t tsc,
                                  uint64_t now_ns, uint64_t guest_tsc);

/* KVM's PV IPI (hypercall KVM_HC_SEND_IPI): a fixed or NMI IPI (the ICR's
 * low word `icr`) to the APICs with IDs `min` + i for each bit i set in
 * the two bitmaps of `cluster` bits each (64 from 64-bit code, else 32);
 * returns how many it reached. */
unsigned vplatform_pv_ipi(struct vplatform *p, uint64_t low, uint64_t high, uint64_t min,
                          uint32_t icr, unsigned cluster);

/* An ISA device line (0-15): to the PIC and the I/O APIC. */
void vplatform_isa_irq(struct vplatform *p, unsigned irq, bool level);
/* An I/O APIC input above the ISA lines (16-23), for devices the DSDT
 * declares with their own interrupt (virtio-mmio); the caller passes the
 * logical level. */
void vplatform_gsi(struct vplatform *p, unsigned gsi, bool level);
/* The same as a device output (struct dev_irq): the device names its ISA
 * line as the `line` of each change, as the PIT (0), the i8042 (1, 12) and
 * the RTC (8) do. */
struct dev_irq vplatform_isa_out(struct vplatform *p);

#endif
