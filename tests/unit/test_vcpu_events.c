/* Virtual interrupts on the host: the injection decision and the HLT wake
 * computation as pure functions, then the whole path on a fake VMCS
 * (tests/fake/guest_state_fake.c) with the real PC board (vmm/vplatform.c)
 * and its device models: a guest programs the 8259 and the 8254 through
 * their ports, time passes, and the test checks what the next VM entry
 * carries, when the interrupt window opens and closes, when a HLT sleeps
 * until, and that an event being re-injected keeps its place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include "vmm/vcpu_events.h"
#include "vmm/vcpu_entry.h"
#include "vmm/vcpu.h"
#include "vmm/vplatform.h"
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "kernel/vcpu_handoff.h"
#include "include/hv/x86/regs.h"
#include "tests/fake/vm_fail_fake.h"
#include "tests/fake/guest_state_fake.h"
#include "tests/fake/platform_fake.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"

/* ---- the VM lifecycle the board calls ------------------------------------- */
static unsigned wakes, last_woken;

static unsigned kicks, last_kicked;
/* As kernel/sched.c: an event is noted for the handoff (kernel/vcpu_handoff.c). */
void vm_vcpu_kick(struct vm *vm, unsigned idx)
{
    vcpu_handoff_note_event(vm, idx);
    kicks++;
    last_kicked = idx;
}

void vm_vcpu_wake(struct vm *vm, unsigned idx)
{
    vcpu_handoff_note_event(vm, idx);
    wakes++;
    last_woken = idx;
}

/* kernel/vm.c's reset: the VM ends (to be started again by the kernel). */
static char reset_how[64];
void vm_guest_reset(struct vm *vm, const char *how)
{
    snprintf(reset_how, sizeof reset_how, "%s", how);
    vm->state = VM_STATE_EXITED;
}

void vm_console_putc(struct vm *v, char c) { (void)v, (void)c; }
void vm_exit_guest(struct vm *v, int status) { (void)status; v->state = VM_STATE_EXITED; }

/* ---- pure decisions --------------------------------------------------------- */
static void test_inject_decide(void **state)
{
    (void)state;
    const uint32_t queued = INTR_INFO_VALID | INTR_TYPE_HW_EXC | 14;
    assert_int_equal(inject_decide(false, 0, RFLAGS_IF, 0), INJECT_NONE);
    assert_int_equal(inject_decide(false, queued, 0, INTERRUPTIBILITY_STI), INJECT_NONE);
    assert_int_equal(inject_decide(true, 0, RFLAGS_IF, 0), INJECT_NOW);
    /* blocked: IF clear, an STI or MOV SS shadow, another event queued */
    assert_int_equal(inject_decide(true, 0, 0, 0), INJECT_WINDOW);
    assert_int_equal(inject_decide(true, 0, RFLAGS_IF, INTERRUPTIBILITY_STI), INJECT_WINDOW);
    assert_int_equal(inject_decide(true, 0, RFLAGS_IF, INTERRUPTIBILITY_MOV_SS), INJECT_WINDOW);
    assert_int_equal(inject_decide(true, queued, RFLAGS_IF, 0), INJECT_WINDOW);
    /* NMI blocking does not hold back maskable interrupts */
    assert_int_equal(inject_decide(true, 0, RFLAGS_IF, INTERRUPTIBILITY_NMI), INJECT_NOW);
    /* an invalid (bit 31 clear) leftover of the field means nothing */
    assert_int_equal(inject_decide(true, INTR_TYPE_HW_EXC | 14, RFLAGS_IF, 0), INJECT_NOW);
}

static void test_hlt_action(void **state)
{
    (void)state;
    uint64_t wake = 7;
    assert_int_equal(hlt_action(false, false, 1000, &wake), EXIT_HALT);
    assert_int_equal(hlt_action(false, true, 1000, &wake), EXIT_HALT);
    assert_int_equal(wake, 7);
    assert_int_equal(hlt_action(true, true, 1000, &wake), EXIT_CONTINUE);
    assert_int_equal(wake, 7);
    assert_int_equal(hlt_action(true, false, 1000, &wake), EXIT_SLEEP);
    assert_int_equal(wake, 1000);
    /* no timer at all: sleep until a device input wakes it */
    assert_int_equal(hlt_action(true, false, DEV_NO_DEADLINE, &wake), EXIT_SLEEP);
    assert_true(wake == DEV_NO_DEADLINE);
}

