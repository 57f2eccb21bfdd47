/* The board that connects a VM's interrupt controllers and timers: see
 * vplatform.h. Only wiring lives here; every register is the models'. */
#include "vmm/vplatform.h"
#include "vmm/dev_pm.h"
#include "vmm/acpi_guest.h"
#include "kernel/vm.h"
#include "mm/heap.h"

_Static_assert(VPLATFORM_CPUS == VM_MAX_VCPUS, "one local APIC per possible vCPU");

#define LVT_MASK_BIT (1u << 16)
#define LVT_MODE(v) (((v) >> 8) & 7)
#define DELIVERY_FIXED 0
#define DELIVERY_LOWEST 1
#define DELIVERY_EXTINT 7
/* The I/O APIC pin of ISA IRQ n: identity, except the PIT's IRQ 0 on pin 2
 * (the interrupt source override every PC's MADT or MP table states). */
#define ISA_PIN(irq) ((irq) == 0 ? 2u : (irq))

/* ---- interrupt lines ------------------------------------------------------- */

/* vCPU `cpu` takes the PIC's INT: its local APIC is globally off (the INTR
 * pin goes straight to the core) or LINT0 is unmasked ExtINT (virtual wire,
 * as a BIOS leaves it and Linux sets it). Only the BSP is wired. */
static bool pic_reaches(const struct vplatform *p, unsigned cpu)
{
    if (cpu != 0)
        return false;
    uint32_t lint0 = p->lapic[0].lvt[LVT_LINT0];
    return !p->apic_hw_enabled[0] ||
           (!(lint0 & LVT_MASK_BIT) && LVT_MODE(lint0) == DELIVERY_EXTINT);
}

static void wake(struct vplatform *p, unsigned cpu)
{
    if (p->vm)
        vm_vcpu_wake(p->vm, cpu);
}

static void pic_out(void *ctx, unsigned line, bool level)
{
    (void)line;
    struct vplatform *p = ctx;
    p->pic_int = level;
    p->next_deadline = 0; /* something to deliver: the next entry looks (vcpu_run) */
    if (level && pic_reaches(p, 0))
        wake(p, 0);
}

static void lapic_out(void *ctx, unsigned line, bool level)
{
    struct vlapic *l = ctx;
    (void)line;
    /* ctx is the APIC; its index is its place in the array. The eoi/ipi
     * callbacks carry the platform, so find it from the APIC's ctx. */
    struct vplatform *p = l->ctx;
    p->next_deadline = 0; /* as in pic_out */
    if (level)
        wake(p, (unsigned)(l - p->lapic));
}

/* IRQ 8 rising sets the PM block's RTC_STS, as on a chipset (the wake from
 * S3): an alarm while register C is still unread raises nothing. Counted
 * by the RTC, which also catches up inside port accesses: looked at after
 * every tick and port access. */
static void rtc_to_pm(struct vplatform *p)
{
    if (p->rtc.irqs == p->rtc_irqs_seen)
        return;
    p->rtc_irqs_seen = p->rtc.irqs;
    if (p->pm) {
        dev_pm_rtc_irq(p->pm);
        vplatform_pm_changed(p);
    }
}

/* The SCI: level-triggered on ISA line 9 (the MADT's override says so to
 * the I/O APIC; the OS sets the 8259's ELCR). */
void vplatform_pm_changed(struct vplatform *p)
{
    bool level = p->pm && dev_pm_sci(p->pm);
    if (level == p->sci)
        return;
    p->sci = level;
    vplatform_isa_irq(p, ACPI_GUEST_SCI_IRQ, level);
    p->next_deadline = 0; /* something may be deliverable: the next entry looks */
}

/* ISA lines 0 and 8 carry the PIT and the RTC, or in the HPET's legacy
 * replacement mode its timers 0 and 1 (HPET spec 2.3.9.2.3): the line
 * follows whichever drives it now. */
static bool hpet_owns_legacy(const struct vplatform *p)
{
    return p->hpet_present && hpet_legacy(&p->hpet);
}

static void drive_legacy(struct vplatform *p, unsigned which)
{
    bool level = hpet_owns_legacy(p) ? p->legacy_hpet[which] : p->legacy_src[which];
    if (level == p->legacy_driven[which])
        return;
    p->legacy_driven[which] = level;
    vplatform_isa_irq(p, which ? 8 : 0, level);
    p->next_deadline = 0; /* something may be deliverable: the next entry looks */
}

