/* libFuzzer target for the device models: the input is a program of guest
 * port and MMIO accesses, INTA cycles and time steps on a PIT, PIC pair,
 * RTC, i8042, I/O APIC and local APIC wired as on a PC (PIT -> IRQ 0 / pin
 * 2, i8042 -> 1 and 12, RTC -> 8; I/O APIC messages into the local APIC,
 * its level EOIs back). Checked: no crash or undefined behaviour on any
 * sequence; the PIC's and the local APIC's reported outputs match their
 * state; INTA vectors come from the programmed bases; deadlines are never
 * in the past and ticking at one makes progress; the keyboard queue stays
 * bounded; pc-testdev's latch reads back what a dword wrote, its lines
 * reach the controllers and its window stays within bounds; the ACPI PM
 * block (RTC_STS from the RTC's IRQ 8, S3 and the wake with a FACS the
 * input writes) keeps SCI_EN, and a wake's mode fits its vector; the
 * HPET (any register at any width and offset) keeps its lines as its
 * level-triggered timers' status says, its counter never runs backwards,
 * and its deadlines make progress. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/dev_pit.h"
#include "vmm/dev_pic.h"
#include "vmm/dev_rtc.h"
#include "vmm/dev_i8042.h"
#include "vmm/dev_ioapic.h"
#include "vmm/dev_lapic.h"
#include "vmm/dev_testdev.h"
#include "vmm/dev_pm.h"
#include "vmm/dev_hpet.h"
#include "vmm/acpi_guest.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static struct pic pic;
static struct pit pit;
static struct rtc rtc;
static struct i8042 kbc;
static struct vioapic ioapic;
static struct vlapic lapic;
static struct testdev td;
static struct dev_pm pm;
static struct hpet hpet;
static bool hpet_level[HPET_LINES];
static uint8_t facs[64];
static bool intr, lapic_intr;
static unsigned resets;

/* An ISA line goes to both controllers, as on a PC; IRQ 0 is I/O APIC pin 2. */
static void to_pic(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    pic_set_irq(&pic, line, level);
    vioapic_set_irq(&ioapic, line ? line : 2, level);
}

static bool to_lapic(void *ctx, const struct vioapic_msg *m)
{
    (void)ctx;
    if (m->delivery_mode > 1)
        return false;
    vlapic_accept(&lapic, m->vector, m->level);
    return true;
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
    (void)ctx;
    vioapic_eoi(&ioapic, vector);
}

static void lapic_out(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    check(l == 0 && level != lapic_intr);
    lapic_intr = level;
}

static void intr_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    check(line == 0 && level != intr);
    intr = level;
}

static void on_reset(void *ctx)
{
    (void)ctx;
    resets++;
}

/* pc-testdev's lines: ISA ones to both controllers, 16-23 to the I/O APIC. */
static void testdev_line(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    check(line < TESTDEV_IRQ_LINES);
    if (line < 16)
        to_pic(NULL, line, level);
    else
        vioapic_set_irq(&ioapic, line, level);
}

/* The HPET's lines: ISA 0 and 8 (legacy mode) to both controllers, the
 * rest to the I/O APIC; each reported change is a change. */
static void hpet_line(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    check(line < HPET_LINES && (line == 0 || line == 8 || line >= 20));
    check(hpet_level[line] != level);
    hpet_level[line] = level;
    if (line < 16)
        to_pic(NULL, line, level);
    else
        vioapic_set_irq(&ioapic, line, level);
}

/* One HPET register access: which register (a's low bits), at which byte
 * offset and width; the value from v, spread over the bytes a names. */
