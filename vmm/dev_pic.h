/* The PC's pair of 8259A interrupt controllers (master at 0x20/0x21, slave
 * at 0xa0/0xa1 cascaded on the master's IRQ 2) and the edge/level control
 * registers at 0x4d0/0x4d1. Device models feed their lines in with
 * pic_set_irq; the master's INT output goes to the caller's callback
 * (line 0), and the caller runs the INTA cycle with pic_ack when it
 * delivers the interrupt to the vCPU. See docs/devices.md. */
#ifndef VMM_DEV_PIC_H
#define VMM_DEV_PIC_H

#include "vmm/dev_irq.h"

struct pic_chip {
    uint8_t irr, isr, imr;
    uint8_t lines;          /* input levels, for edge detection */
    uint8_t elcr;           /* per-line level triggering (0x4d0/0x4d1) */
    uint8_t base;           /* ICW2: vector of IR0 */
    uint8_t icw3;
    uint8_t icw_step;       /* 0: initialised; 2, 3, 4: the ICW expected next */
    uint8_t priority_add;   /* rotation: IR(priority_add) has the highest priority */
    bool icw4_needed, single, ltim, auto_eoi, rotate_aeoi, sfnm;
    bool read_isr;          /* OCW3: the even port reads ISR, not IRR */
    bool poll;              /* OCW3 poll command: the next even-port read acknowledges */
    bool special_mask;
};

struct pic {
    struct pic_chip chip[2]; /* 0 master, 1 slave */
    bool intr;              /* the master's INT output as last reported */
    struct dev_irq out;     /* INT to the CPU, reported as line 0 */
};

void pic_init(struct pic *p, struct dev_irq out);
/* ISA line 0-15 changes level. */
void pic_set_irq(struct pic *p, unsigned irq, bool level);
uint8_t pic_port_read(struct pic *p, uint16_t port);
void pic_port_write(struct pic *p, uint16_t port, uint8_t val);
/* INT is asserted: an unmasked request outranks everything in service. */
bool pic_intr(const struct pic *p);
/* The INTA cycle: the vector to deliver, ISR and IRR updated. With nothing
 * to deliver (the request went away) it is the spurious IR7 vector of the
 * chip that was asked, as on the real part. */
uint8_t pic_ack(struct pic *p);

#endif
