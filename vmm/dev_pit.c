/* 8254 PIT model (Intel 8254 datasheet, order no. 231164: "Mode
 * definitions", "Read-back command", "Counter latch command"), with port
 * 0x61 as the PC wires it (bit 0: channel 2's gate, bit 5: channel 2's
 * output, bit 4: the refresh toggle some delay loops poll). The count is
 * computed from the time at each access, not stepped: a channel is a start
 * time plus the ticks counted before it, so reads cost nothing between
 * accesses and long gaps cannot overflow (ticks and ns convert in two
 * parts, seconds and the rest). */
#include "vmm/dev_pit.h"

#define REFRESH_NS 15085ULL /* the refresh request toggles about every 15 us */

static uint64_t ticks_between(uint64_t from_ns, uint64_t to_ns)
{
    if (to_ns <= from_ns)
        return 0;
    uint64_t d = to_ns - from_ns;
    return (d / NS_PER_S) * PIT_HZ + (d % NS_PER_S) * PIT_HZ / NS_PER_S;
}

/* The first time at least `ticks` ticks have passed (rounded up). */
static uint64_t ticks_to_ns(uint64_t ticks)
{
    return (ticks / PIT_HZ) * NS_PER_S + ((ticks % PIT_HZ) * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t period(const struct pit_channel *c)
{
    return c->reload ? c->reload : 65536;
}

static uint64_t elapsed(const struct pit_channel *c, uint64_t now)
{
    return c->ticks_before + (c->counting ? ticks_between(c->start_ns, now) : 0);
}

bool pit_out(const struct pit *p, unsigned ch, uint64_t now)
{
    const struct pit_channel *c = &p->ch[ch];
    if (!c->armed)
        return c->mode != 0;     /* a control word sets OUT low in mode 0, high otherwise */
    uint64_t n = period(c), t = elapsed(c, now);
    switch (c->mode) {
    case 0: return t >= n;       /* high at terminal count, until reprogrammed */
    case 4: return t != n;       /* one low tick at terminal count */
    case 2: return !c->counting || t % n != n - 1; /* low for the tick before reload */
    case 3: return !c->counting || t % n < (n + 1) / 2; /* high half, low half */
    default: return true;        /* modes 1 and 5 need a gate trigger: not modelled */
    }
}

uint16_t pit_count(const struct pit *p, unsigned ch, uint64_t now)
{
    const struct pit_channel *c = &p->ch[ch];
    uint64_t n = period(c);
    if (!c->armed)
        return (uint16_t)c->reload;
    uint64_t t = elapsed(c, now);
    switch (c->mode) {
    case 0: case 4:
        return (uint16_t)(n - t);            /* keeps counting down past 0, wrapping */
    case 2:
        return (uint16_t)(c->counting ? n - t % n : n);
    case 3: {
        /* Counts down by two each half-period. */
        if (!c->counting)
            return (uint16_t)n;
        uint64_t pos = t % n, high = (n + 1) / 2;
        uint64_t in_half = pos < high ? pos : pos - high;
        return (uint16_t)((n - 2 * in_half) & ~1ULL);
    }
    default:
        return (uint16_t)n;
    }
}

/* Channel 0's output drives IRQ 0: report level changes, and a pulse for
 * each period of the periodic modes (an edge-triggered input latches one
 * per pulse; periods that passed unseen between ticks merge into one, as
 * lost ticks do on real hardware). */
static void report_ch0(struct pit *p, uint64_t now)
{
    struct pit_channel *c = &p->ch[0];
    if (c->armed && c->counting && (c->mode == 2 || c->mode == 3)) {
        uint64_t periods = elapsed(c, now) / period(c);
        if (periods > c->periods_seen) {
            c->periods_seen = periods;
            dev_irq_set(&p->irq, PIT_IRQ, false);
            dev_irq_set(&p->irq, PIT_IRQ, true);
            c->out_reported = true;
        }
        return;
    }
    if (c->armed && c->counting && c->mode == 4) {
        /* Mode 4 (Linux's one-shot clockevent): OUT drops for the one
         * tick at terminal count and rises again after it; the rising
         * edge is the interrupt. A tick that comes late, after the strobe
         * is over, must still report it: the PIC latched that edge whether
         * or not anyone looked at the level meanwhile. One strobe per
         * count written (periods_seen 0 -> 1). */
        if (!c->periods_seen && elapsed(c, now) > period(c)) {
            c->periods_seen = 1;
            dev_irq_set(&p->irq, PIT_IRQ, false);
            dev_irq_set(&p->irq, PIT_IRQ, true);
            c->out_reported = true;
        }
        return;
    }
    bool out = pit_out(p, 0, now);
    if (out != c->out_reported) {
        c->out_reported = out;
        dev_irq_set(&p->irq, PIT_IRQ, out);
    }
}

static void report(struct pit *p, unsigned ch, uint64_t now)
{
    if (ch == 0)
        report_ch0(p, now);
}

/* A count is complete: it starts counting now (real parts load it on the
 * next clock; one tick, under a microsecond, is not modelled). */
static void load(struct pit *p, unsigned ch, uint32_t value, uint64_t now)
{
    struct pit_channel *c = &p->ch[ch];
    c->reload = value;
    c->armed = true;
    c->ticks_before = 0;
    c->start_ns = now;
    c->counting = c->gate;
    c->periods_seen = 0;
    report(p, ch, now);
}

static void set_gate(struct pit *p, unsigned ch, bool gate, uint64_t now)
{
    struct pit_channel *c = &p->ch[ch];
    if (gate == c->gate)
        return;
    c->gate = gate;
    if (!c->armed)
        return;
    if (c->mode == 0 || c->mode == 4) {
        /* Gate low suspends counting; high resumes it. */
        if (!gate)
            c->ticks_before = elapsed(c, now);
        c->start_ns = now;
        c->counting = gate;
    } else if (gate) {
        /* Modes 2 and 3: a rising gate reloads and restarts the count. */
        c->ticks_before = 0;
        c->start_ns = now;
        c->counting = true;
        c->periods_seen = 0;
    } else {
        c->counting = false;     /* gate low holds OUT high and stops the count */
    }
    report(p, ch, now);
}

void pit_init(struct pit *p, struct dev_irq irq, uint64_t now)
{
    *p = (struct pit){ .irq = irq };
    for (unsigned i = 0; i < 3; i++) {
        p->ch[i].gate = i != 2; /* channels 0 and 1 are gated high; 2 by port 0x61 */
        p->ch[i].rw = 3;
        p->ch[i].start_ns = now;
    }
}

static void latch_count(struct pit *p, unsigned ch, uint64_t now)
{
    struct pit_channel *c = &p->ch[ch];
    if (c->latched)
        return;                  /* a second latch before the read is ignored */
    c->latch = pit_count(p, ch, now);
    c->latched = c->rw == 3 ? 2 : 1;
    c->latch_hi = c->rw == 2;
}

static void latch_status(struct pit *p, unsigned ch, uint64_t now)
{
    struct pit_channel *c = &p->ch[ch];
    if (c->status_latched)
        return;
    c->status = (uint8_t)((pit_out(p, ch, now) ? 0x80 : 0) | (c->armed ? 0 : 0x40) |
                          (c->rw << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
    c->status_latched = true;
}

static void control_word(struct pit *p, uint8_t val, uint64_t now)
{
    unsigned sc = val >> 6, rw = (val >> 4) & 3;
    if (sc == 3) {
        /* Read-back: bit 5 low latches counts, bit 4 low latches status,
         * bits 1-3 select channels 0-2. */
        for (unsigned ch = 0; ch < 3; ch++) {
            if (!(val & (2u << ch)))
                continue;
            if (!(val & 0x10))
                latch_status(p, ch, now);
            if (!(val & 0x20))
                latch_count(p, ch, now);
        }
        return;
    }
    if (rw == 0) {
        latch_count(p, sc, now);
        return;
    }
    struct pit_channel *c = &p->ch[sc];
    unsigned mode = (val >> 1) & 7;
    c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode);
    c->rw = (uint8_t)rw;
    c->bcd = val & 1;
    c->armed = false;
    c->counting = false;
    c->write_hi = c->read_hi = false;
    c->latched = 0;
    c->status_latched = false;
    report(p, sc, now);
}

uint8_t pit_port_read(struct pit *p, uint16_t port, uint64_t now)
{
    if (port == 0x61) {
        uint8_t v = p->port61 & 0x0f;
        if ((now / REFRESH_NS) & 1)
            v |= 0x10;
        if (pit_out(p, 2, now))
            v |= 0x20;
        return v;
    }
    if (port < 0x40 || port > 0x42)
        return 0xff;             /* 0x43 is write-only */
    struct pit_channel *c = &p->ch[port - 0x40];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    bool hi;
    if (c->latched) {
        v = c->latch;
        hi = c->latch_hi;
        c->latch_hi = !c->latch_hi;
        c->latched--;
    } else {
        v = pit_count(p, port - 0x40u, now);
        hi = c->rw == 2 || (c->rw == 3 && c->read_hi);
        if (c->rw == 3)
            c->read_hi = !c->read_hi;
    }
    return (uint8_t)(hi ? v >> 8 : v);
}

void pit_port_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now)
{
    if (port == 0x61) {
        p->port61 = val & 0x0f;
        set_gate(p, 2, val & 1, now);
        return;
    }
    if (port == 0x43) {
        control_word(p, val, now);
        return;
    }
    if (port < 0x40 || port > 0x42)
        return;
    unsigned ch = port - 0x40u;
    struct pit_channel *c = &p->ch[ch];
    switch (c->rw) {
    case 1: load(p, ch, val, now); break;
    case 2: load(p, ch, (uint32_t)val << 8, now); break;
    default:
        if (!c->write_hi) {
            c->partial = val;
            c->write_hi = true;
            if (c->mode == 0) {
                /* Mode 0: the first byte of a new count stops the count and
                 * sets OUT low at once. */
                c->armed = false;
                c->counting = false;
                report(p, ch, now);
            }
        } else {
            c->write_hi = false;
            load(p, ch, c->partial | (uint32_t)val << 8, now);
        }
        break;
    }
}

void pit_tick(struct pit *p, uint64_t now)
{
    report_ch0(p, now);
}

uint64_t pit_next_deadline(const struct pit *p, uint64_t now)
{
    const struct pit_channel *c = &p->ch[0];
    if (!c->armed || !c->counting)
        return DEV_NO_DEADLINE;
    uint64_t n = period(c), target;
    if (c->mode == 2 || c->mode == 3)
        target = (c->periods_seen + 1) * n;
    else if (c->mode == 0 && elapsed(c, now) < n)
        target = n;              /* OUT rises at terminal count */
    else if (c->mode == 4 && !c->periods_seen)
        target = n + 1;          /* OUT rises after the strobe's low tick */
    else
        return DEV_NO_DEADLINE;
    uint64_t at = c->start_ns + ticks_to_ns(target - c->ticks_before);
    return at > now ? at : now;
}