/* ---- the whole path on a fake VMCS ------------------------------------------- */
static struct vm vm;
static struct vcpu vcpu;
static struct vplatform *plat;

#define T0 1000000000ULL   /* the fake clock at the start of each test */
#define MS 1000000ULL

static int setup(void **state)
{
    (void)state;
    fake_gs_reset();
    vm_devices_destroy(&vm.devices);
    memset(&vm, 0, sizeof vm);
    memset(&vcpu, 0, sizeof vcpu);
    strcpy(vm.name, "t");
    vm.state = VM_STATE_RUNNING;
    vm.nvcpus = 1;
    fake_plat_set_time_ns(T0);
    plat = vplatform_attach(&vm, 1, T0, 1767225600, 2000000);
    assert_non_null(plat);
    vcpu.vm = &vm;
    vcpu.plat = plat;
    wakes = kicks = 0;
    fake_vm_fail_reset();
    fake_gs_set(VMCS_PROC_CTLS, 0x80); /* any controls: only the window bit may change */
    return 0;
}

static void out8(uint16_t port, uint8_t v)
{
    uint32_t val = v;
    assert_int_equal(io_dispatch(&vm, port, 1, false, &val), IO_DONE);
}

static uint8_t in8(uint16_t port)
{
    uint32_t val = 0;
    assert_int_equal(io_dispatch(&vm, port, 1, true, &val), IO_DONE);
    return (uint8_t)val;
}

/* What Linux's init_8259A and our irqtimer guest do: vectors 0x20/0x28,
 * cascade on IR2, only IRQ 0 unmasked. */
static void pic_init_guest(void)
{
    out8(0x20, 0x11), out8(0xa0, 0x11);
    out8(0x21, 0x20), out8(0xa1, 0x28);
    out8(0x21, 4), out8(0xa1, 2);
    out8(0x21, 1), out8(0xa1, 1);
    out8(0x21, 0xfe), out8(0xa1, 0xff);
}

/* Channel 0, mode 2, 100 Hz. */
static void pit_100hz(void)
{
    out8(0x43, 0x34);
    out8(0x40, 11932 & 0xff);
    out8(0x40, 11932 >> 8);
}

static uint32_t entry_info(void) { return (uint32_t)fake_gs_get(VMCS_ENTRY_INTR_INFO); }
static bool window_on(void) { return fake_gs_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW; }

/* The CPU clears the field's valid bit on every VM exit. */
static void vm_exit_happens(void) { fake_gs_set(VMCS_ENTRY_INTR_INFO, 0); }

static void test_pit_tick_is_injected_when_if_is_set(void **state)
{
    (void)state;
    pic_init_guest();
    pit_100hz();
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    /* Loading the count raises OUT: the first edge is latched at once. */
    uint64_t next = vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
    assert_false(window_on());
    /* The next edge is one period (11932 / 1193182 Hz = 10.0003 ms) away. */
    assert_true(next > T0 + 9 * MS && next <= T0 + 11 * MS);
    /* In service until EOI: nothing more, even when time passes. */
    vm_exit_happens();
    out8(0x20, 0x20);
    vcpu_events_before_entry(&vcpu, T0 + 1 * MS);
    assert_int_equal(entry_info(), 0);
    vcpu_events_before_entry(&vcpu, next);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
    assert_int_equal(plat->injected, 2);
}

static void test_blocked_interrupt_opens_a_window(void **state)
{
    (void)state;
    pic_init_guest();
    pit_100hz();
    fake_gs_set(VMCS_GUEST_RFLAGS, 2); /* IF clear */
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    assert_true(window_on());
    assert_true(fake_gs_get(VMCS_PROC_CTLS) & 0x80); /* the other controls kept */
    /* STI shadow: still not */
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_STI);
    vcpu_events_before_entry(&vcpu, T0 + 1000);
    assert_int_equal(entry_info(), 0);
    assert_true(window_on());
    /* The window exit: the guest can take it now. */
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
    assert_int_equal(exit_interrupt_window(&vcpu, NULL), EXIT_CONTINUE);
    vcpu_events_before_entry(&vcpu, T0 + 2000);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
    assert_false(window_on());
    assert_int_equal(fake_gs_get(VMCS_PROC_CTLS), 0x80);
}

