/*
 * Victim selection: given a VM that owes N pages (a release request from
 * memsched), choose which of its mapped pages to give back.
 *   VICTIM_RANDOM  ESX's choice: uniformly random mapped pages. The baseline.
 *   VICTIM_CLOCK   second chance over EPT accessed bits.
 *   VICTIM_AGING   accessed-bit aging: each aging period (victim_age_scan)
 *                  every mapped page's 8-bit history shifts right and takes
 *                  the accessed bit on top; victims are the pages whose
 *                  history scores lowest (victim_age_score: periods touched,
 *                  recent ones double), then the oldest history, ties in
 *                  clock order. Scan-resistant, unlike LRU. This is "ours".
 * Ages live in the physmap entries, so there is no extra storage. Pinned
 * pages are never chosen. Selection only chooses: the caller releases.
 */
#ifndef MM_VICTIM_H
#define MM_VICTIM_H

#include "include/hv/types.h"
#include "mm/physmap.h"

enum victim_policy { VICTIM_RANDOM = 0, VICTIM_CLOCK, VICTIM_AGING };

struct victim {
    enum victim_policy policy;
    ppn_t hand;                /* clock hand, shared by CLOCK and AGING */
    uint64_t scans;
    uint64_t active_pages;     /* touched in the last 8 aging periods */
};

void victim_init(struct victim *v, enum victim_policy policy);

/* One aging period: fold every mapped page's accessed bit into its history
 * (read and clear through plat_gpa_test_clear_accessed). AGING only; a no-op
 * for the other policies. */
void victim_age_scan(struct victim *v, struct physmap *pm);

/* The accessed-bit view of the working set: the fraction (Q16) of the VM's
 * pages touched within the last 8 aging periods (pinned pages count as
 * active), at the last scan. Exact where the sampler estimates, and it
 * follows a VM going idle within 8 periods. 100% before the first scan. */
uint32_t victim_active_q16(const struct victim *v, const struct physmap *pm);

/* Chooses up to `n` distinct mapped, unpinned pages of `pm` into `out`;
 * returns how many (fewer only when the VM has fewer such pages). */
uint64_t victim_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

/* The rank of an 8-bit history: lower is evicted first. */
unsigned victim_age_score(uint8_t age);

const char *victim_policy_name(enum victim_policy p);

#endif
