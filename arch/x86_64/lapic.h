/* The local APIC, in x2APIC mode (MSRs) when the CPU has it, else xAPIC
 * (MMIO). */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include "include/hv/types.h"

void lapic_init(void);
bool lapic_is_x2apic(void);
uint32_t lapic_id(void);
/* Small CPU number for messages (0 for the boot CPU). */
unsigned lapic_cpu_id(void);
void lapic_eoi(void);
/* Periodic timer on `vector` at `hz`, calibrated against the TSC. Returns
 * the measured LAPIC timer input frequency in Hz (0 if calibration failed). */
uint64_t lapic_timer_start(uint8_t vector, unsigned hz);
uint64_t lapic_timer_hz(void);

#endif