static void test_reinjected_event_goes_first(void **state)
{
    (void)state;
    pic_init_guest();
    pit_100hz();
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    /* A #PF being delivered again (or a #GP a handler raised) is queued. */
    const uint32_t pf = INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_CODE | 14;
    fake_gs_set(VMCS_ENTRY_INTR_INFO, pf);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), pf);
    assert_true(window_on());
    assert_int_equal(plat->injected, 0); /* not acknowledged: still in the PIC's IRR */
    assert_int_equal(in8(0x20) & 1, 1);  /* OCW3 default: the even port reads IRR */
    vm_exit_happens();
    vcpu_events_before_entry(&vcpu, T0 + 1000);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
}

static void test_masked_or_uninitialised_pic_injects_nothing(void **state)
{
    (void)state;
    /* Before ICW1 both chips are masked (as a BIOS leaves them for us). */
    pit_100hz();
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    vcpu_events_before_entry(&vcpu, T0 + 50 * MS);
    assert_int_equal(entry_info(), 0);
    assert_false(window_on());
    pic_init_guest();
    out8(0x21, 0xff);
    vcpu_events_before_entry(&vcpu, T0 + 100 * MS);
    assert_int_equal(entry_info(), 0);
}

/* The PIC and a 100 Hz PIT set up, the first tick taken and acknowledged,
 * interrupts on: the guest is about to halt until the next one. */
static void first_tick_taken(void)
{
    pic_init_guest();
    pit_100hz();
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    vcpu_events_before_entry(&vcpu, T0); /* the first edge */
    out8(0x20, 0x20);
    vm_exit_happens();
}

static void test_hlt_sleeps_until_the_next_tick(void **state)
{
    (void)state;
    first_tick_taken();
    fake_plat_set_time_ns(T0 + 2 * MS);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_SLEEP);
    uint64_t wake = vm.vcpu_wake_ns[0];
    assert_true(wake > T0 + 9 * MS && wake <= T0 + 11 * MS);
    /* Woken on time, the tick is there to inject. */
    fake_plat_set_time_ns(wake);
    vcpu_events_before_entry(&vcpu, wake);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);

    /* IF clear: halted for good. */
    fake_gs_set(VMCS_GUEST_RFLAGS, 2);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_HALT);
    /* An interrupt already pending: no sleep at all. */
    vm_exit_happens();
    out8(0x20, 0x20);
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    fake_plat_set_time_ns(wake + 25 * MS);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_CONTINUE);
}

/* A halted CPU stays halted until an interrupt it accepts: woken by a
 * deadline whose interrupt it has masked, the vCPU sleeps again instead
 * of running past its HLT; unmasked, the next tick resumes it. */
static void test_hlt_resumes_only_for_an_interrupt(void **state)
{
    (void)state;
    first_tick_taken();
    out8(0x21, 0xff);                    /* the guest masks IRQ 0 */
    fake_plat_set_time_ns(T0 + 2 * MS);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_SLEEP);
    uint64_t wake = vm.vcpu_wake_ns[0];
    fake_plat_set_time_ns(wake + 1);
    assert_int_equal(vcpu_hlt_resume(&vcpu), EXIT_SLEEP);   /* the masked tick */
    assert_true(vm.vcpu_wake_ns[0] > wake);
    assert_true(vcpu.in_hlt);
    out8(0x21, 0xfe);                    /* another vCPU unmasks it, say */
    fake_plat_set_time_ns(vm.vcpu_wake_ns[0] + 1);
    assert_int_equal(vcpu_hlt_resume(&vcpu), EXIT_CONTINUE);
    assert_false(vcpu.in_hlt);
    vcpu_events_before_entry(&vcpu, vm.vcpu_wake_ns[0] + 1);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
    /* Not in HLT: nothing to decide. */
    assert_int_equal(vcpu_hlt_resume(&vcpu), EXIT_CONTINUE);
}

