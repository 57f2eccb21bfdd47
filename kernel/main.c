/*
 * Kernel bring-up, in dependency order: console and traps first (so that
 * anything after can fail loudly), then machine memory, our own page
 * tables, the heap, ACPI, interrupt controllers and the clock, then the
 * host configuration, and finally the shell.
 */
#include "kernel/kernel.h"
#include "kernel/log.h"
#include "kernel/bootfiles.h"
#include "include/hv/console.h"
#include "include/hv/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/irqchip.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/vmx.h"
#include "kernel/monitor_ops.h"
#include "kernel/sched.h"
#include "kernel/vm_mem.h"
#include "kernel/swap_boot.h"
#include "kernel/wall_clock.h"
#include "drivers/uart16550.h"
#include "drivers/acpi_power.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "lib/kstring.h"
#include "lib/panic.h"

const struct bootinfo *g_bootinfo;
struct host_config g_host_config;
struct acpi_info g_acpi;
bool g_acpi_ok;
volatile uint64_t g_ticks;

void kmain(uint64_t bootinfo_phys);

static void log_to_console(const char *line, size_t len)
{
    char buf[LOG_LINE_MAX + 1];
    size_t n = MIN(len, sizeof buf - 1);
    memcpy(buf, line, n);
    buf[n] = '\n';
    console_async_write(buf, n + 1);
}

static void check_bootinfo(const struct bootinfo *bi)
{
    if (bi->magic != BOOTINFO_MAGIC)
        hv_panic("boot-info record has a bad magic (0x%llx): UEFI stage and kernel do not match",
                 (unsigned long long)bi->magic);
    if (bi->version != BOOTINFO_VERSION || bi->size < sizeof *bi ||
        bi->nranges > bi->max_ranges || bi->nregions > BI_MAX_FILE_REGIONS)
        hv_panic("boot-info record version %u size %u is not what this kernel (version %u) reads",
                 bi->version, bi->size, BOOTINFO_VERSION);
}

/* Replays the UEFI stage's messages into our log, line by line. */
static void replay_boot_log(const struct bootinfo *bi)
{
    char line[LOG_LINE_MAX];
    size_t n = 0;
    uint32_t len = MIN(bi->log_len, BI_LOG_SIZE - 1);
    for (uint32_t i = 0; i <= len; i++) {
        char c = i < len ? bi->log[i] : '\n';
        if (c == '\n') {
            line[n] = 0;
            /* One site, many lines: unthrottled (NULL site) on purpose. */
            if (n)
                log_write(NULL, LOG_INFO, "uefi: %s", line);
            n = 0;
        } else if (n < sizeof line - 1 && c != '\r') {
            line[n++] = c;
        }
    }
}

static void memory_init(const struct bootinfo *bi)
{
    static struct mem_range ranges[512];
    size_t n = MIN(bi->nranges, ARRAY_SIZE(ranges));
    if (bi->nranges > ARRAY_SIZE(ranges))
        LOG_WARN("memory map has %u ranges; only the first %zu are used", bi->nranges, n);
    for (size_t i = 0; i < n; i++)
        ranges[i] = (struct mem_range){ bi->ranges[i].base, bi->ranges[i].pages,
                                        (uint8_t)bi->ranges[i].type };
    /* The boot files are claimed by region, not one by one: their number
     * has no limit, and there is no heap yet. */
    static struct mem_claim claims[BI_MAX_FILE_REGIONS + 4];
    size_t c = 0;
    claims[c++] = (struct mem_claim){ bi->kernel_phys, bi->kernel_pages, OWNER_KERNEL };
    claims[c++] = (struct mem_claim){ bi->bootinfo_phys, bi->bootinfo_pages, OWNER_BOOTINFO };
    claims[c++] = (struct mem_claim){ bi->pt_phys, bi->pt_pages, OWNER_PAGETABLE };
    if (bi->files_pages)
        claims[c++] = (struct mem_claim){ bi->files_phys, bi->files_pages, OWNER_BOOTFILES };
    for (uint32_t i = 0; i < bi->nregions; i++)
        claims[c++] = (struct mem_claim){ bi->regions[i].phys, bi->regions[i].pages,
                                          OWNER_BOOTFILES };
    enum mpn_db_err e = page_alloc_init(ranges, n, claims, c, true);
    if (e != MPN_DB_OK)
        hv_panic("cannot build the MPN database: %s", mpn_db_strerror(e));
    struct mpn_db_stats st;
    mpn_db_get_stats(&st);
    LOG_INFO("mm: %llu MiB usable in %zu map ranges, %llu pages free",
             (unsigned long long)(st.map_pages[MEM_USABLE] >> 8), n,
             (unsigned long long)page_free_count());
}

