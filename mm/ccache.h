/*
 * Compression cache: the first tier below guest memory. A page handed to it
 * is stored as a tag (zero page), a tag and a word (same-filled page), or an
 * LZ4 block packed into machine pages; a page that does not compress below
 * the threshold is refused and goes to the next tier directly.
 *
 * Each stored page is named by a handle of at most 48 bits (a 16-bit
 * generation, a 32-bit index), which the physmap keeps in place of the
 * machine page. Handles stay valid while other entries come
 * and go (stored data moves, handles do not) until the page is freed or
 * evicted; a stale handle is detected, not followed.
 *
 * The cache holds at most cap_pages machine pages (storage and metadata
 * alike). Past that it evicts compressed pages in LRU order, handing each
 * one, decompressed, to the `evict` callback (the next tier). Zero and
 * same-filled pages cost no storage and are never evicted.
 *
 * Storage: size classes 32 bytes apart; each class is one dense array of
 * slots laid across its own machine pages (a slot may straddle two pages);
 * a slot is the entry's index (so a block can be moved) and the block.
 * Freeing a slot moves the class's last object into it, so every class has
 * at most one partly used page and fragmentation stays bounded without a
 * separate compaction pass. See docs/codec.md for measured figures.
 *
 * Not thread-safe: the caller serialises calls (one lock per cache).
 */
#ifndef MM_CCACHE_H
#define MM_CCACHE_H

#include "include/hv/types.h"
#include "mm/codec.h"
#include "mm/ccache_pvec.h"

typedef uint64_t ccache_handle_t;
#define CCACHE_HANDLE_NONE ((ccache_handle_t)0)
/* A zero page needs no entry at all: its handle is this constant. */
#define CCACHE_HANDLE_ZERO ((ccache_handle_t)1 << 63)

struct ccache_ops {
    /* Machine pages for storage and metadata (owner OWNER_CCACHE in the
     * image). alloc_page returns INVALID_MPN when none is left; the cache
     * then evicts and retries, or fails the store. */
    mpn_t (*alloc_page)(void *ctx);
    void (*free_page)(void *ctx, mpn_t mpn);
    /* An entry leaves in LRU order: `page` is its content (valid during the
     * call only), or NULL when the stored data was found corrupt. Returns
     * true when the next tier took the page: the handle is then dead once
     * this returns. False when it cannot take it now (no room anywhere):
     * the entry stays as it was and eviction stops, so a store that needed
     * the room is CCACHE_FULL (a corrupt entry goes either way). Must not
     * call back into the cache. May be NULL: evicted pages are dropped. */
    bool (*evict)(void *ctx, ccache_handle_t h, uint64_t cookie, const void *page);
    void *ctx;
};

struct ccache_config {
    uint64_t total_pages;    /* machine memory the percentage applies to */
    uint32_t cap_percent;    /* cap as a percentage of total_pages */
    uint64_t cap_pages;      /* if non-zero, overrides cap_percent */
    uint32_t threshold;      /* largest LZ4 block kept, bytes */
    bool checksums;          /* checksum every entry, verify on every read */
};

#ifndef CCACHE_CHECKSUMS_DEFAULT
#ifdef HV_HOSTED
#define CCACHE_CHECKSUMS_DEFAULT true    /* tests and the simulator */
#else
#define CCACHE_CHECKSUMS_DEFAULT false   /* the image: define to 1 for debug */
#endif
#endif
#define CCACHE_DEFAULT_CAP_PERCENT 10

enum ccache_result {
    CCACHE_OK = 0,
    CCACHE_REJECTED,     /* incompressible: send the page to the next tier */
    CCACHE_FULL,         /* no room even after evicting everything evictable */
    CCACHE_BAD_HANDLE,   /* freed, evicted or never issued */
    CCACHE_CORRUPT,      /* checksum or decode failure: the data is lost */
};

/* What the shell and memsched read. Counts of live pages, cumulative event
 * counters, and space; the derived figures are integers (no FPU in the
 * hypervisor). */
struct ccache_stats {
    uint64_t zero_pages, fill_pages, lz4_pages;   /* live, by kind */
    uint64_t stores, rejected, evictions, loads, frees, corrupt, full;
    uint64_t evict_refused;  /* evictions the next tier could not take */
    uint64_t payload_bytes;  /* LZ4 bytes of live pages */
    uint64_t slot_bytes;     /* bytes of the slots holding them */
    uint64_t storage_pages;  /* machine pages holding slots */
    uint64_t meta_pages;     /* entry table and class page lists */
    uint64_t used_pages;     /* storage + meta: what the cap applies to */
    uint64_t cap_pages;
    uint32_t ratio_x100;     /* 100 * stored pages / used pages */
    uint32_t lz4_ratio_x100; /* 100 * LZ4 pages' bytes / their payload */
    uint32_t frag_permille;  /* storage bytes that are not payload, per mille */
    uint32_t classes_used;   /* size classes holding at least one page */
};

