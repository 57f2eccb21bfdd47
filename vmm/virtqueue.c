/* The device side of a split virtqueue: see virtqueue.h. Ring layout
 * (virtio 1.2, 2.7):
 *   descriptor table  num x { le64 addr; le32 len; le16 flags; le16 next }
 *   driver ring       le16 flags; le16 idx; le16 ring[num]; (le16 used_event)
 *   device ring       le16 flags; le16 idx; { le32 id; le32 len } ring[num]
 * Indices are free-running 16-bit counters; entries are taken modulo num. */
#include "vmm/virtqueue.h"
#include "lib/le.h"

#define DESC_SIZE 16
#define USED_ELEM_SIZE 8

void vq_init(struct virtqueue *q, uint16_t max)
{
    q->max = max;
    vq_reset(q);
}

void vq_reset(struct virtqueue *q)
{
    uint16_t max = q->max;
    *q = (struct virtqueue){ .max = max };
}

/* [at, at + len) does not wrap the 64-bit guest-physical space. */
static bool fits(uint64_t at, uint64_t len)
{
    return at + len >= at;
}

bool vq_enable(struct virtqueue *q, const char **why)
{
    uint64_t n = q->num;
    if (n == 0 || n > q->max || (n & (n - 1))) {
        *why = "queue size is not a power of two up to QueueNumMax";
        return false;
    }
    if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
        *why = "queue ring address is misaligned";
        return false;
    }
    if (!fits(q->desc, n * DESC_SIZE) || !fits(q->avail, 6 + 2 * n) ||
        !fits(q->used, 6 + USED_ELEM_SIZE * n)) {
        *why = "queue ring wraps the address space";
        return false;
    }
    q->ready = true;
    q->last_avail = 0;
    q->used_idx = 0;
    return true;
}

static enum vq_result mem_fail(enum vq_mem_result r, const char **why, const char *what)
{
    if (r == VQM_WAIT)
        return VQ_WAIT;
    *why = what;
    return VQ_BAD;
}

static enum vq_mem_result read16(const struct vq_mem *m, uint64_t gpa, uint16_t *v)
{
    uint8_t b[2];
    enum vq_mem_result r = m->read(m->ctx, gpa, b, 2);
    *v = r == VQM_OK ? (uint16_t)le_get(b, 2) : 0;
    return r;
}

enum vq_result vq_peek(struct virtqueue *q, const struct vq_mem *m, struct vq_chain *chain,
                       const char **why)
{
    if (!q->ready)
        return VQ_EMPTY;
    uint16_t idx;
    enum vq_mem_result r = read16(m, q->avail + 2, &idx);
    if (r != VQM_OK)
        return mem_fail(r, why, "driver ring is not in RAM");
    uint16_t pending = (uint16_t)(idx - q->last_avail);
    if (pending == 0)
        return VQ_EMPTY;
    if (pending > q->num) {
        *why = "driver ring index ran more than a queue size ahead";
        return VQ_BAD;
    }
    /* Read the entry only after the index (2.7.13.1: the driver writes the
     * entry first); on x86 loads are not reordered with older loads. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint16_t head;
    r = read16(m, q->avail + 4 + 2ULL * (q->last_avail & (q->num - 1)), &head);
    if (r != VQM_OK)
        return mem_fail(r, why, "driver ring is not in RAM");
    if (head >= q->num) {
        *why = "descriptor index out of range";
        return VQ_BAD;
    }
    chain->head = head;
    chain->n = 0;
    uint16_t d = head;
    /* At most num descriptors: a chain that goes on is a loop. */
    for (unsigned walked = 0;; walked++) {
        if (walked >= q->num) {
            *why = "descriptor chain loops";
            return VQ_BAD;
        }
        uint8_t raw[DESC_SIZE];
        r = m->read(m->ctx, q->desc + (uint64_t)d * DESC_SIZE, raw, DESC_SIZE);
        if (r != VQM_OK)
            return mem_fail(r, why, "descriptor table is not in RAM");
        uint64_t addr = le_get(raw, 8);
        uint32_t len = (uint32_t)le_get(raw + 8, 4);
        uint16_t flags = (uint16_t)le_get(raw + 12, 2);
        uint16_t next = (uint16_t)le_get(raw + 14, 2);
        if (flags & VQ_DESC_F_INDIRECT) {
            *why = "indirect descriptor (not negotiated)";
            return VQ_BAD;
        }
        if (!fits(addr, len)) {
            *why = "buffer wraps the address space";
            return VQ_BAD;
        }
        if (chain->n >= VQ_MAX_BUFS) {
            *why = "descriptor chain longer than the device takes";
            return VQ_BAD;
        }
        chain->buf[chain->n++] = (struct vq_buf){ addr, len, (flags & VQ_DESC_F_WRITE) != 0 };
        if (!(flags & VQ_DESC_F_NEXT))
            return VQ_CHAIN;
        if (next >= q->num) {
            *why = "descriptor index out of range";
            return VQ_BAD;
        }
        d = next;
    }
}

enum vq_result vq_push(struct virtqueue *q, const struct vq_mem *m, uint16_t head,
                       uint32_t written, const char **why)
{
    if (!q->ready)
        return VQ_EMPTY;
    uint8_t elem[USED_ELEM_SIZE];
    le_put(elem, head, 4);
    le_put(elem + 4, written, 4);
    uint64_t at = q->used + 4 + (uint64_t)USED_ELEM_SIZE * (q->used_idx & (q->num - 1));
    enum vq_mem_result r = m->write(m->ctx, at, elem, sizeof elem);
    if (r != VQM_OK)
        return mem_fail(r, why, "device ring is not in RAM");
    /* The entry before the index that publishes it (2.7.8). */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    uint8_t idx[2];
    le_put(idx, (uint16_t)(q->used_idx + 1), 2);
    r = m->write(m->ctx, q->used + 2, idx, 2);
    if (r != VQM_OK)
        return mem_fail(r, why, "device ring is not in RAM");
    q->used_idx++;
    q->last_avail++;
    return VQ_CHAIN;
}

bool vq_wants_interrupt(const struct virtqueue *q, const struct vq_mem *m)
{
    uint16_t flags;
    if (!q->ready || read16(m, q->avail, &flags) != VQM_OK)
        return true;
    return !(flags & VQ_AVAIL_F_NO_INTERRUPT);
}
