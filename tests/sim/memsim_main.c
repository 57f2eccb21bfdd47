/* build/memsim: command line, per-VM table and the closing summary line.
 * The interface is documented in docs/memsim.md; keep the two in step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/sim/sim.h"
#include "lib/kstring.h"

static void usage(void)
{
    fprintf(stderr,
        "usage: memsim --machine-pages N [--minfree-pct P] [--policy ours|opt|lru|clock|random|car|clockpro]\n"
        "              --vm name=A,pages=N[,min=N][,max=N][,shares=N][,prealloc=1]"
        "[,balloon=0|1][,vcpus=N] ...\n"
        "              --trace FILE [--csv FILE] [--csv-every TICKS] [--tick-ns NS]\n"
        "              [--age-period TICKS] [--sample-pages N] [--seed N] [--opt-pages N|guest]\n"
        "              [--events FILE] [--fill mix|zero=F,text=F,random=F]\n"
        "              [--cost zero=US,zip=US,disk=US,page=US] [--readahead PAGES]\n");
    exit(1);
}

static uint64_t num(const char *opt, const char *s)
{
    uint64_t v;
    if (!s || !str_to_u64(s, &v)) {
        fprintf(stderr, "memsim: %s needs a number, not '%s'\n", opt, s ? s : "");
        exit(1);
    }
    return v;
}

static void parse_vm(struct sim_cfg *cfg, const char *spec)
{
    if (cfg->nvms >= SIM_MAX_VMS) {
        fprintf(stderr, "memsim: at most %d --vm\n", SIM_MAX_VMS);
        exit(1);
    }
    struct sim_vm_cfg *v = &cfg->vm[cfg->nvms];
    memset(v, 0, sizeof *v);
    v->balloon = true;
    v->vcpus = 1;
    snprintf(v->name, sizeof v->name, "vm%u", cfg->nvms);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *kv = strtok(buf, ","); kv; kv = strtok(NULL, ",")) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "memsim: --vm %s: '%s' is not key=value\n", spec, kv);
            exit(1);
        }
        *eq = 0;
        const char *k = kv, *val = eq + 1;
        if (!strcmp(k, "name")) snprintf(v->name, sizeof v->name, "%s", val);
        else if (!strcmp(k, "pages")) v->pages = num("pages", val);
        else if (!strcmp(k, "min")) v->min = num("min", val);
        else if (!strcmp(k, "max")) v->max = num("max", val);
        else if (!strcmp(k, "shares")) v->shares = num("shares", val);
        else if (!strcmp(k, "prealloc")) v->prealloc = num("prealloc", val) != 0;
        else if (!strcmp(k, "balloon")) v->balloon = num("balloon", val) != 0;
        else if (!strcmp(k, "vcpus")) v->vcpus = (uint32_t)num("vcpus", val);
        else {
            fprintf(stderr, "memsim: --vm %s: unknown key '%s'\n", spec, k);
            exit(1);
        }
    }
    if (v->pages == 0 || v->pages > UINT32_MAX) {
        fprintf(stderr, "memsim: --vm %s: pages=N (1..2^32-1) is required\n", spec);
        exit(1);
    }
    cfg->nvms++;
}

int main(int argc, char **argv)
{
    struct sim_cfg cfg;
    sim_default_cfg(&cfg);
    const char *trace_path = NULL, *csv_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--machine-pages")) { cfg.machine_pages = num(a, v); i++; }
        else if (!strcmp(a, "--opt-pages")) {
            if (v && !strcmp(v, "guest")) cfg.opt_guest = true;
            else cfg.opt_pages = num(a, v);
            i++;
        }
        else if (!strcmp(a, "--minfree-pct")) { cfg.minfree_pct = (uint32_t)num(a, v); i++; }
        else if (!strcmp(a, "--policy")) {
            if (!v || !sim_policy_parse(v, &cfg.policy)) usage();
            i++;
        }
        else if (!strcmp(a, "--vm")) { if (!v) usage(); parse_vm(&cfg, v); i++; }
        else if (!strcmp(a, "--trace")) { if (!v) usage(); trace_path = v; i++; }
        else if (!strcmp(a, "--csv")) { if (!v) usage(); csv_path = v; i++; }
        else if (!strcmp(a, "--events")) {
            if (!v) usage();
            cfg.events = fopen(v, "w");
            if (!cfg.events) {
                fprintf(stderr, "memsim: cannot write %s\n", v);
                return 1;
            }
            i++;
        }
        else if (!strcmp(a, "--csv-every")) { cfg.csv_every = num(a, v); i++; }
        else if (!strcmp(a, "--tick-ns")) { cfg.tick_ns = num(a, v); i++; }
        else if (!strcmp(a, "--age-period")) { cfg.age_period_ticks = num(a, v); i++; }
        else if (!strcmp(a, "--sample-pages")) { cfg.sample_pages = (uint32_t)num(a, v); i++; }
        else if (!strcmp(a, "--seed")) { cfg.seed = num(a, v); i++; }
        else if (!strcmp(a, "--fill") || !strcmp(a, "--cost")) {
            char err[300];
            if (!v) usage();
            if (!(a[2] == 'f' ? sim_content_parse(v, &cfg.fill, err, sizeof err)
                              : sim_costs_parse(v, &cfg.cost, err, sizeof err))) {
                fprintf(stderr, "memsim: %s %s\n", a, err);
                return 1;
            }
            i++;
        }
        else if (!strcmp(a, "--readahead")) {
            uint64_t n = num(a, v);
            if (n < 1 || n > 64) {
                fprintf(stderr, "memsim: --readahead must be 1..64 pages\n");
                return 1;
            }
            cfg.readahead = (uint32_t)n;
            i++;
        }
        else usage();
    }
    if (!cfg.machine_pages || !cfg.nvms || !trace_path || !cfg.tick_ns || !cfg.sample_pages)
        usage();
    if (cfg.minfree_pct > 50) {
        fprintf(stderr, "memsim: --minfree-pct must be 0..50\n");
        return 1;
    }

    uint64_t pages[SIM_MAX_VMS];
    for (unsigned i = 0; i < cfg.nvms; i++)
        pages[i] = cfg.vm[i].pages;
    struct trace t;
    char err[300];
    if (!trace_load(trace_path, cfg.nvms, pages, &t, err, sizeof err)) {
        fprintf(stderr, "memsim: %s\n", err);
        return 1;
    }
    if (csv_path) {
        cfg.csv = fopen(csv_path, "w");
        if (!cfg.csv) {
            fprintf(stderr, "memsim: cannot write %s\n", csv_path);
            return 1;
        }
        fprintf(cfg.csv, "tick,vm,name,consumed,target,active_pct,swapped,ballooned,free,state\n");
    }

    static struct sim_result r;
    int rc = cfg.policy == POL_OPT ? sim_run_opt(&cfg, &t, &r) : sim_run(&cfg, &t, &r);
    if (cfg.csv)
        fclose(cfg.csv);
    if (cfg.events)
        fclose(cfg.events);
    if (rc) {
        fprintf(stderr, "memsim: %s\n", r.error);
        trace_free(&t);
        return rc;
    }
    printf("policy=%s machine_pages=%llu minfree_pages=%llu accesses=%llu",
           sim_policy_name(cfg.policy), (unsigned long long)cfg.machine_pages,
           (unsigned long long)r.minfree_pages, (unsigned long long)t.len);
    if (cfg.policy == POL_OPT)
        printf(" opt_pages=%llu", (unsigned long long)r.opt_pages);
    char fill[96], cost[96];
    sim_content_format(&cfg.fill, fill, sizeof fill);
    sim_costs_format(&cfg.cost, cost, sizeof cost);
    printf(" fill=%s cost_us=%s readahead=%u\n", fill, cost, cfg.readahead);
    printf("%-12s %8s %8s %8s %8s %8s %8s %7s %11s %8s %8s %8s %13s %8s %8s %8s %14s\n", "vm",
           "pages", "min", "max", "shares", "consumed", "target", "active%", "first_touch",
           "faults", "swapouts", "balloon", "blocked_ticks", "f_zero", "f_zip", "f_disk",
           "fault_ns");
    struct sim_vm_stats sum = {0};
    for (unsigned i = 0; i < cfg.nvms; i++) {
        const struct sim_vm_cfg *v = &cfg.vm[i];
        const struct sim_vm_stats *s = &r.vm[i];
        uint64_t ns = 0;
        for (int k = 0; k < SIM_STORE_COUNT; k++) {
            ns += s->cost_ns[k];
            sum.faults_by[k] += s->faults_by[k];
            sum.swapouts_by[k] += s->swapouts_by[k];
            sum.cost_ns[k] += s->cost_ns[k];
        }
        sum.disk_reads += s->disk_reads;
        sum.readahead += s->readahead;
        printf("%-12s %8llu %8llu %8llu %8llu %8llu %8llu %7.1f %11llu %8llu %8llu %8llu %13llu"
               " %8llu %8llu %8llu %14llu\n",
               v->name, (unsigned long long)v->pages, (unsigned long long)v->min,
               (unsigned long long)(v->max ? v->max : v->pages), (unsigned long long)v->shares,
               (unsigned long long)s->consumed, (unsigned long long)s->target,
               s->active_q16 * 100.0 / 65536.0, (unsigned long long)s->first_touch,
               (unsigned long long)s->faults, (unsigned long long)s->swapouts,
               (unsigned long long)s->balloon, (unsigned long long)s->blocked_ticks,
               (unsigned long long)s->faults_by[SIM_STORE_ZERO],
               (unsigned long long)s->faults_by[SIM_STORE_ZIP],
               (unsigned long long)s->faults_by[SIM_STORE_DISK], (unsigned long long)ns);
        sum.faults += s->faults;
        sum.swapouts += s->swapouts;
        sum.balloon += s->balloon;
        sum.blocked_ticks += s->blocked_ticks;
    }
    if (r.bad_state)
        fprintf(stderr, "memsim: %llu physmap refusals (a bug)\n", (unsigned long long)r.bad_state);
    printf("faults=%llu swapouts=%llu balloon=%llu blocked_ticks=%llu",
           (unsigned long long)sum.faults, (unsigned long long)sum.swapouts,
           (unsigned long long)sum.balloon, (unsigned long long)sum.blocked_ticks);
    /* The mechanism costs: faults, page-outs and modelled fault time by
     * store, disk reads and the pages read-ahead brought in with them. */
    uint64_t total_ns = 0;
    for (int k = 0; k < SIM_STORE_COUNT; k++) {
        const char *n = sim_store_name((enum sim_store)k);
        printf(" faults_%s=%llu out_%s=%llu %s_ns=%llu", n,
               (unsigned long long)sum.faults_by[k], n, (unsigned long long)sum.swapouts_by[k],
               n, (unsigned long long)sum.cost_ns[k]);
        total_ns += sum.cost_ns[k];
    }
    printf(" disk_reads=%llu readahead=%llu fault_ns=%llu\n",
           (unsigned long long)sum.disk_reads, (unsigned long long)sum.readahead,
           (unsigned long long)total_ns);
    trace_free(&t);
    return r.bad_state ? 3 : 0;
}
