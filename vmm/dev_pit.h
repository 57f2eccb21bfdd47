/* The 8254 programmable interval timer at ports 0x40-0x43, with port 0x61
 * (system control port B: channel 2's gate and output), as Linux and
 * memtest86+ use it: channel 0 as the tick on IRQ 0, channel 2 gated by
 * port 0x61 to calibrate the TSC. Modes 0, 2, 3 and 4 (6 and 7 alias 2 and
 * 3); binary counting; counter latch and read-back. See docs/devices.md. */
#ifndef VMM_DEV_PIT_H
#define VMM_DEV_PIT_H

#include "vmm/dev_irq.h"

#define PIT_HZ 1193182ULL   /* the PC's 14.31818 MHz / 12 */
#define PIT_IRQ 0

struct pit_channel {
    uint8_t mode;           /* 0-5 (6, 7 stored as 2, 3) */
    uint8_t rw;             /* 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
    bool bcd;               /* stored for read-back; counting is binary */
    uint32_t reload;        /* count written; 0 means 65536 */
    uint16_t partial;       /* low byte of a lohi write waiting for its high byte */
    bool write_hi, read_hi; /* lohi flip-flops */
    bool armed;             /* a count has been loaded since the control word */
    bool gate;
    bool counting;          /* the gate lets it count (mode 0) / it runs (2, 3) */
    uint64_t start_ns;      /* when the current run began */
    uint64_t ticks_before;  /* ticks counted in earlier runs (mode 0 paused by the gate) */
    uint64_t periods_seen;  /* channel 0: periods (mode 4: strobes) already reported on IRQ 0 */
    bool out_reported;      /* channel 0: the level last reported */
    uint16_t latch;
    uint8_t latched;        /* bytes of `latch` left to read (0: none) */
    bool latch_hi;          /* next latched byte is the high one */
    uint8_t status;
    bool status_latched;
};

struct pit {
    struct pit_channel ch[3];
    uint8_t port61;         /* bits 0-3 as written (0: gate 2, 1: speaker data) */
    struct dev_irq irq;
};

void pit_init(struct pit *p, struct dev_irq irq, uint64_t now_ns);
/* Ports 0x40-0x43 and 0x61; other ports read 0xff. Byte accesses. */
uint8_t pit_port_read(struct pit *p, uint16_t port, uint64_t now_ns);
void pit_port_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns);
/* Raises IRQ 0 for channel 0's output edges up to now. */
void pit_tick(struct pit *p, uint64_t now_ns);
/* When channel 0's output next rises (DEV_NO_DEADLINE: never). */
uint64_t pit_next_deadline(const struct pit *p, uint64_t now_ns);
/* A channel's output and current count, for tests and the shell. */
bool pit_out(const struct pit *p, unsigned ch, uint64_t now_ns);
uint16_t pit_count(const struct pit *p, unsigned ch, uint64_t now_ns);

#endif
