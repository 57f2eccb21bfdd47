/* The virtio-mmio version 2 register file: see dev_virtio_mmio.h. */
#include "vmm/dev_virtio_mmio.h"

static void update_line(struct virtio_mmio *t)
{
    bool level = t->int_status != 0;
    if (level != t->line) {
        t->line = level;
        dev_irq_set(&t->irq, t->irq_line, level);
    }
}

static void int_raise(struct virtio_mmio *t, uint32_t bits)
{
    t->int_status |= bits;
    update_line(t);
}

static uint64_t offered(const struct virtio_mmio *t)
{
    return t->dev->features | VIRTIO_F_VERSION_1;
}

static void reset(struct virtio_mmio *t)
{
    t->status = 0;
    t->dev_feat_sel = t->drv_feat_sel = t->queue_sel = 0;
    t->driver_features = 0;
    t->int_status = 0;
    t->failed = NULL;
    t->wait = false;
    for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
        vq_reset(&t->q[i]);
    update_line(t);
    if (t->dev->reset)
        t->dev->reset(t->dev->ctx);
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev *dev,
                      const struct vq_mem *mem, struct dev_irq irq, unsigned irq_line)
{
    *t = (struct virtio_mmio){ .dev = dev, .mem = *mem, .irq = irq, .irq_line = irq_line };
    for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
        vq_init(&t->q[i], i < dev->nqueues ? dev->queue_max : 0);
    reset(t);
    t->resets = 0;
}

bool virtio_mmio_live(const struct virtio_mmio *t)
{
    return (t->status & VIRTIO_S_DRIVER_OK) && !t->failed;
}

void virtio_mmio_fail(struct virtio_mmio *t, const char *why)
{
    if (t->failed)
        return;
    t->failed = why;
    t->status |= VIRTIO_S_NEEDS_RESET;
    /* 2.1.2: with DRIVER_OK set, the driver learns of it by a
     * configuration-change notification. */
    if (t->status & VIRTIO_S_DRIVER_OK)
        int_raise(t, VIRTIO_INT_CONFIG);
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
    t->config_gen++;
    if (t->status & VIRTIO_S_DRIVER_OK)
        int_raise(t, VIRTIO_INT_CONFIG);
}

static struct virtqueue *selected(struct virtio_mmio *t)
{
    return t->queue_sel < t->dev->nqueues ? &t->q[t->queue_sel] : NULL;
}

uint32_t virtio_mmio_read(struct virtio_mmio *t, uint32_t off, unsigned size)
{
    if (off >= VIRTIO_MMIO_CONFIG) {
        uint32_t c = off - VIRTIO_MMIO_CONFIG;
        if ((size != 1 && size != 2 && size != 4) || c >= t->dev->config_size ||
            size > t->dev->config_size - c || !t->dev->config_read) {
            t->bad_accesses++;
            return 0;
        }
        return t->dev->config_read(t->dev->ctx, c, size);
    }
    if (size != 4 || (off & 3)) {
        t->bad_accesses++;
        return 0;
    }
    struct virtqueue *q = selected(t);
    switch (off) {
    case VMMIO_MAGIC: return VIRTIO_MMIO_MAGIC;
    case VMMIO_VERSION: return VIRTIO_MMIO_VERSION;
    case VMMIO_DEVICE_ID: return t->dev->device_id;
    case VMMIO_VENDOR_ID: return VIRTIO_MMIO_VENDOR;
    case VMMIO_DEV_FEAT:
        return t->dev_feat_sel < 2 ? (uint32_t)(offered(t) >> (32 * t->dev_feat_sel)) : 0;
    case VMMIO_QUEUE_NUM_MAX: return q ? q->max : 0;
    case VMMIO_QUEUE_READY: return q ? q->ready : 0;
    case VMMIO_INT_STATUS: return t->int_status;
    case VMMIO_STATUS: return t->status;
    case VMMIO_SHM_LEN_LO: case VMMIO_SHM_LEN_HI: return 0xffffffffu;
    case VMMIO_CONFIG_GEN: return t->config_gen;
    default: return 0;   /* write-only or reserved */
    }
}

/* FEATURES_OK is kept only for a subset of what was offered that includes
 * VERSION_1 (2.2.2: the device does not accept it otherwise). */
static bool features_acceptable(const struct virtio_mmio *t)
{
    return !(t->driver_features & ~offered(t)) && (t->driver_features & VIRTIO_F_VERSION_1);
}

static void run_queue(struct virtio_mmio *t, unsigned n)
{
    if (n < t->dev->nqueues && t->q[n].ready && virtio_mmio_live(t) && t->dev->notify)
        t->dev->notify(t->dev->ctx, t, n);
}

