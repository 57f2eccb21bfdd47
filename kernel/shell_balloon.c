/* `vm balloon ID|NAME [MIB|auto]`: shows a VM's balloon, or sets its size
 * by hand (testing, debugging) and gives it back to memsched with `auto`.
 * The size is what the balloon should hold, in MiB of guest memory; at
 * most sched.mem.maxmemctl. See kernel/vm_balloon.h. */
#include "kernel/shell_cmds.h"
#include "kernel/vm.h"
#include "include/hv/console.h"
#include "lib/kstring.h"

#define PAGES_PER_MIB (1ULL << (20 - PAGE_SHIFT))

static void show(const struct vm *vm)
{
    const struct vm_balloon_ctl *b = &vm->mem.balloon;
    uint64_t held = physmap_count(&vm->mem.ram.pm, PM_BALLOONED);
    console_printf("vm balloon: %s: driver %s, size %llu pages (%s), holds %llu pages "
                   "(%llu MiB), driver says %u, max %llu pages%s\n",
                   vm->name, b->driver ? "up" : "not loaded", (unsigned long long)b->want,
                   b->manual == VM_BALLOON_AUTO ? "memsched" : "by hand",
                   (unsigned long long)held, (unsigned long long)(held / PAGES_PER_MIB),
                   b->actual, (unsigned long long)b->max_pages,
                   vm->mem.msv.balloon_stalled ? ", stalled" : "");
    console_printf("  pages given %llu, taken back %llu, bad page numbers %llu%s%s\n",
                   (unsigned long long)b->inflated, (unsigned long long)b->deflated,
                   (unsigned long long)b->bad_pfns, b->failed ? "; device broken: " : "",
                   b->failed ? b->failed : "");
    console_printf("  stalled %llu times, at most %llu pages short of its size (memsched swaps "
                   "those instead)\n",
                   (unsigned long long)b->stalls, (unsigned long long)b->short_max);
}

int shell_vm_balloon(int argc, char **argv, void *ctx)
{
    (void)ctx;
    struct vm *vm = shell_find_vm("vm balloon", argv[1]);
    if (!vm)
        return 1;
    if (!vm_is_live(vm)) {
        console_printf("vm balloon: %s is not running\n", vm->name);
        return 1;
    }
    if (argc < 3) {
        show(vm);
        return 0;
    }
    uint64_t pages = VM_BALLOON_AUTO, mib = 0;
    if (str_casecmp(argv[2], "auto") != 0) {
        /* Digits only: "32" is MiB here, not str_to_u64's bytes-with-suffix. */
        for (const char *p = argv[2]; *p; p++)
            if (*p < '0' || *p > '9' || p - argv[2] > 7) {
                console_printf("vm balloon: '%s' is not a size in MiB (or 'auto')\n", argv[2]);
                return 1;
            }
        if (!argv[2][0] || !str_to_u64(argv[2], &mib)) {
            console_printf("vm balloon: '%s' is not a size in MiB (or 'auto')\n", argv[2]);
            return 1;
        }
        pages = mib * PAGES_PER_MIB;
    }
    switch (vm_balloon_set_manual(&vm->mem.balloon, pages)) {
    case VM_BALLOON_SET_NO_DEVICE:
        console_printf("vm balloon: %s has no balloon device (balloon.present)\n", vm->name);
        return 1;
    case VM_BALLOON_SET_NO_DRIVER:
        console_printf("vm balloon: %s: its guest has no balloon driver running\n", vm->name);
        return 1;
    case VM_BALLOON_SET_OVER_MAX:
        console_printf("vm balloon: %s: %llu MiB is above sched.mem.maxmemctl (%llu MiB)\n",
                       vm->name, (unsigned long long)mib,
                       (unsigned long long)(vm->mem.balloon.max_pages / PAGES_PER_MIB));
        return 1;
    case VM_BALLOON_SET_OK:
        break;
    }
    show(vm);
    return 0;
}
