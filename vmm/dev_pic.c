/* 8259A model (Intel 8259A datasheet, order no. 231468: "Interrupt
 * sequence", "Initialization command words", "Operation command words",
 * "Edge and level triggered modes", "The special fully nested mode",
 * "Cascade buffer/comparator"), with the PIIX edge/level control registers
 * at 0x4d0/0x4d1. Priorities are kept as a rotation offset: priority p
 * belongs to line (p + priority_add) & 7, 0 highest. */
#include "vmm/dev_pic.h"

#define CASCADE_IRQ 2

static bool level_triggered(const struct pic_chip *c, unsigned irq)
{
    return c->ltim || (c->elcr >> irq) & 1;
}

/* The priority (0 highest, 8 none) of the best line in `mask`. */
static unsigned best_priority(const struct pic_chip *c, uint8_t mask)
{
    for (unsigned p = 0; p < 8; p++)
        if (mask & (1u << ((p + c->priority_add) & 7)))
            return p;
    return 8;
}

/* The line this chip would interrupt for, or -1. In special mask mode a
 * masked in-service line does not block lower ones; in special fully
 * nested mode (master) the cascade's in-service bit does not block more
 * requests from the slave. */
static int chip_pending(const struct pic_chip *c, bool master)
{
    unsigned req = best_priority(c, c->irr & ~c->imr);
    if (req == 8)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;
    if (master && c->sfnm)
        in_service &= ~(1u << CASCADE_IRQ);
    if (req >= best_priority(c, in_service))
        return -1;
    return (int)((req + c->priority_add) & 7);
}

static void chip_set_line(struct pic_chip *c, unsigned irq, bool level)
{
    uint8_t m = (uint8_t)(1u << irq);
    if (level_triggered(c, irq)) {
        /* The request follows the line. */
        c->irr = level ? c->irr | m : c->irr & ~m;
    } else if (level && !(c->lines & m)) {
        c->irr |= m;             /* a rising edge latches the request */
    }
    c->lines = level ? c->lines | m : c->lines & ~m;
}

/* The slave's INT drives the master's IR2, as a level: a slave that still
 * has a request after an INTA (a nested higher one) keeps IR2 requested,
 * where an edge would have been consumed. The master's INT goes out. */
static void update(struct pic *p)
{
    if (!p->chip[0].single) {
        struct pic_chip *m = &p->chip[0];
        uint8_t bit = 1u << CASCADE_IRQ;
        bool slave = chip_pending(&p->chip[1], false) >= 0;
        m->irr = slave ? m->irr | bit : m->irr & (uint8_t)~bit;
        m->lines = slave ? m->lines | bit : m->lines & (uint8_t)~bit;
    }
    bool intr = chip_pending(&p->chip[0], true) >= 0;
    if (intr != p->intr) {
        p->intr = intr;
        dev_irq_set(&p->out, 0, intr);
    }
}

void pic_init(struct pic *p, struct dev_irq out)
{
    *p = (struct pic){ .out = out };
    /* Until the guest initialises them, both chips are masked and use the
     * real-mode BIOS vectors 0x08 and 0x70. */
    p->chip[0].base = 0x08;
    p->chip[1].base = 0x70;
    p->chip[0].imr = p->chip[1].imr = 0xff;
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
    if (irq > 15)
        return;
    chip_set_line(&p->chip[irq >> 3], irq & 7, level);
    update(p);
}

bool pic_intr(const struct pic *p)
{
    return chip_pending(&p->chip[0], true) >= 0;
}

/* One chip's part of INTA: in service (or not, with automatic EOI), and
 * an edge request consumed. */
static void chip_ack(struct pic_chip *c, unsigned irq)
{
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->priority_add = (uint8_t)((irq + 1) & 7);
    } else {
        c->isr |= (uint8_t)(1u << irq);
    }
    if (!level_triggered(c, irq))
        c->irr &= (uint8_t)~(1u << irq);
}

