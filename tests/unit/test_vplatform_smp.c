/* The board with several vCPUs (vmm/vplatform.c): IPIs from the ICR routed
 * by shorthand and by physical, flat and cluster logical destination, with
 * each delivery mode (fixed, lowest priority, NMI, INIT, SIPI); IPIs naming
 * nobody counted and dropped; I/O APIC messages routed by destination;
 * INIT/SIPI start-up as the target's monitor applies it (vmm/vcpu_startup.c,
 * on the fake VMCS), and the IA32_APIC_BASE transitions of x2APIC mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include "vmm/vplatform.h"
#include "vmm/vcpu.h"
#include "vmm/vcpu_startup.h"
#include "kernel/vm.h"
#include "include/hv/x86/regs.h"
#include "tests/fake/guest_state_fake.h"
#include "tests/fake/vm_fail_fake.h"
#include "tests/fake/platform_fake.h"
#include "vmm/dev_pm.h"
#include "mm/heap.h"

/* ---- the VM lifecycle the board calls ------------------------------------- */
static unsigned wakes[VM_MAX_VCPUS], kicks[VM_MAX_VCPUS], resets;

void vm_vcpu_wake(struct vm *vm, unsigned idx) { (void)vm; wakes[idx]++; }
void vm_vcpu_kick(struct vm *vm, unsigned idx) { (void)vm; kicks[idx]++; }
void vm_guest_reset(struct vm *vm, const char *how) { (void)vm, (void)how; resets++; }
/* Not reached: the tests use vplatform_init, not vplatform_attach. */
bool vm_device_add(struct vm_devices *d, const char *name, void *state, void (*destroy)(void *))
{
    (void)d, (void)name, (void)state, (void)destroy;
    return false;
}
bool vm_ports_claim(struct vm_devices *d, uint16_t first, uint16_t last, io_handler_fn fn,
                    void *dev)
{
    (void)d, (void)first, (void)last, (void)fn, (void)dev;
    return false;
}
void *kzalloc(size_t n) { (void)n; return NULL; }
void kfree(void *p) { (void)p; }

#define T0 1000000000ULL
static struct vm vm;
static struct vplatform p;

static int setup4(void **state)
{
    (void)state;
    memset(&vm, 0, sizeof vm);
    memset(wakes, 0, sizeof wakes);
    memset(kicks, 0, sizeof kicks);
    resets = 0;
    vm.state = VM_STATE_RUNNING;
    vplatform_init(&p, &vm, 4, T0, 0, 2000000);
    /* every APIC software-enabled, as a guest does first */
    for (unsigned i = 0; i < 4; i++)
        vplatform_mmio_write(&p, i, 0xfee000f0, 4, 0x1ff, T0);
    return 0;
}

static void icr(unsigned from, uint8_t dest, uint32_t lo)
{
    vplatform_mmio_write(&p, from, 0xfee00310, 4, (uint32_t)dest << 24, T0);
    vplatform_mmio_write(&p, from, 0xfee00300, 4, lo, T0);
}

static bool irr(unsigned cpu, uint8_t v) { return p.lapic[cpu].irr[v / 32] >> (v % 32) & 1; }

static unsigned holders(uint8_t v)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 4; i++)
        if (irr(i, v)) {
            m |= 1u << i;
            p.lapic[i].irr[v / 32] &= ~(1u << (v % 32));
        }
    return m;
}

static void test_aps_wait_for_sipi_and_start(void **state)
{
    (void)state;
    assert_false(vplatform_waiting_sipi(&p, 0));
    for (unsigned i = 1; i < 4; i++)
        assert_true(vplatform_waiting_sipi(&p, i));
    uint8_t vec = 0;
    /* a SIPI before INIT is taken too: the APs wait for one from reset */
    icr(0, 0, 0x000c4500);                    /* INIT, assert, all excluding self */
    assert_int_equal(resets, 0);              /* the BSP is not among them */
    for (unsigned i = 1; i < 4; i++)
        assert_int_equal(kicks[i], 1);
    icr(0, 0, 0x000c4607);                    /* SIPI, vector 7 */
    icr(0, 0, 0x000c4609);                    /* the second SIPI is ignored */
    for (unsigned i = 1; i < 4; i++) {
        assert_false(vplatform_waiting_sipi(&p, i));
        assert_int_equal(vplatform_take_start(&p, i, &vec), VSTART_SIPI);
        assert_int_equal(vec, 7);
        assert_int_equal(vplatform_take_start(&p, i, &vec), VSTART_NONE);
    }
    /* INIT to one AP by physical ID: it waits again; a SIPI to a running
     * vCPU is ignored */
    icr(0, 2, 0x00004500);
    assert_true(vplatform_waiting_sipi(&p, 2));
    assert_int_equal(vplatform_take_start(&p, 2, &vec), VSTART_INIT);
    icr(0, 1, 0x00004608);
    assert_int_equal(vplatform_take_start(&p, 1, &vec), VSTART_NONE);
    /* INIT level de-assert (what old MP code sends after INIT) does nothing */
    icr(0, 3, 0x00008500);
    assert_false(vplatform_waiting_sipi(&p, 3));
    /* INIT to the BSP restarts the VM; it never crashes the board */
    icr(1, 0, 0x00004500);
    assert_int_equal(resets, 1);
}

