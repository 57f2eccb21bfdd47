/*
 * A split virtqueue as the device side sees it (virtio 1.2, 2.7): the
 * descriptor table, the driver ("available") ring and the device ("used")
 * ring, all in guest RAM, reached only through a narrow accessor that
 * copies guest-physical bytes and fails for anything outside the VM's RAM.
 * Pure code: it runs hosted under the unit tests and the fuzzer.
 *
 * Everything the guest wrote is hostile. The queue refuses to become ready
 * with a size that is not a power of two in [1, max] or with a misaligned
 * ring (2.7: descriptors 16, driver ring 2, device ring 4 bytes); a pop
 * fails (VQ_BAD, with the reason) when the driver's index runs more than a
 * queue size ahead of the device, a descriptor index is out of range, a
 * chain is longer than the queue (a loop), a buffer wraps the address space,
 * or a descriptor uses INDIRECT (the feature is never offered). Only
 * VQ_WAIT, which the accessor reports when a ring page is on its way back
 * (swapped out), leaves the queue to be retried; nothing is consumed then.
 * No event index (VIRTIO_F_EVENT_IDX is not offered): the driver ring's
 * NO_INTERRUPT flag is honoured.
 */
#ifndef VMM_VIRTQUEUE_H
#define VMM_VIRTQUEUE_H

#include "include/hv/types.h"

#define VQ_DESC_F_NEXT     1
#define VQ_DESC_F_WRITE    2
#define VQ_DESC_F_INDIRECT 4
#define VQ_AVAIL_F_NO_INTERRUPT 1
/* The most buffers one chain may have here (more: VQ_BAD). The balloon's
 * driver sends one buffer per chain. */
#define VQ_MAX_BUFS 16

enum vq_mem_result { VQM_OK = 0, VQM_BAD, VQM_WAIT };

/* Guest-physical memory. Every call copies `len` bytes (at most a few KiB)
 * or fails: VQM_BAD when a byte is not RAM, VQM_WAIT when the page must be
 * brought back first (the operation is retried later). */
struct vq_mem {
    enum vq_mem_result (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
    enum vq_mem_result (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
    void *ctx;
};

struct virtqueue {
    uint16_t max;            /* QueueNumMax: what the device allows */
    uint16_t num;            /* QueueNum: the driver's size */
    bool ready;
    uint64_t desc, avail, used;
    uint16_t last_avail;     /* the next driver-ring entry the device takes */
    uint16_t used_idx;       /* the device ring's idx as last published */
};

struct vq_buf {
    uint64_t addr;
    uint32_t len;
    bool write;              /* device-writable */
};

struct vq_chain {
    uint16_t head;
    unsigned n;
    struct vq_buf buf[VQ_MAX_BUFS];
};

enum vq_result {
    VQ_EMPTY = 0,            /* nothing available */
    VQ_CHAIN,                /* *chain filled; give it back with vq_push */
    VQ_WAIT,                 /* a ring page is not present: retry later */
    VQ_BAD,                  /* the driver broke the queue: `why` says how */
};

/* A queue of at most `max` entries (a power of two, <= 32768), not ready. */
void vq_init(struct virtqueue *q, uint16_t max);
/* Back to the reset state (ready 0, sizes and addresses cleared). */
void vq_reset(struct virtqueue *q);
/* QueueReady = 1: checks the size and the rings' alignment and that no ring
 * wraps the address space; false with `why` (the queue stays not ready). */
bool vq_enable(struct virtqueue *q, const char **why);

/* The next available chain, without consuming it: the caller hands it back
 * with vq_push once done (the driver ring advances only then). */
enum vq_result vq_peek(struct virtqueue *q, const struct vq_mem *m, struct vq_chain *chain,
                       const char **why);
/* Chain `head` is done, `written` bytes were written into it: the device
 * ring entry and idx are published and the driver ring advances. */
enum vq_result vq_push(struct virtqueue *q, const struct vq_mem *m, uint16_t head,
                       uint32_t written, const char **why);
/* The driver wants an interrupt for used buffers (its NO_INTERRUPT flag is
 * clear, or the ring cannot be read: better one interrupt too many). */
bool vq_wants_interrupt(const struct virtqueue *q, const struct vq_mem *m);

#endif