/* The ISA devices' outputs (the PIT, the RTC, the i8042). */
static void isa_line(void *ctx, unsigned irq, bool level)
{
    struct vplatform *p = ctx;
    if (irq == 0 || irq == 8) {
        p->legacy_src[irq == 8] = level;
        drive_legacy(p, irq == 8);
        return;
    }
    vplatform_isa_irq(p, irq, level);
}

/* The HPET's outputs: ISA 0 and 8 in legacy mode, else I/O APIC inputs. */
static void hpet_line(void *ctx, unsigned line, bool level)
{
    struct vplatform *p = ctx;
    if (line == HPET_LEGACY_IRQ0 || line == HPET_LEGACY_IRQ8) {
        p->legacy_hpet[line == HPET_LEGACY_IRQ8] = level;
        drive_legacy(p, line == HPET_LEGACY_IRQ8);
    } else {
        vplatform_gsi(p, line, level);
    }
}

struct dev_irq vplatform_isa_out(struct vplatform *p)
{
    return (struct dev_irq){ isa_line, p };
}

void vplatform_isa_irq(struct vplatform *p, unsigned irq, bool level)
{
    if (irq >= 16)
        return;
    pic_set_irq(&p->pic, irq, level);
    vioapic_set_irq(&p->ioapic, ISA_PIN(irq), level);
}

void vplatform_gsi(struct vplatform *p, unsigned gsi, bool level)
{
    if (gsi < 16 || gsi >= VIOAPIC_PINS)
        return;
    vioapic_set_irq(&p->ioapic, gsi, level);
    p->next_deadline = 0; /* something may be deliverable: the next entry looks */
}

/* ---- interrupt messages: the I/O APIC's and the ICR's ------------------- */

#define DELIVERY_SMI 2
#define DELIVERY_NMI 4
#define DELIVERY_INIT 5
#define DELIVERY_STARTUP 6
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)

static void kick(struct vplatform *p, unsigned cpu)
{
    if (p->vm)
        vm_vcpu_kick(p->vm, cpu);
}

static void start_init(struct vplatform *p, unsigned cpu)
{
    if (cpu == 0) {
        /* The BSP would run the firmware at the reset vector; this board
         * has none to run, so it restarts as after a reset. */
        p->reset_requests++;
        if (p->vm)
            vm_guest_reset(p->vm, "INIT IPI to the BSP");
        return;
    }
    struct vplatform_cpu *c = &p->cpu[cpu];
    c->wait_sipi = true;
    c->init_pending = true;
    c->sipi_pending = false;
    c->nmi_pending = 0;
    vlapic_reset(&p->lapic[cpu]);
    kick(p, cpu);
}

static void start_sipi(struct vplatform *p, unsigned cpu, uint8_t vector)
{
    struct vplatform_cpu *c = &p->cpu[cpu];
    if (!c->wait_sipi)
        return;                  /* not waiting for one: ignored, as hardware does */
    c->wait_sipi = false;
    c->sipi_pending = true;
    c->sipi_vector = vector;
    kick(p, cpu);
}

void vplatform_nmi(struct vplatform *p, unsigned cpu)
{
    if (cpu >= p->ncpus || p->cpu[cpu].wait_sipi)
        return;                  /* a vCPU waiting for SIPI takes no NMI */
    if (p->cpu[cpu].nmi_pending < 2)
        p->cpu[cpu].nmi_pending++;
    p->next_deadline = 0;
    kick(p, cpu);
}

void vplatform_nmi_button(struct vplatform *p)
{
    for (unsigned i = 0; i < p->ncpus; i++) {
        uint32_t lint1 = p->lapic[i].lvt[LVT_LINT1];
        if (!p->apic_hw_enabled[i]) {
            vplatform_nmi(p, i);     /* APIC off: LINT1 is the core's NMI pin */
            continue;
        }
        if (lint1 & LVT_MASK_BIT)
            continue;
        if (LVT_MODE(lint1) == DELIVERY_NMI)
            vplatform_nmi(p, i);
        else if (LVT_MODE(lint1) == DELIVERY_FIXED)
            vlapic_accept(&p->lapic[i], (uint8_t)lint1, false);
        /* ExtINT, SMI, INIT on LINT1: nothing a PC's NMI line drives */
    }
}

void vplatform_nmi_taken(struct vplatform *p, unsigned cpu)
{
    if (cpu < p->ncpus) {
        if (p->cpu[cpu].nmi_pending)
            p->cpu[cpu].nmi_pending--;
        p->nmis++;
    }
}