static void timer_tick(struct trap_frame *f)
{
    (void)f;
    g_ticks++;
    /* Without an IOAPIC route the serial port is polled from here; with
     * one, this backs up both interrupts: an edge lost, and the operator's
     * keys would wait forever (input stopped once in bochs_memtest_pass
     * while output went on through this tick). One LSR read a tick. */
    uart_drain_rx(console_rx_push);
    console_tx_service();
}

/* Received bytes, or the transmit FIFO empty: both are served until the
 * UART asserts nothing. COM1's line is an edge-triggered ISA IRQ: a cause
 * that arrived while another was served and left the line up would make
 * no new edge, and no interrupt would come again. */
static void com1_irq(struct trap_frame *f)
{
    (void)f;
    for (unsigned round = 0; round < 8; round++) {
        uart_drain_rx(console_rx_push);
        console_tx_service();
        if (!uart_irq_pending())
            break;
    }
}

static void lapic_error(struct trap_frame *f)
{
    (void)f;
    LOG_WARN("local APIC error interrupt");
}

static const void *acpi_map(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    return firmware_map(phys, len);
}

/* The IOAPICs and source overrides of the MADT, in the form arch/ takes. */
static const struct irqchip_layout *irq_layout_from_madt(const struct acpi_info *a)
{
    static struct irqchip_layout l;
    l.nioapics = MIN(a->nioapics, (uint32_t)IRQCHIP_MAX_IOAPICS);
    for (uint32_t i = 0; i < l.nioapics; i++) {
        l.ioapic[i].address = a->ioapic[i].address;
        l.ioapic[i].gsi_base = a->ioapic[i].gsi_base;
    }
    l.noverrides = MIN(a->nisos, (uint32_t)IRQCHIP_MAX_OVERRIDES);
    for (uint32_t i = 0; i < l.noverrides; i++) {
        l.override[i].irq = a->iso[i].irq;
        l.override[i].gsi = a->iso[i].gsi;
        l.override[i].flags = a->iso[i].flags;
    }
    return &l;
}

static void interrupts_init(void)
{
    pic_disable();
    lapic_init();
    irq_register(VEC_TIMER, timer_tick);
    irq_register(VEC_COM1, com1_irq);
    irq_register(VEC_LAPIC_ERR, lapic_error);

    uint64_t tsc = tsc_calibrate();
    if (tsc)
        LOG_INFO("tsc: %llu.%03llu MHz (%s)", (unsigned long long)(tsc / 1000000),
                 (unsigned long long)(tsc / 1000 % 1000), tsc_calibration_source());
    else
        LOG_WARN("tsc: could not calibrate; using %s", tsc_calibration_source());

    unsigned n = g_acpi_ok ? ioapic_init(irq_layout_from_madt(&g_acpi)) : 0;
    if (!n && (n = ioapic_init_default()))
        LOG_INFO("irq: no IOAPIC in the MADT; using the one at the PC default address");
    if (n && ioapic_route_isa(COM1_IRQ, VEC_COM1, lapic_id())) {
        uart_enable_rx_irq();
        console_tx_use_irq(true);
        LOG_INFO("irq: %u IOAPIC(s); COM1 input is interrupt driven", n);
    } else {
        LOG_WARN("irq: no IOAPIC route for COM1; its input is polled from the timer");
    }
    unsigned hz = (unsigned)g_host_config.timer_hz;
    uint64_t lhz = lapic_timer_start(VEC_TIMER, hz);
    if (lhz)
        LOG_INFO("timer: local APIC (%s) periodic at %u Hz, input clock %llu kHz",
                 lapic_is_x2apic() ? "x2APIC" : "xAPIC", hz, (unsigned long long)(lhz / 1000));
    else
        LOG_ERROR("timer: local APIC timer calibration failed; no periodic tick");
}