static void test_hlt_without_timers_sleeps_until_woken(void **state)
{
    (void)state;
    pic_init_guest();
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_SLEEP);
    assert_true(vm.vcpu_wake_ns[0] == DEV_NO_DEADLINE);
    /* A device input (here the keyboard's IRQ 1, unmasked) wakes vCPU 0. */
    out8(0x21, 0xfd);
    wakes = 0;
    vplatform_isa_irq(plat, 1, true);
    assert_int_equal(wakes, 1);
    assert_int_equal(last_woken, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x21);
}

/* The local APIC: software-enable it, LINT0 masked (PIC off), its timer
 * one-shot on vector 0x40, then the I/O APIC routing the PIT (ISA IRQ 0 on
 * pin 2) to vector 0x31. */
#define APIC 0xfee00000ULL
#define IOAPIC 0xfec00000ULL

static void apic_w(unsigned reg, uint32_t v) { vplatform_mmio_write(plat, 0, APIC + reg, 4, v, T0); }

static void test_lapic_timer_and_ioapic_route(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    apic_w(0xf0, 0x1ff);          /* SVR: enabled, spurious 0xff */
    apic_w(0x350, 1u << 16);      /* LINT0 masked: the PIC no longer reaches the CPU */
    apic_w(0x3e0, 0xb);           /* divide by 1 */
    apic_w(0x320, 0x40);          /* LVT timer: one-shot, vector 0x40 */
    apic_w(0x380, 1000000);       /* 1 ms at the 1 GHz bus clock */
    assert_int_equal(vcpu_events_before_entry(&vcpu, T0), T0 + 1 * MS);
    assert_int_equal(entry_info(), 0);
    fake_plat_set_time_ns(T0 + MS / 2);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_SLEEP);
    assert_int_equal(vm.vcpu_wake_ns[0], T0 + 1 * MS);
    vcpu_events_before_entry(&vcpu, T0 + 1 * MS);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x40);
    vm_exit_happens();
    apic_w(0xb0, 0);              /* EOI */

    /* The I/O APIC: pin 2 (the PIT's IRQ 0), edge, vector 0x31, to APIC 0. */
    vplatform_mmio_write(plat, 0, IOAPIC, 4, 0x10 + 2 * 2, T0);
    vplatform_mmio_write(plat, 0, IOAPIC + 0x10, 4, 0x31, T0);
    pic_init_guest();             /* unmasked at the PIC too: it must not matter */
    pit_100hz();
    vcpu_events_before_entry(&vcpu, T0 + 2 * MS);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x31);
    assert_false(window_on());
}

/* HLT with interrupts off ends only at an NMI. Halted for good while no
 * device can raise one; with the PIT's pin programmed to deliver NMIs (an
 * NMI watchdog) it sleeps until the PIT's deadlines, a tick there wakes it
 * with the NMI, and a maskable interrupt alone does not. */
static void test_hlt_with_if_clear_wakes_for_a_device_nmi(void **state)
{
    (void)state;
    pit_100hz();
    fake_gs_set(VMCS_GUEST_RFLAGS, 2);
    fake_plat_set_time_ns(T0 + 1 * MS);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_HALT);
    /* Pin 2 (the PIT's IRQ 0): NMI delivery, edge, to APIC 0. */
    vplatform_mmio_write(plat, 0, IOAPIC, 4, 0x10 + 2 * 2, T0);
    vplatform_mmio_write(plat, 0, IOAPIC + 0x10, 4, 4u << 8, T0);
    assert_true(vplatform_device_nmi_possible(plat));
    vm_exit_happens();
    fake_plat_set_time_ns(T0 + 2 * MS);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_SLEEP);
    uint64_t wake = vm.vcpu_wake_ns[0];
    assert_true(wake > T0 + 2 * MS && wake <= T0 + 11 * MS);
    assert_false(vcpu.hlt_if);
    fake_plat_set_time_ns(wake);
    assert_int_equal(vcpu_hlt_resume(&vcpu), EXIT_CONTINUE);
    vcpu_events_before_entry(&vcpu, wake);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    /* Pin 2 a fixed vector again: a tick is a maskable interrupt, which
     * does not end a HLT with IF clear; halted for good again. */
    vm_exit_happens();
    vplatform_mmio_write(plat, 0, IOAPIC + 0x10, 4, 0x31, wake);
    assert_false(vplatform_device_nmi_possible(plat));
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_HALT);
}