/* One message to one local APIC, by delivery mode. */
static void deliver(struct vplatform *p, unsigned cpu, unsigned mode, uint8_t vector, bool level)
{
    switch (mode) {
    case DELIVERY_FIXED:
    case DELIVERY_LOWEST:
        if (p->apic_hw_enabled[cpu])
            vlapic_accept(&p->lapic[cpu], vector, level);
        break;
    case DELIVERY_NMI: vplatform_nmi(p, cpu); break;
    case DELIVERY_INIT: start_init(p, cpu); break;
    case DELIVERY_STARTUP: start_sipi(p, cpu, vector); break;
    default: break;              /* SMI, ExtINT, reserved: nothing to deliver them to */
    }
}

/* Lowest priority (SDM vol. 3, 11.6.2.4): the named APIC that can take it
 * (enabled in hardware and software) whose task priority class is lowest,
 * as the chipset of a Pentium 4 or later arbitrates it (by TPR: there is no
 * APR since); among equals the lowest-numbered, which the SDM leaves to the
 * chipset. None can take it: the lowest-numbered named, which drops it as
 * a disabled APIC does. */
static unsigned lowest_of(const struct vplatform *p, unsigned targets)
{
    int best = -1;
    for (unsigned i = 0; i < p->ncpus; i++) {
        if (!(targets >> i & 1) || !p->apic_hw_enabled[i] || !(p->lapic[i].svr & (1u << 8)))
            continue;
        if (best < 0 || (p->lapic[i].tpr & 0xf0) < (p->lapic[best].tpr & 0xf0))
            best = (int)i;
    }
    return best >= 0 ? 1u << best : targets & -targets;
}

/* Sends a message to every local APIC in `targets` (a bit per vCPU).
 * False: nobody was named. */
static bool deliver_to(struct vplatform *p, unsigned targets, unsigned mode, uint8_t vector,
                       bool level)
{
    if (!targets)
        return false;
    if (mode == DELIVERY_LOWEST)
        targets = lowest_of(p, targets);
    for (unsigned i = 0; i < p->ncpus; i++)
        if (targets >> i & 1)
            deliver(p, i, mode, vector, level);
    return true;
}

static unsigned dest_targets(const struct vplatform *p, bool logical, uint32_t dest)
{
    unsigned t = 0;
    for (unsigned i = 0; i < p->ncpus; i++)
        if (vlapic_match_dest(&p->lapic[i], logical, dest))
            t |= 1u << i;
    return t;
}

static bool ioapic_deliver(void *ctx, const struct vioapic_msg *m)
{
    struct vplatform *p = ctx;
    if (m->delivery_mode == DELIVERY_INIT || m->delivery_mode == DELIVERY_STARTUP)
        return false;            /* start-up is for IPIs only */
    /* Physical destination 0xff is the broadcast of the I/O APIC's 8-bit
     * field, to APICs in x2APIC mode too (whose own broadcast ID is
     * 0xffffffff): Linux and kvm-unit-tests route a pin to every CPU so. */
    uint32_t dest = !m->logical && m->dest == 0xff ? 0xffffffffu : m->dest;
    if (deliver_to(p, dest_targets(p, m->logical, dest), m->delivery_mode, m->vector, m->level))
        return true;
    p->ipis_dropped++;
    return false;
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
    struct vplatform *p = ctx;
    vioapic_eoi(&p->ioapic, vector);
}

/* An IPI from the ICR (SDM 11.6.1): shorthand, else destination; an INIT
 * "level de-assert" only synchronises arbitration IDs and does nothing
 * here. IPIs that name no APIC are counted and dropped. */
static void lapic_ipi(void *ctx, struct vlapic *from, uint32_t lo, uint32_t dest)
{
    struct vplatform *p = ctx;
    unsigned shorthand = (lo >> 18) & 3, mode = (lo >> 8) & 7;
    unsigned self = (unsigned)(from - p->lapic);
    unsigned all = (1u << p->ncpus) - 1, targets;
    if (mode == DELIVERY_INIT && !(lo & ICR_LEVEL_ASSERT) && (lo & ICR_TRIGGER_LEVEL))
        return;
    p->ipis++;
    switch (shorthand) {
    case 1: targets = 1u << self; break;
    case 2: targets = all; break;
    case 3: targets = all & ~(1u << self); break;
    default: targets = dest_targets(p, (lo >> 11) & 1, dest); break;
    }
    /* Lowest priority and start-up make no sense to oneself; the SDM
     * calls those combinations illegal: they go nowhere. */
    if (shorthand == 1 && (mode == DELIVERY_LOWEST || mode == DELIVERY_STARTUP ||
                           mode == DELIVERY_INIT))
        targets = 0;
    if (mode == DELIVERY_SMI || mode == DELIVERY_EXTINT || mode == 3)
        targets = 0;
    if (!deliver_to(p, targets, mode, (uint8_t)lo, false))
        p->ipis_dropped++;
}

