/* Local APIC model (Intel SDM vol. 3, chapter 11: 11.4 register map, 11.5.1
 * LVT, 11.5.4 APIC timer and 11.5.4.1 TSC-deadline mode, 11.8.3 IRR/ISR/
 * TMR, 11.8.3.1 PPR, 11.8.4 interrupt acceptance, 11.8.5 EOI, 11.9
 * spurious-interrupt register and software disable, 11.6 IPIs and their
 * destinations, 11.12 x2APIC mode). The timer counts from the time of the
 * write; reads compute the count. */
#include "vmm/dev_lapic.h"

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3)
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2
#define SVR_ENABLE (1u << 8)
#define SVR_NO_EOI_BROADCAST (1u << 12)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_SEND_ILLEGAL (1u << 5)

/* Bits a write may set in each LVT entry (vector, delivery mode, polarity,
 * trigger, mask, timer mode). */
static const uint32_t lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = 0x000700ff, [LVT_THERMAL] = 0x000107ff, [LVT_PERF] = 0x000107ff,
    [LVT_LINT0] = 0x0001a7ff, [LVT_LINT1] = 0x0001a7ff, [LVT_ERROR] = 0x000100ff,
};

static bool enabled(const struct vlapic *l) { return l->svr & SVR_ENABLE; }

static int highest(const uint32_t reg[8])
{
    for (int i = 7; i >= 0; i--)
        if (reg[i])
            return i * 32 + 31 - __builtin_clz(reg[i]);
    return -1;
}

static bool test_bit(const uint32_t reg[8], unsigned v) { return reg[v / 32] >> (v % 32) & 1; }
static void set_bit(uint32_t reg[8], unsigned v) { reg[v / 32] |= 1u << (v % 32); }
static void clear_bit(uint32_t reg[8], unsigned v) { reg[v / 32] &= ~(1u << (v % 32)); }

static uint32_t ppr(const struct vlapic *l)
{
    int isrv = highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

uint8_t vlapic_tpr(const struct vlapic *l) { return l->tpr; }

/* The vector that would be delivered now, or -1. */
int vlapic_isr_top(const struct vlapic *l) { return highest(l->isr); }
int vlapic_irr_top(const struct vlapic *l) { return highest(l->irr); }
uint32_t vlapic_ppr(const struct vlapic *l) { return ppr(l); }

static int deliverable(const struct vlapic *l)
{
    int irrv = highest(l->irr);
    if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (ppr(l) & 0xf0))
        return -1;
    return irrv;
}

static void update(struct vlapic *l)
{
    bool intr = deliverable(l) >= 0;
    if (intr != l->intr) {
        l->intr = intr;
        dev_irq_set(&l->out, 0, intr);
    }
}

void vlapic_set_tpr(struct vlapic *l, uint8_t tpr)
{
    l->tpr = tpr;
    update(l);
}

void vlapic_init(struct vlapic *l, uint8_t id, uint64_t bus_hz, uint64_t tsc_khz,
                 struct dev_irq out)
{
    *l = (struct vlapic){ .id = id, .initial_id = id, .bus_hz = bus_hz, .tsc_khz = tsc_khz,
                          .out = out };
    l->dfr = 0xffffffffu;
    l->svr = 0xff;               /* software-disabled until the guest sets bit 8 */
    for (unsigned i = 0; i < LVT_COUNT; i++)
        l->lvt[i] = LVT_MASKED;
}

/* The x2APIC logical ID: cluster (ID bits 31:4) in 31:16, one bit for the
 * ID's low four bits in 15:0 (SDM 11.12.10.2). */
static uint32_t x2apic_ldr(uint32_t id) { return ((id >> 4) << 16) | (1u << (id & 0xf)); }

void vlapic_set_x2apic(struct vlapic *l, bool on)
{
    l->x2apic = on;
    l->id = l->initial_id;
    l->ldr = on ? x2apic_ldr(l->initial_id) : 0;
}

