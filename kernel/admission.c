/* Admission control: see admission.h. */
#include "kernel/admission.h"
#include "lib/format.h"

const char *admit_result_name(enum admit_result r)
{
    switch (r) {
    case ADMIT_OK: return "ok";
    case ADMIT_BAD_CONFIG: return "bad config";
    case ADMIT_NO_MEMORY: return "no memory";
    case ADMIT_NO_SWAP: return "no swap";
    }
    return "?";
}

void admission_init(struct admission *a, uint64_t total_pages, uint64_t minfree_pages,
                    uint64_t swap_pages)
{
    a->total_pages = total_pages;
    a->minfree_pages = minfree_pages;
    a->reserved_pages = 0;
    a->swap_pages = swap_pages;
    a->swap_committed = 0;
    a->machine_backs = false;
}

void admission_set_machine_backs(struct admission *a, bool on)
{
    a->machine_backs = on;
}

uint64_t admission_unreserved(const struct admission *a)
{
    uint64_t used = a->minfree_pages + a->reserved_pages;
    if (used < a->minfree_pages || used >= a->total_pages)
        return 0;
    return a->total_pages - used;
}

/* swap + (unreserved machine memory), saturating. */
static uint64_t backing_pages(const struct admission *a, uint64_t unreserved)
{
    uint64_t b = a->swap_pages + (a->machine_backs ? unreserved : 0);
    return b < a->swap_pages ? UINT64_MAX : b;
}

uint64_t admission_swap_free(const struct admission *a)
{
    uint64_t b = backing_pages(a, admission_unreserved(a));
    return a->swap_committed >= b ? 0 : b - a->swap_committed;
}

static void say(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void say(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

static const char *vm_name(const struct admission_req *r)
{
    return r->name ? r->name : "?";
}

enum admit_result admission_check(const struct admission *a, const struct admission_req *r,
                                  char *msg, size_t msglen)
{
    if (r->memsize == 0) {
        say(msg, msglen, "VM '%s': memsize is 0", vm_name(r));
        return ADMIT_BAD_CONFIG;
    }
    if (r->min > r->memsize) {
        say(msg, msglen, "VM '%s': reservation %llu pages exceeds memsize %llu pages",
            vm_name(r), (unsigned long long)r->min, (unsigned long long)r->memsize);
        return ADMIT_BAD_CONFIG;
    }
    uint64_t need = r->min + r->overhead;
    uint64_t have = admission_unreserved(a);
    if (need < r->min || need > have) {
        unsigned long long over = need < r->min ? ~0ULL : (unsigned long long)(need - have);
        say(msg, msglen,
            "VM '%s': reservation %llu + overhead %llu pages exceeds unreserved memory "
            "(%llu pages) by %llu pages", vm_name(r), (unsigned long long)r->min,
            (unsigned long long)r->overhead, (unsigned long long)have, over);
        return ADMIT_NO_MEMORY;
    }
    uint64_t swap_need = r->memsize - r->min;
    uint64_t swap_have = admission_swap_free(a);
    if (a->machine_backs) {
        /* The reservation takes machine memory that backs what admitted
         * VMs may have to give back: it must leave enough for them. */
        uint64_t b = backing_pages(a, have - need);
        if (a->swap_committed > b) {
            say(msg, msglen,
                "VM '%s': reservation %llu pages would take memory that backs running VMs "
                "(%llu pages short)", vm_name(r), (unsigned long long)r->min,
                (unsigned long long)(a->swap_committed - b));
            return ADMIT_NO_MEMORY;
        }
        swap_have = b - a->swap_committed;
        if (swap_need > swap_have) {
            say(msg, msglen,
                "VM '%s': memsize - reservation (%llu pages) exceeds what swap, compression "
                "and unreserved memory can still back (%llu pages) by %llu pages",
                vm_name(r), (unsigned long long)swap_need, (unsigned long long)swap_have,
                (unsigned long long)(swap_need - swap_have));
            return ADMIT_NO_SWAP;
        }
    }
    if (swap_need > swap_have) {
        say(msg, msglen,
            "VM '%s': swap for memsize - reservation (%llu pages) exceeds free swap "
            "(%llu pages) by %llu pages", vm_name(r), (unsigned long long)swap_need,
            (unsigned long long)swap_have, (unsigned long long)(swap_need - swap_have));
        return ADMIT_NO_SWAP;
    }
    say(msg, msglen, "VM '%s': admitted", vm_name(r));
    return ADMIT_OK;
}

enum admit_result admission_admit(struct admission *a, const struct admission_req *r,
                                  char *msg, size_t msglen)
{
    enum admit_result res = admission_check(a, r, msg, msglen);
    if (res == ADMIT_OK) {
        a->reserved_pages += r->min + r->overhead;
        a->swap_committed += r->memsize - r->min;
    }
    return res;
}

void admission_release(struct admission *a, const struct admission_req *r)
{
    uint64_t res = r->min + r->overhead, swap = r->memsize - r->min;
    a->reserved_pages = a->reserved_pages > res ? a->reserved_pages - res : 0;
    a->swap_committed = a->swap_committed > swap ? a->swap_committed - swap : 0;
}

enum admit_result admission_change_min(struct admission *a, struct admission_req *r,
                                       uint64_t new_min, char *msg, size_t msglen)
{
    struct admission_req next = *r;
    next.min = new_min;
    admission_release(a, r);
    enum admit_result res = admission_admit(a, &next, msg, msglen);
    if (res == ADMIT_OK) {
        r->min = new_min;
    } else {
        /* put the old commitment back: it was admitted before, so it fits */
        a->reserved_pages += r->min + r->overhead;
        a->swap_committed += r->memsize - r->min;
    }
    return res;
}
