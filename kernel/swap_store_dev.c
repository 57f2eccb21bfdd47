/* See swap_store_dev.h. swap_dev's results are enum swap_err, whose values
 * swap_store.h's results mirror: they pass through unchanged. */
#include "kernel/swap_store_dev.h"
#include "kernel/swap_dev.h"

_Static_assert((int)SWAP_STORE_OK == (int)SWAP_OK && (int)SWAP_STORE_NODEV == (int)SWAP_ERR_NODEV &&
                   (int)SWAP_STORE_FAILED == (int)SWAP_ERR_FAILED &&
                   (int)SWAP_STORE_FULL == (int)SWAP_ERR_FULL &&
                   (int)SWAP_STORE_IO == (int)SWAP_ERR_IO && (int)SWAP_STORE_ARG == (int)SWAP_ERR_ARG,
               "swap_store results must mirror swap_dev's");
_Static_assert(SWAP_STORE_CLUSTER_MAX == SWAP_CLUSTER_MAX, "cluster sizes out of step");

static int write_cluster(void *ctx, const mpn_t *pages, uint32_t n, uint64_t *slots)
{
    (void)ctx;
    return swap_dev_write_cluster(pages, n, slots);
}

static int read_one(void *ctx, uint64_t slot, mpn_t page)
{
    (void)ctx;
    return swap_dev_read(slot, page);
}

static int read_cluster(void *ctx, uint64_t first, const mpn_t *pages, uint32_t n)
{
    (void)ctx;
    return swap_dev_read_cluster(first, pages, n);
}

static void free_slots(void *ctx, const uint64_t *slots, uint32_t n)
{
    (void)ctx;
    swap_dev_free(slots, n);
}

static bool writable(void *ctx)
{
    (void)ctx;
    return swap_dev_writable();
}

static const struct swap_store_ops dev_ops = {
    .write_cluster = write_cluster,
    .read = read_one,
    .read_cluster = read_cluster,
    .free = free_slots,
    .writable = writable,
    .ctx = NULL,
};

const struct swap_store_ops *swap_store_dev_ops(void)
{
    return swap_dev_present() ? &dev_ops : NULL;
}

uint64_t swap_store_dev_slots(void)
{
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    return st.slots;
}

uint64_t swap_store_dev_used(void)
{
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    return st.used;
}

bool swap_store_dev_failed(void)
{
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    return st.failed;
}
