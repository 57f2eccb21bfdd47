/* Host shell commands: information, the log, power. Commands that print a
 * lot keep to one fact per line so that scripts can read them. */
#include "kernel/shell_cmds.h"
#include "kernel/kernel.h"
#include "kernel/log.h"
#include "kernel/bootfiles.h"
#include "kernel/vm_mem.h"
#include "kernel/wall_clock.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/trap.h"
#include "drivers/acpi_power.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "lib/kstring.h"
#include "lib/format.h"
#include "lib/calendar.h"
#include "lib/panic.h"

static int cmd_help(int argc, char **argv, void *ctx);

static const char *yn(bool b) { return b ? "yes" : "no"; }

static int cmd_version(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    console_printf("hv %s\n", hv_version);
    return 0;
}

/* "123.4 MiB" for a page count */
static void mib(char *buf, size_t n, uint64_t pages)
{
    uint64_t tenths = pages * 10 / 256;
    ksnprintf(buf, n, "%llu.%llu MiB", (unsigned long long)(tenths / 10),
              (unsigned long long)(tenths % 10));
}

static int cmd_mem(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    struct mpn_db_stats st;
    mpn_db_get_stats(&st);
    char a[32], b[32];
    uint64_t usable = st.map_pages[MEM_USABLE];
    uint64_t free = st.owner_pages[OWNER_FREE];
    uint64_t used = 0;
    for (unsigned i = 1; i < OWNER_BUCKETS; i++)
        used += st.owner_pages[i];
    mib(a, sizeof a, usable);
    console_printf("machine memory, 4 KiB pages\n");
    console_printf("map:      usable %llu (%s)", (unsigned long long)usable, a);
    for (unsigned t = 1; t < MEM_TYPE_COUNT - 1; t++)
        console_printf(", %s %llu", mem_type_name((enum mem_type)t),
                       (unsigned long long)st.map_pages[t]);
    console_printf("\n");
    uint64_t acc = free + used;
    uint64_t bp = usable ? acc * 10000 / usable : 0;
    console_printf("accounted: free %llu + used %llu = %llu of %llu usable (%llu.%02llu%%)\n",
                   (unsigned long long)free, (unsigned long long)used, (unsigned long long)acc,
                   (unsigned long long)usable, (unsigned long long)(bp / 100),
                   (unsigned long long)(bp % 100));
    mib(a, sizeof a, free);
    mib(b, sizeof b, used);
    console_printf("free:     %s   used: %s\n", a, b);
    console_printf("by owner:");
    for (unsigned i = 1; i < OWNER_BUCKETS; i++)
        if (st.owner_pages[i])
            console_printf(" %s %llu", mpn_owner_name((uint16_t)i),
                           (unsigned long long)st.owner_pages[i]);
    console_printf("\n");
    if (st.overlaps)
        console_printf("warning:  the firmware map claims %llu pages twice; they are not used\n",
                       (unsigned long long)st.overlaps);
    struct heap_stats hs;
    heap_get_stats(&hs);
    console_printf("heap:     %llu pages, %llu bytes in use, %llu allocations, %llu failures\n",
                   (unsigned long long)hs.pages, (unsigned long long)hs.bytes_in_use,
                   (unsigned long long)hs.allocs, (unsigned long long)hs.failures);
    struct paging_stats ps;
    paging_get_stats(&ps);
    console_printf("paging:   %llu table pages; direct map %llu MiB (1G %llu, 2M %llu, 4K %llu); "
                   "mmio %llu KiB\n",
                   (unsigned long long)ps.table_pages, (unsigned long long)(ps.dmap_bytes >> 20),
                   (unsigned long long)ps.dmap_1g, (unsigned long long)ps.dmap_2m,
                   (unsigned long long)ps.dmap_4k, (unsigned long long)(ps.mmio_bytes >> 10));
    uint64_t bad = page_alloc_check();
    console_printf("check:    %s\n", bad ? "FREE LISTS INCONSISTENT" : "free lists consistent");
    return bad ? 1 : 0;
}

