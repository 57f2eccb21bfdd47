/* The IDT: every vector points at its isr.asm stub; exceptions are fatal
 * with a full dump, interrupts go to registered handlers. */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/safe_insn.h"

struct __attribute__((packed)) idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t reserved;
};

extern const uint64_t isr_stub_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn handlers[256];
static uint64_t counts[256];
volatile uint64_t irq_total_count;

void idt_load(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } p = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

uint64_t idt_base(void)
{
    return (uint64_t)idt;
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t a = isr_stub_table[v];
        idt[v] = (struct idt_gate){
            .off_lo = (uint16_t)a, .sel = SEL_KCODE, .ist = 0,
            .type = 0x8e, /* present, DPL0, 64-bit interrupt gate */
            .off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32),
        };
    }
    /* Faults that can strike with a broken stack get known-good stacks. */
    idt[8].ist = IST_DF;
    idt[2].ist = IST_NMI;
    idt[18].ist = IST_MC;
    idt_load();
}

uint64_t irq_count(uint8_t vector)
{
    return counts[vector];
}

void irq_register(uint8_t vector, irq_handler_fn fn)
{
    handlers[vector] = fn;
}

void trap_entry(struct trap_frame *f);
void trap_entry(struct trap_frame *f)
{
    if (f->vector < 32) {
        /* A guarded instruction with a guest-chosen operand faulted: resume
         * at its fixup (it reports failure); anything else is a host bug. */
        uint64_t fixup = f->vector != 2 && f->vector != 8 && f->vector != 18
                             ? extable_fixup(f->rip) : 0;
        if (!fixup)
            trap_fatal(f, NULL);
        f->rip = fixup;
        return;
    }
    if (f->vector == VEC_SPURIOUS)
        return; /* no EOI for the spurious vector */
    if (f->vector >= VEC_PIC_BASE && f->vector < VEC_PIC_BASE + 16)
        return; /* a spurious 8259 interrupt: the PICs are masked */
    counts[f->vector]++;
    irq_total_count++;
    irq_handler_fn fn = handlers[f->vector];
    if (fn)
        fn(f);
    lapic_eoi();
}
