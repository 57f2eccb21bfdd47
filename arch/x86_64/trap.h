/* Interrupts and exceptions: the saved state and the handler registry. */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include "include/hv/types.h"

/* Laid out by isr.asm: pushed registers, then what the stub and CPU pushed. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Vectors of the host's own interrupts. */
#define VEC_TIMER     0x20
#define VEC_COM1      0x24
#define VEC_PIC_BASE  0x30 /* the 8259s are remapped here and masked */
#define VEC_LAPIC_ERR 0xfe
#define VEC_SPURIOUS  0xff

typedef void (*irq_handler_fn)(struct trap_frame *f);

void idt_init(void);
/* Loads the IDT on this CPU (the BSP does it in idt_init; also after a VM
 * exit, which leaves the IDTR limit at 0xffff). */
void idt_load(void);
/* Linear address of the IDT (VMCS host state). */
uint64_t idt_base(void);
/* Handlers for vectors >= 32. The common path sends the LAPIC EOI after the
 * handler returns (except for the spurious vector). */
void irq_register(uint8_t vector, irq_handler_fn fn);
/* Interrupts taken on `vector` since boot. */
uint64_t irq_count(uint8_t vector);
/* Interrupts (vectors >= 32) taken since boot, all vectors together: read
 * around every interrupt window of the monitor's fast path, so inline. */
extern volatile uint64_t irq_total_count;
static inline uint64_t irq_total(void) { return irq_total_count; }

/* Prints a full register dump of `f` on the panic console and halts. */
NORETURN void trap_fatal(struct trap_frame *f, const char *why);
/* Prints "backtrace: rip ret ret ..." following saved frame pointers while
 * they stay on a known kernel stack. */
void trap_backtrace(uint64_t rip, uint64_t rbp);

#endif
