/*
 * A VM's balloon as the vmkernel drives it: the size memsched (or the
 * `vm balloon` shell command) wants, the limit sched.mem.maxmemctl puts on
 * it, and whether it is making progress. The device itself is the monitor's
 * (vmm/virtio_balloon_attach.c): it fills in `device`, `driver` and
 * `actual`, and sets the `changed` hook the vmkernel calls when `want`
 * moves (the device then tells its driver by a configuration change). This
 * file never reaches into the monitor but through that hook.
 *
 * Sizes (pages):
 *   manual   set by `vm balloon NAME MIB`; VM_BALLOON_AUTO gives the balloon
 *            back to memsched
 *   auto     while memsched asks the VM for pages (balloon_target > 0): what
 *            the balloon holds now plus what is owed, at most maxmemctl;
 *            with no pressure at all (high state, free memory at or above
 *            MinFree): 0, the guest gets its memory back; otherwise it stays.
 * Stall: in auto mode, a balloon below its size that has not grown for
 * VM_BALLOON_STALL_NS is `balloon_stalled` for memsched, which then swaps
 * instead (the soft state's fall back); progress, or reaching the size,
 * clears it. A balloon at maxmemctl while memsched still asks for pages is
 * stalled at once: it can take no more. While memsched swaps in its place
 * (swap_target > 0) a stalled balloon keeps its size and stays stalled
 * until it grows or memsched stops asking.
 */
#ifndef KERNEL_VM_BALLOON_H
#define KERNEL_VM_BALLOON_H

#include "include/hv/types.h"
#include "kernel/memsched.h"

#define VM_BALLOON_AUTO UINT64_MAX
#define VM_BALLOON_STALL_NS 10000000000ULL
/* sched.mem.maxmemctl's default, as ESX's Mem.CtlMaxPercent: 65% of memsize. */
#define VM_BALLOON_DEFAULT_MAX_PCT 65

struct vm_balloon_ctl {
    /* the monitor's */
    bool device;               /* the VM has a balloon device (balloon.present) */
    bool driver;               /* its driver reached DRIVER_OK (and no reset since) */
    uint32_t actual;           /* pages the driver says it holds */
    uint64_t inflated, deflated;   /* pages the driver gave and took back */
    uint64_t bad_pfns;         /* page numbers skipped: not RAM, pinned, shared */
    const char *failed;        /* why the device needs a reset; NULL: fine */
    void (*changed)(void *dev);  /* `want` moved: tell the driver */
    void *dev;
    /* the vmkernel's */
    uint64_t max_pages;        /* sched.mem.maxmemctl */
    uint64_t manual;           /* VM_BALLOON_AUTO or `vm balloon`'s size */
    uint64_t want;             /* the size the device shows its driver */
    uint64_t last_held;        /* stall detection: held at the last progress */
    uint64_t progress_ns;
    /* statistics: stalls so far, and the most pages a stalled balloon was
     * short of its size (what memsched may swap in its place) */
    uint64_t stalls;
    uint64_t short_max;
};

void vm_balloon_init(struct vm_balloon_ctl *b, uint64_t max_pages);
/* After memsched ran: `held` is the VM's ballooned pages (physmap), `plenty`
 * says the machine is in the high state with MinFree free. Sets msv's
 * has_balloon and balloon_stalled, and `want` (calling `changed` when it
 * moves). */
void vm_balloon_update(struct vm_balloon_ctl *b, struct memsched_vm *msv, uint64_t held,
                       bool plenty, uint64_t now_ns);

enum vm_balloon_set {
    VM_BALLOON_SET_OK = 0,
    VM_BALLOON_SET_NO_DEVICE,  /* balloon.present is off, or the VM is not built */
    VM_BALLOON_SET_NO_DRIVER,  /* the guest has not loaded its driver */
    VM_BALLOON_SET_OVER_MAX,   /* above sched.mem.maxmemctl */
};
/* `vm balloon`: a size in pages, or VM_BALLOON_AUTO. The new size reaches
 * the driver at once (`changed`). */
enum vm_balloon_set vm_balloon_set_manual(struct vm_balloon_ctl *b, uint64_t pages);

#endif