/* The APIC whose ID is `id` as the guest sees IDs now (the x2APIC ID, or
 * the writable xAPIC ID), -1 when none: a PV IPI names APICs by ID, not
 * by destination, so 0xff is no broadcast here. */
static int cpu_of_apic_id(const struct vplatform *p, uint64_t id)
{
    for (unsigned i = 0; i < p->ncpus; i++) {
        const struct vlapic *l = &p->lapic[i];
        if ((l->x2apic ? l->initial_id : l->id) == id)
            return (int)i;
    }
    return -1;
}

unsigned vplatform_pv_ipi(struct vplatform *p, uint64_t low, uint64_t high, uint64_t min,
                          uint32_t icr, unsigned cluster)
{
    unsigned mode = (icr >> 8) & 7, sent = 0;
    if (mode != DELIVERY_FIXED && mode != DELIVERY_NMI)
        return 0;               /* what KVM's PV IPIs carry; the rest go nowhere */
    for (unsigned i = 0; i < 2 * cluster; i++) {
        uint64_t word = i < cluster ? low : high;
        if (!(word >> (i % cluster) & 1))
            continue;
        int cpu = cpu_of_apic_id(p, min + i);
        if (cpu < 0)
            continue;
        deliver(p, (unsigned)cpu, mode, (uint8_t)icr, false);
        p->ipis++;
        sent++;
    }
    return sent;
}

static void kbd_reset(void *ctx)
{
    struct vplatform *p = ctx;
    p->reset_requests++;
    if (p->vm)
        /* As a PC: the machine restarts (vm_guest_reset only marks the VM;
         * it is reaped after this exit and started again from its .vmx, as
         * a reset through port 0xCF9 is). */
        vm_guest_reset(p->vm, "i8042 0xfe");
}

/* System Control Port A (0x92), the PC's "fast" A20 and reset: bit 1 gates
 * A20 (always on here, as the i8042's; it reads back as written) and a 1
 * written to bit 0 restarts the machine, as port 0xCF9 does. */
static void port92_write(struct vplatform *p, uint8_t v)
{
    p->port92 = v & 0x02;
    if (!(v & 0x01))
        return;
    p->reset_requests++;
    if (p->vm)
        vm_guest_reset(p->vm, "port 0x92 fast reset");
}

/* ---- set-up -------------------------------------------------------------- */

void vplatform_init(struct vplatform *p, struct vm *vm, unsigned ncpus, uint64_t now_ns,
                    int64_t unix_s, uint64_t tsc_khz)
{
    *p = (struct vplatform){ .vm = vm, .ncpus = ncpus > VPLATFORM_CPUS ? VPLATFORM_CPUS : ncpus };
    pic_init(&p->pic, (struct dev_irq){ pic_out, p });
    pit_init(&p->pit, (struct dev_irq){ isa_line, p }, now_ns);
    rtc_init(&p->rtc, (struct dev_irq){ isa_line, p }, unix_s, now_ns);
    hpet_init(&p->hpet, (struct dev_irq){ hpet_line, p }, now_ns);
    i8042_init(&p->kbd, (struct dev_irq){ isa_line, p }, kbd_reset, p);
    p->port92 = 0x02;            /* A20 on, as firmware leaves it */
    vioapic_init(&p->ioapic, (uint8_t)p->ncpus, ioapic_deliver, p);
    for (unsigned i = 0; i < p->ncpus; i++) {
        struct vlapic *l = &p->lapic[i];
        vlapic_init(l, (uint8_t)i, VPLATFORM_APIC_BUS_HZ, tsc_khz, (struct dev_irq){ lapic_out, l });
        l->eoi = lapic_eoi;
        l->ipi = lapic_ipi;
        l->ctx = p;
        p->apic_hw_enabled[i] = true;
        p->apic_base[i] = VLAPIC_DEFAULT_BASE;
        /* APs wait for INIT/SIPI, as on a PC after the firmware parked them. */
        p->cpu[i].wait_sipi = i != 0;
        /* What a PC BIOS leaves for the OS: the APIC software-enabled with
         * LINT0 as ExtINT (the 8259 reaches the CPU through it: "virtual
         * wire") and LINT1 as NMI. Guests that never touch the APIC (our
         * test guests, memtest86+) then take PIC interrupts as on a PC. */
        if (i == 0) {
            l->svr = 0x1ff;
            l->lvt[LVT_LINT0] = DELIVERY_EXTINT << 8;
            l->lvt[LVT_LINT1] = 4u << 8;
        }
    }
}

