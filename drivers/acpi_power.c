/* S5: write SLP_TYPx | SLP_EN to PM1a_CNT (and PM1b_CNT when present), with
 * SLP_TYP from the DSDT's \_S5 package (ACPI spec, "Sleeping/Waking
 * Control"). If the machine is still alive after that, try what emulators
 * offer: Bochs' shutdown port 0x8900 and QEMU's isa-debug-exit at 0xf4. */
#include "drivers/acpi_power.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "include/hv/console.h"

#define SCI_EN 1u

static const struct acpi_info *acpi;
static char method[160];

static bool gas_usable(const struct acpi_gas *g)
{
    return g->address && (g->space == 0 || g->space == 1);
}

static uint16_t gas_read16(const struct acpi_gas *g)
{
    if (g->space == 1)
        return inw((uint16_t)g->address);
    volatile uint16_t *p = mmio_map(g->address, 2);
    return p ? *p : 0;
}

static void gas_write(const struct acpi_gas *g, uint32_t v, unsigned bytes)
{
    if (g->space == 1) {
        if (bytes == 1)
            outb((uint16_t)g->address, (uint8_t)v);
        else
            outw((uint16_t)g->address, (uint16_t)v);
        return;
    }
    volatile uint8_t *p = mmio_map(g->address, bytes);
    if (!p)
        return;
    if (bytes == 1)
        *p = (uint8_t)v;
    else
        *(volatile uint16_t *)p = (uint16_t)v;
}

static void delay_ms(unsigned ms)
{
    uint64_t end = tsc_now_ns() + (uint64_t)ms * 1000000;
    while (tsc_now_ns() < end)
        cpu_pause();
}

void power_init(const struct acpi_info *a)
{
    acpi = a;
    const char *off = (a && a->have_s5 && gas_usable(&a->pm1a_cnt)) ? "ACPI S5" : "emulator ports";
    const char *rst = (a && a->reset_supported && gas_usable(&a->reset_reg)) ? "ACPI reset register"
                                                                           : "port 0xcf9";
    char *d = method;
    const char *parts[] = { "poweroff: ", off, "; reboot: ", rst, " (fallbacks: 8042, triple fault)" };
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
        for (const char *s = parts[i]; *s && d < method + sizeof method - 1; s++)
            *d++ = *s;
    *d = 0;
}

const char *power_method(void) { return method; }

static void acpi_enable_mode(void)
{
    if (gas_read16(&acpi->pm1a_cnt) & SCI_EN)
        return;
    if (!acpi->smi_cmd || !acpi->acpi_enable)
        return;
    outb((uint16_t)acpi->smi_cmd, acpi->acpi_enable);
    for (int i = 0; i < 300 && !(gas_read16(&acpi->pm1a_cnt) & SCI_EN); i++)
        delay_ms(10);
}

void power_off(void)
{
    cli();
    if (acpi && acpi->have_s5 && gas_usable(&acpi->pm1a_cnt)) {
        console_panic_printf("hv: powering off (ACPI S5)\n");
        acpi_enable_mode();
        gas_write(&acpi->pm1a_cnt, acpi_s5_cnt_value(acpi->s5_typa), 2);
        if (gas_usable(&acpi->pm1b_cnt))
            gas_write(&acpi->pm1b_cnt, acpi_s5_cnt_value(acpi->s5_typb), 2);
        delay_ms(500);
        console_panic_printf("hv: ACPI S5 did not power off; trying the emulator exit ports\n");
    } else {
        console_panic_printf("hv: powering off (no ACPI S5 known: emulator exit ports)\n");
    }
    static const char bochs[] = "Shutdown";
    for (const char *s = bochs; *s; s++)
        outb(0x8900, (uint8_t)*s);
    outb(0xf4, 0x00); /* QEMU isa-debug-exit, when configured: exit status 1 */
    delay_ms(100);
    console_panic_printf("hv: could not power off; halted. It is safe to cut power.\n");
    for (;;)
        hlt();
}

void power_reboot(void)
{
    cli();
    console_panic_printf("hv: rebooting\n");
    if (acpi && acpi->reset_supported && gas_usable(&acpi->reset_reg)) {
        gas_write(&acpi->reset_reg, acpi->reset_value, 1);
        delay_ms(100);
    }
    outb(0xcf9, 0x02); /* PCI reset control: system reset, then do it */
    outb(0xcf9, 0x06);
    delay_ms(100);
    for (int i = 0; i < 1000 && (inb(0x64) & 2); i++)
        delay_ms(1);
    outb(0x64, 0xfe); /* 8042 pulse reset line */
    delay_ms(100);
    /* Last resort: a triple fault with an empty IDT. */
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } none = { 0, 0 };
    __asm__ volatile("lidt %0; int3" : : "m"(none));
    for (;;)
        hlt();
}