static int cmd_cpu(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    struct cpu_features f;
    cpu_features_read(&f);
    console_printf("cpu 0:    %s family %u model %u stepping %u\n", f.vendor, f.family, f.model,
                   f.stepping);
    if (f.brand[0])
        console_printf("brand:    %s\n", f.brand);
    console_printf("features: x2apic %s, invariant-tsc %s, 1g-pages %s, nx %s, xsave %s, "
                   "hypervisor-bit %s\n",
                   yn(f.x2apic), yn(f.tsc_invariant), yn(f.pdpe1gb), yn(f.nx), yn(f.xsave),
                   yn(f.hypervisor_bit));
    uint64_t hz = tsc_hz_get();
    console_printf("clock:    tsc %llu.%03llu MHz (%s); local APIC %s, timer input %llu kHz\n",
                   (unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000),
                   tsc_calibration_source(), lapic_is_x2apic() ? "x2APIC" : "xAPIC",
                   (unsigned long long)(lapic_timer_hz() / 1000));
    console_printf("VT-x:     %s\n", vmx_state_text(f.vmx));
    if (f.vmx != VMX_ABSENT) {
        console_printf("VMX:      VMCS revision 0x%x, true controls %s, preemption timer %s "
                       "(TSC/2^%u)\n",
                       f.vmcs_revision, yn(f.vmx_true_ctls), yn(f.preemption_timer),
                       f.preemption_timer_shift);
        console_printf("EPT:      %s (4-level %s, write-back %s, 2M %s, 1G %s, accessed/dirty %s, "
                       "INVEPT %s)\n",
                       yn(f.ept), yn(f.ept_4level), yn(f.ept_wb), yn(f.ept_2m), yn(f.ept_1g),
                       yn(f.ept_ad), yn(f.invept));
        console_printf("VPID:     %s (INVVPID %s); unrestricted guest: %s\n", yn(f.vpid),
                       yn(f.invvpid), yn(f.unrestricted));
    }
    if (g_acpi_ok)
        console_printf("cpus:     %u in the MADT\n", g_acpi.ncpus);
    return 0;
}

static void print_log_line(const char *line, size_t len, void *ctx)
{
    (void)ctx;
    console_write(line, len);
    console_write("\n", 1);
}

static int cmd_log(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    log_for_each(print_log_line, NULL);
    struct log_stats s;
    log_get_stats(&s);
    console_printf("-- %llu lines kept, %llu suppressed by throttling, %llu repeats folded, "
                   "%llu lost to wrap-around\n",
                   (unsigned long long)s.lines, (unsigned long long)s.suppressed,
                   (unsigned long long)s.folded, (unsigned long long)s.overwritten);
    return 0;
}

static int cmd_loglevel(int argc, char **argv, void *ctx)
{
    (void)ctx;
    if (argc == 2) {
        enum log_level l;
        if (!log_level_parse(argv[1], &l)) {
            console_printf("loglevel: '%s' is not one of debug, info, warn, error\n", argv[1]);
            return 1;
        }
        log_set_level(l);
    }
    console_printf("log level: %s\n", log_level_name(log_get_level()));
    return 0;
}

