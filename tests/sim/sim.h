/* The trace-driven memory simulator: the real physmap, sampler, victim
 * selection, memsched, admission and preallocation code, on the fake
 * platform and the real page allocator (page_alloc_init_flat), in virtual
 * time (one access = one tick). See docs/memsim.md. */
#ifndef TESTS_SIM_SIM_H
#define TESTS_SIM_SIM_H

#include <stdio.h>
#include "include/hv/types.h"
#include "tests/sim/trace.h"
#include "tests/sim/cost.h"

#define SIM_MAX_VMS 16

enum sim_policy {
    POL_OURS = 0, POL_OPT, POL_LRU, POL_CLOCK, POL_RANDOM, POL_CAR, POL_CLOCKPRO, POL_REUSE,
    POL_COUNT
};

struct sim_vm_cfg {
    char name[32];
    uint64_t pages, min, max, shares;
    bool prealloc;
    bool balloon;
    uint32_t vcpus;
};

struct sim_cfg {
    uint64_t machine_pages;
    uint64_t opt_pages;              /* pages OPT may hold; 0: machine_pages */
    bool opt_guest;                  /* OPT holds machine_pages - MinFree */
    uint32_t minfree_pct;            /* 0: sliding scale */
    enum sim_policy policy;
    uint64_t tick_ns;                /* virtual time per access */
    uint64_t age_period_ticks;       /* victim aging scan */
    uint64_t service_ticks;          /* timer release point for every VM */
    uint32_t sample_pages;
    uint64_t seed;
    unsigned nvms;
    struct sim_vm_cfg vm[SIM_MAX_VMS];
    FILE *csv;
    uint64_t csv_every;
    FILE *events;                    /* --events: faults, releases, balances */
    struct sim_content fill;         /* --fill: which store each page goes to */
    struct sim_costs cost;           /* --cost: what a fault from each store costs */
    uint32_t readahead;              /* --readahead: pages per disk read (1: none) */
};

struct sim_vm_stats {
    uint64_t first_touch, faults, swapouts, balloon, blocked_ticks;
    uint64_t consumed, target, swapped, ballooned;
    uint32_t active_q16;
    /* Mechanism costs: faults and page-outs by store (a fault on a
     * ballooned page is a zero fault: it comes back as a fresh zero page),
     * disk reads, pages a read brought in beside the faulting one, and the
     * modelled time of the faults by store. */
    uint64_t faults_by[SIM_STORE_COUNT], swapouts_by[SIM_STORE_COUNT];
    uint64_t disk_reads, readahead;
    uint64_t cost_ns[SIM_STORE_COUNT];
};

struct sim_result {
    struct sim_vm_stats vm[SIM_MAX_VMS];
    uint64_t minfree_pages;
    uint64_t opt_pages;              /* OPT runs: the pages it held */
    uint64_t bad_state;              /* physmap refusals: must stay 0 */
    char error[256];
};

void sim_default_cfg(struct sim_cfg *cfg);
/* MinFree in pages as memsched computes it for this configuration. */
uint64_t sim_minfree_pages(const struct sim_cfg *cfg);
const char *sim_policy_name(enum sim_policy p);
bool sim_policy_parse(const char *s, enum sim_policy *out);

/* Runs one policy over the trace. Returns 0, or non-zero with r->error. */
int sim_run(const struct sim_cfg *cfg, const struct trace *t, struct sim_result *r);
/* Belady's OPT, global over all VMs, holding opt_pages (default: all
 * machine pages). */
int sim_run_opt(const struct sim_cfg *cfg, const struct trace *t, struct sim_result *r);

#endif
