/*
 * The virtio-mmio transport, version 2 (virtio 1.2, 4.2.2): a pure model of
 * one device's register window, with the device behind it (the balloon,
 * vmm/dev_virtio_balloon.h) reached through `struct virtio_dev`. Registers
 * (offsets in the window; 32-bit aligned accesses only, others read 0 and
 * are dropped; the configuration space at 0x100 takes any width):
 *   0x000 MagicValue "virt"  0x004 Version 2  0x008 DeviceID  0x00c VendorID
 *   0x010 DeviceFeatures (by 0x014 DeviceFeaturesSel: 32-bit halves)
 *   0x020 DriverFeatures (by 0x024 DriverFeaturesSel)
 *   0x030 QueueSel  0x034 QueueNumMax  0x038 QueueNum  0x044 QueueReady
 *   0x050 QueueNotify  0x060 InterruptStatus  0x064 InterruptACK
 *   0x070 Status  0x080/84 QueueDesc  0x090/94 QueueDriver  0x0a0/a4 QueueDevice
 *   0x0ac SHMSel, 0x0b0/b4 SHMLen (no shared memory: all ones)
 *   0x0fc ConfigGeneration  0x100.. device configuration
 *
 * Feature negotiation (2.2): VIRTIO_F_VERSION_1 is always offered (Linux's
 * v2 transport refuses a device without it); FEATURES_OK stays clear when
 * the driver took a feature not offered or left out VERSION_1. Status 0
 * resets the device. Interrupt status bit 0 (used buffer) and bit 1
 * (configuration change) drive one level-triggered line: high while any bit
 * is set, until InterruptACK clears them.
 *
 * Hostile drivers: a queue the driver set up wrong (QueueReady with a bad
 * size or alignment) or broke later (vmm/virtqueue.h) puts the device in
 * DEVICE_NEEDS_RESET (status bit 64, 2.1.2) with a configuration-change
 * interrupt once the driver is up, and keeps the reason (`failed`) for the
 * console: only the device stops, the guest runs on, and a reset (status 0)
 * brings it back. Queue registers are read-only while that queue is ready;
 * writes to a queue QueueSel does not name are dropped.
 */
#ifndef VMM_DEV_VIRTIO_MMIO_H
#define VMM_DEV_VIRTIO_MMIO_H

#include "include/hv/types.h"
#include "vmm/dev_irq.h"
#include "vmm/virtqueue.h"

#define VIRTIO_MMIO_MAGIC   0x74726976u   /* "virt" */
#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_MMIO_VENDOR  0x4d564856u   /* "VHVM": this hypervisor */
#define VIRTIO_MMIO_SIZE    0x200         /* the window: registers and config */
#define VIRTIO_MMIO_CONFIG  0x100
#define VIRTIO_MMIO_MAX_QUEUES 4

/* Registers. */
#define VMMIO_MAGIC        0x000
#define VMMIO_VERSION      0x004
#define VMMIO_DEVICE_ID    0x008
#define VMMIO_VENDOR_ID    0x00c
#define VMMIO_DEV_FEAT     0x010
#define VMMIO_DEV_FEAT_SEL 0x014
#define VMMIO_DRV_FEAT     0x020
#define VMMIO_DRV_FEAT_SEL 0x024
#define VMMIO_QUEUE_SEL    0x030
#define VMMIO_QUEUE_NUM_MAX 0x034
#define VMMIO_QUEUE_NUM    0x038
#define VMMIO_QUEUE_READY  0x044
#define VMMIO_QUEUE_NOTIFY 0x050
#define VMMIO_INT_STATUS   0x060
#define VMMIO_INT_ACK      0x064
#define VMMIO_STATUS       0x070
#define VMMIO_QUEUE_DESC_LO   0x080
#define VMMIO_QUEUE_DESC_HI   0x084
#define VMMIO_QUEUE_DRIVER_LO 0x090
#define VMMIO_QUEUE_DRIVER_HI 0x094
#define VMMIO_QUEUE_DEVICE_LO 0x0a0
#define VMMIO_QUEUE_DEVICE_HI 0x0a4
#define VMMIO_SHM_SEL      0x0ac
#define VMMIO_SHM_LEN_LO   0x0b0
#define VMMIO_SHM_LEN_HI   0x0b4
#define VMMIO_CONFIG_GEN   0x0fc

/* Device status (2.1). */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER      2
#define VIRTIO_S_DRIVER_OK   4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 64
#define VIRTIO_S_FAILED      128

#define VIRTIO_F_VERSION_1 (1ULL << 32)

#define VIRTIO_INT_USED   1u
#define VIRTIO_INT_CONFIG 2u

struct virtio_mmio;

/* The device behind the transport. Callbacks may be NULL. */
struct virtio_dev {
    uint32_t device_id;
    uint64_t features;        /* device-specific features (VERSION_1 is added) */
    unsigned nqueues;         /* <= VIRTIO_MMIO_MAX_QUEUES */
    uint16_t queue_max;       /* QueueNumMax of each, a power of two */
    uint32_t config_size;     /* bytes of configuration space */
    /* `off` + `size` <= config_size (checked by the transport). */
    uint32_t (*config_read)(void *ctx, uint32_t off, unsigned size);
    void (*config_write)(void *ctx, uint32_t off, unsigned size, uint32_t val);
    /* Buffers are available on `queue` (after DRIVER_OK): the device takes
     * them with virtio_mmio_peek / virtio_mmio_push. */
    void (*notify)(void *ctx, struct virtio_mmio *t, unsigned queue);
    void (*reset)(void *ctx);
    void (*driver_ok)(void *ctx);
    void *ctx;
};

struct virtio_mmio {
    const struct virtio_dev *dev;
    struct vq_mem mem;
    struct dev_irq irq;
    unsigned irq_line;
    uint32_t status;
    uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
    uint64_t driver_features;
    uint32_t int_status;
    uint32_t config_gen;
    struct virtqueue q[VIRTIO_MMIO_MAX_QUEUES];
    bool line;                /* the interrupt line as last reported */
    bool wait;                /* a ring page was not present: retry the access */
    const char *failed;       /* why the device needs a reset; NULL: fine */
    uint64_t resets, bad_accesses, notifies;
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev *dev,
                      const struct vq_mem *mem, struct dev_irq irq, unsigned irq_line);
/* `off` within the window, `size` 1, 2 or 4. */
uint32_t virtio_mmio_read(struct virtio_mmio *t, uint32_t off, unsigned size);
/* After a write, t->wait tells the caller a queue's page must come back
 * before the access can complete: it retries the whole access (processing
 * resumes where it stopped; nothing half done is published). */
void virtio_mmio_write(struct virtio_mmio *t, uint32_t off, unsigned size, uint32_t val);

/* For the device: the next chain of `queue` (VQ_BAD has already put the
 * device in NEEDS_RESET; VQ_WAIT set t->wait), and giving one back (a
 * used-buffer interrupt follows unless the driver suppressed it). */
enum vq_result virtio_mmio_peek(struct virtio_mmio *t, unsigned queue, struct vq_chain *c);
bool virtio_mmio_push(struct virtio_mmio *t, unsigned queue, uint16_t head, uint32_t written);
/* The device's configuration changed: ConfigGeneration moves and, once the
 * driver is up, a configuration-change interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);
/* The device found the driver broke something: NEEDS_RESET, reason kept. */
void virtio_mmio_fail(struct virtio_mmio *t, const char *why);
/* DRIVER_OK and not failed. */
bool virtio_mmio_live(const struct virtio_mmio *t);

#endif
