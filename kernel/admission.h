/*
 * Admission control at power-on: a VM starts only if
 *   - its reservation (sched.mem.min) plus its per-VM overhead fits in
 *     unreserved memory (all pages, less MinFree, less what admitted VMs
 *     reserved), and
 *   - swap space covers the memory it may have to give back: memsize minus
 *     reservation.
 * Otherwise it does not start and the message names the VM, the limit and by
 * how much it is exceeded. Values come from configuration files: every sum is
 * checked for overflow and nonsense (reservation above memsize) is refused.
 */
#ifndef KERNEL_ADMISSION_H
#define KERNEL_ADMISSION_H

#include "include/hv/types.h"

struct admission {
    uint64_t total_pages;      /* usable machine pages */
    bool machine_backs;        /* unreserved machine memory also backs memsize - reservation
                                  (admission_set_machine_backs) */
    uint64_t minfree_pages;    /* MinFree: never promised to a VM */
    uint64_t reserved_pages;   /* sum of (min + overhead) of admitted VMs */
    uint64_t swap_pages;       /* swap space, in pages */
    uint64_t swap_committed;   /* sum of (memsize - min) of admitted VMs */
};

struct admission_req {
    const char *name;
    uint64_t memsize;          /* pages */
    uint64_t min;              /* reservation, pages */
    uint64_t overhead;         /* monitor/anon overhead estimate, pages */
};

enum admit_result {
    ADMIT_OK = 0,
    ADMIT_BAD_CONFIG,          /* reservation above memsize, zero memsize */
    ADMIT_NO_MEMORY,           /* reservation + overhead > unreserved memory */
    ADMIT_NO_SWAP,             /* memsize - reservation > free swap */
};

void admission_init(struct admission *a, uint64_t total_pages, uint64_t minfree_pages,
                    uint64_t swap_pages);
/* With `on`, the memory a VM may have to give back (memsize - reservation)
 * may be backed by machine memory no VM reserved as well as by swap: what a
 * VM cannot keep must fit somewhere, and an idle host's memory is such a
 * place. Without it (the default, ESX's rule) swap alone must cover it. */
void admission_set_machine_backs(struct admission *a, bool on);
uint64_t admission_unreserved(const struct admission *a);
/* Backing still free for memsize - reservation: swap (plus unreserved
 * machine memory with machine_backs) less what admitted VMs committed. */
uint64_t admission_swap_free(const struct admission *a);

/* Checks without committing. `msg` (may be NULL) gets a one-line reason. */
enum admit_result admission_check(const struct admission *a, const struct admission_req *r,
                                  char *msg, size_t msglen);
/* Checks and, on ADMIT_OK, commits the VM's reservation and swap. */
enum admit_result admission_admit(struct admission *a, const struct admission_req *r,
                                  char *msg, size_t msglen);
/* Power-off: gives back what admission_admit committed for `r`. */
void admission_release(struct admission *a, const struct admission_req *r);
/* A running VM's reservation changes to `new_min`: admitted again with the
 * new value or refused with the old one kept. Updates r->min on success. */
enum admit_result admission_change_min(struct admission *a, struct admission_req *r,
                                       uint64_t new_min, char *msg, size_t msglen);

const char *admit_result_name(enum admit_result r);

#endif
