/* Last words on a CPU exception: which fault, every register, the control
 * registers, a decoded error code and a backtrace, then a clean halt. Uses
 * only the lock-free panic console, so it works whatever state we are in. */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "include/hv/console.h"
#include "include/hv/layout.h"

static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

extern char boot_stack_bottom[], boot_stack_top[];
extern char __image_start[], __image_end[];

static bool readable_stack(uint64_t a)
{
    if (a & 7)
        return false;
    if (a >= (uint64_t)boot_stack_bottom && a + 16 <= (uint64_t)boot_stack_top)
        return true;
    return gdt_on_ist_stack(a) && gdt_on_ist_stack(a + 15);
}

void trap_backtrace(uint64_t rip, uint64_t rbp)
{
    console_panic_printf("backtrace: %p", (void *)rip);
    for (int depth = 0; depth < 16 && readable_stack(rbp); depth++) {
        uint64_t *frame = (uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < (uint64_t)__image_start || ret >= (uint64_t)__image_end)
            break;
        console_panic_printf(" %p", (void *)ret);
        if (frame[0] <= rbp)
            break; /* frames must go up the stack */
        rbp = frame[0];
    }
    console_panic_printf("\n");
}

static volatile int dumping;

void trap_fatal(struct trap_frame *f, const char *why)
{
    cli();
    if (__atomic_exchange_n(&dumping, 1, __ATOMIC_SEQ_CST)) {
        /* A fault while dumping: say so once and stop. */
        console_panic_write("\n*** nested fault during the dump; halted\n", 42);
        for (;;)
            hlt();
    }
    const char *name = f->vector < 32 ? names[f->vector] : "interrupt";
    console_panic_printf("\n*** CPU EXCEPTION %s (vector %llu, error 0x%llx) on CPU %u%s%s\n", name,
                         (unsigned long long)f->vector, (unsigned long long)f->error,
                         lapic_cpu_id(), why ? ": " : "", why ? why : "");
    console_panic_printf("RIP=%016llx CS=%04llx RFLAGS=%016llx\n", (unsigned long long)f->rip,
                         (unsigned long long)f->cs, (unsigned long long)f->rflags);
    console_panic_printf("RSP=%016llx SS=%04llx\n", (unsigned long long)f->rsp,
                         (unsigned long long)f->ss);
    console_panic_printf("RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
                         (unsigned long long)f->rax, (unsigned long long)f->rbx,
                         (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    console_panic_printf("RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n",
                         (unsigned long long)f->rsi, (unsigned long long)f->rdi,
                         (unsigned long long)f->rbp, (unsigned long long)f->r8);
    console_panic_printf("R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n",
                         (unsigned long long)f->r9, (unsigned long long)f->r10,
                         (unsigned long long)f->r11, (unsigned long long)f->r12);
    console_panic_printf("R13=%016llx R14=%016llx R15=%016llx\n", (unsigned long long)f->r13,
                         (unsigned long long)f->r14, (unsigned long long)f->r15);
    console_panic_printf("CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
                         (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
                         (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
    if (f->vector == 14) {
        uint64_t e = f->error;
        console_panic_printf("page fault: %s %s page at %p in %s mode%s\n",
                             (e & 16) ? "instruction fetch from" : (e & 2) ? "write to" : "read of",
                             (e & 1) ? "a protected" : "a non-present", (void *)read_cr2(),
                             (e & 4) ? "user" : "kernel", (e & 8) ? " (reserved bit set)" : "");
    }
    trap_backtrace(f->rip, f->rbp);
    console_panic_printf("*** halted\n");
    for (;;)
        hlt();
}
