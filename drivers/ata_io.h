/* Port I/O as the ATA driver sees it: the CPU's IN/OUT in the image, a
 * simulated disk controller in hosted tests (tests/unit/test_ata.c), so that
 * the driver's protocol, error and timeout paths run under sanitizers. */
#ifndef DRIVERS_ATA_IO_H
#define DRIVERS_ATA_IO_H

#include "include/hv/types.h"

#ifdef HV_HOSTED
uint8_t ata_in8(uint16_t port);
void ata_out8(uint16_t port, uint8_t v);
void ata_in16s(uint16_t port, void *dst, size_t words);
void ata_out16s(uint16_t port, const void *src, size_t words);
static inline void ata_pause(void) {}
#else
#include "arch/x86_64/cpu.h"

static inline uint8_t ata_in8(uint16_t port) { return inb(port); }
static inline void ata_out8(uint16_t port, uint8_t v) { outb(port, v); }

static inline void ata_in16s(uint16_t port, void *dst, size_t words)
{
    __asm__ volatile("rep insw" : "+D"(dst), "+c"(words) : "d"(port) : "memory");
}

static inline void ata_out16s(uint16_t port, const void *src, size_t words)
{
    __asm__ volatile("rep outsw" : "+S"(src), "+c"(words) : "d"(port) : "memory");
}

static inline void ata_pause(void) { __asm__ volatile("pause"); }
#endif

#endif
