/* Segments: our own GDT with a 64-bit TSS (OVMF leaves TR = 0, which VMX
 * host-state checks reject, and we need IST stacks for #DF, NMI and #MC). */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#include "include/hv/types.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS   0x18

/* IST slots (1-based, as the IDT gate encodes them). */
#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

void gdt_init(void);
/* Reloads GDTR on this CPU (after a VM exit its limit is 0xffff). */
void gdt_load(void);
/* Linear address of this CPU's TSS and GDT (VMCS host state needs them). */
uint64_t gdt_tss_base(void);
uint64_t gdt_base(void);
/* Whether an address lies on one of the IST stacks (for backtraces). */
bool gdt_on_ist_stack(uint64_t addr);

#endif
