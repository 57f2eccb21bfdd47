/* The host configuration file (hv/host.cfg): its keys and defaults. */
#ifndef KERNEL_HOST_CONFIG_H
#define KERNEL_HOST_CONFIG_H

#include "kernel/config_schema.h"

#define HOST_CONFIG_PATH "hv/host.cfg"

struct host_config {
    uint32_t log_level;        /* log.level: enum log_level; default info */
    uint64_t minfree_pct;      /* mem.minFreePct: 0 = ESX's sliding scale */
    uint64_t balance_period_s; /* mem.balancePeriod: memsched period, 15 s */
    uint64_t sample_period_s;  /* mem.samplePeriod: working-set sampling, 30 s */
    uint64_t timer_hz;         /* timer.hz: the periodic tick, 100 */
    bool shell_echo;           /* shell.echo: echo typed characters, true */
    char autostart[CFG_TEXT_MAX];  /* vm.autostart: VM names, comma separated */
    char hostname[64];         /* host.name: shown in the prompt banner, "hv" */
    char swap_device[16];      /* swap.device: a block device name, empty = none */
    uint64_t swap_size_mb;     /* swap.sizeMB: 0 = the whole device */
    bool swap_force;           /* swap.force: use a device that looks like a boot disk */
    uint32_t victim_policy;    /* mem.victimPolicy: enum victim_policy; default recent */
    uint64_t vcpu_alloc_bound; /* mem.vcpuAllocBound: pages a vCPU may allocate while
                                  releases are denied, 48 */
    uint64_t vmtrack_timeout_s; /* mem.vmtrackTimeout: s a running VM may leave a release
                                   request unanswered before VMTrack ends it (free
                                   memory below MinFree then); 0 = never; 30 */
    uint64_t age_period_ms;    /* mem.agePeriod: ms between accessed-bit scans, 1000 */
    uint64_t ccache_pct;       /* mem.ccachePct: compression cache, % of each VM's
                                  memsize; 0 = none; 10 */
};

void host_config_defaults(struct host_config *c);
/* Parses and applies the file's text; problems go to `report`. Returns the
 * number of problems. `text` may be NULL (file missing: defaults). */
uint32_t host_config_load(struct host_config *c, const char *name, const char *text, size_t len,
                          cfg_report_fn report, void *ctx);
extern const struct cfg_key host_config_schema[];
extern const size_t host_config_schema_len;

/* The host configuration the kernel runs with (read at boot, kernel/main.c). */
extern struct host_config g_host_config;

#endif