/* Where the 8259's INT goes: LINT0 as ExtINT (the BIOS default), nowhere
 * when LINT0 is masked, straight to the core when the APIC is globally off. */
static void test_pic_reaches_the_core_through_lint0_or_a_disabled_apic(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    pic_init_guest();
    pit_100hz();
    apic_w(0x350, 1u << 16);            /* LINT0 masked */
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    assert_false(window_on());
    plat->apic_hw_enabled[0] = false;   /* IA32_APIC_BASE bit 11 cleared */
    vcpu_events_before_entry(&vcpu, T0 + 1000);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
    vm_exit_happens();
    out8(0x20, 0x20);
    plat->apic_hw_enabled[0] = true;
    apic_w(0x350, 7u << 8);             /* ExtINT, unmasked: virtual wire again */
    vcpu_events_before_entry(&vcpu, T0 + 11 * MS);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x20);
}

/* 0xfe to port 0x64 resets the machine: the VM ends for a restart
 * (vm_guest_reset), as a reset through 0xCF9 does; the exit stops it. */
static void test_i8042_reset_restarts_the_vm(void **state)
{
    (void)state;
    uint32_t v = 0xfe;
    assert_int_equal(io_dispatch(&vm, 0x64, 1, false, &v), IO_STOP);
    assert_int_equal(vm.state, VM_STATE_EXITED);
    assert_string_equal(reset_how, "i8042 0xfe");
}

static void test_wide_port_access_is_split(void **state)
{
    (void)state;
    pic_init_guest();
    /* A word read of 0x20 is 0x20 then 0x21: IRR (0) and IMR (0xfe). */
    uint32_t v = 0;
    assert_int_equal(io_dispatch(&vm, 0x20, 2, true, &v), IO_DONE);
    assert_int_equal(v, 0xfe00);
    /* The RTC answers through its index/data pair: register A's divider bits. */
    out8(0x70, 0x0a);
    assert_int_equal(in8(0x71) & 0x70, 0x20);
}

/* ---- NMIs (SDM 26.3.1.5, 25.2 NMI-window exiting) ------------------------------ */
static void test_nmi_decide(void **state)
{
    (void)state;
    const uint32_t queued = INTR_INFO_VALID | INTR_TYPE_HW_EXC | 14;
    assert_int_equal(nmi_decide(false, 0, 0), INJECT_NONE);
    assert_int_equal(nmi_decide(true, 0, 0), INJECT_NOW);
    /* IF does not mask NMIs; blocking by NMI, STI, MOV SS and a queued event do */
    assert_int_equal(nmi_decide(true, 0, INTERRUPTIBILITY_NMI), INJECT_WINDOW);
    assert_int_equal(nmi_decide(true, 0, INTERRUPTIBILITY_STI), INJECT_WINDOW);
    assert_int_equal(nmi_decide(true, 0, INTERRUPTIBILITY_MOV_SS), INJECT_WINDOW);
    assert_int_equal(nmi_decide(true, queued, 0), INJECT_WINDOW);
}

static bool nmi_window_on(void) { return fake_gs_get(VMCS_PROC_CTLS) & PROC_NMI_WINDOW; }