static void write_status(struct virtio_mmio *t, uint32_t val)
{
    if (val == 0) {
        t->resets++;
        reset(t);
        return;
    }
    uint32_t was = t->status;
    /* The driver only sets bits (2.1.1); NEEDS_RESET is the device's. */
    val = (val & 0xff & ~VIRTIO_S_NEEDS_RESET) | (was & VIRTIO_S_NEEDS_RESET);
    if ((val & VIRTIO_S_FEATURES_OK) && !(was & VIRTIO_S_FEATURES_OK) &&
        !features_acceptable(t))
        val &= ~VIRTIO_S_FEATURES_OK;
    /* DRIVER_OK without FEATURES_OK: the device cannot work that way. */
    if ((val & VIRTIO_S_DRIVER_OK) && !(val & VIRTIO_S_FEATURES_OK))
        val &= ~VIRTIO_S_DRIVER_OK;
    t->status = val;
    if ((val & VIRTIO_S_DRIVER_OK) && !(was & VIRTIO_S_DRIVER_OK) && t->dev->driver_ok)
        t->dev->driver_ok(t->dev->ctx);
    /* Buffers made available before DRIVER_OK are taken now (a device
     * consumes none before it, 2.1.2). On every write with DRIVER_OK, not
     * only the first: a write retried after a ring page came back
     * (t->wait) must finish the job. */
    for (unsigned i = 0; (val & VIRTIO_S_DRIVER_OK) && i < t->dev->nqueues && !t->wait; i++)
        run_queue(t, i);
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
    if (high)
        *v = (*v & 0xffffffffULL) | ((uint64_t)val << 32);
    else
        *v = (*v & ~0xffffffffULL) | val;
}

static void write_queue_reg(struct virtio_mmio *t, uint32_t off, uint32_t val)
{
    struct virtqueue *q = selected(t);
    if (!q || (q->ready && off != VMMIO_QUEUE_READY)) {
        t->bad_accesses++;   /* no such queue, or changed while in use */
        return;
    }
    const char *why = NULL;
    switch (off) {
    case VMMIO_QUEUE_NUM: q->num = val > 0xffff ? 0 : (uint16_t)val; break;
    case VMMIO_QUEUE_DESC_LO: case VMMIO_QUEUE_DESC_HI:
        set_half(&q->desc, off == VMMIO_QUEUE_DESC_HI, val);
        break;
    case VMMIO_QUEUE_DRIVER_LO: case VMMIO_QUEUE_DRIVER_HI:
        set_half(&q->avail, off == VMMIO_QUEUE_DRIVER_HI, val);
        break;
    case VMMIO_QUEUE_DEVICE_LO: case VMMIO_QUEUE_DEVICE_HI:
        set_half(&q->used, off == VMMIO_QUEUE_DEVICE_HI, val);
        break;
    case VMMIO_QUEUE_READY:
        if (!val)
            q->ready = false;
        else if (!q->ready && !vq_enable(q, &why))
            virtio_mmio_fail(t, why);
        break;
    }
}

void virtio_mmio_write(struct virtio_mmio *t, uint32_t off, unsigned size, uint32_t val)
{
    t->wait = false;
    if (off >= VIRTIO_MMIO_CONFIG) {
        uint32_t c = off - VIRTIO_MMIO_CONFIG;
        if ((size != 1 && size != 2 && size != 4) || c >= t->dev->config_size ||
            size > t->dev->config_size - c || !t->dev->config_write) {
            t->bad_accesses++;
            return;
        }
        t->dev->config_write(t->dev->ctx, c, size, val);
        return;
    }
    if (size != 4 || (off & 3)) {
        t->bad_accesses++;
        return;
    }
    switch (off) {
    case VMMIO_DEV_FEAT_SEL: t->dev_feat_sel = val; break;
    case VMMIO_DRV_FEAT_SEL: t->drv_feat_sel = val; break;
    case VMMIO_DRV_FEAT:
        /* Only while negotiating: after FEATURES_OK the set is fixed. */
        if (t->drv_feat_sel < 2 && !(t->status & VIRTIO_S_FEATURES_OK))
            set_half(&t->driver_features, t->drv_feat_sel == 1, val);
        else
            t->bad_accesses++;
        break;
    case VMMIO_QUEUE_SEL: t->queue_sel = val; break;
    case VMMIO_QUEUE_NUM: case VMMIO_QUEUE_READY:
    case VMMIO_QUEUE_DESC_LO: case VMMIO_QUEUE_DESC_HI:
    case VMMIO_QUEUE_DRIVER_LO: case VMMIO_QUEUE_DRIVER_HI:
    case VMMIO_QUEUE_DEVICE_LO: case VMMIO_QUEUE_DEVICE_HI:
        write_queue_reg(t, off, val);
        break;
    case VMMIO_QUEUE_NOTIFY:
        t->notifies++;
        run_queue(t, val);
        break;
    case VMMIO_INT_ACK:
        t->int_status &= ~val;
        update_line(t);
        break;
    case VMMIO_STATUS: write_status(t, val); break;
    default: t->bad_accesses++; break;   /* read-only or reserved */
    }
}

enum vq_result virtio_mmio_peek(struct virtio_mmio *t, unsigned queue, struct vq_chain *c)
{
    if (queue >= t->dev->nqueues || !virtio_mmio_live(t))
        return VQ_EMPTY;
    const char *why = NULL;
    enum vq_result r = vq_peek(&t->q[queue], &t->mem, c, &why);
    if (r == VQ_BAD)
        virtio_mmio_fail(t, why);
    else if (r == VQ_WAIT)
        t->wait = true;
    return r;
}

bool virtio_mmio_push(struct virtio_mmio *t, unsigned queue, uint16_t head, uint32_t written)
{
    if (queue >= t->dev->nqueues || !virtio_mmio_live(t))
        return false;
    struct virtqueue *q = &t->q[queue];
    const char *why = NULL;
    enum vq_result r = vq_push(q, &t->mem, head, written, &why);
    if (r == VQ_BAD) {
        virtio_mmio_fail(t, why);
        return false;
    }
    if (r == VQ_WAIT) {
        t->wait = true;
        return false;
    }
    if (vq_wants_interrupt(q, &t->mem))
        int_raise(t, VIRTIO_INT_USED);
    return true;
}
