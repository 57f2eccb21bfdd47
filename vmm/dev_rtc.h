/* The PC's CMOS real-time clock (an MC146818 as the PIIX4 has it): index
 * port 0x70 (bit 7 masks NMI), data port 0x71; time of day in BCD or binary
 * and 12- or 24-hour form per register B; registers A-D with the
 * update-in-progress window, the SET bit, and the periodic, alarm and
 * update-ended interrupts on IRQ 8; the century at 0x32; the rest is CMOS
 * RAM. See docs/devices.md. */
#ifndef VMM_DEV_RTC_H
#define VMM_DEV_RTC_H

#include "vmm/dev_irq.h"
#include "lib/calendar.h"

#define RTC_IRQ 8


struct rtc {
    uint8_t index;
    bool nmi_masked;
    uint8_t ram[128];       /* every register's byte; the clock's own are computed */
    /* The clock: guest time base_s (seconds since 1970, UTC or whatever the
     * guest set) at host time base_ns; seconds tick at base_ns + k * 1e9. */
    int64_t base_s;
    uint64_t base_ns;
    struct civil_time shadow; /* what reads return while SET is on */
    uint64_t seen_ns;       /* events up to here are in register C */
    uint64_t irqs;          /* times IRQ 8 rose (IRQF set): the chipset's RTC_STS */
    struct dev_irq irq;
};

/* `unix_s`: the guest's time of day at `now_ns`. */
void rtc_init(struct rtc *r, struct dev_irq irq, int64_t unix_s, uint64_t now_ns);
uint8_t rtc_port_read(struct rtc *r, uint16_t port, uint64_t now_ns);
void rtc_port_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t now_ns);
/* Sets register C's flags for what happened up to now; raises IRQ 8. */
void rtc_tick(struct rtc *r, uint64_t now_ns);
uint64_t rtc_next_deadline(const struct rtc *r, uint64_t now_ns);
/* The monitor fills the CMOS bytes a BIOS would (memory sizes...). */
void rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t val);

#endif
