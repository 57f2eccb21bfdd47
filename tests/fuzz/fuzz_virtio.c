/* libFuzzer target for the virtio balloon behind its MMIO transport
 * (vmm/dev_virtio_mmio.c, vmm/dev_virtio_balloon.c, vmm/virtqueue.c). The
 * input is a program: register reads and writes of any offset and width,
 * pokes into an 8 KiB guest RAM that holds the rings and page lists, new
 * balloon targets, pages that turn "on their way back" (VQM_WAIT), and a
 * macro that brings the driver up as Linux does (so the fuzzer reaches the
 * queues quickly). Checked: no crash, no undefined behaviour, no access
 * outside the RAM; the interrupt line always equals "InterruptStatus is not
 * 0"; the host's count of held pages is inflated minus deflated; a device in
 * NEEDS_RESET moves no page until a reset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/dev_virtio_balloon.h"

#define RAM 0x2000u
#define PAGES 64          /* PFNs the host calls RAM: 0..63 */

static uint8_t ram[RAM];
static int wait_page = -1;
static bool held[PAGES];
static uint64_t nheld;
static bool line;
static struct virtio_balloon b;
static struct virtio_mmio t;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static enum vq_mem_result span(uint64_t gpa, size_t len)
{
    if (gpa >= RAM || len > RAM - gpa)
        return VQM_BAD;
    if (wait_page >= 0 && (gpa >> 12) <= (uint64_t)wait_page &&
        ((gpa + len - 1) >> 12) >= (uint64_t)wait_page)
        return VQM_WAIT;
    return VQM_OK;
}

static enum vq_mem_result rd(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    enum vq_mem_result r = span(gpa, len);
    if (r == VQM_OK)
        memcpy(buf, ram + gpa, len);
    return r;
}

static enum vq_mem_result wr(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    (void)ctx;
    enum vq_mem_result r = span(gpa, len);
    if (r == VQM_OK)
        memcpy(ram + gpa, buf, len);
    return r;
}

static enum balloon_page inflate(void *ctx, uint32_t pfn)
{
    (void)ctx;
    check(!t.failed);
    if (pfn >= PAGES)
        return BP_BAD;
    if (held[pfn])
        return BP_AGAIN;
    held[pfn] = true;
    nheld++;
    return BP_OK;
}

static enum balloon_page deflate(void *ctx, uint32_t pfn)
{
    (void)ctx;
    check(!t.failed);
    if (pfn >= PAGES)
        return BP_BAD;
    if (!held[pfn])
        return BP_AGAIN;
    held[pfn] = false;
    nheld--;
    return BP_OK;
}

static void irq(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    check(l == 16 && level != line);
    line = level;
}

static void w32(uint32_t off, uint32_t v) { virtio_mmio_write(&t, off, 4, v); }

/* Linux's probe: two 8-entry queues at 0x0000 and 0x1000 (desc, +0x400
 * driver ring, +0x800 device ring). */
static void bring_up(void)
{
    w32(VMMIO_STATUS, 0);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
    w32(VMMIO_DRV_FEAT_SEL, 1);
    w32(VMMIO_DRV_FEAT, 1);
    w32(VMMIO_DRV_FEAT_SEL, 0);
    w32(VMMIO_DRV_FEAT, 0);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
    for (uint32_t q = 0; q < 2; q++) {
        w32(VMMIO_QUEUE_SEL, q);
        w32(VMMIO_QUEUE_NUM, 8);
        w32(VMMIO_QUEUE_DESC_LO, q * 0x1000);
        w32(VMMIO_QUEUE_DRIVER_LO, q * 0x1000 + 0x400);
        w32(VMMIO_QUEUE_DEVICE_LO, q * 0x1000 + 0x800);
        w32(VMMIO_QUEUE_READY, 1);
    }
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK |
                          VIRTIO_S_DRIVER_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(ram, 0, sizeof ram);
    memset(held, 0, sizeof held);
    nheld = 0;
    wait_page = -1;
    line = false;
    struct balloon_host h = { inflate, deflate, NULL };
    virtio_balloon_init(&b, &h);
    struct vq_mem m = { rd, wr, NULL };
    virtio_mmio_init(&t, &b.dev, &m, (struct dev_irq){ irq, NULL }, 16);
    static const unsigned widths[4] = { 1, 2, 4, 8 };
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        uint32_t v = 0;
        for (unsigned k = 0; k < 4 && i < size; k++)
            v |= (uint32_t)data[i++] << (8 * k);
        uint32_t off = (op >> 3) * 4 + (v >> 24 & 3);   /* any offset, often aligned */
        switch (op & 7) {
        case 0:
            virtio_mmio_write(&t, (v >> 16) & 0x1ff, widths[op >> 6], v & 0xffff);
            break;
        case 1:
            (void)virtio_mmio_read(&t, (off * 4) & 0x1ff, widths[(v >> 30) & 3]);
            break;
        case 2:
            /* Register writes at aligned offsets with a full value. */
            virtio_mmio_write(&t, ((uint32_t)op >> 3) * 4 * 4 & 0x1fc, 4,
                              v & 0xfffff ? v : v >> 20);
            break;
        case 3: {
            uint32_t at = (v & 0x1fff) & ~3u;
            uint32_t val = v >> 13;
            memcpy(ram + at, &val, 4);
            break;
        }
        case 4:
            virtio_balloon_set_target(&b, &t, v);
            break;
        case 5:
            wait_page = (v & 3) == 3 ? -1 : (int)(v & 1);
            break;
        case 6:
            bring_up();
            break;
        case 7:
            w32(VMMIO_QUEUE_NOTIFY, v & 3);
            break;
        }
        check(line == (t.int_status != 0));
        check(b.inflated - b.deflated == nheld);
    }
    return 0;
}