uint8_t pic_ack(struct pic *p)
{
    struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
    int irq = chip_pending(m, true);
    uint8_t vector;
    if (irq < 0) {
        vector = (uint8_t)(m->base + 7);  /* spurious: no ISR bit */
    } else {
        chip_ack(m, (unsigned)irq);
        if (irq == CASCADE_IRQ && !m->single) {
            int sirq = chip_pending(s, false);
            if (sirq >= 0) {
                chip_ack(s, (unsigned)sirq);
                vector = (uint8_t)(s->base + sirq);
            } else {
                vector = (uint8_t)(s->base + 7); /* spurious IRQ 15 */
            }
        } else {
            vector = (uint8_t)(m->base + irq);
        }
    }
    update(p);
    return vector;
}

static void icw1(struct pic_chip *c, uint8_t val)
{
    /* Initialisation resets the mask, the in-service and request bits,
     * priorities, special mask and the read register selection. */
    c->irr = c->isr = c->imr = 0;
    c->priority_add = 0;
    c->special_mask = c->read_isr = c->poll = false;
    c->auto_eoi = c->rotate_aeoi = c->sfnm = false;
    c->icw4_needed = val & 0x01;
    c->single = val & 0x02;
    c->ltim = val & 0x08;
    c->icw_step = 2;
}

static void eoi(struct pic_chip *c, int irq, bool rotate)
{
    if (irq < 0) {
        /* Non-specific: the highest-priority line in service. */
        unsigned prio = best_priority(c, c->isr);
        if (prio == 8)
            return;
        irq = (int)((prio + c->priority_add) & 7);
    }
    c->isr &= (uint8_t)~(1u << irq);
    if (rotate)
        c->priority_add = (uint8_t)((irq + 1) & 7);
}

static void ocw2(struct pic_chip *c, uint8_t val)
{
    unsigned level = val & 7;
    switch (val >> 5) {
    case 0: c->rotate_aeoi = false; break;
    case 4: c->rotate_aeoi = true; break;
    case 1: eoi(c, -1, false); break;
    case 5: eoi(c, -1, true); break;
    case 3: eoi(c, (int)level, false); break;
    case 7: eoi(c, (int)level, true); break;
    case 6: c->priority_add = (uint8_t)((level + 1) & 7); break; /* level becomes lowest */
    default: break;              /* 2: no operation */
    }
}

static void ocw3(struct pic_chip *c, uint8_t val)
{
    if (val & 0x04)
        c->poll = true;
    if (val & 0x02)
        c->read_isr = val & 0x01;
    if (val & 0x40)
        c->special_mask = val & 0x20;
}

static void odd_port_write(struct pic_chip *c, uint8_t val)
{
    switch (c->icw_step) {
    case 2:
        c->base = val & 0xf8;
        c->icw_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = val;
        c->icw_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        /* uPM (bit 0) is taken as set: vectors are x86's in either case. */
        c->auto_eoi = val & 0x02;
        c->sfnm = val & 0x10;
        c->icw_step = 0;
        break;
    default:
        c->imr = val;            /* OCW1 */
        break;
    }
}

void pic_port_write(struct pic *p, uint16_t port, uint8_t val)
{
    if (port == 0x4d0 || port == 0x4d1) {
        /* IRQ 0, 1, 2, 8 and 13 are edge-only on the PIIX. */
        p->chip[port & 1].elcr = val & (port & 1 ? 0xde : 0xf8);
        update(p);
        return;
    }
    if ((port & ~0x81u) != 0x20)
        return;
    struct pic_chip *c = &p->chip[port >> 7 & 1];
    if (port & 1)
        odd_port_write(c, val);
    else if (val & 0x10)
        icw1(c, val);
    else if (val & 0x08)
        ocw3(c, val);
    else
        ocw2(c, val);
    update(p);
}

uint8_t pic_port_read(struct pic *p, uint16_t port)
{
    if (port == 0x4d0 || port == 0x4d1)
        return p->chip[port & 1].elcr;
    if ((port & ~0x81u) != 0x20)
        return 0xff;
    bool master = !(port & 0x80);
    struct pic_chip *c = &p->chip[master ? 0 : 1];
    if (port & 1)
        return c->imr;
    if (c->poll) {
        /* Poll: the highest request, acknowledged as by INTA. */
        c->poll = false;
        int irq = chip_pending(c, master);
        if (irq < 0)
            return 0;
        chip_ack(c, (unsigned)irq);
        update(p);
        return (uint8_t)(0x80 | irq);
    }
    return c->read_isr ? c->isr : c->irr;
}
