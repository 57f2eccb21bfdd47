/* VMMem release checks and the VMTrack allocation bound: see vmmem.h. */
#include "vmm/vmmem.h"
#include "lib/kstring.h"

void vmmem_init(struct vmmem *m, uint32_t nvcpus, uint32_t bound, vmmem_track_log_fn log,
                void *log_ctx)
{
    memset(m, 0, sizeof *m);
    m->nvcpus = nvcpus == 0 ? 1 : MIN(nvcpus, (uint32_t)VMMEM_MAX_VCPUS);
    m->bound = bound ? bound : VMMEM_DEFAULT_BOUND;
    m->log = log;
    m->log_ctx = log_ctx;
}

/* The vCPU's record, or NULL (counted) for a number the VM does not have. */
static struct vmmem_vcpu *vc(struct vmmem *m, uint32_t vcpu)
{
    if (vcpu >= m->nvcpus) {
        m->misuse++;
        return NULL;
    }
    return &m->vcpu[vcpu];
}

void vmmem_deny_releases(struct vmmem *m, uint32_t vcpu)
{
    struct vmmem_vcpu *v = vc(m, vcpu);
    if (v)
        v->deny++;
}

void vmmem_allow_releases(struct vmmem *m, uint32_t vcpu)
{
    struct vmmem_vcpu *v = vc(m, vcpu);
    if (!v)
        return;
    if (v->deny == 0)
        m->misuse++;   /* unbalanced: a caller bug, but no reason to stop */
    else
        v->deny--;
}

void vmmem_deny_releases_all(struct vmmem *m)
{
    m->deny_all++;
}

void vmmem_allow_releases_all(struct vmmem *m)
{
    if (m->deny_all == 0)
        m->misuse++;
    else
        m->deny_all--;
}

bool vmmem_releases_denied(const struct vmmem *m, uint32_t vcpu)
{
    return vcpu >= m->nvcpus || m->deny_all > 0 || m->vcpu[vcpu].deny > 0;
}

void vmmem_request_release(struct vmmem *m, uint64_t pages)
{
    m->requested = pages;
    if (pages == 0)
        for (uint32_t i = 0; i < m->nvcpus; i++)
            m->vcpu[i].check_count = 0;
}

uint64_t vmmem_check_for_release_requests(struct vmmem *m, uint32_t vcpu)
{
    struct vmmem_vcpu *v = vc(m, vcpu);
    if (!v)
        return 0;
    if (m->requested)
        v->check_count++;
    if (vmmem_releases_denied(m, vcpu))
        return 0;   /* not a release point: the allocation window goes on */
    v->allocated = 0;
    uint64_t n = m->requested > m->in_flight ? m->requested - m->in_flight : 0;
    m->in_flight += n;
    return n;
}

void vmmem_release_done(struct vmmem *m, uint32_t vcpu, uint64_t taken, uint64_t released)
{
    if (!vc(m, vcpu))
        return;
    m->in_flight -= MIN(taken, m->in_flight);
    m->requested -= MIN(released, m->requested);
    m->released += released;
    if (m->requested == 0)   /* drained: unresponsiveness is measured anew */
        for (uint32_t i = 0; i < m->nvcpus; i++)
            m->vcpu[i].check_count = 0;
}

bool vmmem_note_alloc(struct vmmem *m, uint32_t vcpu, uint64_t pages)
{
    struct vmmem_vcpu *v = vc(m, vcpu);
    if (!v || !vmmem_releases_denied(m, vcpu))
        return true;   /* releases allowed: the allocation site may release */
    uint64_t before = v->allocated;
    v->allocated += pages;
    if (v->allocated <= m->bound || before > m->bound)
        return v->allocated <= m->bound;
    /* First crossing in this window: one event, one log line per VM. */
    v->over_bound++;
    m->vmtrack_events++;
    if (!m->logged && m->log) {
        m->logged = true;
        m->log(m->log_ctx, vcpu, v->allocated, m->bound);
    }
    return false;
}

uint64_t vmmem_check_count(const struct vmmem *m, uint32_t vcpu)
{
    return vcpu < m->nvcpus ? m->vcpu[vcpu].check_count : 0;
}

/* A lock at or above the release rank held while releases are allowed on
 * the vCPU: a poll point could run a release that takes the memory lock
 * out of order. */
static void check_rank(struct vmmem *m, uint32_t vcpu, const struct vmmem_lock *l, bool taking)
{
    if (l->rank < VMMEM_RELEASE_RANK || vmmem_releases_denied(m, vcpu))
        return;
    m->rank_violations++;
    if (m->rank_fail)
        m->rank_fail(m->log_ctx, vcpu, l->name, taking);
}

void vmmem_lock_acquire(struct vmmem *m, uint32_t vcpu, struct vmmem_lock *l)
{
    check_rank(m, vcpu, l, true);
    if (l->held)
        m->misuse++;   /* taken twice: one CPU, so a caller bug, not contention */
    l->held = true;
}

void vmmem_lock_release(struct vmmem *m, uint32_t vcpu, struct vmmem_lock *l)
{
    check_rank(m, vcpu, l, false);
    if (!l->held)
        m->misuse++;
    l->held = false;
}
