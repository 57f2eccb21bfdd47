/*
 * VMTrack's watch on one VM (the seed's VMTrack_KillIfUnresponsiveVM): a VM
 * that keeps running while a release request waits and reaches no release
 * point for a whole timeout is unresponsive, and if memory is short then,
 * the vmkernel ends it, so that one VM holding a release deny (or a monitor
 * path that never polls) cannot take the host's memory down with it. The
 * wait is not restarted when memory is short only on and off: under steady
 * pressure the free-memory state moves between neighbours many times a
 * second.
 *
 * Signs of life are the monitor's answers: each release point it reached
 * with work to do (a poll point that took on a request, a blocked vCPU
 * releasing its own pages), counted in vm->mem.release_answers. A VM that
 * did not run during the wait (every vCPU asleep or halted) is quiescent,
 * not unresponsive: it allocates nothing, and a sleeping one is woken to
 * poll (kernel/vm_mem.c). Pure: the caller gives the clock and the counts.
 */
#ifndef KERNEL_VMTRACK_H
#define KERNEL_VMTRACK_H

#include "include/hv/types.h"

struct vmtrack_watch {
    bool waiting;           /* a request is waiting */
    uint64_t since_ns;      /* ... since then with no answer */
    uint64_t answers;       /* the answer count then */
    uint64_t cpu;           /* the VM's CPU time (any unit) then */
};

enum vmtrack_verdict { VMTRACK_FINE = 0, VMTRACK_UNRESPONSIVE };

/* One look, at every memsched tick: `pressure` (memory is short now),
 * `asked` (the pages the request waiting asks for; 0 none), `answers` and
 * `cpu` (counters that only grow), `timeout_ns` (0: never unresponsive). */
enum vmtrack_verdict vmtrack_look(struct vmtrack_watch *w, bool pressure, uint64_t asked,
                                  uint64_t answers, uint64_t cpu, uint64_t now_ns,
                                  uint64_t timeout_ns);

/* How long the request has waited unanswered (0 when none waits). */
uint64_t vmtrack_waited_ns(const struct vmtrack_watch *w, uint64_t now_ns);

#endif