void vlapic_reset(struct vlapic *l)
{
    struct vlapic keep = *l;
    vlapic_init(l, keep.id, keep.bus_hz, keep.tsc_khz, keep.out);
    l->initial_id = keep.initial_id;
    l->eoi = keep.eoi;
    l->ipi = keep.ipi;
    l->ctx = keep.ctx;
    if (keep.x2apic)
        vlapic_set_x2apic(l, true);
    if (keep.intr)
        dev_irq_set(&l->out, 0, false); /* nothing left to deliver */
}

bool vlapic_match_dest(const struct vlapic *l, bool logical, uint32_t dest)
{
    if (l->x2apic) {
        if (dest == 0xffffffffu)
            return true;
        if (!logical)
            return dest == l->initial_id;
        /* cluster in 31:16 must match; members are a bit mask in 15:0 */
        return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff) != 0;
    }
    dest &= 0xff;
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == l->id;
    uint32_t ldr = l->ldr >> 24;
    if ((l->dfr >> 28) == 0xf)
        return (dest & ldr) != 0;             /* flat: a bit per APIC */
    /* cluster: cluster number in 7:4 (15 = every cluster), members 3:0 */
    uint32_t cluster = dest >> 4;
    return (cluster == 0xf || cluster == ldr >> 4) && (dest & ldr & 0xf) != 0;
}

void vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
    if (vector < 16) {
        l->esr |= ESR_RECV_ILLEGAL; /* vectors 0-15 are illegal (11.5.3) */
        return;
    }
    if (!enabled(l))
        return;                  /* a disabled APIC takes no fixed interrupts */
    set_bit(l->irr, vector);
    if (level)
        set_bit(l->tmr, vector);
    else
        clear_bit(l->tmr, vector);
    update(l);
}

int vlapic_ack(struct vlapic *l)
{
    int v = deliverable(l);
    if (v < 0)
        return -1;
    clear_bit(l->irr, (unsigned)v);
    set_bit(l->isr, (unsigned)v);
    update(l);
    return v;
}

static void eoi(struct vlapic *l)
{
    int v = highest(l->isr);
    if (v < 0)
        return;
    clear_bit(l->isr, (unsigned)v);
    if (test_bit(l->tmr, (unsigned)v) && !(l->svr & SVR_NO_EOI_BROADCAST) && l->eoi)
        l->eoi(l->ctx, (uint8_t)v);
    update(l);
}

/* ---- timer ----------------------------------------------------------------- */
static uint64_t timer_hz(const struct vlapic *l)
{
    unsigned code = ((l->divide_conf >> 1) & 4) | (l->divide_conf & 3);
    return l->bus_hz / (code == 7 ? 1 : 2u << code);
}

static uint64_t timer_ticks(const struct vlapic *l, uint64_t now)
{
    if (now <= l->timer_start_ns)
        return 0;
    uint64_t d = now - l->timer_start_ns, hz = timer_hz(l);
    return (d / NS_PER_S) * hz + (d % NS_PER_S) * hz / NS_PER_S;
}

static uint64_t ticks_to_ns(const struct vlapic *l, uint64_t ticks)
{
    uint64_t hz = timer_hz(l);
    if (!hz)
        return DEV_NO_DEADLINE;
    return (ticks / hz) * NS_PER_S + ((ticks % hz) * NS_PER_S + hz - 1) / hz;
}

static uint32_t current_count(const struct vlapic *l, uint64_t now)
{
    if (!l->timer_armed || LVT_TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE)
        return 0;
    uint64_t t = timer_ticks(l, now);
    if (LVT_TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_PERIODIC)
        return (uint32_t)(l->initial_count - t % l->initial_count);
    return t >= l->initial_count ? 0 : (uint32_t)(l->initial_count - t);
}

/* `due_ns`: when it fell due; fires merged into one keep the first. */
static void timer_fire(struct vlapic *l, uint64_t due_ns)
{
    uint32_t lvt = l->lvt[LVT_TIMER];
    if (lvt & LVT_MASKED)
        return;
    vlapic_accept(l, (uint8_t)lvt, false);
    if (!l->timer_due_ns)
        l->timer_due_ns = due_ns ? due_ns : 1;
}

