/*
 * Working-set sampler: ESX's statistical estimate of how much of a VM's memory
 * is active. Each period (default 30 s of VM time) it picks n random guest
 * pages (default 100) and arranges to see the next touch of each:
 *   - SAMPLER_INVALIDATE: zap their mappings (plat_gpa_unmap) so the next
 *     touch faults; the monitor's fault path calls sampler_note_touch();
 *   - SAMPLER_ACCESSED_BIT: clear their EPT accessed bits and read them back
 *     at the end of the period (no faults; where the platform has A bits).
 * At the end of a period the touched fraction updates a slow and a fast
 * moving average; the estimate is the max of slow, fast and the current
 * period so far, so memsched sees an increase at once and a decrease slowly.
 * Fractions are Q16 (65536 = 100%). Storage is the caller's.
 */
#ifndef MM_SAMPLER_H
#define MM_SAMPLER_H

#include "include/hv/types.h"
#include "include/hv/platform.h"

enum sampler_mode { SAMPLER_INVALIDATE = 0, SAMPLER_ACCESSED_BIT };

struct sampler_config {
    uint32_t sample_pages;     /* n, default 100 */
    uint64_t period_ns;        /* default 30 s */
    uint32_t slow_shift;       /* slow average weight 1/2^shift, default 3 */
    uint32_t fast_shift;       /* fast average weight, default 1 */
    enum sampler_mode mode;
    /* Pages that are not RAM (the PCI hole: mm/guest_mem.h), never picked,
     * so the estimate is a fraction of the guest's RAM. Default none. */
    ppn_t hole_first;
    uint64_t hole_pages;
};

struct sampler {
    struct sampler_config cfg;
    struct plat_vm *vm;
    uint64_t npages;
    ppn_t *set;                /* this period's sample, sorted */
    uint8_t *touched;
    uint32_t nset, ntouched;
    uint64_t period_start_ns;
    uint32_t slow_q16, fast_q16, last_q16;
    uint64_t periods;
};

void sampler_default_config(struct sampler_config *cfg);
size_t sampler_storage_bytes(uint32_t sample_pages);
/* Starts the first period at `now_ns`. Until a period completes the VM is
 * assumed fully active (the safe side for memsched). False on bad storage or
 * zero pages. */
bool sampler_init(struct sampler *s, const struct sampler_config *cfg, struct plat_vm *vm,
                  uint64_t npages, void *storage, size_t storage_bytes, uint64_t now_ns);

/* The guest touched `ppn` after a sampling fault (any PPN: out-of-range and
 * unsampled pages are ignored). */
void sampler_note_touch(struct sampler *s, ppn_t ppn);
/* Is `ppn` in the current sample? (The fault path may ask before remapping.) */
bool sampler_in_sample(const struct sampler *s, ppn_t ppn);

/* Ends the period if it is over and starts the next. True when it did. */
bool sampler_tick(struct sampler *s, uint64_t now_ns);

/* max(slow, fast, current period so far), Q16. */
uint32_t sampler_estimate(const struct sampler *s);

#endif
