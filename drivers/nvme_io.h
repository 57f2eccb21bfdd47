/* Register access as the NVMe driver sees it: uncached loads and stores in
 * the image, a simulated controller in hosted tests (tests/unit/test_nvme.c)
 * that acts on each register write, as hardware does, so that bring-up,
 * queues, phase tags, PRPs, errors and timeouts run under sanitizers. */
#ifndef DRIVERS_NVME_IO_H
#define DRIVERS_NVME_IO_H

#include "include/hv/types.h"

#ifdef HV_HOSTED
uint32_t nvme_reg_read(volatile uint8_t *regs, uint32_t off);
void nvme_reg_write(volatile uint8_t *regs, uint32_t off, uint32_t v);
/* One turn of a polling loop (the simulation lets time pass). */
void nvme_poll_pause(void);
#else
static inline uint32_t nvme_reg_read(volatile uint8_t *regs, uint32_t off)
{
    return *(volatile uint32_t *)(regs + off);
}

static inline void nvme_reg_write(volatile uint8_t *regs, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(regs + off) = v;
}

static inline void nvme_poll_pause(void) { __asm__ volatile("pause"); }
#endif

#endif
