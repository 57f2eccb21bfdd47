/* HPET model (see dev_hpet.h). Register layout and bits: IA-PC HPET
 * specification 1.0a, 2.3 "Register Definition and Address Map". */
#include "vmm/dev_hpet.h"

#define REG_GCAP 0x000
#define REG_GEN_CONF 0x010
#define REG_GINTR_STA 0x020
#define REG_MAIN_CNT 0x0f0
#define REG_TIMER0 0x100
#define TIMER_STRIDE 0x20
#define TIMER_CONF 0x00
#define TIMER_CMP 0x08
#define TIMER_FSB 0x10

#define GCAP_REV_ID 0x01ULL
#define GCAP_COUNT_SIZE (1ULL << 13)   /* a 64-bit main counter */
#define GCAP_LEG_RT (1ULL << 15)       /* legacy replacement capable */
#define GCAP_VENDOR_INTEL (0x8086ULL << 16)

#define CONF_ENABLE 0x1ULL
#define CONF_LEG_RT 0x2ULL

#define TN_LEVEL (1ULL << 1)           /* Tn_INT_TYPE_CNF */
#define TN_INT_ENB (1ULL << 2)
#define TN_PERIODIC (1ULL << 3)        /* Tn_TYPE_CNF */
#define TN_PER_CAP (1ULL << 4)
#define TN_SIZE_CAP (1ULL << 5)        /* a 64-bit comparator */
#define TN_VAL_SET (1ULL << 6)
#define TN_32MODE (1ULL << 8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE_MASK (0x1fULL << TN_ROUTE_SHIFT)

#define LOW32 0xffffffffULL

uint64_t hpet_counter(const struct hpet *h, uint64_t now_ns)
{
    if (!(h->gen_conf & CONF_ENABLE) || now_ns <= h->base_ns)
        return h->count;
    /* Split at whole seconds so the product cannot overflow in any uptime. */
    uint64_t d = now_ns - h->base_ns;
    return h->count + (d / NS_PER_S) * HPET_HZ + (d % NS_PER_S) * HPET_HZ / NS_PER_S;
}

bool hpet_legacy(const struct hpet *h)
{
    return (h->gen_conf & CONF_LEG_RT) != 0;
}

/* The comparator's width: 32 bits for the 32-bit timers and for a 64-bit
 * one in 32-bit mode, where it matches the counter's low half. */
static uint64_t width_mask(const struct hpet_timer *t)
{
    return (t->config & TN_SIZE_CAP) && !(t->config & TN_32MODE) ? ~0ULL : LOW32;
}

/* The line timer `i` drives: legacy replacement's ISA IRQ, else its route
 * if the timer can take it; -1: none. */
