/*
 * `memstats` (esxtop's memory view as the model) and the fault-injection
 * command `vmm deny`. One line per live VM, in pages unless the column says
 * otherwise:
 *   MEMSZ     configured memory        TARGET   memsched's target
 *   CONSUMED  machine pages held       ACTIVE   working-set estimate, %
 *   ZERO      pages out as zero/fill tags (no storage)
 *   ZIP ZIPKB pages in the compression cache, and the bytes they take
 *   SWCUR     pages on the swap device SWIN/s SWOUT/s  page rates (2 s window)
 *   MCTL      pages in the balloon (the guest's virtio balloon driver gave
 *             them; their machine pages are free): `vm balloon` for more
 *   BLKMS     ms the VM's vCPUs were blocked from allocating
 * and a host line: free-memory state, free pages, MinFree, compression
 * caches' machine pages and their ratio, swap used/size, and the pages
 * found lost since boot (a swap read error or corrupt cache entry: each
 * stopped its VM).
 */
#include "kernel/shell_cmds.h"
#include "kernel/vm.h"
#include "kernel/vm_mem.h"
#include "kernel/vm_reclaim.h"
#include "kernel/swap_store_dev.h"
#include "mm/page_alloc.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

static unsigned pct(uint32_t q16)
{
    return (unsigned)(((uint64_t)q16 * 100 + Q16_ONE / 2) / Q16_ONE);
}

static void memstats_print(void)
{
    uint64_t now = plat_time_ns();
    uint64_t cc_pages = 0, cc_stored = 0;
    console_printf("%-3s %-12s %7s %7s %8s %6s %7s %7s %7s %7s %6s %7s %7s %7s\n", "ID", "NAME",
                   "MEMSZ", "TARGET", "CONSUMED", "ACTIVE", "ZERO", "ZIP", "ZIPKB", "SWCUR",
                   "SWIN/s", "SWOUT/s", "MCTL", "BLKMS");
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = vm_at(i);
        if (!vm || !vm_is_live(vm) || !vm->mem.rc.ready)
            continue;
        const struct memsched_vm *m = &vm->mem.msv;
        struct swapper_stats st;
        swapper_get_stats(&vm->mem.rc.sw, &st);
        if (vm->mem.rc.cc) {
            struct ccache_stats cs;
            ccache_get_stats(vm->mem.rc.cc, &cs);
            cc_pages += cs.used_pages;
            cc_stored += cs.lz4_pages + cs.fill_pages;
        }
        console_printf("%-3u %-12s %7llu %7llu %8llu %5u%% %7llu %7llu %7llu %7llu %6u %7u %7llu "
                       "%7llu\n",
                       vm->id, vm->name, (unsigned long long)m->memsize,
                       (unsigned long long)m->target, (unsigned long long)guest_mem_pages(&vm->mem.ram),
                       pct(m->active_q16), (unsigned long long)st.zero_pages,
                       (unsigned long long)st.compressed_pages,
                       (unsigned long long)((st.compressed_bytes + 1023) >> 10),
                       (unsigned long long)st.swapped_pages, vm->mem.rc.in_per_s,
                       vm->mem.rc.out_per_s,
                       (unsigned long long)physmap_count(&vm->mem.ram.pm, PM_BALLOONED),
                       (unsigned long long)(vm_reclaim_blocked_ns(vm, now) / 1000000ULL));
    }
    uint64_t ratio = cc_pages ? cc_stored * 100 / cc_pages : 0;
    console_printf("host: state %s, free %llu, MinFree %llu, own %llu, zip cache %llu pages "
                   "(ratio %llu.%02llu), swap %llu/%llu%s, lost %llu\n",
                   mem_state_name(vm_mem_state()), (unsigned long long)page_free_count(),
                   (unsigned long long)vm_mem_minfree(), (unsigned long long)vm_mem_host_pages(),
                   (unsigned long long)cc_pages,
                   (unsigned long long)(ratio / 100), (unsigned long long)(ratio % 100),
                   (unsigned long long)swap_store_dev_used(),
                   (unsigned long long)swap_store_dev_slots(),
                   swap_store_dev_failed() ? " (FAILED: writes refused)" : "",
                   (unsigned long long)vm_reclaim_lost_total());
}

