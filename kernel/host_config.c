/* The host configuration file: schema, defaults, loading. docs/configuration.md
 * describes the keys for people; keep the two in step. */
#include "kernel/host_config.h"
#include "kernel/log.h"
#include "mm/victim.h"
#include "lib/kstring.h"

/* Indexed by enum log_level, so a parsed value is the level itself. */
static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };
_Static_assert(ARRAY_SIZE(log_levels) == LOG_LEVELS + 1, "log level names out of step");
/* Indexed by enum victim_policy (mm/victim.h). */
static const char *const victim_policies[] = { "random", "clock", "aging", "reuse",
                                               "car", "clockpro", "recent", NULL };
_Static_assert(VICTIM_RANDOM == 0 && VICTIM_CLOCK == 1 && VICTIM_AGING == 2 &&
                   VICTIM_REUSE == 3 && VICTIM_CAR == 4 && VICTIM_CLOCKPRO == 5 &&
                   VICTIM_RECENT == 6 && ARRAY_SIZE(victim_policies) == 8,
               "victim policy names out of step");

#define FIELD(f) offsetof(struct host_config, f)

const struct cfg_key host_config_schema[] = {
    { "log.level", CFG_ENUM, FIELD(log_level), 0, 0, log_levels,
      "least severe kernel log messages kept and printed" },
    { "mem.minFreePct", CFG_U64, FIELD(minfree_pct), 0, 50, NULL,
      "percent of memory kept free; 0 = sliding scale by machine size" },
    { "mem.balancePeriod", CFG_U64, FIELD(balance_period_s), 1, 3600, NULL,
      "seconds between memory scheduler rebalances" },
    { "mem.samplePeriod", CFG_U64, FIELD(sample_period_s), 1, 600, NULL,
      "seconds per working-set sampling period of each VM" },
    { "timer.hz", CFG_U64, FIELD(timer_hz), 10, 1000, NULL, "periodic timer ticks per second" },
    { "shell.echo", CFG_BOOL, FIELD(shell_echo), 0, 0, NULL,
      "echo typed characters on the serial console" },
    { "vm.autostart", CFG_STRING, FIELD(autostart), 0,
      sizeof(((struct host_config *)0)->autostart) - 1, NULL,
      "VMs powered on at boot, comma separated" },
    { "host.name", CFG_STRING, FIELD(hostname), 0,
      sizeof(((struct host_config *)0)->hostname) - 1, NULL,
      "host name shown in the prompt and banner" },
    { "swap.device", CFG_STRING, FIELD(swap_device), 0,
      sizeof(((struct host_config *)0)->swap_device) - 1, NULL,
      "block device for swap: ata0-master|ata0-slave|ata1-master|ata1-slave|nvmeCnN" },
    { "swap.sizeMB", CFG_U64, FIELD(swap_size_mb), 0, 1ULL << 24, NULL,
      "MiB of the swap device used; 0 = the whole device" },
    { "swap.force", CFG_BOOL, FIELD(swap_force), 0, 0, NULL,
      "use a swap device even if its first sector looks like a boot disk" },
    { "mem.victimPolicy", CFG_ENUM, FIELD(victim_policy), 0, 0, victim_policies,
      "which guest pages are reclaimed first: recent|aging|reuse|car|clockpro|clock|random" },
    { "mem.vcpuAllocBound", CFG_U64, FIELD(vcpu_alloc_bound), 1, 4096, NULL,
      "pages a vCPU may allocate while releases are denied before it is a VMTrack event" },
    { "mem.vmtrackTimeout", CFG_U64, FIELD(vmtrack_timeout_s), 0, 3600, NULL,
      "seconds a running VM may leave a release request unanswered before VMTrack "
      "ends it (when free memory is below MinFree then); 0 = never" },
    { "mem.agePeriod", CFG_U64, FIELD(age_period_ms), 100, 60000, NULL,
      "milliseconds between scans of each VM's accessed bits" },
    { "mem.ccachePct", CFG_U64, FIELD(ccache_pct), 0, 50, NULL,
      "compression cache of each VM, percent of its memsize; 0 = no cache" },
};
const size_t host_config_schema_len = ARRAY_SIZE(host_config_schema);

void host_config_defaults(struct host_config *c)
{
    memset(c, 0, sizeof *c);
    c->log_level = LOG_INFO;
    c->minfree_pct = 0;
    c->balance_period_s = 15;
    c->sample_period_s = 30;
    c->timer_hz = 100;
    c->shell_echo = true;
    c->autostart[0] = '\0';
    str_copy(c->hostname, "hv", sizeof c->hostname);
    c->victim_policy = VICTIM_RECENT;
    c->vcpu_alloc_bound = 48;
    c->vmtrack_timeout_s = 30;
    c->age_period_ms = 1000;
    c->ccache_pct = 10;
}

/* Room for every key (unknown keys take none); the entries are ~330 bytes
 * each, too many for a kernel stack, and the file is loaded at boot on one
 * CPU (and by `config reload` from the shell, also one at a time). */
#define HOST_CONFIG_ENTRIES 32
static struct cfg_entry entries[HOST_CONFIG_ENTRIES];

uint32_t host_config_load(struct host_config *c, const char *name, const char *text, size_t len,
                          cfg_report_fn report, void *ctx)
{
    host_config_defaults(c);
    if (!text)
        return 0; /* no file: the defaults are the configuration */
    struct cfg_file f = {
        .name = name ? name : HOST_CONFIG_PATH,
        .entries = entries,
        .count = 0,
        .cap = ARRAY_SIZE(entries),
        .errors = 0,
        .report = report,
        .report_ctx = ctx,
    };
    cfg_load(&f, text, len, host_config_schema, host_config_schema_len, c);
    return f.errors;
}