static void config_report(void *ctx, const char *file, uint32_t line, const char *key,
                          const char *msg)
{
    (void)ctx;
    /* Every problem of a file must be seen: no per-site throttle here. */
    if (key && key[0])
        log_write(NULL, LOG_WARN, "config: %s:%u: %s: %s", file, line, key, msg);
    else
        log_write(NULL, LOG_WARN, "config: %s:%u: %s", file, line, msg);
}

static void load_host_config(void)
{
    struct boot_file f;
    host_config_defaults(&g_host_config);
    if (!bootfiles_find(HOST_CONFIG_PATH, &f)) {
        LOG_WARN("config: %s not found on the boot partition; using defaults", HOST_CONFIG_PATH);
        return;
    }
    uint32_t problems = host_config_load(&g_host_config, HOST_CONFIG_PATH, f.data, f.size,
                                         config_report, NULL);
    LOG_INFO("config: %s read, %u problem(s)%s", HOST_CONFIG_PATH, problems,
             problems ? "; defaults kept for those keys" : "");
    log_set_level((enum log_level)g_host_config.log_level);
}

static void start_monitor(void)
{
    struct cpu_features cf;
    cpu_features_read(&cf);
    LOG_INFO("cpu: %s, VT-x %s", cf.brand[0] ? cf.brand : cf.vendor, vmx_state_text(cf.vmx));
    char why[160];
    if (vm_monitor_start(why, sizeof why))
        LOG_INFO("vmx: on; VMCS revision 0x%x, VPID %s, EPT A/D bits %s, preemption timer "
                 "TSC/2^%u",
                 vmx_caps()->revision, vmx_caps()->vpid ? "yes" : "no",
                 vmx_caps()->ept_ad ? "yes" : "no", vmx_caps()->preempt_shift);
    else
        LOG_WARN("vmx: guests cannot run: %s (the host and its shell work)", why);
}

void kmain(uint64_t bootinfo_phys)
{
    const struct bootinfo *bi = (const void *)(DMAP_BASE + bootinfo_phys);
    g_bootinfo = bi;
    uart_init(COM1_PORT, 115200);
    log_init(log_to_console);
    gdt_init();
    idt_init();
    console_puts("\n");
    LOG_INFO("hv %s: kernel entered", hv_version);
    check_bootinfo(bi);
    replay_boot_log(bi);
    bootfiles_init(bi);

    memory_init(bi);
    if (!paging_init(bi))
        hv_panic("out of memory building the host page tables");
    heap_init();

    /* Config before the timer: timer.hz and log.level come from it. */
    load_host_config();

    enum acpi_err ae = acpi_parse(bi->rsdp_phys, acpi_map, NULL, &g_acpi);
    g_acpi_ok = ae == ACPI_OK;
    if (g_acpi_ok)
        LOG_INFO("acpi: revision %u, OEM '%s', tables: %s%s", g_acpi.revision, g_acpi.oem_id,
                 g_acpi.signatures, g_acpi.bad_tables ? " (some skipped: bad checksum)" : "");
    else
        LOG_WARN("acpi: %s; power off through emulator ports only", acpi_strerror(ae));
    power_init(g_acpi_ok ? &g_acpi : NULL);

    interrupts_init();
    /* The firmware's clock was read a moment before the TSC was calibrated:
     * the TSC's count since then is the reading's age. */
    uint64_t fw_tsc = bi->time.tsc, tsc_now = rdtsc();
    wall_clock_init(&bi->time, tsc_now_ns(), tsc_now > fw_tsc ? tsc_to_ns(tsc_now - fw_tsc) : 0);
    /* After the clock: every driver wait has a deadline in plat_time_ns. */
    swap_boot_init(&g_host_config);
    start_monitor();
    vm_mem_init();
    sti();
    sched_autostart(g_host_config.autostart);
    LOG_INFO("hv: ready; type 'help' at the hv> prompt");
    sched_loop();
}
