/* The virtio memory balloon: see dev_virtio_balloon.h. */
#include "vmm/dev_virtio_balloon.h"
#include "lib/le.h"

#define CONFIG_SIZE 8   /* num_pages, actual */
#define CHUNK_PFNS 64   /* read from the guest this many at a time */

static uint32_t config_read(void *ctx, uint32_t off, unsigned size)
{
    struct virtio_balloon *b = ctx;
    uint8_t cfg[CONFIG_SIZE];
    le_put(cfg, b->num_pages, 4);
    le_put(cfg + 4, b->actual, 4);
    return (uint32_t)le_get(cfg + off, size);   /* the transport checked the range */
}

static void config_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
    struct virtio_balloon *b = ctx;
    /* Only `actual` is the driver's (5.5.6: num_pages is read-only). */
    for (unsigned i = 0; i < size; i++) {
        uint32_t at = off + i;
        if (at < 4)
            continue;
        unsigned shift = 8 * (at - 4);
        b->actual = (b->actual & ~(0xffu << shift)) | (((val >> (8 * i)) & 0xff) << shift);
    }
    b->actual_writes++;
}

/* One PFN list: every device-readable buffer of the chain, 32-bit entries
 * (a trailing partial entry is ignored). False: the device failed, or a
 * page must come back first (t->wait). */
static bool run_list(struct virtio_balloon *b, struct virtio_mmio *t, const struct vq_chain *c,
                     bool inflate)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < c->n; i++)
        if (!c->buf[i].write)
            total += c->buf[i].len / 4;
    if (total > BALLOON_MAX_PFNS) {
        virtio_mmio_fail(t, "balloon page list longer than the device takes");
        return false;
    }
    for (unsigned i = 0; i < c->n; i++) {
        const struct vq_buf *buf = &c->buf[i];
        if (buf->write)
            continue;
        uint32_t n = buf->len / 4;
        for (uint32_t at = 0; at < n; at += CHUNK_PFNS) {
            uint8_t raw[CHUNK_PFNS * 4];
            uint32_t k = MIN(CHUNK_PFNS, n - at);
            enum vq_mem_result r = t->mem.read(t->mem.ctx, buf->addr + 4ULL * at, raw, 4 * k);
            if (r == VQM_WAIT) {
                t->wait = true;
                return false;
            }
            if (r != VQM_OK) {
                virtio_mmio_fail(t, "balloon page list is not in RAM");
                return false;
            }
            for (uint32_t j = 0; j < k; j++) {
                uint32_t pfn = (uint32_t)le_get(raw + 4 * j, 4);
                enum balloon_page p = inflate ? b->host.inflate(b->host.ctx, pfn)
                                              : b->host.deflate(b->host.ctx, pfn);
                if (p == BP_OK && inflate)
                    b->inflated++;
                else if (p == BP_OK)
                    b->deflated++;
                else if (p == BP_AGAIN)
                    b->repeats++;
                else
                    b->bad_pfns++;
            }
        }
    }
    return true;
}

static void notify(void *ctx, struct virtio_mmio *t, unsigned queue)
{
    struct virtio_balloon *b = ctx;
    if (queue != BALLOON_INFLATEQ && queue != BALLOON_DEFLATEQ)
        return;
    /* At most a queue's worth of chains per notify: the driver cannot keep
     * the host here by refilling the ring as fast as it is emptied. */
    for (unsigned done = 0; done < BALLOON_QUEUE_MAX; done++) {
        struct vq_chain c;
        if (virtio_mmio_peek(t, queue, &c) != VQ_CHAIN)
            return;
        if (!run_list(b, t, &c, queue == BALLOON_INFLATEQ))
            return;
        if (!virtio_mmio_push(t, queue, c.head, 0))
            return;
    }
}

static void dev_reset(void *ctx)
{
    struct virtio_balloon *b = ctx;
    /* The driver is gone (unloaded, or its guest restarted); the pages it
     * gave stay given until the guest touches them. */
    b->actual = 0;
    b->driver_ok = false;
}

static void driver_ok(void *ctx)
{
    struct virtio_balloon *b = ctx;
    b->driver_ok = true;
}

void virtio_balloon_init(struct virtio_balloon *b, const struct balloon_host *host)
{
    *b = (struct virtio_balloon){
        .dev = {
            .device_id = VIRTIO_ID_BALLOON,
            .features = 0,
            .nqueues = 2,
            .queue_max = BALLOON_QUEUE_MAX,
            .config_size = CONFIG_SIZE,
            .config_read = config_read,
            .config_write = config_write,
            .notify = notify,
            .reset = dev_reset,
            .driver_ok = driver_ok,
            .ctx = b,
        },
        .host = *host,
    };
}

void virtio_balloon_set_target(struct virtio_balloon *b, struct virtio_mmio *t, uint32_t pages)
{
    if (pages == b->num_pages)
        return;
    b->num_pages = pages;
    virtio_mmio_config_changed(t);
}
