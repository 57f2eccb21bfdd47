/*
 * "Log the first time each X is seen" for X chosen by a guest (MSR numbers,
 * I/O ports): a guest can present millions of distinct X, so a set of all
 * of them cannot be kept and one line each would flood the console. The
 * first REPORT_ONCE_KEEP distinct X are reported once each; after that one
 * more report says the rest are only counted, and nothing else is. Fixed
 * size, no allocation, O(REPORT_ONCE_KEEP) per call.
 */
#ifndef LIB_REPORT_ONCE_H
#define LIB_REPORT_ONCE_H

#include "include/hv/types.h"

#define REPORT_ONCE_KEEP 16

struct report_once {
    uint32_t keys[REPORT_ONCE_KEEP];
    unsigned nkeys;
    bool full_told;      /* the "counted from now on" report was made */
    uint64_t unreported; /* accesses to X beyond the table, never reported */
};

enum report_once_verdict {
    REPORT_ONCE_NEW,      /* first time: report it */
    REPORT_ONCE_SEEN,     /* reported before: stay quiet */
    REPORT_ONCE_NOW_FULL, /* a new X beyond the table, the first: say the rest are counted */
    REPORT_ONCE_COUNTED,  /* beyond the table: counted in `unreported` only */
};

/* Zeroed memory is an empty set. */
enum report_once_verdict report_once(struct report_once *r, uint32_t key);

#endif