void vlapic_tick(struct vlapic *l, uint64_t now)
{
    unsigned mode = LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
    if (mode == TIMER_TSC_DEADLINE) {
        if (l->tsc_deadline && l->deadline_ns != DEV_NO_DEADLINE && now >= l->deadline_ns) {
            l->tsc_deadline = 0; /* reads 0 once it has fired (11.5.4.1) */
            timer_fire(l, l->deadline_ns);
        }
        return;
    }
    if (!l->timer_armed)
        return;
    uint64_t t = timer_ticks(l, now);
    if (mode == TIMER_PERIODIC) {
        /* Periods missed between ticks merge into one interrupt. */
        if (t / l->initial_count > l->periods_seen) {
            uint64_t first = l->periods_seen + 1;
            l->periods_seen = t / l->initial_count;
            timer_fire(l, l->timer_start_ns + ticks_to_ns(l, first * l->initial_count));
        }
    } else if (t >= l->initial_count) {
        l->timer_armed = false;
        timer_fire(l, l->timer_start_ns + ticks_to_ns(l, l->initial_count));
    }
}

uint64_t vlapic_next_deadline(const struct vlapic *l, uint64_t now)
{
    if (l->lvt[LVT_TIMER] & LVT_MASKED)
        return DEV_NO_DEADLINE;  /* it runs, but nothing can come of it */
    unsigned mode = LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
    uint64_t at;
    if (mode == TIMER_TSC_DEADLINE) {
        if (!l->tsc_deadline)
            return DEV_NO_DEADLINE;
        at = l->deadline_ns;
    } else if (l->timer_armed) {
        uint64_t target = mode == TIMER_PERIODIC ? (l->periods_seen + 1) * l->initial_count
                                                 : l->initial_count;
        uint64_t ns = ticks_to_ns(l, target);
        if (ns == DEV_NO_DEADLINE)
            return ns;
        at = l->timer_start_ns + ns;
    } else {
        return DEV_NO_DEADLINE;
    }
    return at > now ? at : now;
}

uint64_t vlapic_tsc_deadline_read(const struct vlapic *l)
{
    return LVT_TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t tsc, uint64_t now_ns, uint64_t now_tsc)
{
    if (LVT_TIMER_MODE(l->lvt[LVT_TIMER]) != TIMER_TSC_DEADLINE || !l->tsc_khz)
        return;                  /* ignored outside TSC-deadline mode */
    l->tsc_deadline = tsc;
    if (!tsc)
        return;                  /* 0 disarms */
    uint64_t delta = tsc > now_tsc ? tsc - now_tsc : 0;
    /* ns = delta / (khz * 1000) * 1e9, split to stay within 64 bits; a
     * deadline beyond them is "never" (it would be centuries away). */
    uint64_t whole = delta / l->tsc_khz;
    if (whole > (DEV_NO_DEADLINE - now_ns) / 1000000ULL) {
        l->deadline_ns = DEV_NO_DEADLINE;
        return;
    }
    uint64_t ns = whole * 1000000ULL +
                  ((delta % l->tsc_khz) * 1000000ULL + l->tsc_khz - 1) / l->tsc_khz;
    l->deadline_ns = ns > DEV_NO_DEADLINE - now_ns ? DEV_NO_DEADLINE : now_ns + ns;
}