static void test_fixed_ipis_by_shorthand_and_destination(void **state)
{
    (void)state;
    icr(1, 0, 0x00040040);                    /* self */
    assert_int_equal(holders(0x40), 1u << 1);
    icr(1, 0, 0x00080041);                    /* all including self */
    assert_int_equal(holders(0x41), 0xf);
    icr(1, 0, 0x000c0042);                    /* all excluding self */
    assert_int_equal(holders(0x42), 0xd);
    icr(0, 3, 0x00000043);                    /* physical 3 */
    assert_int_equal(holders(0x43), 1u << 3);
    assert_true(wakes[3] >= 1);               /* a sleeping target is woken */
    icr(0, 0xff, 0x00000044);                 /* physical broadcast */
    assert_int_equal(holders(0x44), 0xf);
    /* flat logical: LDR bit i on vCPU i */
    for (unsigned i = 0; i < 4; i++)
        vplatform_mmio_write(&p, i, 0xfee000d0, 4, (1u << i) << 24, T0);
    icr(0, 0x0a, 0x00000845);                 /* logical, vCPUs 1 and 3 */
    assert_int_equal(holders(0x45), 0xa);
    icr(0, 0x06, 0x00000946);                 /* lowest priority: one of 1, 2 */
    assert_int_equal(holders(0x46), 1u << 1);
    vplatform_mmio_write(&p, 1, 0xfee000f0, 4, 0xff, T0); /* 1 software-disabled */
    icr(0, 0x06, 0x00000946);                 /* ... so 2 takes it */
    assert_int_equal(holders(0x46), 1u << 2);
    vplatform_mmio_write(&p, 1, 0xfee000f0, 4, 0x1ff, T0);
    /* arbitrated by task priority class: the lowest TPR takes it */
    vplatform_mmio_write(&p, 1, 0xfee00080, 4, 0x20, T0);
    icr(0, 0x06, 0x0000094a);                 /* 1 is busier: 2 */
    assert_int_equal(holders(0x4a), 1u << 2);
    vplatform_mmio_write(&p, 2, 0xfee00080, 4, 0x3f, T0);
    icr(0, 0x06, 0x0000094b);                 /* now 2 is: 1 */
    assert_int_equal(holders(0x4b), 1u << 1);
    vplatform_mmio_write(&p, 1, 0xfee00080, 4, 0x00, T0);
    vplatform_mmio_write(&p, 2, 0xfee00080, 4, 0x00, T0);
    /* cluster logical: cluster 1 holds vCPUs 2 and 3 */
    for (unsigned i = 0; i < 4; i++) {
        vplatform_mmio_write(&p, i, 0xfee000e0, 4, 0x0fffffff, T0);
        vplatform_mmio_write(&p, i, 0xfee000d0, 4, ((i / 2) << 28 | 1u << (24 + i % 2)), T0);
    }
    icr(0, 0x12, 0x00000847);                 /* cluster 1, member bit 1: vCPU 3 */
    assert_int_equal(holders(0x47), 1u << 3);
    icr(0, 0xf1, 0x00000848);                 /* every cluster, member bit 0 */
    assert_int_equal(holders(0x48), 0x5);
    /* the delivery-status bit reads idle */
    assert_int_equal(vplatform_mmio_read(&p, 0, 0xfee00300, 4, T0) & (1u << 12), 0);
}

static void test_ipis_to_nobody_are_dropped(void **state)
{
    (void)state;
    uint64_t before = p.ipis_dropped;
    icr(0, 9, 0x00000050);                    /* no APIC 9 */
    icr(0, 0x80, 0x00000851);                 /* no logical bit 7 set anywhere */
    icr(0, 0, 0x00040651);                    /* SIPI to self: illegal */
    assert_int_equal(p.ipis_dropped, before + 3);
    assert_int_equal(holders(0x50) | holders(0x51), 0);
    /* a vCPU of a 2-vCPU VM never sees APIC IDs 2 and 3 */
    vplatform_init(&p, &vm, 2, T0, 0, 2000000);
    icr(0, 3, 0x00000052);
    assert_int_equal(p.ipis_dropped, 1);
}