static void test_nmi_goes_before_interrupts_and_survives_blocking(void **state)
{
    (void)state;
    fake_host.nmi_window = true;
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    vlapic_accept(&plat->lapic[0], 0x40, false);     /* a fixed interrupt too */
    vplatform_nmi(plat, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    assert_false(plat->cpu[0].nmi_pending);
    assert_true(window_on());                       /* the interrupt waits its turn */
    vm_exit_happens();
    /* the handler runs with NMIs blocked: a second NMI waits for IRET */
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
    vplatform_nmi(plat, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_EXT | 0x40);
    assert_true(nmi_window_on());
    assert_true(plat->cpu[0].nmi_pending);          /* survives the exits */
    vm_exit_happens();
    /* IRET: the NMI-window exit, then the injection */
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
    assert_int_equal(exit_nmi_window(&vcpu, NULL), EXIT_CONTINUE);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    assert_false(nmi_window_on());
}

/* Two NMIs sent while the vCPU was off the CPU are two: it takes the first
 * and the second waits for the handler's IRET, as a CPU latches it. In an
 * NMI handler, any number of them are one. */
static void test_two_nmis_are_two_unless_in_a_handler(void **state)
{
    (void)state;
    fake_host.nmi_window = true;
    vplatform_nmi(plat, 0);
    vplatform_nmi(plat, 0);
    vplatform_nmi(plat, 0);                         /* a third: merged */
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    assert_true(nmi_window_on());                   /* one more is latched */
    vm_exit_happens();
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);    /* IRET */
    assert_int_equal(exit_nmi_window(&vcpu, NULL), EXIT_CONTINUE);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    assert_false(nmi_window_on());
    vm_exit_happens();
    /* In the handler now: two more are one. */
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
    vplatform_nmi(plat, 0);
    vplatform_nmi(plat, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    vm_exit_happens();
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    assert_false(nmi_window_on());
}

/* In an STI shadow (`sti; hlt`, or kvm-unit-tests' apic sti_nmi loop) an
 * NMI waits for the interrupt window: a CPU may take the NMI-window exit
 * there at once, and re-armed at each entry it would never let the guest
 * run its next instruction. */
static void test_nmi_in_sti_shadow_waits_for_interrupt_window(void **state)
{
    (void)state;
    fake_host.nmi_window = true;
    const uint32_t queued = INTR_INFO_VALID | INTR_TYPE_HW_EXC | 14;
    assert_true(nmi_waits_for_interrupt_window(0, INTERRUPTIBILITY_STI));
    assert_false(nmi_waits_for_interrupt_window(0, INTERRUPTIBILITY_STI | INTERRUPTIBILITY_NMI));
    assert_false(nmi_waits_for_interrupt_window(0, INTERRUPTIBILITY_MOV_SS));
    assert_false(nmi_waits_for_interrupt_window(queued, INTERRUPTIBILITY_STI));
    assert_false(nmi_waits_for_interrupt_window(0, 0));

    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_STI);
    vplatform_nmi(plat, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    assert_false(nmi_window_on());
    assert_true(window_on());                       /* no interrupt waits: the NMI does */
    vm_exit_happens();
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);    /* the shadow ended */
    assert_int_equal(exit_interrupt_window(&vcpu, NULL), EXIT_CONTINUE);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
    assert_false(window_on());
    assert_false(nmi_window_on());
    /* In the NMI handler, shadow or not, the NMI window is the one. */
    vm_exit_happens();
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI);
    vplatform_nmi(plat, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_true(nmi_window_on());
    assert_false(window_on());
}

static void test_nmi_without_nmi_window_exiting(void **state)
{
    (void)state;
    fake_host.nmi_window = false;                   /* no virtual NMIs on this CPU */
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_MOV_SS);
    vplatform_nmi(plat, 0);
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    assert_false(nmi_window_on());                  /* never a control the CPU lacks */
    fake_gs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vcpu_events_before_entry(&vcpu, T0);            /* retried at the next entry */
    assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_TYPE_NMI | 2);
}

static void test_nmi_ends_hlt_even_with_if_clear(void **state)
{
    (void)state;
    fake_gs_set(VMCS_GUEST_RFLAGS, 2);
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_HALT);
    vplatform_nmi(plat, 0);
    assert_int_equal(kicks, 1);                      /* the scheduler runs it again */
    assert_int_equal(vcpu_hlt(&vcpu), EXIT_CONTINUE);
}

/* Two vCPUs on one physical CPU: vCPU 1's APIC timer falls due while
 * vCPU 0 runs (the preemption timer was armed for it). After vCPU 0's next
 * exit the timer has raised vCPU 1's interrupt and vCPU 0 gives it the
 * rest of its slice, instead of making it wait a whole slice (issue 14:
 * a 2-vCPU Linux lost ticks and marked its TSC unstable). */