static void hpet_step(uint8_t a, uint8_t v, uint64_t now)
{
    static const uint16_t regs[12] = { 0x000, 0x010, 0x020, 0x0f0, 0x100, 0x108,
                                       0x110, 0x120, 0x128, 0x140, 0x148, 0x3f8 };
    static const unsigned sizes[4] = { 1, 2, 4, 8 };
    uint64_t off = regs[(a & 0x0f) % 12] + (v >> 5);
    unsigned sz = sizes[(a >> 4) & 3];
    uint64_t val = (uint64_t)v << (8 * (a >> 6)) | (uint64_t)(v & 0x1f) << 9 | (v & 0x4e);
    uint64_t c0 = hpet_counter(&hpet, now);
    if (a & 0x40)
        hpet_write(&hpet, off, sz, val, now);
    else
        (void)hpet_read(&hpet, off, sz, now);
    bool on = hpet_read(&hpet, 0x10, 8, now) & 1;
    check(!on || hpet_counter(&hpet, now) >= c0);   /* written only while halted */
    /* The lines are what the level-triggered timers hold, nothing else. */
    bool want[HPET_LINES] = { false };
    uint64_t isr = hpet_read(&hpet, 0x20, 8, now);
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        uint64_t conf = hpet.t[i].config;
        unsigned route = (unsigned)(conf >> 9) & 31;
        int l = hpet_legacy(&hpet) && i < 2 ? (i ? 8 : 0)
                : (conf >> 32) >> route & 1 ? (int)route : -1;
        if (l >= 0 && (conf & 2) && (conf & 4) && (isr >> i & 1))
            want[l] = true;
    }
    for (unsigned l = 0; l < HPET_LINES; l++)
        check(want[l] == hpet_level[l]);
}

/* The PM block at any width: a port access, the guest writing its FACS,
 * the power button, or the wake (when due, or forced). */
static void pm_step(uint8_t a, uint8_t v)
{
    static const unsigned sizes[3] = { 1, 2, 4 };
    unsigned detail = 0, sz = sizes[(a >> 2) % 3];
    uint16_t port = a & 0x80 ? ACPI_GUEST_RESET_PORT
                             : (uint16_t)(ACPI_GUEST_PM_BASE + v % ACPI_GUEST_PM_LEN);
    if ((a & 3) == 3) {
        facs[(v ^ a) & 63] = (uint8_t)(a ^ (v << 1));
    } else if (a & 1) {
        enum dev_pm_event e = dev_pm_write(&pm, port, sz, (uint32_t)v * 0x01010101u, &detail);
        check(e != DEV_PM_SLEEP_S3 || pm.sleeping);
        check(e != DEV_PM_SLEEP_OTHER || (detail != pm.s3_typ && detail != pm.s5_typ));
    } else if (a & 2) {
        (void)dev_pm_read(&pm, port, sz, 12345);
    } else if (a & 0x20) {
        dev_pm_power_button(&pm);
        check(!pm.sleeping || dev_pm_wake_due(&pm));      /* it wakes whatever the enable */
    } else if (dev_pm_wake_due(&pm) || (a & 0x40)) {
        uint64_t addr = 1;
        enum dev_pm_wake_mode m = dev_pm_wake(&pm, &addr);
        check(!pm.sleeping && (pm.sts & PM1_STS_WAK));
        check(m != DEV_PM_WAKE_BOOT || addr == 0);
        check(m != DEV_PM_WAKE_REAL || (addr && addr < 0x100000));
        check(m != DEV_PM_WAKE_PROT32 || (addr && addr < (1ULL << 32)));
        check(m != DEV_PM_WAKE_BAD || addr >= 0x100000);
    }
    check(dev_pm_read(&pm, ACPI_GUEST_PM_BASE + 4, 2, 0) & PM1_CNT_SCI_EN);
    check(!dev_pm_sci(&pm) || (!pm.sleeping && (pm.sts & pm.en)));
    check((pm.en & ~PM1_EN_DEFINED) == 0);
}