static void test_nmi_ipi(void **state)
{
    (void)state;
    uint8_t vec;
    icr(0, 0, 0x000c4500);
    icr(0, 0, 0x000c4608);
    for (unsigned i = 1; i < 4; i++)
        vplatform_take_start(&p, i, &vec);
    memset(kicks, 0, sizeof kicks);
    icr(0, 2, 0x00000400);                    /* NMI to APIC 2 */
    assert_true(p.cpu[2].nmi_pending);
    assert_true(vplatform_cpu_event(&p, 2));
    assert_int_equal(kicks[2], 1);            /* a halted vCPU takes it too */
    assert_false(p.cpu[1].nmi_pending);
    vplatform_nmi_taken(&p, 2);
    assert_false(p.cpu[2].nmi_pending);
    assert_int_equal(p.nmis, 1);
    /* a vCPU waiting for SIPI takes no NMI */
    icr(0, 3, 0x00004500);
    icr(0, 3, 0x00000400);
    assert_false(p.cpu[3].nmi_pending);
}

static void test_ioapic_messages_by_destination(void **state)
{
    (void)state;
    /* pin 4 to physical APIC 2, vector 0x60; pin 5 to logical 0x8, 0x61 */
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x10 + 2 * 4, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 0x60, T0);
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x11 + 2 * 4, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 2u << 24, T0);
    for (unsigned i = 0; i < 4; i++)
        vplatform_mmio_write(&p, i, 0xfee000d0, 4, (1u << i) << 24, T0);
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x10 + 2 * 5, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 0x61 | (1u << 11), T0);
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x11 + 2 * 5, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 8u << 24, T0);
    vplatform_isa_irq(&p, 4, true);
    vplatform_isa_irq(&p, 5, true);
    assert_int_equal(holders(0x60), 1u << 2);
    assert_int_equal(holders(0x61), 1u << 3);
}

/* Physical destination 0xff is a broadcast, to APICs in x2APIC mode too;
 * a level pin whose message nobody took keeps no remote IRR. */
static void test_ioapic_broadcast_and_level_to_nobody(void **state)
{
    (void)state;
    const uint64_t en_x2 = 0xfee00000ULL | (1u << 11) | (1u << 10);
    for (unsigned i = 0; i < 4; i++)
        assert_true(vplatform_apic_base_write(&p, i, en_x2 | (i == 0 ? 1u << 8 : 0), 36));
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x10 + 2 * 6, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 0x62, T0);
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x11 + 2 * 6, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 0xffu << 24, T0);
    vplatform_isa_irq(&p, 6, true);
    assert_int_equal(holders(0x62), 0xf);
    /* pin 7: level, physical APIC 9, which no vCPU is */
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x10 + 2 * 7, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 0x63 | (1u << 15), T0);
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x11 + 2 * 7, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 9u << 24, T0);
    vplatform_isa_irq(&p, 7, true);
    assert_int_equal(holders(0x63), 0);
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x10 + 2 * 7, T0);
    assert_int_equal(vplatform_mmio_read(&p, 0, 0xfec00010, 4, T0) & (1u << 14), 0);
}

static void test_apic_base_transitions(void **state)
{
    (void)state;
    const uint64_t base = 0xfee00000ULL, en = 1u << 11, extd = 1u << 10;
    assert_int_equal(vplatform_apic_base_read(&p, 0), base | en | (1u << 8));
    assert_int_equal(vplatform_apic_base_read(&p, 1), base | en); /* BSP flag on vCPU 0 only */
    assert_false(vplatform_apic_base_write(&p, 1, base | extd, 36));      /* invalid state */
    assert_false(vplatform_apic_base_write(&p, 1, base | en | 1, 36));    /* reserved bit */
    assert_true(vplatform_apic_base_write(&p, 1, base | en | extd, 36));  /* xAPIC -> x2APIC */
    assert_true(p.lapic[1].x2apic);
    assert_int_equal(p.lapic[1].ldr, 0x2);
    assert_int_equal(vplatform_mmio_read(&p, 1, 0xfee00020, 4, T0), 0xffffffffu);
    uint64_t v = 0;
    assert_true(vplatform_x2apic_read(&p, 1, 0x802, &v, T0));
    assert_int_equal(v, 1);
    assert_false(vplatform_apic_base_write(&p, 1, base | en, 36));        /* x2APIC -> xAPIC */
    assert_true(vplatform_apic_base_write(&p, 1, base, 36));              /* -> disabled */
    assert_false(p.lapic[1].x2apic);
    assert_false(vplatform_x2apic_read(&p, 1, 0x802, &v, T0));
    assert_false(vplatform_apic_base_write(&p, 1, base | en | extd, 36)); /* disabled -> x2APIC */
    assert_true(vplatform_apic_base_write(&p, 1, base | en, 36));        /* disabled -> xAPIC */
    /* Disabling returns the APIC to its power-up state: what was pending
     * is gone, the LVTs masked, the ID written in xAPIC mode the initial. */
    vplatform_mmio_write(&p, 1, 0xfee00020, 4, 0x07000000u, T0);    /* ID 7 */
    vplatform_mmio_write(&p, 1, 0xfee00350, 4, 0x700, T0);          /* LINT0 ExtINT */
    vlapic_accept(&p.lapic[1], 0x66, false);
    assert_true(vplatform_apic_base_write(&p, 1, base, 36));
    assert_true(vplatform_apic_base_write(&p, 1, base | en, 36));
    assert_int_equal(vplatform_mmio_read(&p, 1, 0xfee00020, 4, T0), 1u << 24);
    assert_int_equal(vplatform_mmio_read(&p, 1, 0xfee00350, 4, T0), 1u << 16);
    assert_int_equal(vplatform_mmio_read(&p, 1, 0xfee00230, 4, T0), 0);  /* IRR 0x60-0x7f */
    /* an x2APIC sender's ICR reaches an xAPIC target by 32-bit ID */
    assert_true(vplatform_apic_base_write(&p, 0, base | en | extd | (1u << 8), 36));
    assert_true(vplatform_x2apic_write(&p, 0, 0x830, (3ULL << 32) | 0x55, T0));
    assert_int_equal(holders(0x55), 1u << 3);
}

