/*
 * VMMem release checks (the seed's vmmem.c): where the monitor may give pages
 * back when the vmkernel asks, and the bound VMTrack puts on what a vCPU
 * allocates while it may not.
 *
 * - The vmkernel posts a release request (memsched: the VM is above its
 *   target). The monitor carries releases out only at poll points
 *   (vmmem_check_for_release_requests), and only while no deny is held.
 * - Denies nest and come in two kinds: by vCPU (unpinned MPNs in use, locks
 *   of too high rank, interrupts off) and on all vCPUs (monitor or
 *   guest-physical migration, MMU resizing). Idiom: allocate pages, then deny.
 * - Each vCPU counts the poll points it passed while a request waited (the
 *   seed's vmmemCheckCount): how long the VM has been unresponsive. The
 *   counts restart when the request's actions drain.
 * - While a vCPU's releases are denied it may allocate at most `bound` pages
 *   (48 in the seed, for NUMA migration) before its next poll point at which
 *   a release could happen; past that is a VMTrack event: counted and logged
 *   once per VM through a callback (unthrottled VMTrack logging caused
 *   PSODs). Never a crash: a bad vCPU number or an allow without a deny is
 *   counted as misuse and ignored.
 *
 * Pure code, no arch: the caller serialises calls per VM (the VM's memory
 * lock) and supplies the log callback.
 */
#ifndef VMM_VMMEM_H
#define VMM_VMMEM_H

#include "include/hv/types.h"

#define VMMEM_MAX_VCPUS 64
#define VMMEM_DEFAULT_BOUND 48

/* Told of the first VMTrack event of a VM: the vCPU, the pages it had
 * allocated in the window, and the bound. */
typedef void (*vmmem_track_log_fn)(void *ctx, uint32_t vcpu, uint64_t allocated, uint32_t bound);

struct vmmem_vcpu {
    uint32_t deny;          /* nested per-vCPU denies (vmmDenyReleasesByVcpu) */
    uint64_t check_count;   /* poll points passed while a request waited */
    uint64_t allocated;     /* pages allocated while denied, this window */
    uint64_t over_bound;    /* VMTrack events on this vCPU */
};

/* Lock ranks (the seed's VmMem_CheckAcquiredRankForReleases and
 * ...ReleasedRank...): a release takes the VM's memory lock, of rank
 * VMMEM_RELEASE_RANK, so a vCPU must not hold a lock of that rank or above
 * while a release could run on it: taking one needs releases denied on the
 * vCPU (deny first, then lock), and so does letting it go (unlock, then
 * allow). Locks are taken in increasing rank. */
#define VMMEM_RELEASE_RANK 10
struct vmmem_lock {
    const char *name;
    unsigned rank;
    bool held;
};
/* Told of a rank violation: the lock's name and whether it was being taken
 * (else let go). The image asserts in debug builds, logs otherwise. */
typedef void (*vmmem_rank_fail_fn)(void *ctx, uint32_t vcpu, const char *lock, bool taking);

struct vmmem {
    uint32_t nvcpus;
    uint32_t bound;
    uint32_t deny_all;      /* nested denies on all vCPUs (vmmDenyReleasesOnAllVcpus) */
    uint64_t requested;     /* pages asked back, not yet released */
    uint64_t in_flight;     /* ... of which a vCPU has taken on */
    uint64_t released;      /* pages given back, since init */
    uint64_t vmtrack_events;
    uint64_t misuse;        /* bad vCPU numbers, allows without a deny */
    uint64_t rank_violations;
    bool logged;
    vmmem_track_log_fn log;
    void *log_ctx;
    vmmem_rank_fail_fn rank_fail;   /* may be NULL: counted only */
    struct vmmem_vcpu vcpu[VMMEM_MAX_VCPUS];
};

/* nvcpus is clamped to [1, VMMEM_MAX_VCPUS]; bound 0 means the default. */
void vmmem_init(struct vmmem *m, uint32_t nvcpus, uint32_t bound, vmmem_track_log_fn log,
                void *log_ctx);

void vmmem_deny_releases(struct vmmem *m, uint32_t vcpu);
void vmmem_allow_releases(struct vmmem *m, uint32_t vcpu);
void vmmem_deny_releases_all(struct vmmem *m);
void vmmem_allow_releases_all(struct vmmem *m);
/* A deny on this vCPU or on all of them is held (true for a bad vCPU). */
bool vmmem_releases_denied(const struct vmmem *m, uint32_t vcpu);

/* The vmkernel's side: `pages` to give back (replaces the previous request,
 * as memsched reissues targets; 0 withdraws it). */
void vmmem_request_release(struct vmmem *m, uint64_t pages);

/* A poll point on `vcpu`: the pages it may release now, taken on by it (0
 * while a deny is held or nothing is asked). Counts the check while a
 * request waits; a poll point where releases are allowed ends the vCPU's
 * allocation window. */
uint64_t vmmem_check_for_release_requests(struct vmmem *m, uint32_t vcpu);
/* The vCPU finished what it took on: `taken` from the check, `released` of
 * them actually given back. When the request drains, every vCPU's check
 * count restarts. */
void vmmem_release_done(struct vmmem *m, uint32_t vcpu, uint64_t taken, uint64_t released);

/* An allocation site on `vcpu`: `pages` allocated. False when it took the
 * vCPU past the bound while denied (a VMTrack event). */
bool vmmem_note_alloc(struct vmmem *m, uint32_t vcpu, uint64_t pages);

uint64_t vmmem_check_count(const struct vmmem *m, uint32_t vcpu);

/* A poll point with no request waiting: what vmmem_check_for_release_requests
 * does then (end the allocation window if releases are allowed), inline for
 * the path before every VM entry. */
static inline void vmmem_poll_idle(struct vmmem *m, uint32_t vcpu)
{
    if (vcpu < m->nvcpus && !m->deny_all && !m->vcpu[vcpu].deny)
        m->vcpu[vcpu].allocated = 0;
}

/* Taking and letting go of a ranked lock on `vcpu`, with the rank checks
 * above (a violation is counted and reported through rank_fail; the lock
 * is taken or let go all the same). */
void vmmem_lock_acquire(struct vmmem *m, uint32_t vcpu, struct vmmem_lock *l);
void vmmem_lock_release(struct vmmem *m, uint32_t vcpu, struct vmmem_lock *l);

#endif