static uint64_t per(uint64_t total, uint64_t n) { return n ? total / n : 0; }

/* `memstats -c`: what reclaiming cost each VM, in TSC ticks of VMX root per
 * page out and per fault by what came back (in Bochs a tick is an
 * instruction: `make bench-exits` reports these). */
static void memstats_costs(void)
{
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = vm_at(i);
        if (!vm || !vm_is_live(vm) || !vm->mem.rc.ready)
            continue;
        const struct vm_reclaim *rc = &vm->mem.rc;
        struct swapper_stats st;
        swapper_get_stats(&rc->sw, &st);
        uint64_t out = st.out_zero + st.out_compressed + st.out_swapped;
        console_printf("%s: out %llu pages (zero %llu, zip %llu, swap %llu) in %llu releases, "
                       "%llu ticks/page; VMTrack events %llu, lock-rank violations %llu\n",
                       vm->name, (unsigned long long)out, (unsigned long long)st.out_zero,
                       (unsigned long long)st.out_compressed, (unsigned long long)st.out_swapped,
                       (unsigned long long)rc->releases,
                       (unsigned long long)per(rc->out_tsc, out),
                       (unsigned long long)rc->vmtrack_events,
                       (unsigned long long)rc->rank_violations);
        console_printf("%s: in zero %llu faults %llu ticks each, zip %llu faults %llu ticks each, "
                       "swap %llu faults (%llu pages read) %llu ticks each\n",
                       vm->name, (unsigned long long)rc->in_faults[VM_RECLAIM_IN_ZERO],
                       (unsigned long long)per(rc->in_tsc[VM_RECLAIM_IN_ZERO],
                                               rc->in_faults[VM_RECLAIM_IN_ZERO]),
                       (unsigned long long)rc->in_faults[VM_RECLAIM_IN_ZIP],
                       (unsigned long long)per(rc->in_tsc[VM_RECLAIM_IN_ZIP],
                                               rc->in_faults[VM_RECLAIM_IN_ZIP]),
                       (unsigned long long)rc->in_faults[VM_RECLAIM_IN_SWAP],
                       (unsigned long long)st.in_swapped,
                       (unsigned long long)per(rc->in_tsc[VM_RECLAIM_IN_SWAP],
                                               rc->in_faults[VM_RECLAIM_IN_SWAP]));
    }
}

int shell_cmd_memstats(int argc, char **argv, void *ctx)
{
    (void)ctx;
    if (argc == 1) {
        memstats_print();
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "-c") == 0) {
        memstats_costs();
        return 0;
    }
    uint64_t secs;
    if (argc != 3 || strcmp(argv[1], "-r") != 0 || !str_to_u64(argv[2], &secs) || secs == 0 ||
        secs > 3600) {
        console_printf("usage: memstats [-r SECONDS | -c]  (SECONDS 1..3600)\n");
        return 1;
    }
    memstats_print();
    shell_repeat(memstats_print, secs * 1000000000ULL);
    console_printf("(every %llu s until a key is pressed)\n", (unsigned long long)secs);
    return 0;
}

static int shell_cmd_vmm_deny(int argc, char **argv, void *ctx)
{
    (void)ctx;
    uint64_t secs = 5;
    if (argc < 2 || argc > 3 || (argc == 3 && (!str_to_u64(argv[2], &secs) || secs > 600))) {
        console_printf("usage: vmm deny NAME [SECONDS]  (default 5, at most 600)\n");
        return 1;
    }
    struct vm *vm = vm_by_name(argv[1]);
    if (!vm || !vm_is_live(vm)) {
        console_printf("vmm deny: no running VM named '%s'\n", argv[1]);
        return 1;
    }
    vm->mem.deny_until_ns = plat_time_ns() + secs * 1000000000ULL;
    console_printf("vm %s: vCPU 0 holds a release deny for %llu s (fault injection)\n", vm->name,
                   (unsigned long long)secs);
    return 0;
}

const struct shell_cmd shell_vmm_sub[] = {
    { "deny", "vmm deny NAME [SECONDS]",
      "VM's vCPU 0 holds a release deny for a while (fault injection)", 1, 2, shell_cmd_vmm_deny,
      NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};