static void write_lvt(struct vlapic *l, unsigned i, uint32_t val, uint64_t now)
{
    /* The timer ran while masked without asking for a deadline: what fell
     * due meanwhile is taken under the old LVT first (masked: lost, as on
     * a CPU), not delivered late because the new one unmasks it. */
    if (i == LVT_TIMER)
        vlapic_tick(l, now);
    uint32_t old = l->lvt[i];
    val &= lvt_writable[i];
    if (!enabled(l))
        val |= LVT_MASKED;       /* masks stay set while software-disabled */
    if (i == LVT_TIMER && LVT_TIMER_MODE(val) == 3)
        val &= ~(3u << 17);      /* reserved mode: taken as one-shot */
    l->lvt[i] = val;
    if (i == LVT_TIMER && (LVT_TIMER_MODE(old) == TIMER_TSC_DEADLINE) !=
                              (LVT_TIMER_MODE(val) == TIMER_TSC_DEADLINE)) {
        /* Switching into or out of TSC-deadline mode disarms the timer. */
        l->timer_armed = false;
        l->initial_count = 0;
        l->tsc_deadline = 0;
    } else if (i == LVT_TIMER && l->timer_armed &&
               LVT_TIMER_MODE(old) == TIMER_PERIODIC && LVT_TIMER_MODE(val) == TIMER_ONESHOT) {
        /* Periodic to one-shot: the count goes on down from where it is
         * and stops at 0 (SDM 11.5.4), so the one shot is measured from
         * the start of the period under way. */
        uint64_t into = ticks_to_ns(l, timer_ticks(l, now) % l->initial_count);
        l->timer_start_ns = into < now ? now - into : 0;
        l->periods_seen = 0;
    }
}

/* ---- registers ---------------------------------------------------------------- */
/* Register `reg` (its MMIO offset / 16, = MSR - 0x800) as both modes read
 * it, but for the ID. */
static uint32_t reg_read(struct vlapic *l, unsigned reg, uint64_t now)
{
    switch (reg) {
    case 0x02: return (uint32_t)l->id << 24;
    case 0x03: return 0x00050014u;           /* 6 LVT entries, version 0x14 */
    case 0x08: return l->tpr;
    case 0x09: return 0;                     /* APR: arbitration is not modelled */
    case 0x0a: return ppr(l);
    case 0x0d: return l->ldr;
    case 0x0e: return l->dfr;
    case 0x0f: return l->svr;
    case 0x28: return l->esr;
    case 0x30: return l->icr_lo & ~(1u << 12); /* delivery status: always idle */
    case 0x31: return l->icr_hi;
    case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
        return l->lvt[reg - 0x32];
    case 0x38: return l->initial_count;
    case 0x39: return current_count(l, now);
    case 0x3e: return l->divide_conf;
    default:
        if (reg >= 0x10 && reg < 0x18)
            return l->isr[reg - 0x10];
        if (reg >= 0x18 && reg < 0x20)
            return l->tmr[reg - 0x18];
        if (reg >= 0x20 && reg < 0x28)
            return l->irr[reg - 0x20];
        return 0;
    }
}

uint32_t vlapic_mmio_read(struct vlapic *l, uint64_t offset, unsigned size, uint64_t now)
{
    if (size != 4 || (offset & 0xf) || offset >= 0x1000)
        return 0;
    return reg_read(l, (unsigned)offset >> 4, now);
}

static void self_ipi(struct vlapic *l, uint8_t vector)
{
    vlapic_accept(l, vector, false);
    if (vector < 16)
        l->esr |= ESR_SEND_ILLEGAL;
}

static void send_ipi(struct vlapic *l)
{
    uint32_t lo = l->icr_lo, shorthand = (lo >> 18) & 3, mode = (lo >> 8) & 7;
    if (shorthand == 1 && mode == 0)
        self_ipi(l, (uint8_t)lo);
    else if (l->ipi)
        l->ipi(l->ctx, l, lo, l->x2apic ? l->icr_hi : l->icr_hi >> 24);
}

static void write_initial_count(struct vlapic *l, uint32_t val, uint64_t now)
{
    if (LVT_TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE)
        return;                  /* ignored in TSC-deadline mode */
    l->initial_count = val;
    l->timer_armed = val != 0;   /* 0 stops the timer */
    l->timer_start_ns = now;
    l->periods_seen = 0;
}

static void write_svr(struct vlapic *l, uint32_t val)
{
    l->svr = val & 0x11ff;
    if (!enabled(l))
        for (unsigned i = 0; i < LVT_COUNT; i++)
            l->lvt[i] |= LVT_MASKED; /* disabling masks every LVT entry */
}

