/* Fake swap device: see fake_swap_store.h. */
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#include "tests/fake/fake_swap_store.h"
#include "include/hv/platform.h"

static int write_cluster(void *ctx, const mpn_t *pages, uint32_t n, uint64_t *slots)
{
    struct fake_swap_store *f = ctx;
    if (n == 0 || n > SWAP_STORE_CLUSTER_MAX)
        return SWAP_STORE_ARG;
    if (f->failed)
        return SWAP_STORE_FAILED;
    if (swap_slots_free_count(&f->slots) < n)
        return SWAP_STORE_FULL;
    if (f->fail_next_write) {
        f->fail_next_write = false;
        f->failed = true;
        return SWAP_STORE_IO;
    }
    for (uint32_t done = 0; done < n;) {
        uint64_t first;
        uint32_t got = swap_slots_alloc(&f->slots, n - done, &first);
        assert(got);
        f->writes++;
        for (uint32_t i = 0; i < got; i++) {
            slots[done + i] = first + i;
            memcpy(f->data + (first + i) * PAGE_SIZE, plat_mpn_to_va(pages[done + i]), PAGE_SIZE);
        }
        done += got;
    }
    f->pages_written += n;
    return SWAP_STORE_OK;
}

static int read_cluster(void *ctx, uint64_t first, const mpn_t *pages, uint32_t n)
{
    struct fake_swap_store *f = ctx;
    if (n == 0 || n > SWAP_STORE_CLUSTER_MAX)
        return SWAP_STORE_ARG;
    for (uint32_t i = 0; i < n; i++)
        if (!swap_slots_in_use(&f->slots, first + i))
            return SWAP_STORE_ARG;
    f->read_clusters += n > 1;
    f->reads++;
    if (f->bad_read_slot - first < n)
        return SWAP_STORE_IO;
    for (uint32_t i = 0; i < n; i++)
        memcpy(plat_mpn_to_va(pages[i]), f->data + (first + i) * PAGE_SIZE, PAGE_SIZE);
    f->pages_read += n;
    return SWAP_STORE_OK;
}

static int read_one(void *ctx, uint64_t slot, mpn_t page)
{
    return read_cluster(ctx, slot, &page, 1);
}

static void free_slots(void *ctx, const uint64_t *slots, uint32_t n)
{
    struct fake_swap_store *f = ctx;
    for (uint32_t i = 0; i < n; i++) {
        assert(swap_slots_free(&f->slots, slots[i], 1));   /* a double free is a bug */
        f->frees++;
    }
}

static bool writable(void *ctx)
{
    return !((struct fake_swap_store *)ctx)->failed;
}

void fake_swap_store_init(struct fake_swap_store *f, uint64_t nslots, struct swap_store_ops *ops)
{
    memset(f, 0, sizeof *f);
    f->map = calloc(swap_slots_words(nslots) + 1, sizeof *f->map);
    f->data = calloc(nslots ? nslots : 1, PAGE_SIZE);
    assert(f->map && f->data);
    swap_slots_init(&f->slots, f->map, nslots);
    f->bad_read_slot = SWAP_SLOT_NONE;
    *ops = (struct swap_store_ops){ write_cluster, read_one, read_cluster, free_slots, writable, f };
}

void fake_swap_store_destroy(struct fake_swap_store *f)
{
    free(f->map);
    free(f->data);
    f->map = NULL;
    f->data = NULL;
}