/* IA32_APIC_BASE moves a vCPU's xAPIC page (SDM 11.4.4): that vCPU then
 * reaches its APIC there and not at the default page, which the others keep;
 * the page is decoded on every vCPU's behalf (an access by another reads all
 * ones); base bits from MAXPHYADDR up are reserved; INIT leaves the base. */
static void test_apic_base_moves_the_page(void **state)
{
    (void)state;
    const uint64_t en = 1u << 11, moved = 0xfed40000ULL;
    assert_true(vplatform_is_lapic(NULL, 0xfee00fff));
    assert_false(vplatform_is_lapic(NULL, moved));
    assert_false(vplatform_is_lapic(&p, moved + 0x20));
    assert_false(vplatform_apic_base_write(&p, 1, (1ULL << 36) | en, 36)); /* past MAXPHYADDR */
    assert_true(vplatform_apic_base_write(&p, 1, (1ULL << 36) | 0xfee00000ULL | en, 40));
    assert_int_equal(vplatform_apic_base_read(&p, 1), (1ULL << 36) | 0xfee00000ULL | en);
    assert_true(vplatform_apic_base_write(&p, 1, moved | en, 36));
    assert_int_equal(vplatform_apic_base_read(&p, 1), moved | en);
    assert_true(vplatform_is_lapic(&p, moved + 0x20));
    assert_true(vplatform_is_lapic(&p, 0xfee00020));         /* still the others' page */
    assert_int_equal(vplatform_mmio_read(&p, 1, moved + 0x20, 4, T0), 1u << 24); /* its ID */
    assert_int_equal(vplatform_mmio_read(&p, 1, 0xfee00020, 4, T0), 0xffffffffu);
    assert_int_equal(vplatform_mmio_read(&p, 2, 0xfee00020, 4, T0), 2u << 24);
    assert_int_equal(vplatform_mmio_read(&p, 2, moved + 0x20, 4, T0), 0xffffffffu);
    /* writes go to the moved page: TPR, and an IPI through the moved ICR */
    vplatform_mmio_write(&p, 1, 0xfee00080, 4, 0x70, T0);    /* dropped */
    assert_int_equal(vlapic_tpr(&p.lapic[1]), 0);
    vplatform_mmio_write(&p, 1, moved + 0x80, 4, 0x30, T0);
    assert_int_equal(vlapic_tpr(&p.lapic[1]), 0x30);
    icr(1, 2, 0x00000066);                                   /* the old ICR: nothing sent */
    assert_int_equal(holders(0x66), 0);
    vplatform_mmio_write(&p, 1, moved + 0x310, 4, 2u << 24, T0);
    vplatform_mmio_write(&p, 1, moved + 0x300, 4, 0x00000067, T0);
    assert_int_equal(holders(0x67), 1u << 2);
    /* disabled, its page reads all ones; INIT keeps the base */
    assert_true(vplatform_apic_base_write(&p, 1, moved, 36));
    assert_int_equal(vplatform_mmio_read(&p, 1, moved + 0x20, 4, T0), 0xffffffffu);
    assert_true(vplatform_apic_base_write(&p, 1, moved | en, 36));
    icr(0, 1, 0x00004500);
    assert_int_equal(vplatform_apic_base_read(&p, 1), moved | en);
    /* and back */
    assert_true(vplatform_apic_base_write(&p, 1, 0xfee00000ULL | en, 36));
    assert_false(vplatform_is_lapic(&p, moved));
    assert_int_equal(vplatform_mmio_read(&p, 1, 0xfee00020, 4, T0), 1u << 24);
}