static struct vcpu vcpu1;

/* The board with two vCPUs, both runnable, interrupts on. */
static void two_vcpus(void)
{
    vplatform_init(plat, &vm, 2, T0, 1767225600, 2000000);
    vm.nvcpus = 2;
    vcpu1 = (struct vcpu){ .vm = &vm, .plat = plat, .id = 1 };
    vm.vcpu[0] = &vcpu;
    vm.vcpu[1] = &vcpu1;
    vm.vcpu_state[0] = vm.vcpu_state[1] = VCPU_RUNNABLE;
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
}

/* vCPU 1 programs its timer at T0: one-shot, 1 ms, vector 0x40. */
static void sibling_timer_1ms(void)
{
    vplatform_mmio_write(plat, 1, APIC + 0xf0, 4, 0x1ff, T0);
    vplatform_mmio_write(plat, 1, APIC + 0x3e0, 4, 0xb, T0);
    vplatform_mmio_write(plat, 1, APIC + 0x320, 4, 0x40, T0);
    vplatform_mmio_write(plat, 1, APIC + 0x380, 4, 1000000, T0);
}

static void test_sibling_timer_ends_the_running_vcpus_slice(void **state)
{
    (void)state;
    two_vcpus();
    sibling_timer_1ms();
    vcpu_handoff_ran(&vm, 1);                       /* it ran, then lost the CPU */
    vcpu_handoff_off_cpu(&vm);
    vcpu_handoff_ran(&vm, 0);                       /* to vCPU 0 */
    /* vCPU 0's entry: the deadline it arms for is vCPU 1's timer. */
    assert_int_equal(vcpu_events_before_entry(&vcpu, T0), T0 + 1 * MS);
    fake_plat_set_time_ns(T0 + MS / 2);
    assert_false(vcpu_sibling_due(&vcpu));          /* not yet due: run on */
    fake_plat_set_time_ns(T0 + 1 * MS);
    assert_true(vcpu_sibling_due(&vcpu));
    assert_int_equal(vcpu_handoff_take(&vm), 1);
    assert_true(vplatform_pending(plat, 1));
    assert_false(vplatform_pending(plat, 0));      /* not vCPU 0's interrupt */
    /* One vCPU alone never looks. */
    vm.nvcpus = 1;
    assert_false(vcpu_sibling_due(&vcpu));
    vm.vcpu[0] = vm.vcpu[1] = NULL;
}

/* How late the timer's interrupt was taken: from when it fell due, not
 * from when the board noticed. */
static void test_timer_lateness_is_counted_from_the_deadline(void **state)
{
    (void)state;
    vm.nvcpus = 1;
    fake_gs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
    apic_w(0xf0, 0x1ff);
    apic_w(0x3e0, 0xb);                 /* divide by 1 */
    apic_w(0x320, 0x40);                /* one-shot, vector 0x40 */
    apic_w(0x380, 1000000);             /* 1 ms of the 1 GHz bus */
    vcpu_events_before_entry(&vcpu, T0);
    assert_int_equal(entry_info(), 0);
    vcpu_events_before_entry(&vcpu, T0 + 3 * MS);   /* noticed 2 ms late */
    assert_int_equal(entry_info() & 0xff, 0x40);
    assert_int_equal(vm.stats.timer[0].taken, 1);
    assert_int_equal(vm.stats.timer[0].late, 1);
    assert_int_equal(vm.stats.timer[0].worst_ns, 2 * MS);
    assert_int_equal(vm.stats.timer[0].worst_due_ns, T0 + MS);
    /* On time: counted, not late. */
    vm_exit_happens();
    vplatform_mmio_write(plat, 0, APIC + 0xb0, 4, 0, T0 + 3 * MS);          /* EOI */
    vplatform_mmio_write(plat, 0, APIC + 0x380, 4, 1000000, T0 + 3 * MS);  /* again */
    vcpu_events_before_entry(&vcpu, T0 + 4 * MS);
    assert_int_equal(entry_info() & 0xff, 0x40);
    assert_int_equal(vm.stats.timer[0].taken, 2);
    assert_int_equal(vm.stats.timer[0].late, 1);
    assert_int_equal(vm.stats.timer[0].worst_ns, 2 * MS);
    assert_int_equal(vm.stats.timer[0].worst_due_ns, T0 + MS);
}