#define CCACHE_SLOT_SHIFT 5
/* Largest block kept: a bigger threshold is clamped to this, which keeps
 * every slot smaller than a page (so it spans at most two). */
#define CCACHE_MAX_THRESHOLD (CODEC_PAGE_SIZE - 64)
/* A slot holds a 4-byte owner record (the entry's index, so that a block
 * can be moved) and the block, rounded up to a multiple of 32 bytes. */
#define CCACHE_SLOT_HDR   4
#define CCACHE_NCLASSES   (((CCACHE_MAX_THRESHOLD + CCACHE_SLOT_HDR - 1) >> CCACHE_SLOT_SHIFT) + 1)
/* The first pages of a class are listed here; only classes bigger than
 * this (32 KiB) need a metadata page for their page list. */
#define CCACHE_INLINE_PAGES 8

struct ccache_class {
    uint32_t count;          /* live slots: [0, count) */
    uint32_t npages;         /* pages backing them */
    mpn_t inl[CCACHE_INLINE_PAGES];
    struct pvec more;        /* page index - CCACHE_INLINE_PAGES -> mpn_t */
};

/* One cache. Large (scratch buffers, codec workspace): keep it static or in
 * allocated pages, not on a stack. Fields are private. */
struct ccache {
    struct ccache_ops ops;
    struct ccache_config cfg;
    struct pvec entries;     /* struct cc_entry, see ccache.c */
    uint32_t nentries;       /* high-water mark of the entry table */
    uint32_t free_head;      /* free entry list, index + 1 */
    uint32_t lru_head, lru_tail;   /* MRU and LRU, index + 1 */
    struct ccache_class cls[CCACHE_NCLASSES];
    struct ccache_stats st;
    struct codec_ws ws;
    /* Slot images: owner record then block. */
    uint8_t cbuf[CCACHE_SLOT_HDR + CODEC_LZ4_BOUND];   /* the page being stored */
    uint8_t rbuf[CCACHE_SLOT_HDR + CODEC_LZ4_BOUND];   /* an entry being read */
    uint8_t mbuf[CCACHE_SLOT_HDR + CODEC_LZ4_BOUND];   /* an entry being moved */
    uint8_t pbuf[CODEC_PAGE_SIZE];   /* a page being evicted */
};

/* alloc_page / free_page over the machine page allocator (ccache_pages.c):
 * page_alloc(OWNER_CCACHE) and page_free. ctx is unused. */
mpn_t ccache_page_alloc(void *ctx);
void ccache_page_free(void *ctx, mpn_t mpn);

void ccache_config_default(struct ccache_config *cfg, uint64_t total_pages);
void ccache_init(struct ccache *c, const struct ccache_config *cfg, const struct ccache_ops *ops);
/* Frees every page the cache holds; handles die without eviction. */
void ccache_destroy(struct ccache *c);

/* Stores a copy of `page`. On CCACHE_OK *h names it; `cookie` comes back to
 * the evict callback (e.g. VM and guest page number). */
enum ccache_result ccache_store(struct ccache *c, const void *page, uint64_t cookie,
                                ccache_handle_t *h);
/* Copies the page out; the entry stays (and becomes most recently used). */
enum ccache_result ccache_load(struct ccache *c, ccache_handle_t h, void *page);
/* Load then free: the usual swap-in. The entry is freed even when corrupt. */
enum ccache_result ccache_take(struct ccache *c, ccache_handle_t h, void *page);
enum ccache_result ccache_free(struct ccache *c, ccache_handle_t h);
/* Evicts up to n pages in LRU order (memory pressure); returns how many. */
uint64_t ccache_shrink(struct ccache *c, uint64_t n);
/* Changes the cap; evicts down to it at once. */
void ccache_set_cap(struct ccache *c, uint64_t cap_pages);

void ccache_get_stats(const struct ccache *c, struct ccache_stats *out);
/* Walks every structure and checks the invariants (counts, LRU links, slot
 * back-pointers, checksums). Returns the number of problems found. For
 * tests and the debug shell; cost is linear in the cache's size. */
uint64_t ccache_check(struct ccache *c);

const char *ccache_result_name(enum ccache_result r);

#endif