static int cmd_uptime(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    uint64_t ns = plat_time_ns();
    uint64_t s = ns / 1000000000ULL;
    console_printf("up %llu:%02llu:%02llu.%03llu, %llu timer ticks at %llu Hz\n",
                   (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
                   (unsigned long long)(s % 60), (unsigned long long)(ns / 1000000 % 1000),
                   (unsigned long long)g_ticks, (unsigned long long)g_host_config.timer_hz);
    struct civil_time c;
    civil_from_unix(wall_clock_unix(ns), &c);
    console_printf("time of day: %04u-%02u-%02u %02u:%02u:%02u UTC (%s)\n", c.year, c.mon, c.day,
                   c.hour, c.min, c.sec,
                   wall_clock_known() ? "the firmware's clock at boot, then the TSC"
                                      : "unknown: the firmware gave none; counted from 2026-01-01");
    return 0;
}

static int cmd_memsched(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    vm_mem_report();
    return 0;
}

static int cmd_irqs(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    static const struct {
        uint8_t vec;
        const char *name;
    } known[] = { { VEC_TIMER, "timer" }, { VEC_COM1, "com1" }, { VEC_LAPIC_ERR, "apic-error" },
                  { VEC_SPURIOUS, "spurious" } };
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        console_printf("irq 0x%02x %-10s %llu\n", known[i].vec, known[i].name,
                       (unsigned long long)irq_count(known[i].vec));
    console_printf("com1 input bytes dropped (ring full): %llu\n",
                   (unsigned long long)console_rx_dropped());
    uint64_t waits, dropped;
    console_tx_stats(&waits, &dropped);
    console_printf("com1 output: writers that waited for a full ring %llu, bytes dropped "
                   "(UART never drained) %llu\n",
                   (unsigned long long)waits, (unsigned long long)dropped);
    return 0;
}

static int cmd_config(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    const struct host_config *c = &g_host_config;
    console_printf("log.level = \"%s\"\n", log_level_name((enum log_level)c->log_level));
    console_printf("mem.minFreePct = \"%llu\"%s\n", (unsigned long long)c->minfree_pct,
                   c->minfree_pct ? "" : "  (sliding scale)");
    console_printf("mem.balancePeriod = \"%llu\"\n", (unsigned long long)c->balance_period_s);
    console_printf("timer.hz = \"%llu\"\n", (unsigned long long)c->timer_hz);
    console_printf("shell.echo = \"%s\"\n", c->shell_echo ? "true" : "false");
    console_printf("vm.autostart = \"%s\"\n", c->autostart);
    console_printf("host.name = \"%s\"\n", c->hostname);
    console_printf("swap.device = \"%s\"\n", c->swap_device);
    console_printf("swap.sizeMB = \"%llu\"%s\n", (unsigned long long)c->swap_size_mb,
                   c->swap_size_mb ? "" : "  (the whole device)");
    console_printf("swap.force = \"%s\"\n", c->swap_force ? "true" : "false");
    return 0;
}

static int cmd_files(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    struct boot_file f;
    for (unsigned i = 0; bootfiles_get(i, &f); i++)
        console_printf("%10llu  %s\n", (unsigned long long)f.size, f.path);
    console_printf("%u file(s) loaded from \\hv on the boot partition\n", bootfiles_count());
    return 0;
}

static int cmd_fault(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    const char *k = argv[1];
    console_printf("fault: raising '%s' in the kernel on purpose\n", k);
    if (strcmp(k, "pf") == 0) {
        *(volatile uint64_t *)0x10 = 1; /* page 0 is unmapped */
    } else if (strcmp(k, "gp") == 0) {
        *(volatile uint64_t *)0x8000000000000000ULL = 1; /* non-canonical */
    } else if (strcmp(k, "ud") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(k, "de") == 0) {
        __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" : : : "rax", "rcx", "rdx");
    } else if (strcmp(k, "panic") == 0) {
        hv_panic("panic requested from the shell");
    } else {
        console_printf("fault: unknown kind '%s' (pf, gp, ud, de, panic)\n", k);
        return 1;
    }
    return 0;
}

static int cmd_poweroff(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    power_off();
}

static int cmd_reboot(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    power_reboot();
}

const struct shell_cmd shell_commands[] = {
    { "help", "help", "list commands", 0, 0, cmd_help, NULL },
    { "version", "version", "hypervisor version", 0, 0, cmd_version, NULL },
    { "mem", "mem", "machine memory by type and owner", 0, 0, cmd_mem, NULL },
    { "cpu", "cpu", "CPU, clock and VT-x capabilities", 0, 0, cmd_cpu, NULL },
    { "log", "log", "print the kernel log", 0, 0, cmd_log, NULL },
    { "loglevel", "loglevel [debug|info|warn|error]", "show or set the log level", 0, 1,
      cmd_loglevel, NULL },
    { "uptime", "uptime", "time since boot, and the time of day", 0, 0, cmd_uptime, NULL },
    { "vm", "vm list|start|stop|kill|nmi|power-button|console|regs|peek", "manage virtual machines", 0, -1, NULL,
      shell_vm_sub },
    { "stats", "stats exits [ID|NAME]", "monitor statistics", 0, -1, NULL, shell_stats_sub },
    { "memsched", "memsched", "free-memory state, and each VM's consumed/target/active", 0, 0,
      cmd_memsched, NULL },
    { "memstats", "memstats [-r SECONDS|-c]",
      "per VM: target, consumed, zero/zip/swap, rates, blocked (-c: costs)", 0, 2,
      shell_cmd_memstats, NULL },
    { "vmm", "vmm deny NAME [SECONDS]", "monitor fault injection", 0, -1, NULL, shell_vmm_sub },
    { "swap", "swap status|test N|fail-writes|fail-reads", "swap device: state, self-test, fault injection",
      0, -1, NULL, shell_swap_sub },
    { "irqs", "irqs", "interrupt counts by source", 0, 0, cmd_irqs, NULL },
    { "config", "config", "the host configuration in effect", 0, 0, cmd_config, NULL },
    { "files", "files", "files loaded from the boot partition", 0, 0, cmd_files, NULL },
    { "fault", "fault pf|gp|ud|de|panic", "raise a CPU exception or panic (testing)", 1, 1,
      cmd_fault, NULL },
    { "poweroff", "poweroff", "power the machine off (ACPI S5)", 0, 0, cmd_poweroff, NULL },
    { "reboot", "reboot", "reset the machine", 0, 0, cmd_reboot, NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static int cmd_help(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    for (const struct shell_cmd *c = shell_commands; c->name; c++)
        console_printf("  %-36s %s\n", c->usage, c->help);
    return 0;
}
