/* The swap device layer over one block device; see kernel/swap_dev.h. */
#include "kernel/swap_dev.h"
#include "kernel/log.h"
#include "mm/heap.h"
#include "lib/format.h"
#include "lib/kstring.h"

/* Slot s lives in device page s + 1: page 0 is never written, so the first
 * sector a later boot checks (kernel/swap_boot.c) stays what the user put
 * there, and stale swap contents never look like a boot disk. */
#define FIRST_PAGE 1

static struct {
    struct blk_dev *dev;
    struct swap_slots slots;
    uint64_t *map;
    bool failed;
    bool inject_write_failures;
    /* `swap fail-reads once`: the next read request fails, and the slots it
     * asked for stay unreadable until written again, as a bad sector does
     * until the drive remaps it on a write. One such range at a time. */
    bool inject_read_failure;
    uint64_t bad_first, bad_n;
    char last_error[160];
    struct swap_dev_stats st;
} sw;

bool swap_dev_open(struct blk_dev *d, uint64_t pages, char *why, size_t why_size)
{
    if (sw.dev) {
        ksnprintf(why, why_size, "%s is already the swap device", sw.dev->name);
        return false;
    }
    uint64_t cap = blk_pages(d);
    cap = cap > FIRST_PAGE ? cap - FIRST_PAGE : 0;
    if (pages == 0 || pages > cap)
        pages = cap;
    if (pages == 0) {
        ksnprintf(why, why_size, "%s has no 4 KiB page after its first (kept unwritten)", d->name);
        return false;
    }
    uint64_t *map = kcalloc(swap_slots_words(pages), sizeof *map);
    if (!map) {
        ksnprintf(why, why_size, "no memory for the slot bitmap of %llu pages",
                  (unsigned long long)pages);
        return false;
    }
    memset(&sw, 0, sizeof sw);
    sw.dev = d;
    sw.map = map;
    swap_slots_init(&sw.slots, map, pages);
    return true;
}

void swap_dev_close(void)
{
    kfree(sw.map);
    memset(&sw, 0, sizeof sw);
}

bool swap_dev_present(void) { return sw.dev != NULL; }
bool swap_dev_writable(void) { return sw.dev && !sw.failed; }
void swap_dev_fail_writes(bool on) { sw.inject_write_failures = on; }
bool swap_dev_failing_writes(void) { return sw.inject_write_failures; }
const char *swap_dev_last_error(void) { return sw.last_error; }
void swap_dev_fail_next_read(void) { sw.inject_read_failure = true; }

static bool overlaps_bad(uint64_t first, uint64_t n)
{
    return sw.bad_n && first < sw.bad_first + sw.bad_n && sw.bad_first < first + n;
}

/* One device read; an injected bad range fails as a medium error would. */
static int dev_read(uint64_t first, const mpn_t *pages, uint32_t n)
{
    if (sw.inject_read_failure) {
        sw.inject_read_failure = false;
        sw.bad_first = first;
        sw.bad_n = n;
    }
    if (overlaps_bad(first, n)) {
        str_copy(sw.dev->err, "injected medium error (swap fail-reads once)",
                 sizeof sw.dev->err);
        return -1;
    }
    return blk_rw(sw.dev, BLK_READ, first + FIRST_PAGE, pages, n);
}

/* One device write; the injected failure looks like a device error to
 * everything above. */
static int dev_write(uint64_t first, const mpn_t *pages, uint32_t n)
{
    if (sw.inject_write_failures) {
        str_copy(sw.dev->err, "injected write failure (swap fail-writes on)",
                 sizeof sw.dev->err);
        return -1;
    }
    return blk_rw(sw.dev, BLK_WRITE, first + FIRST_PAGE, pages, n);
}

static void mark_failed(uint64_t first, uint32_t n)
{
    ksnprintf(sw.last_error, sizeof sw.last_error, "write of slots %llu-%llu on %s: %s",
              (unsigned long long)first, (unsigned long long)(first + n - 1), sw.dev->name,
              sw.dev->err);
    sw.st.write_errors++;
    if (!sw.failed) {
        sw.failed = true;
        /* Once: every later write is refused, so there is nothing new to say. */
        log_write(NULL, LOG_ERROR, "swap: %s; device marked failed, swapping to compression only",
                  sw.last_error);
    }
}