/* ---- the target's monitor applies the start-up (vcpu_startup.c) ----------- */
static void test_startup_applied_to_the_vmcs(void **state)
{
    (void)state;
    static struct vcpu ap;
    uint64_t wake;
    memset(&ap, 0, sizeof ap);
    ap.vm = &vm;
    ap.plat = &p;
    ap.id = 1;
    fake_gs_reset();
    assert_false(vcpu_startup(&ap, &wake));          /* waits: must not run */
    p.tsc_offset = 12345;
    p.tsc_gen = 3;
    fake_gs_set(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | 0x30);
    fake_gs_set(VMCS_PROC_CTLS, PROC_INTR_WINDOW | 0x80);
    ap.intr_window = true;
    icr(0, 1, 0x00004500);
    icr(0, 1, 0x00004612);                    /* SIPI vector 0x12 */
    assert_true(vcpu_startup(&ap, &wake));
    assert_true(fake_host.tlb_flushes >= 1);  /* nothing cached from before INIT */
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_CS)), 0x1200);
    assert_int_equal(fake_gs_get(VMCS_SEG_BASE(SEG_CS)), 0x12000);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR0) & CR0_PE, 0);
    assert_int_equal(fake_gs_get(VMCS_ENTRY_INTR_INFO), 0);  /* nothing from before */
    assert_int_equal(fake_gs_get(VMCS_PROC_CTLS), 0x80);
    assert_false(ap.intr_window);
    assert_int_equal(fake_gs_get(VMCS_TSC_OFFSET), 12345);   /* the VM's one TSC */
    /* the offset moves on another vCPU: this one follows at its next run */
    p.tsc_offset = 999;
    p.tsc_gen++;
    assert_true(vcpu_startup(&ap, &wake));
    assert_int_equal(fake_gs_get(VMCS_TSC_OFFSET), 999);
}

/* ---- ACPI S3 (vplatform_suspend, the wake in vcpu_startup.c) -------------- */
static uint8_t facs[64];
static struct dev_pm pm;

/* vCPU `id` of the test's board, its VMCS and the failure fakes fresh. */
static void board_vcpu(struct vcpu *v, unsigned id)
{
    memset(v, 0, sizeof *v);
    v->vm = &vm;
    v->plat = &p;
    v->id = id;
    fake_gs_reset();
    fake_vm_fail_reset();
}

static void rtc_write(uint8_t reg, uint8_t val, uint64_t now)
{
    vplatform_port_write(&p, 0x70, 1, reg, now);
    vplatform_port_write(&p, 0x71, 1, val, now);
}

static void suspend_with_alarm(uint16_t pm1_en)
{
    memset(facs, 0, sizeof facs);
    dev_pm_init(&pm, 0x600, 5, 1);
    pm.facs = facs;
    p.pm = &pm;
    dev_pm_write(&pm, 0x602, 2, pm1_en, &(unsigned){ 0 });
    /* register C read (the line low again), then an alarm every second
     * ("don't care" bytes), AIE on; then SLP_EN with S3 */
    vplatform_port_write(&p, 0x70, 1, 0x0c, T0);
    vplatform_port_read(&p, 0x71, 1, T0);
    rtc_write(0x01, 0xc0, T0);
    rtc_write(0x03, 0xc0, T0);
    rtc_write(0x05, 0xc0, T0);
    rtc_write(0x0b, 0x02 | 0x20, T0);
    assert_int_equal(dev_pm_write(&pm, 0x604, 2, 0x2400, &(unsigned){ 0 }), DEV_PM_SLEEP_S3);
    vplatform_suspend(&p);
}

