/*
 * The traditional virtio memory balloon (virtio 1.2, 5.5): device ID 5, two
 * queues (0 inflateq, 1 deflateq), configuration { le32 num_pages; le32
 * actual; }. The host sets num_pages, the pages it wants the balloon to
 * hold; the driver gives pages with buffers of 32-bit page frame numbers (4
 * KiB pages) on inflateq, takes them back on deflateq, and writes how many
 * it holds to `actual`.
 *
 * Features offered: none of the balloon's own. Not DEFLATE_ON_OOM: with it
 * Linux keeps ballooned pages in its MemTotal (it treats them as borrowed)
 * and may take them back silently under memory pressure; without it the
 * guest's MemTotal shrinks by what the balloon holds, as ESX's vmmemctl
 * does. Not MUST_TELL_HOST: a guest may touch a page it gave
 * without deflating it first, and gets a fresh zero page (the host's fault
 * path does it). No statistics queue, no free page hinting or reporting.
 *
 * A pure model: what a page number does to the VM's memory is the host's
 * business (`struct balloon_host`; vmm/virtio_balloon_attach.c releases
 * the page's backing). Every PFN is the guest's: one that is not the VM's
 * RAM or that the host refuses (pinned, shared) is skipped and counted, not
 * fatal. A buffer the device cannot read, or a list longer than
 * BALLOON_MAX_PFNS per chain, breaks the device (NEEDS_RESET): the guest
 * runs on without its balloon.
 */
#ifndef VMM_DEV_VIRTIO_BALLOON_H
#define VMM_DEV_VIRTIO_BALLOON_H

#include "include/hv/types.h"
#include "vmm/dev_virtio_mmio.h"

#define VIRTIO_ID_BALLOON 5
#define VIRTIO_BALLOON_F_MUST_TELL_HOST (1ULL << 0)
#define VIRTIO_BALLOON_F_STATS_VQ       (1ULL << 1)
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM (1ULL << 2)
#define BALLOON_QUEUE_MAX 128
#define BALLOON_INFLATEQ 0
#define BALLOON_DEFLATEQ 1
/* Linux sends at most 256 PFNs a buffer; a chain with more than this is
 * refused, so one notify costs the host a bounded time. */
#define BALLOON_MAX_PFNS 4096

enum balloon_page {
    BP_OK = 0,        /* done */
    BP_AGAIN,         /* already in that state (a repeat, or a retried list) */
    BP_BAD,           /* not the VM's RAM, or not a page the host can give */
};

struct balloon_host {
    enum balloon_page (*inflate)(void *ctx, uint32_t pfn);
    enum balloon_page (*deflate)(void *ctx, uint32_t pfn);
    void *ctx;
};

struct virtio_balloon {
    struct virtio_dev dev;     /* what the transport sees */
    struct balloon_host host;
    uint32_t num_pages;        /* the host's target, as the driver reads it */
    uint32_t actual;           /* what the driver says it holds */
    bool driver_ok;
    uint64_t inflated, deflated;   /* pages moved (BP_OK) */
    uint64_t bad_pfns, repeats;    /* skipped: BP_BAD, BP_AGAIN */
    uint64_t actual_writes;        /* times the driver wrote `actual` */
};

void virtio_balloon_init(struct virtio_balloon *b, const struct balloon_host *host);
/* A new target (pages): the driver is told by a configuration change when
 * it differs. */
void virtio_balloon_set_target(struct virtio_balloon *b, struct virtio_mmio *t, uint32_t pages);

#endif