enum swap_err swap_dev_write_cluster(const mpn_t *pages, uint32_t n, uint64_t *slots)
{
    if (!sw.dev)
        return SWAP_ERR_NODEV;
    if (n == 0 || n > SWAP_CLUSTER_MAX)
        return SWAP_ERR_ARG;
    if (sw.failed) {
        sw.st.refused_writes++;
        return SWAP_ERR_FAILED;
    }
    if (swap_slots_free_count(&sw.slots) < n) {
        sw.st.full++;
        sw.slots.failures++;
        return SWAP_ERR_FULL;
    }
    /* Runs of consecutive slots, each written with one request. */
    uint32_t done = 0;
    while (done < n) {
        uint64_t first;
        uint32_t got = swap_slots_alloc(&sw.slots, n - done, &first);
        if (got == 0) { /* cannot happen after the count check; stay safe */
            swap_dev_free(slots, done);
            sw.st.full++;
            return SWAP_ERR_FULL;
        }
        sw.st.write_requests++;
        if (overlaps_bad(first, got))
            sw.bad_n = 0; /* rewritten: the drive remapped the bad sectors */
        if (dev_write(first, pages + done, got) != 0) {
            mark_failed(first, got);
            swap_slots_free(&sw.slots, first, got);
            swap_dev_free(slots, done);
            return SWAP_ERR_IO;
        }
        for (uint32_t i = 0; i < got; i++)
            slots[done + i] = first + i;
        done += got;
    }
    sw.st.pages_out += n;
    return SWAP_OK;
}

enum swap_err swap_dev_read_cluster(uint64_t first, const mpn_t *pages, uint32_t n)
{
    if (!sw.dev)
        return SWAP_ERR_NODEV;
    if (n == 0 || n > SWAP_CLUSTER_MAX)
        return SWAP_ERR_ARG;
    for (uint32_t i = 0; i < n; i++)
        if (!swap_slots_in_use(&sw.slots, first + i))
            return SWAP_ERR_ARG; /* reading a free slot would return stale data */
    sw.st.read_requests++;
    if (dev_read(first, pages, n) != 0) {
        sw.st.read_errors++;
        ksnprintf(sw.last_error, sizeof sw.last_error, "read of slots %llu-%llu on %s: %s",
                  (unsigned long long)first, (unsigned long long)(first + n - 1), sw.dev->name,
                  sw.dev->err);
        LOG_ERROR("swap: %s", sw.last_error);
        return SWAP_ERR_IO;
    }
    sw.st.pages_in += n;
    return SWAP_OK;
}

enum swap_err swap_dev_read(uint64_t slot, mpn_t page)
{
    return swap_dev_read_cluster(slot, &page, 1);
}

void swap_dev_free(const uint64_t *slots, uint32_t n)
{
    if (!sw.dev)
        return;
    for (uint32_t i = 0; i < n; i++)
        if (!swap_slots_free(&sw.slots, slots[i], 1))
            LOG_WARN("swap: free of slot %llu, which is not in use", (unsigned long long)slots[i]);
}

void swap_dev_get_stats(struct swap_dev_stats *out)
{
    *out = sw.st;
    out->name = sw.dev ? sw.dev->name : NULL;
    out->slots = sw.slots.nslots;
    out->used = sw.slots.used;
    out->failed = sw.failed;
}

const char *swap_strerror(enum swap_err e)
{
    switch (e) {
    case SWAP_OK: return "ok";
    case SWAP_ERR_NODEV: return "no swap device";
    case SWAP_ERR_FAILED: return "the swap device failed earlier; writes refused";
    case SWAP_ERR_FULL: return "swap space full";
    case SWAP_ERR_IO: return "I/O error";
    case SWAP_ERR_ARG: return "bad slot or count";
    }
    return "?";
}