static int line_of(const struct hpet *h, unsigned i)
{
    if (hpet_legacy(h) && i < 2)
        return i == 0 ? HPET_LEGACY_IRQ0 : HPET_LEGACY_IRQ8;
    unsigned route = (unsigned)((h->t[i].config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
    return (h->t[i].config >> 32) >> route & 1 ? (int)route : -1;
}

/* Level-triggered timers hold their line while their status bit is set
 * and their interrupt enabled; lines report changes only. */
static void update_lines(struct hpet *h)
{
    bool want[HPET_LINES] = { false };
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        const struct hpet_timer *t = &h->t[i];
        int line = line_of(h, i);
        if (line >= 0 && (t->config & TN_LEVEL) && (t->config & TN_INT_ENB) && (h->isr >> i & 1))
            want[line] = true;
    }
    for (unsigned l = 0; l < HPET_LINES; l++)
        if (want[l] != h->out[l]) {
            h->out[l] = want[l];
            dev_irq_set(&h->irq, l, want[l]);
        }
}

/* A match: level mode sets the status bit (interrupt enabled or not),
 * edge mode sends an edge if enabled (none on a line a level timer holds). */
static void fire(struct hpet *h, unsigned i)
{
    const struct hpet_timer *t = &h->t[i];
    if (t->config & TN_LEVEL) {
        h->isr |= 1ULL << i;
        h->irqs++;
        return;
    }
    int line = line_of(h, i);
    if (!(t->config & TN_INT_ENB) || line < 0 || h->out[line])
        return;
    h->irqs++;
    dev_irq_set(&h->irq, (unsigned)line, true);
    dev_irq_set(&h->irq, (unsigned)line, false);
}

/* Timer `i` over the counter's move from `from` to `to`: it matches when
 * the counter (its low half in 32-bit mode) passes its comparator; a
 * periodic timer then moves its comparator past `to` by whole periods
 * (periods missed while nobody looked make one interrupt). */
static void check_timer(struct hpet *h, unsigned i, uint64_t from, uint64_t to)
{
    struct hpet_timer *t = &h->t[i];
    uint64_t mask = width_mask(t), span = to - from;
    uint64_t d = (t->cmp - from) & mask;          /* counts until the match */
    bool hit = (mask != ~0ULL && span > mask) || (d != 0 && d <= span);
    if (!hit)
        return;
    fire(h, i);
    uint64_t period = t->period & mask;
    if ((t->config & TN_PERIODIC) && period) {
        uint64_t past = (to - t->cmp) & mask;     /* counts since the match */
        t->cmp = (t->cmp + (past / period + 1) * period) & mask;
    }
}

/* Acts on every match up to now. */
static void advance(struct hpet *h, uint64_t now_ns)
{
    uint64_t to = hpet_counter(h, now_ns);
    /* A caller's clock behind the last look moves nothing back. */
    if ((int64_t)(to - h->seen) > 0) {
        for (unsigned i = 0; i < HPET_TIMERS; i++)
            check_timer(h, i, h->seen, to);
        h->seen = to;
    }
    update_lines(h);
}

void hpet_tick(struct hpet *h, uint64_t now_ns)
{
    advance(h, now_ns);
}

void hpet_reset(struct hpet *h, uint64_t now_ns)
{
    h->gen_conf = h->isr = h->count = h->seen = 0;
    h->base_ns = now_ns;
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        struct hpet_timer *t = &h->t[i];
        /* Timer 0: 64-bit and periodic capable; 1 and 2: 32-bit one-shot
         * (the ICH's). Comparators reset to all ones (spec 2.3.9.2). */
        uint64_t caps = i == 0 ? TN_PER_CAP | TN_SIZE_CAP : 0;
        t->config = caps | (uint64_t)HPET_ROUTE_CAP << 32;
        t->cmp = i == 0 ? ~0ULL : LOW32;
        t->period = 0;
    }
    update_lines(h);
}

void hpet_init(struct hpet *h, struct dev_irq irq, uint64_t now_ns)
{
    *h = (struct hpet){ .irq = irq };
    hpet_reset(h, now_ns);
}

uint64_t hpet_capabilities(void)
{
    return (uint64_t)HPET_PERIOD_FS << 32 | GCAP_VENDOR_INTEL | GCAP_LEG_RT | GCAP_COUNT_SIZE |
           (uint64_t)(HPET_TIMERS - 1) << 8 | GCAP_REV_ID;
}

/* The timer whose registers hold `reg`, with the register's offset in its
 * block; NULL: not a timer register. */
static struct hpet_timer *timer_at(struct hpet *h, uint64_t reg, uint64_t *within)
{
    if (reg < REG_TIMER0 || reg >= REG_TIMER0 + HPET_TIMERS * TIMER_STRIDE)
        return NULL;
    *within = (reg - REG_TIMER0) % TIMER_STRIDE;
    return &h->t[(reg - REG_TIMER0) / TIMER_STRIDE];
}

static uint64_t reg_read(struct hpet *h, uint64_t reg, uint64_t now_ns)
{
    uint64_t within;
    struct hpet_timer *t = timer_at(h, reg, &within);
    if (t)
        return within == TIMER_CONF ? t->config : within == TIMER_CMP ? t->cmp : 0;
    switch (reg) {
    case REG_GCAP: return hpet_capabilities();
    case REG_GEN_CONF: return h->gen_conf;
    case REG_GINTR_STA: return h->isr;
    case REG_MAIN_CNT: return hpet_counter(h, now_ns);
    default: return 0;     /* reserved, and timers 3-31 this block lacks */
    }
}

/* An access of `size` bytes at `off` inside one 64-bit register: the mask
 * of its bits there; 0 if it is none. */
static uint64_t access_mask(uint64_t off, unsigned size)
{
    if (off >= HPET_REG_SIZE || size == 0 || size > 8 || (off & 7) + size > 8)
        return 0;
    uint64_t m = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
    return m << (8 * (off & 7));
}

uint64_t hpet_read(struct hpet *h, uint64_t off, unsigned size, uint64_t now_ns)
{
    uint64_t mask = access_mask(off, size);
    if (!mask)
        return ~0ULL;
    advance(h, now_ns);
    return (reg_read(h, off & ~7ULL, now_ns) & mask) >> (8 * (off & 7));
}