static void test_s3_sleeps_until_the_rtc_alarm(void **state)
{
    (void)state;
    static struct vcpu bsp, ap;
    board_vcpu(&bsp, 0);
    board_vcpu(&ap, 1);
    for (unsigned i = 1; i < 4; i++)
        p.cpu[i].wait_sipi = false;                                   /* all started */
    vplatform_mmio_write(&p, 0, 0xfee00080, 4, 0x20, T0);             /* a TPR to lose */
    suspend_with_alarm(0x0400);                                       /* RTC_EN */
    facs[12] = 0x34, facs[13] = 0x12;                                 /* vector 0x1234 */
    for (unsigned i = 0; i < 4; i++) {
        assert_true(p.cpu[i].wait_sipi && p.cpu[i].init_pending);    /* every CPU stops */
        assert_true(kicks[i] >= 1);
    }
    assert_int_equal(vlapic_tpr(&p.lapic[0]), 0);                     /* its APIC reset */
    /* before the next second: asleep, woken again at the RTC's deadline */
    uint64_t wake = 0;
    fake_plat_set_time_ns(T0 + 1000);
    assert_false(vcpu_startup(&bsp, &wake));
    assert_true(wake > T0 && wake <= T0 + 1000000000ULL);
    assert_false(vcpu_startup(&ap, &wake));
    assert_int_equal(wake, UINT64_MAX);
    assert_false(p.cpu[0].resume_pending);
    /* the alarm: RTC_STS, WAK_STS, and the BSP at 0x123:4 in real mode */
    fake_plat_set_time_ns(T0 + 1000000000ULL);
    assert_true(vcpu_startup(&bsp, &wake));
    assert_false(vplatform_suspended(&p));
    assert_int_equal(dev_pm_read(&pm, 0x600, 2, T0) & 0x8400, 0x8400);
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_CS)), 0x123);
    assert_int_equal(fake_gs_get(VMCS_SEG_BASE(SEG_CS)), 0x1230);
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 4);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR0) & CR0_PE, 0);
    assert_non_null(strstr(fake_log_last, "woke from S3"));
    /* the APs stay parked until the OS starts them again */
    assert_false(vcpu_startup(&ap, &wake));
    assert_true(p.cpu[1].wait_sipi);
    assert_int_equal(resets, 0);
    assert_int_equal(vm.state, VM_STATE_RUNNING);
    /* Again with register C unread: IRQ 8 is still up, so no alarm rises
     * it and nothing wakes the VM, as on a chipset. */
    assert_true(p.rtc.ram[0x0c] & 0x80);
    dev_pm_write(&pm, 0x600, 2, 0xffff, &(unsigned){ 0 });
    assert_int_equal(dev_pm_write(&pm, 0x604, 2, 0x2400, &(unsigned){ 0 }), DEV_PM_SLEEP_S3);
    vplatform_suspend(&p);
    fake_plat_set_time_ns(T0 + 5000000000ULL);
    assert_false(vcpu_startup(&bsp, &wake));
    assert_int_equal(wake, UINT64_MAX);
    assert_int_equal(dev_pm_read(&pm, 0x600, 2, T0), 0);
}

/* The BSP asleep in S3, run once just after `t - 1 s` (it learns the RTC's
 * next deadline) and again at `t`. */
static bool bsp_runs_at(struct vcpu *bsp, uint64_t t)
{
    uint64_t wake;
    fake_plat_set_time_ns(t - 1000000000ULL + 1000);
    if (vcpu_startup(bsp, &wake))
        return true;
    assert_true(wake <= t);
    fake_plat_set_time_ns(t);
    return vcpu_startup(bsp, &wake);
}

static void test_s3_wake_vectors(void **state)
{
    (void)state;
    static struct vcpu bsp;
    board_vcpu(&bsp, 0);
    /* no wake event enabled: the alarm sets RTC_STS but leaves it asleep */
    suspend_with_alarm(0);
    assert_false(bsp_runs_at(&bsp, T0 + 3000000000ULL));
    assert_true(vplatform_suspended(&p));
    assert_int_equal(dev_pm_read(&pm, 0x600, 2, T0) & 0x8400, 0x0400);
    /* the status already set when RTC_EN comes: the next check wakes it */
    dev_pm_write(&pm, 0x602, 2, 0x0400, &(unsigned){ 0 });
    facs[12] = 0x34;
    facs[24] = 0x00, facs[25] = 0x10, facs[26] = 0x20;                  /* X: 0x201000 */
    fake_plat_set_time_ns(T0 + 3000000001ULL);
    uint64_t wake;
    assert_true(vcpu_startup(&bsp, &wake));
    /* the X vector wins: flat 32-bit protected mode */
    assert_int_equal(fake_gs_get(VMCS_GUEST_RIP), 0x201000);
    assert_int_equal(fake_gs_get(VMCS_SEG_BASE(SEG_CS)), 0);
    assert_int_equal(fake_gs_get(VMCS_GUEST_CR0) & CR0_PE, CR0_PE);
    /* a real-mode vector past 1 MiB: the VM stops, naming it */
    dev_pm_write(&pm, 0x600, 2, 0xffff, &(unsigned){ 0 });              /* statuses cleared */
    suspend_with_alarm(0x0400);
    facs[14] = 0x10;                                                    /* 0x100000 */
    assert_false(bsp_runs_at(&bsp, T0 + 5000000000ULL));
    assert_int_equal(vm.state, VM_STATE_FAILED);
    assert_non_null(strstr(fake_fail_reason, "0x100000"));
    assert_int_equal(resets, 0);
    /* no vector at all: a boot */
    vm.state = VM_STATE_RUNNING;
    suspend_with_alarm(0x0400);
    assert_false(bsp_runs_at(&bsp, T0 + 7000000000ULL));
    assert_int_equal(resets, 1);
}