static void platform_destroy(void *state) { kfree(state); }

static enum io_result platform_io(void *dev, struct vm *vm, uint16_t port, unsigned size,
                                  bool in, uint32_t *val);

struct vplatform *vplatform_attach(struct vm *vm, unsigned ncpus, uint64_t now_ns,
                                   int64_t unix_s, uint64_t tsc_khz)
{
    struct vplatform *p = kzalloc(sizeof *p);
    if (!p)
        return NULL;
    if (!vm_device_add(&vm->devices, "pc-platform", p, platform_destroy)) {
        kfree(p);
        return NULL;
    }
    vplatform_init(p, vm, ncpus, now_ns, unix_s, tsc_khz);
    p->hpet_present = vm->cfg.hpet_present;
    static const uint16_t ranges[][2] = {
        { 0x20, 0x21 },   /* master 8259 */
        { 0x40, 0x43 },   /* 8254 */
        { 0x60, 0x64 },   /* i8042 data/status, port B (0x61) between them */
        { 0x70, 0x71 },   /* RTC index and data */
        { 0x92, 0x92 },   /* System Control Port A */
        { 0xa0, 0xa1 },   /* slave 8259 */
        { 0x4d0, 0x4d1 }, /* ELCR */
    };
    for (unsigned i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (!vm_ports_claim(&vm->devices, ranges[i][0], ranges[i][1], platform_io, p))
            return NULL; /* the state goes with the VM's devices */
    return p;
}

/* ---- ports --------------------------------------------------------------- */

static uint8_t read_byte(struct vplatform *p, uint16_t port, uint64_t now)
{
    switch (port) {
    case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
        return pic_port_read(&p->pic, port);
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x61:
        return pit_port_read(&p->pit, port, now);
    case 0x60: case 0x64:
        return i8042_port_read(&p->kbd, port);
    case 0x70: case 0x71:
        return rtc_port_read(&p->rtc, port, now);
    case 0x92:
        return p->port92;
    default:
        return 0xff;   /* 0x62, 0x63: nothing decodes them */
    }
}

static void write_byte(struct vplatform *p, uint16_t port, uint8_t v, uint64_t now)
{
    switch (port) {
    case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
        pic_port_write(&p->pic, port, v);
        break;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x61:
        pit_port_write(&p->pit, port, v, now);
        break;
    case 0x60: case 0x64:
        i8042_port_write(&p->kbd, port, v);
        break;
    case 0x70: case 0x71:
        rtc_port_write(&p->rtc, port, v, now);
        break;
    case 0x92:
        port92_write(p, v);
        break;
    default:
        break;
    }
}

uint32_t vplatform_port_read(struct vplatform *p, uint16_t port, unsigned size, uint64_t now_ns)
{
    uint32_t v = 0;
    for (unsigned b = 0; b < size && b < 4; b++)
        v |= (uint32_t)read_byte(p, (uint16_t)(port + b), now_ns) << (8 * b);
    p->next_deadline = 0; /* a read can change what is due (RTC C, PIT latch) */
    rtc_to_pm(p);         /* the RTC catches up on an access */
    return v;
}

void vplatform_port_write(struct vplatform *p, uint16_t port, unsigned size, uint32_t val,
                          uint64_t now_ns)
{
    for (unsigned b = 0; b < size && b < 4; b++)
        write_byte(p, (uint16_t)(port + b), (uint8_t)(val >> (8 * b)), now_ns);
    p->next_deadline = 0;
    rtc_to_pm(p);
}

static enum io_result platform_io(void *dev, struct vm *vm, uint16_t port, unsigned size,
                                  bool in, uint32_t *val)
{
    struct vplatform *p = dev;
    uint64_t now = plat_time_ns();
    if (in)
        *val = vplatform_port_read(p, port, size, now);
    else
        vplatform_port_write(p, port, size, *val, now);
    return vm_is_live(vm) ? IO_DONE : IO_STOP; /* a reset (i8042, port 0x92) ends the VM */
}

/* ---- time ---------------------------------------------------------------- */

static uint64_t earliest(struct vplatform *p, uint64_t now)
{
    uint64_t d = pit_next_deadline(&p->pit, now), r = rtc_next_deadline(&p->rtc, now);
    if (r < d)
        d = r;
    uint64_t h = p->hpet_present ? hpet_next_deadline(&p->hpet, now) : DEV_NO_DEADLINE;
    if (h < d)
        d = h;
    for (unsigned i = 0; i < p->ncpus; i++) {
        uint64_t l = vlapic_next_deadline(&p->lapic[i], now);
        if (l < d)
            d = l;
    }
    return d;
}

uint64_t vplatform_next_deadline(struct vplatform *p, uint64_t now_ns)
{
    if (p->next_deadline == 0)
        p->next_deadline = earliest(p, now_ns);
    return p->next_deadline;
}

uint64_t vplatform_tick(struct vplatform *p, uint64_t now_ns)
{
    if (vplatform_next_deadline(p, now_ns) > now_ns)
        return p->next_deadline;
    p->ticks++;
    pit_tick(&p->pit, now_ns);
    rtc_tick(&p->rtc, now_ns);
    rtc_to_pm(p);
    if (p->hpet_present)
        hpet_tick(&p->hpet, now_ns);
    for (unsigned i = 0; i < p->ncpus; i++)
        vlapic_tick(&p->lapic[i], now_ns);
    p->next_deadline = earliest(p, now_ns);
    /* A model whose deadline did not move past now would spin the caller:
     * the models promise progress (the device fuzzer checks it), but never
     * trust it with the CPU. */
    if (p->next_deadline <= now_ns)
        p->next_deadline = now_ns + 1;
    return p->next_deadline;
}

/* ---- delivery ------------------------------------------------------------ */

bool vplatform_device_nmi_possible(const struct vplatform *p)
{
    return vioapic_routes_nmi(&p->ioapic);
}

bool vplatform_pending(const struct vplatform *p, unsigned cpu)
{
    if (cpu >= p->ncpus)
        return false;
    if (p->pic_int && pic_reaches(p, cpu))
        return true;
    return p->apic_hw_enabled[cpu] && p->lapic[cpu].intr;
}

int vplatform_ack(struct vplatform *p, unsigned cpu)
{
    if (cpu >= p->ncpus)
        return -1;
    /* ExtINT first, as the core asks the 8259 for the vector itself. */
    if (p->pic_int && pic_reaches(p, cpu)) {
        p->injected++;
        p->next_deadline = 0;
        return pic_ack(&p->pic);
    }
    if (!p->apic_hw_enabled[cpu])
        return -1;
    int v = vlapic_ack(&p->lapic[cpu]);
    if (v >= 0) {
        p->injected++;
        p->next_deadline = 0;
    }
    return v;
}

void vplatform_taken(struct vplatform *p, unsigned cpu, int vector, uint64_t now_ns)
{
    if (cpu >= p->ncpus || vector < 0)
        return;
    struct vlapic *l = &p->lapic[cpu];
    if (!l->timer_due_ns || (uint8_t)vector != (uint8_t)l->lvt[LVT_TIMER])
        return;
    uint64_t due = l->timer_due_ns;
    uint64_t late = now_ns > due ? now_ns - due : 0;
    l->timer_due_ns = 0;
    if (p->vm && cpu < VM_MAX_VCPUS)
        vm_timer_taken(&p->vm->stats.timer[cpu], due, late);
}

/* ---- MMIO ---------------------------------------------------------------- */

#define PAGE_OF(gpa) ((gpa) & ~0xfffULL)

bool vplatform_is_lapic(const struct vplatform *p, uint64_t gpa)
{
    if (PAGE_OF(gpa) == VLAPIC_DEFAULT_BASE)
        return true;
    for (unsigned i = 0; p && i < p->ncpus; i++)
        if (PAGE_OF(gpa) == p->apic_base[i])
            return true;
    return false;
}

bool vplatform_is_ioapic(uint64_t gpa)
{
    return gpa >= VIOAPIC_DEFAULT_BASE && gpa < VIOAPIC_DEFAULT_BASE + 0x1000;
}

bool vplatform_is_hpet(const struct vplatform *p, uint64_t gpa)
{
    return p && p->hpet_present && PAGE_OF(gpa) == HPET_BASE;
}

/* The page is the HPET's; its registers fill the first 1 KiB, the rest
 * reads zeros (the ICH's decode) and takes no writes. */
uint64_t vplatform_hpet_read(struct vplatform *p, uint64_t gpa, unsigned size, uint64_t now_ns)
{
    p->next_deadline = 0;
    uint64_t off = gpa - HPET_BASE;
    return off < HPET_REG_SIZE ? hpet_read(&p->hpet, off, size, now_ns) : 0;
}

void vplatform_hpet_write(struct vplatform *p, uint64_t gpa, unsigned size, uint64_t val,
                          uint64_t now_ns)
{
    p->next_deadline = 0;
    uint64_t off = gpa - HPET_BASE;
    if (off >= HPET_REG_SIZE)
        return;
    hpet_write(&p->hpet, off, size, val, now_ns);
    drive_legacy(p, 0);   /* legacy replacement may have come or gone */
    drive_legacy(p, 1);
}

/* vCPU `cpu`'s xAPIC answers `gpa`: the address is on the page its
 * IA32_APIC_BASE names, and the APIC is enabled there and not in x2APIC
 * mode (SDM vol. 3, 11.4.3 and 11.12.2). The APIC sits inside the CPU, so
 * no other vCPU reaches it there. */
static bool own_lapic(const struct vplatform *p, unsigned cpu, uint64_t gpa)
{
    return cpu < p->ncpus && PAGE_OF(gpa) == p->apic_base[cpu] && p->apic_hw_enabled[cpu] &&
           !p->lapic[cpu].x2apic;
}

uint32_t vplatform_mmio_read(struct vplatform *p, unsigned cpu, uint64_t gpa, unsigned size,
                             uint64_t now_ns)
{
    p->next_deadline = 0;
    if (own_lapic(p, cpu, gpa))
        return vlapic_mmio_read(&p->lapic[cpu], gpa - p->apic_base[cpu], size, now_ns);
    if (vplatform_is_ioapic(gpa))
        return vioapic_mmio_read(&p->ioapic, gpa - VIOAPIC_DEFAULT_BASE, size);
    return 0xffffffffu;
}

void vplatform_mmio_write(struct vplatform *p, unsigned cpu, uint64_t gpa, unsigned size,
                          uint32_t val, uint64_t now_ns)
{
    p->next_deadline = 0;
    if (own_lapic(p, cpu, gpa))
        vlapic_mmio_write(&p->lapic[cpu], gpa - p->apic_base[cpu], size, val, now_ns);
    else if (vplatform_is_ioapic(gpa))
        vioapic_mmio_write(&p->ioapic, gpa - VIOAPIC_DEFAULT_BASE, size, val);
}

uint64_t vplatform_tsc_deadline_read(const struct vplatform *p, unsigned cpu)
{
    return cpu < p->ncpus ? vlapic_tsc_deadline_read(&p->lapic[cpu]) : 0;
}

void vplatform_tsc_deadline_write(struct vplatform *p, unsigned cpu, uint64_t tsc,
                                  uint64_t now_ns, uint64_t guest_tsc)
{
    if (cpu >= p->ncpus)
        return;
    vlapic_tsc_deadline_write(&p->lapic[cpu], tsc, now_ns, guest_tsc);
    p->next_deadline = 0;
}

/* ---- start-up and the APIC base MSR ------------------------------------------ */

enum vplatform_start vplatform_take_start(struct vplatform *p, unsigned cpu, uint8_t *vector)
{
    if (cpu >= p->ncpus)
        return VSTART_NONE;
    struct vplatform_cpu *c = &p->cpu[cpu];
    enum vplatform_start s = VSTART_NONE;
    if (c->resume_pending) {
        s = VSTART_RESUME;       /* a fresh state, as a SIPI's */
        c->resume_pending = false;
    } else if (c->sipi_pending) {
        *vector = c->sipi_vector;
        s = VSTART_SIPI;         /* a fresh state: any INIT before it is included */
    } else if (c->init_pending) {
        s = VSTART_INIT;
    }
    c->sipi_pending = c->init_pending = false;
    return s;
}

bool vplatform_waiting_sipi(const struct vplatform *p, unsigned cpu)
{
    return cpu < p->ncpus && p->cpu[cpu].wait_sipi;
}

/* ---- ACPI S3 ------------------------------------------------------------------ */

bool vplatform_suspended(const struct vplatform *p)
{
    return p->pm && p->pm->sleeping;
}

void vplatform_suspend(struct vplatform *p)
{
    vplatform_pm_changed(p);       /* asleep: no SCI */
    /* The HPET is in the chipset's core well, which S3 powers off: it
     * comes back in its reset state (the OS restores it on resume). */
    hpet_reset(&p->hpet, plat_time_ns());
    drive_legacy(p, 0);
    drive_legacy(p, 1);
    for (unsigned i = 0; i < p->ncpus; i++) {
        struct vplatform_cpu *c = &p->cpu[i];
        c->wait_sipi = true;
        c->init_pending = true;
        c->sipi_pending = c->resume_pending = false;
        c->nmi_pending = 0;
        vlapic_reset(&p->lapic[i]);
        kick(p, i);
    }
    p->next_deadline = 0;
}

bool vplatform_power_button(struct vplatform *p)
{
    if (!p->pm)
        return false;
    dev_pm_power_button(p->pm);
    vplatform_pm_changed(p);
    if (vplatform_suspended(p))
        kick(p, 0);                /* the BSP looks for the wake at once */
    return true;
}

enum vplatform_wake vplatform_wake_check(struct vplatform *p, uint64_t *addr)
{
    *addr = 0;
    if (!p->pm || !dev_pm_wake_due(p->pm))
        return VWAKE_NONE;
    enum dev_pm_wake_mode m = dev_pm_wake(p->pm, addr);
    vplatform_pm_changed(p);       /* awake: an enabled status raises the SCI */
    if (m == DEV_PM_WAKE_BOOT)
        return VWAKE_BOOT;
    if (m == DEV_PM_WAKE_BAD)
        return VWAKE_BAD;
    struct vplatform_cpu *c = &p->cpu[0];
    c->wait_sipi = false;
    c->resume_pending = true;
    c->resume_mode = (uint8_t)m;
    c->resume_addr = (uint32_t)*addr;
    return VWAKE_RESUME;
}

#define APIC_BASE_BSP_BIT (1ULL << 8)
#define APIC_BASE_EXTD_BIT (1ULL << 10)
#define APIC_BASE_EN_BIT (1ULL << 11)

uint64_t vplatform_apic_base_read(const struct vplatform *p, unsigned cpu)
{
    if (cpu >= p->ncpus)
        return 0;
    return p->apic_base[cpu] | (cpu == 0 ? APIC_BASE_BSP_BIT : 0) |
           (p->apic_hw_enabled[cpu] ? APIC_BASE_EN_BIT : 0) |
           (p->lapic[cpu].x2apic ? APIC_BASE_EXTD_BIT : 0);
}

bool vplatform_apic_base_write(struct vplatform *p, unsigned cpu, uint64_t val,
                               unsigned phys_bits)
{
    if (cpu >= p->ncpus)
        return false;
    /* Bits 0-7 and 9 are reserved, and the base's bits from MAXPHYADDR up
     * (SDM 11.4.4); the BSP flag is read-only. */
    uint64_t reserved = 0x2ffULL | (phys_bits < 64 ? ~0ULL << phys_bits : 0);
    if (val & reserved)
        return false;
    bool en = val & APIC_BASE_EN_BIT, extd = val & APIC_BASE_EXTD_BIT;
    bool was_en = p->apic_hw_enabled[cpu], was_x2 = p->lapic[cpu].x2apic;
    if (extd && !en)
        return false;            /* the invalid state */
    if (was_x2 && en && !extd)
        return false;            /* x2APIC -> xAPIC: only through disabled */
    if (extd && !was_en)
        return false;            /* disabled -> x2APIC: only through xAPIC */
    if (extd != was_x2)
        vlapic_set_x2apic(&p->lapic[cpu], extd);
    if (was_en && !en) {
        /* Disabled, the local APIC returns to its power-up state (SDM
         * 11.4.3): interrupts pending and in service dropped, LVTs masked,
         * the timer stopped, the ID the initial one. */
        vlapic_reset(&p->lapic[cpu]);
        p->lapic[cpu].id = p->lapic[cpu].initial_id;
    }
    p->apic_hw_enabled[cpu] = en;
    p->apic_base[cpu] = PAGE_OF(val);
    p->next_deadline = 0;
    return true;
}

bool vplatform_x2apic_read(struct vplatform *p, unsigned cpu, uint32_t msr, uint64_t *val,
                           uint64_t now_ns)
{
    if (cpu >= p->ncpus || !p->apic_hw_enabled[cpu])
        return false;
    p->next_deadline = 0;
    return vlapic_msr_read(&p->lapic[cpu], msr, val, now_ns);
}

uint64_t vplatform_cr8_read(const struct vplatform *p, unsigned cpu)
{
    return cpu < p->ncpus ? vlapic_tpr(&p->lapic[cpu]) >> 4 : 0;
}

void vplatform_cr8_write(struct vplatform *p, unsigned cpu, uint64_t cr8)
{
    if (cpu >= p->ncpus)
        return;
    p->next_deadline = 0;
    vlapic_set_tpr(&p->lapic[cpu], (uint8_t)((cr8 & 15) << 4));
}

bool vplatform_x2apic_write(struct vplatform *p, unsigned cpu, uint32_t msr, uint64_t val,
                            uint64_t now_ns)
{
    if (cpu >= p->ncpus || !p->apic_hw_enabled[cpu])
        return false;
    p->next_deadline = 0;
    return vlapic_msr_write(&p->lapic[cpu], msr, val, now_ns);
}