/* What vcpu_entry_look records (the image's look also converts to the
 * TSC): the board's deadline it saw, and a preemption deadline far off. */
static void look(struct vcpu *v, uint64_t now)
{
    vcpu_events_before_entry(v, now);
    v->dev_due_ns = plat->next_deadline;
    v->dev_due_tsc = UINT64_MAX - 1;
}

/* The lost ticks of Debian's 2-vCPU Linux: vCPU 1 arms its timer (the exit
 * clears the board's cached deadline) and the tick after that exit
 * recomputes it; vCPU 0, whose last look saw a later deadline, must look
 * again at its next entry instead of running on to its stale one. */
static void test_a_deadline_a_sibling_moved_ends_the_quiet_entry(void **state)
{
    (void)state;
    two_vcpus();
    look(&vcpu, T0);
    assert_true(vcpu_board_quiet(&vcpu, 0));       /* nothing armed, nothing moved */
    sibling_timer_1ms();                            /* and the tick after its exit: */
    assert_false(vcpu_sibling_due(&vcpu1));
    assert_int_equal(plat->next_deadline, T0 + 1 * MS);
    /* vCPU 0 runs next: it looks, and arms for vCPU 1's deadline. */
    assert_false(vcpu_board_quiet(&vcpu, 0));
    look(&vcpu, T0);
    assert_int_equal(vcpu.dev_due_ns, T0 + 1 * MS);
    assert_true(vcpu_board_quiet(&vcpu, 0));
    /* ... and a deadline that did not move keeps its entries quiet. */
    assert_false(vcpu_sibling_due(&vcpu));
    assert_true(vcpu_board_quiet(&vcpu, 0));
    vm.vcpu[0] = vm.vcpu[1] = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inject_decide),
        cmocka_unit_test_setup(test_a_deadline_a_sibling_moved_ends_the_quiet_entry, setup),
        cmocka_unit_test_setup(test_timer_lateness_is_counted_from_the_deadline, setup),
        cmocka_unit_test(test_hlt_action),
        cmocka_unit_test_setup(test_hlt_resumes_only_for_an_interrupt, setup),
        cmocka_unit_test(test_nmi_decide),
        cmocka_unit_test_setup(test_nmi_goes_before_interrupts_and_survives_blocking, setup),
        cmocka_unit_test_setup(test_nmi_in_sti_shadow_waits_for_interrupt_window, setup),
        cmocka_unit_test_setup(test_nmi_without_nmi_window_exiting, setup),
        cmocka_unit_test_setup(test_two_nmis_are_two_unless_in_a_handler, setup),
        cmocka_unit_test_setup(test_nmi_ends_hlt_even_with_if_clear, setup),
        cmocka_unit_test_setup(test_pit_tick_is_injected_when_if_is_set, setup),
        cmocka_unit_test_setup(test_blocked_interrupt_opens_a_window, setup),
        cmocka_unit_test_setup(test_reinjected_event_goes_first, setup),
        cmocka_unit_test_setup(test_masked_or_uninitialised_pic_injects_nothing, setup),
        cmocka_unit_test_setup(test_hlt_sleeps_until_the_next_tick, setup),
        cmocka_unit_test_setup(test_hlt_without_timers_sleeps_until_woken, setup),
        cmocka_unit_test_setup(test_lapic_timer_and_ioapic_route, setup),
        cmocka_unit_test_setup(test_pic_reaches_the_core_through_lint0_or_a_disabled_apic, setup),
        cmocka_unit_test_setup(test_i8042_reset_restarts_the_vm, setup),
        cmocka_unit_test_setup(test_wide_port_access_is_split, setup),
        cmocka_unit_test_setup(test_sibling_timer_ends_the_running_vcpus_slice, setup),
        cmocka_unit_test_setup(test_hlt_with_if_clear_wakes_for_a_device_nmi, setup),
    };
    fake_plat_arena_init(256);
    page_alloc_init_flat(256);
    heap_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