/* The power button (`vm power-button`): the SCI on ISA line 9 while awake
 * (with PWRBTN_EN), and a suspended VM with no alarm set wakes at once. */
static void test_power_button_sci_and_wake(void **state)
{
    (void)state;
    static struct vcpu bsp;
    board_vcpu(&bsp, 0);
    uint64_t wake;
    assert_false(vplatform_power_button(&p));                 /* no PM block: refused */
    memset(facs, 0, sizeof facs);
    facs[12] = 0x00, facs[13] = 0x10;                         /* vector 0x1000 */
    dev_pm_init(&pm, 0x600, 5, 1);
    pm.facs = facs;
    p.pm = &pm;
    /* awake: the SCI follows status and enable, level on I/O APIC pin 9 */
    vplatform_mmio_write(&p, 0, 0xfec00000, 4, 0x10 + 2 * 9, T0);
    vplatform_mmio_write(&p, 0, 0xfec00010, 4, 0x8000 | 0x41, T0);   /* level, vector 0x41 */
    dev_pm_write(&pm, 0x602, 2, 0x0100, &(unsigned){ 0 });            /* PWRBTN_EN */
    vplatform_pm_changed(&p);
    assert_false(p.sci);
    assert_true(vplatform_power_button(&p));
    assert_true(p.sci);
    assert_true(p.ioapic.asserted & (1u << 9));                    /* the line is up */
    dev_pm_write(&pm, 0x600, 2, 0x0100, &(unsigned){ 0 });            /* cleared */
    vplatform_pm_changed(&p);
    assert_false(p.sci);
    /* suspended with nothing enabled and no alarm: asleep for good ... */
    dev_pm_write(&pm, 0x602, 2, 0, &(unsigned){ 0 });
    assert_int_equal(dev_pm_write(&pm, 0x604, 2, 0x2400, &(unsigned){ 0 }), DEV_PM_SLEEP_S3);
    vplatform_suspend(&p);
    fake_plat_set_time_ns(T0 + 1000);
    assert_false(vcpu_startup(&bsp, &wake));
    unsigned kicked = kicks[0];
    /* ... until the button: the BSP is kicked and resumes at the vector */
    assert_true(vplatform_power_button(&p));
    assert_int_equal(kicks[0], kicked + 1);
    assert_false(p.sci);                                              /* asleep: none */
    assert_true(vcpu_startup(&bsp, &wake));
    assert_int_equal(fake_gs_get(VMCS_SEG_SEL(SEG_CS)), 0x100);
    assert_int_equal(dev_pm_read(&pm, 0x600, 2, T0), 0x8100);         /* WAK_STS, PWRBTN_STS */
}

/* The NMI line (`vm nmi`): LINT1 of every APIC acts as its LVT entry says
 * (Linux: NMI on the BSP, masked on the APs); an APIC that is globally off
 * passes it to the core's NMI pin. */
static void test_nmi_button_follows_lint1(void **state)
{
    (void)state;
    for (unsigned i = 1; i < 4; i++)
        p.cpu[i].wait_sipi = false;                                         /* started */
    vplatform_mmio_write(&p, 0, 0xfee00360, 4, 4u << 8, T0);                /* NMI */
    vplatform_mmio_write(&p, 1, 0xfee00360, 4, (4u << 8) | (1u << 16), T0); /* masked */
    vplatform_mmio_write(&p, 2, 0xfee00360, 4, 0x55, T0);                   /* fixed 0x55 */
    assert_true(vplatform_apic_base_write(&p, 3, vplatform_apic_base_read(&p, 3) & ~(1ull << 11), 36));
    vplatform_nmi_button(&p);
    assert_true(p.cpu[0].nmi_pending);
    assert_false(p.cpu[1].nmi_pending);
    assert_false(p.cpu[2].nmi_pending);
    assert_true(irr(2, 0x55));
    assert_true(p.cpu[3].nmi_pending);
    assert_int_equal(holders(0x55), 1u << 2);
    assert_int_equal(kicks[0] + kicks[3], 2);   /* the targets are woken */
}

/* Port 0x92 (System Control Port A): A20 reads back as written; a 1 in bit
 * 0 restarts the machine, as a PC's fast reset does. */
static void test_port92_a20_and_fast_reset(void **state)
{
    (void)state;
    assert_int_equal(vplatform_port_read(&p, 0x92, 1, T0), 0x02);
    vplatform_port_write(&p, 0x92, 1, 0x00, T0);
    assert_int_equal(vplatform_port_read(&p, 0x92, 1, T0), 0x00);
    assert_int_equal(resets, 0);
    vplatform_port_write(&p, 0x92, 1, 0x03, T0);
    assert_int_equal(resets, 1);
    assert_int_equal(vplatform_port_read(&p, 0x92, 1, T0), 0x02);
}