void vlapic_mmio_write(struct vlapic *l, uint64_t offset, unsigned size, uint32_t val, uint64_t now)
{
    if (size != 4 || (offset & 0xf) || offset >= 0x1000)
        return;
    unsigned reg = (unsigned)offset >> 4;
    switch (reg) {
    case 0x02: l->id = (uint8_t)(val >> 24); break;
    case 0x08: l->tpr = val & 0xff; update(l); break;
    case 0x0b: eoi(l); break;
    case 0x0d: l->ldr = val & 0xff000000u; break;
    case 0x0e: l->dfr = val | 0x0fffffffu; break;
    case 0x0f: write_svr(l, val); break;
    case 0x28: l->esr = 0; break;            /* a write clears the errors */
    case 0x30: l->icr_lo = val & 0x000ccfff; send_ipi(l); break;
    case 0x31: l->icr_hi = val & 0xff000000u; break;
    case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
        write_lvt(l, reg - 0x32, val, now);
        break;
    case 0x38: write_initial_count(l, val, now); break;
    case 0x3e: l->divide_conf = val & 0xb; break;
    default: break;              /* read-only or reserved */
    }
}

/* ---- x2APIC MSRs (SDM 11.12.1.2, table 11-6) ------------------------------ */

/* Registers readable through RDMSR in x2APIC mode: not EOI and SELF IPI
 * (write-only), not DFR, APR or the ICR's high half (absent), not CMCI (no
 * such LVT entry here). */
static bool x2apic_readable(unsigned reg)
{
    switch (reg) {
    case 0x02: case 0x03: case 0x08: case 0x0a: case 0x0d: case 0x0f: case 0x28:
    case 0x30: case 0x38: case 0x39: case 0x3e:
        return true;
    default:
        return (reg >= 0x10 && reg < 0x28) || (reg >= 0x32 && reg <= 0x37);
    }
}

bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *val, uint64_t now)
{
    if (!l->x2apic || msr < 0x800 || msr > 0x8ff || !x2apic_readable(msr - 0x800))
        return false;
    unsigned reg = msr - 0x800;
    if (reg == 0x02)
        *val = l->initial_id;    /* the full 32-bit x2APIC ID */
    else if (reg == 0x30)
        *val = (uint64_t)l->icr_hi << 32 | (l->icr_lo & ~(1u << 12));
    else
        *val = reg_read(l, reg, now);
    return true;
}

bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now)
{
    if (!l->x2apic || msr < 0x800 || msr > 0x8ff)
        return false;
    unsigned reg = msr - 0x800;
    uint32_t v = (uint32_t)val;
    if (reg != 0x30 && (val >> 32))
        return false;            /* only the ICR is 64 bits wide */
    switch (reg) {
    case 0x08:
        if (v & ~0xffu)
            return false;
        l->tpr = v;
        update(l);
        return true;
    case 0x0b:                   /* EOI: only 0 may be written */
        if (v)
            return false;
        eoi(l);
        return true;
    case 0x0f:
        if (v & ~0x11ffu)
            return false;
        write_svr(l, v);
        return true;
    case 0x28:                   /* ESR: a write of 0 clears it */
        if (v)
            return false;
        l->esr = 0;
        return true;
    case 0x30:
        if (v & ~0x000ccfffu)
            return false;        /* delivery status and reserved bits */
        l->icr_lo = v;
        l->icr_hi = (uint32_t)(val >> 32);
        send_ipi(l);
        return true;
    case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
        if (v & ~lvt_writable[reg - 0x32])
            return false;
        write_lvt(l, reg - 0x32, v, now);
        return true;
    case 0x38: write_initial_count(l, v, now); return true;
    case 0x3e:
        if (v & ~0xbu)
            return false;
        l->divide_conf = v;
        return true;
    case 0x3f:                   /* SELF IPI: a fixed, edge self-IPI */
        if (v & ~0xffu)
            return false;
        self_ipi(l, (uint8_t)v);
        return true;
    default:
        return false;            /* read-only, reserved or absent */
    }
}