static const uint16_t pit_ports[4] = { 0x40, 0x42, 0x43, 0x61 };
static const uint16_t pic_ports[6] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t now = 1000;
    intr = lapic_intr = false;
    resets = 0;
    struct dev_irq line = { to_pic, NULL };
    pic_init(&pic, (struct dev_irq){ intr_set, NULL });
    pit_init(&pit, line, now);
    rtc_init(&rtc, line, 1764763200, now);
    i8042_init(&kbc, line, on_reset, NULL);
    vioapic_init(&ioapic, 0, to_lapic, NULL);
    vlapic_init(&lapic, 0, 100000000, 2000000, (struct dev_irq){ lapic_out, NULL });
    lapic.eoi = lapic_eoi;
    static uint8_t td_window[TESTDEV_IOMEM_LEN];
    struct testdev_host td_host = { testdev_line, NULL, NULL, { NULL } };
    for (unsigned p = 0; p < TESTDEV_IOMEM_PAGES; p++)
        td_host.iomem[p] = td_window + p * 4096;
    testdev_init(&td, &td_host);
    dev_pm_init(&pm, ACPI_GUEST_PM_BASE, ACPI_GUEST_S5_TYP, ACPI_GUEST_S3_TYP);
    memset(facs, 0, sizeof facs);
    pm.facs = facs;
    memset(hpet_level, 0, sizeof hpet_level);
    hpet_init(&hpet, (struct dev_irq){ hpet_line, NULL }, now);
    uint64_t tsc = 0, rtc_irqs = 0;

    for (size_t i = 0; i + 3 <= size; i += 3) {
        uint8_t op = data[i], a = data[i + 1], v = data[i + 2];
        switch (op % 13) {
        case 0: pit_port_write(&pit, pit_ports[a & 3], v, now); break;
        case 1: (void)pit_port_read(&pit, pit_ports[a & 3], now); break;
        case 2: pic_port_write(&pic, pic_ports[a % 6], v); break;
        case 3:
            if (a & 1) {
                (void)pic_port_read(&pic, pic_ports[(a >> 1) % 6]);
            } else {
                uint8_t vec = pic_ack(&pic);
                check((vec & 0xf8) == pic.chip[0].base || (vec & 0xf8) == pic.chip[1].base);
            }
            break;
        case 4: rtc_port_write(&rtc, (uint16_t)(0x70 + (a & 1)), v, now); break;
        case 5: (void)rtc_port_read(&rtc, (uint16_t)(0x70 + (a & 1)), now); break;
        case 6:
            if (a & 2)
                i8042_port_write(&kbc, a & 1 ? 0x64 : 0x60, v);
            else if (a & 4)
                i8042_kbd_input(&kbc, v);
            else
                (void)i8042_port_read(&kbc, a & 1 ? 0x64 : 0x60);
            break;
        case 8:
            /* I/O APIC: select, window, EOI register; the value from the
             * next bytes, repeated so redirection entries get vectors. */
            vioapic_mmio_write(&ioapic, (uint64_t)(a & 3) << 4 == 0x30 ? 0x40 : (uint64_t)(a & 3) << 4,
                               a & 4 ? 1u : 4u, (uint32_t)v * 0x01010101u);
            if (a & 8)
                (void)vioapic_mmio_read(&ioapic, 0x10, 4);
            break;
        case 9:
            if ((a & 7) == 7) {
                int vec = vlapic_ack(&lapic);
                check(vec == -1 || (vec >= 16 && vec <= 255));
            } else if ((a & 7) == 6) {
                vlapic_tsc_deadline_write(&lapic, tsc + ((uint64_t)v << (a >> 3)), now, tsc);
            } else if ((a & 7) == 5) {
                /* x2APIC: the mode flips, INIT, or an MSR of the range
                 * (MSR 0x800 + v's low 6 bits; the value from a and v) */
                uint32_t msr = 0x800u + (v & 0x3fu);
                uint64_t val = (uint64_t)(a >> 6) << 32 | (uint32_t)v << 8 | (uint32_t)a >> 3;
                if ((a & 0x18) == 0x18)
                    vlapic_set_x2apic(&lapic, !lapic.x2apic);
                else if (a & 0x10)
                    vlapic_reset(&lapic);
                else if (a & 8)
                    (void)vlapic_msr_write(&lapic, msr, val, now);
                else
                    (void)vlapic_msr_read(&lapic, msr, &val, now);
            } else if (a & 1) {
                vlapic_mmio_write(&lapic, (uint64_t)(v & 0x3f) << 4, 4,
                                  (uint32_t)a << 24 | (uint32_t)v << 16 | (uint32_t)a << 8 | v, now);
            } else {
                (void)vlapic_mmio_read(&lapic, (uint64_t)(v & 0x3f) << 4, 4, now);
            }
            break;
        case 11: pm_step(a, v); break;
        case 12: hpet_step(a, v, now); break;
        case 10: {
            /* pc-testdev: its ports at any width, its window near its end. */
            static const unsigned sizes[4] = { 1, 2, 4, 8 };
            unsigned sz = sizes[(a >> 5) & 3];
            if (a & 1) {
                uint16_t port = (uint16_t)(a & 2 ? TESTDEV_IRQ_PORT + (v % (TESTDEV_IRQ_LINES + 2))
                                                 : TESTDEV_LATCH_PORT + (v % 14));
                if (a & 4) {
                    testdev_port_write(&td, port, sz > 4 ? 4 : sz, (uint32_t)v * 0x01010101u);
                } else {
                    (void)testdev_port_read(&td, port, sz > 4 ? 4 : sz);
                }
            } else {
                uint64_t at = TESTDEV_IOMEM_BASE + TESTDEV_IOMEM_LEN - 8 + (v & 15);
                if (a & 4)
                    testdev_iomem_write(&td, at, sz, (uint64_t)v * 0x0101010101010101ULL);
                else
                    (void)testdev_iomem_read(&td, at, sz);
            }
            uint32_t word = (uint32_t)a << 24 | v;
            testdev_port_write(&td, TESTDEV_LATCH_PORT, 4, word);
            check(testdev_port_read(&td, TESTDEV_LATCH2_PORT, 4) == word);
            break;
        }
        default: {
            /* Time passes: a little, a lot, or to the next deadline. */
            uint64_t d = pit_next_deadline(&pit, now), r = rtc_next_deadline(&rtc, now);
            uint64_t la = vlapic_next_deadline(&lapic, now);
            uint64_t hp = hpet_next_deadline(&hpet, now);
            check(d >= now && r >= now && la >= now);
            if (a & 1) {
                uint64_t next = d < r ? d : r;
                next = la < next ? la : next;
                next = hp < next ? hp : next;
                if (next != DEV_NO_DEADLINE)
                    now = next;
            } else {
                uint64_t step = (uint64_t)v << (a % 40);
                now += step;
                tsc += step * 2;     /* a 2 GHz TSC */
            }
            pit_tick(&pit, now);
            rtc_tick(&rtc, now);
            vlapic_tick(&lapic, now);
            hpet_tick(&hpet, now);
            /* Ticked at or past its deadline, the HPET's next one is later. */
            if (hp <= now)
                check(hpet_next_deadline(&hpet, now) > now);
            if ((a & 1) && d == now && d != DEV_NO_DEADLINE) {
                uint64_t d2 = pit_next_deadline(&pit, now);
                check(d2 > now || d2 == DEV_NO_DEADLINE || pit.ch[0].reload == 1);
            }
            break;
        }
        }
        /* IRQ 8 rising sets RTC_STS, as the board wires it (vplatform.c). */
        if (rtc.irqs != rtc_irqs) {
            rtc_irqs = rtc.irqs;
            dev_pm_rtc_irq(&pm);
        }
        check(intr == pic_intr(&pic));
        /* The local APIC's output says exactly whether INTA would find a
         * vector: asked of a copy, so the run goes on undisturbed. */
        struct vlapic probe = lapic;
        probe.out = (struct dev_irq){ NULL, NULL };
        probe.eoi = NULL;
        check(lapic_intr == (vlapic_ack(&probe) >= 0));
        check(kbc.count <= I8042_QUEUE);
    }
    return 0;
}