/* The HPET's legacy replacement (HPET spec 2.3.9.2.3): while it is on,
 * the PIT's and the RTC's interrupts no longer reach ISA lines 0 and 8
 * and the HPET's timers 0 and 1 do; off again, the PIT has line 0 back.
 * A board without an HPET neither decodes its page nor ticks it. */
static void test_hpet_legacy_replacement_on_the_board(void **state)
{
    (void)state;
    const uint64_t hpet = HPET_BASE, ms = 1000000;
    assert_false(vplatform_is_hpet(&p, hpet));
    p.hpet_present = true;
    assert_true(vplatform_is_hpet(&p, hpet + 0xf0));
    assert_false(vplatform_is_hpet(&p, hpet + 0x1000));
    /* The PIT as a 1 ms rate generator on IRQ 0. */
    vplatform_port_write(&p, 0x43, 1, 0x34, T0);
    vplatform_port_write(&p, 0x40, 1, 1193 & 0xff, T0);
    vplatform_port_write(&p, 0x40, 1, 1193 >> 8, T0);
    /* HPET legacy replacement, timer 0 one-shot at 2.5 ms. */
    vplatform_hpet_write(&p, hpet + 0x10, 4, 3, T0);           /* ENABLE | LEG_RT */
    vplatform_hpet_write(&p, hpet + 0x100, 4, 1u << 2, T0);    /* Tn_INT_ENB, edge */
    vplatform_hpet_write(&p, hpet + 0x108, 8, 35795, T0);      /* 2.5 ms of 14.31818 MHz */
    p.pic.chip[0].irr = 0;          /* the edge of the PIT's start, before legacy mode */
    const uint64_t pit_period = 1193 * 1000000000ULL / 1193182 + 1;  /* 999,848 ns, rounded up */
    const uint64_t hpet_due = T0 + (35795 * 1000000000ULL + HPET_HZ - 1) / HPET_HZ;
    for (unsigned k = 1; k <= 2; k++) {
        uint64_t d = vplatform_next_deadline(&p, T0 + (k - 1) * pit_period);
        assert_true(d <= T0 + k * pit_period);                  /* the PIT still counts */
        vplatform_tick(&p, d);
    }
    assert_int_equal(p.pic.chip[0].irr & 1, 0);                 /* its edges went nowhere */
    assert_int_equal(vplatform_next_deadline(&p, T0 + 2 * pit_period), hpet_due);
    vplatform_tick(&p, hpet_due);
    assert_int_equal(p.pic.chip[0].irr & 1, 1);                 /* the HPET's did */
    assert_int_equal(p.hpet.irqs, 1);
    /* Legacy off: the PIT's next edge reaches line 0 again. */
    p.pic.chip[0].irr = 0;
    vplatform_hpet_write(&p, hpet + 0x10, 4, 1, T0 + 2500000);
    vplatform_tick(&p, T0 + 3 * ms);
    assert_int_equal(p.pic.chip[0].irr & 1, 1);
    /* Registers beyond the first KiB read zeros and take nothing. */
    assert_int_equal(vplatform_hpet_read(&p, hpet + 0x800, 4, T0), 0);
    assert_int_equal(vplatform_hpet_read(&p, hpet + 4, 4, T0), HPET_PERIOD_FS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_aps_wait_for_sipi_and_start, setup4),
        cmocka_unit_test_setup(test_fixed_ipis_by_shorthand_and_destination, setup4),
        cmocka_unit_test_setup(test_ipis_to_nobody_are_dropped, setup4),
        cmocka_unit_test_setup(test_nmi_ipi, setup4),
        cmocka_unit_test_setup(test_ioapic_messages_by_destination, setup4),
        cmocka_unit_test_setup(test_ioapic_broadcast_and_level_to_nobody, setup4),
        cmocka_unit_test_setup(test_apic_base_transitions, setup4),
        cmocka_unit_test_setup(test_apic_base_moves_the_page, setup4),
        cmocka_unit_test_setup(test_startup_applied_to_the_vmcs, setup4),
        cmocka_unit_test_setup(test_s3_sleeps_until_the_rtc_alarm, setup4),
        cmocka_unit_test_setup(test_s3_wake_vectors, setup4),
        cmocka_unit_test_setup(test_power_button_sci_and_wake, setup4),
        cmocka_unit_test_setup(test_nmi_button_follows_lint1, setup4),
        cmocka_unit_test_setup(test_port92_a20_and_fast_reset, setup4),
        cmocka_unit_test_setup(test_hpet_legacy_replacement_on_the_board, setup4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
