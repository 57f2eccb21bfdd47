/* The boot CPU's GDT and TSS. Layout: null, kernel code, kernel data, TSS
 * (a 16-byte system descriptor). Each IST stack has a guard of nothing: a
 * stack overflow there is already a double fault's problem. */
#include "arch/x86_64/gdt.h"

#define IST_STACK_SIZE 16384

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint64_t base;
};

void gdt_load(void)
{
    struct desc_ptr p = { sizeof gdt - 1, (uint64_t)gdt };
    __asm__ volatile("lgdt %0" : : "m"(p));
}

void gdt_init(void)
{
    gdt[0] = 0;
    /* 64-bit code: present, DPL0, code exec/read, L=1 */
    gdt[1] = 0x00af9a000000ffffULL;
    /* data: present, DPL0, read/write */
    gdt[2] = 0x00cf92000000ffffULL;
    uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
    gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) /* avail TSS */ |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[4] = base >> 32;
    for (int i = 0; i < 3; i++)
        tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
    tss.iomap_base = sizeof tss; /* no I/O bitmap */

    gdt_load();
    /* Reload CS with a far return, then the data segments and TR. */
    __asm__ volatile("pushq %[cs]\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %[ds], %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "xorw %%ax, %%ax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "movw %[tr], %%ax\n\t"
                     "ltr %%ax"
                     :
                     : [cs] "i"(SEL_KCODE), [ds] "i"(SEL_KDATA), [tr] "i"(SEL_TSS)
                     : "rax", "memory");
}

uint64_t gdt_tss_base(void) { return (uint64_t)&tss; }
uint64_t gdt_base(void) { return (uint64_t)gdt; }

bool gdt_on_ist_stack(uint64_t addr)
{
    return addr >= (uint64_t)ist_stacks && addr < (uint64_t)ist_stacks + sizeof ist_stacks;
}
