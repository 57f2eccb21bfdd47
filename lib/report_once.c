/* Once-per-key reporting with a fixed table (see report_once.h). */
#include "lib/report_once.h"

enum report_once_verdict report_once(struct report_once *r, uint32_t key)
{
    for (unsigned i = 0; i < r->nkeys; i++)
        if (r->keys[i] == key)
            return REPORT_ONCE_SEEN;
    if (r->nkeys < REPORT_ONCE_KEEP) {
        r->keys[r->nkeys++] = key;
        return REPORT_ONCE_NEW;
    }
    /* Keys past the table are not remembered, so a key seen twice counts
     * twice: the count is of accesses, which is what a storm is made of. */
    r->unreported++;
    if (r->full_told)
        return REPORT_ONCE_COUNTED;
    r->full_told = true;
    return REPORT_ONCE_NOW_FULL;
}