static void write_gen_conf(struct hpet *h, uint64_t v, uint64_t now_ns)
{
    bool was_on = h->gen_conf & CONF_ENABLE, on = v & CONF_ENABLE;
    if (was_on && !on)
        h->count = hpet_counter(h, now_ns);       /* halted: it holds */
    if (on && !was_on)
        h->base_ns = now_ns;                      /* runs on from its value */
    h->gen_conf = v & (CONF_ENABLE | CONF_LEG_RT);
}

static void write_config(struct hpet *h, unsigned i, uint64_t v)
{
    struct hpet_timer *t = &h->t[i];
    uint64_t old = t->config;
    uint64_t writable = TN_LEVEL | TN_INT_ENB | TN_VAL_SET | TN_ROUTE_MASK |
                        (old & TN_PER_CAP ? TN_PERIODIC : 0) | (old & TN_SIZE_CAP ? TN_32MODE : 0);
    uint64_t next = (old & ~writable) | (v & writable);
    /* A route the timer cannot take reads back as it was (spec 2.3.8). */
    unsigned route = (unsigned)((next & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
    if (!((old >> 32) >> route & 1))
        next = (next & ~TN_ROUTE_MASK) | (old & TN_ROUTE_MASK);
    t->config = next;
    t->cmp &= width_mask(t);
    t->period &= width_mask(t);
    if ((old & TN_LEVEL) && !(next & TN_LEVEL))
        h->isr &= ~(1ULL << i);                   /* edge mode keeps no status */
}

/* In periodic mode a write sets the period, and the comparator only right
 * after Tn_VAL_SET_CNF was written (Linux: VAL_SET, now + period, then the
 * period); elsewhere it sets the comparator. VAL_SET clears itself. */
static void write_cmp(struct hpet_timer *t, uint64_t mask, uint64_t v)
{
    uint64_t w = width_mask(t);
    bool periodic = t->config & TN_PERIODIC;
    if (!periodic || (t->config & TN_VAL_SET))
        t->cmp = ((t->cmp & ~mask) | (v & mask)) & w;
    if (periodic)
        t->period = ((t->period & ~mask) | (v & mask)) & w;
    t->config &= ~TN_VAL_SET;
}

void hpet_write(struct hpet *h, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns)
{
    uint64_t mask = access_mask(off, size);
    if (!mask)
        return;
    advance(h, now_ns);
    uint64_t reg = off & ~7ULL, v = (val << (8 * (off & 7))) & mask, within;
    struct hpet_timer *t = timer_at(h, reg, &within);
    if (t && within == TIMER_CONF)
        write_config(h, (unsigned)(t - h->t), (t->config & ~mask) | v);
    else if (t && within == TIMER_CMP)
        write_cmp(t, mask, v);
    else if (reg == REG_GEN_CONF)
        write_gen_conf(h, (h->gen_conf & ~mask) | v, now_ns);
    else if (reg == REG_GINTR_STA)
        h->isr &= ~v;                             /* write 1 to clear */
    else if (reg == REG_MAIN_CNT && !(h->gen_conf & CONF_ENABLE)) {
        /* Only while halted (spec 2.3.6); no match is crossed by it. */
        h->count = h->seen = (h->count & ~mask) | v;
    }
    update_lines(h);
}

/* When the counter has moved `d` counts past `seen` (DEV_NO_DEADLINE:
 * beyond any uptime; a 64-bit comparator behind the counter is 2^64
 * counts, 40,000 years, away). */
static uint64_t time_of(const struct hpet *h, uint64_t d)
{
    if (d > (1ULL << 60))
        return DEV_NO_DEADLINE;
    uint64_t dk = (h->seen - h->count) + d;     /* counts since base_ns */
    uint64_t secs = dk / HPET_HZ, rest = dk % HPET_HZ;
    if (secs > 1000000000ULL)
        return DEV_NO_DEADLINE;
    return h->base_ns + secs * NS_PER_S + (rest * NS_PER_S + HPET_HZ - 1) / HPET_HZ;
}

uint64_t hpet_next_deadline(const struct hpet *h, uint64_t now_ns)
{
    (void)now_ns;
    if (!(h->gen_conf & CONF_ENABLE))
        return DEV_NO_DEADLINE;
    uint64_t best = DEV_NO_DEADLINE;
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        const struct hpet_timer *t = &h->t[i];
        if (!(t->config & TN_INT_ENB))
            continue;        /* a level timer's status bit is set when read */
        uint64_t mask = width_mask(t), d = (t->cmp - h->seen) & mask;
        if (d == 0 && mask == ~0ULL)
            continue;        /* the 64-bit counter's next turn: never */
        uint64_t when = time_of(h, d ? d : mask + 1);
        if (when < best)
            best = when;
    }
    return best;
}
