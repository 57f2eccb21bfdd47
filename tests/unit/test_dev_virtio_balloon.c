/* vmm/dev_virtio_mmio.c and vmm/dev_virtio_balloon.c: a driver doing what
 * Linux's virtio_mmio and virtio_balloon do (reset, ACKNOWLEDGE, DRIVER,
 * features with VERSION_1, FEATURES_OK, two queues, DRIVER_OK), then a
 * target, inflate and deflate lists, the interrupt line, `actual`; and the
 * hostile side: features not offered, bad PFNs (skipped and counted), a
 * broken queue (NEEDS_RESET with a config interrupt, cleared by a reset),
 * odd access widths, a list longer than the device takes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev_virtio_balloon.h"

#define RAM 0x20000u
static uint8_t ram[RAM];
static int wait_page = -1;   /* reads of this page say "on its way back" */

static enum vq_mem_result rd(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    if (gpa >= RAM || len > RAM - gpa)
        return VQM_BAD;
    if (wait_page >= 0 && (int)(gpa >> 12) == wait_page)
        return VQM_WAIT;
    memcpy(buf, ram + gpa, len);
    return VQM_OK;
}

static enum vq_mem_result wr(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    (void)ctx;
    if (gpa >= RAM || len > RAM - gpa)
        return VQM_BAD;
    memcpy(ram + gpa, buf, len);
    return VQM_OK;
}

/* The host: pages 16..(RAM/4096 - 1) are RAM it can give; a bitmap of what
 * the balloon holds. */
static bool held[64];
static unsigned inflate_calls;

static enum balloon_page h_inflate(void *ctx, uint32_t pfn)
{
    (void)ctx;
    inflate_calls++;
    if (pfn < 16 || pfn >= 64)
        return BP_BAD;
    if (held[pfn])
        return BP_AGAIN;
    held[pfn] = true;
    return BP_OK;
}

static enum balloon_page h_deflate(void *ctx, uint32_t pfn)
{
    (void)ctx;
    if (pfn >= 64)
        return BP_BAD;
    if (!held[pfn])
        return BP_AGAIN;
    held[pfn] = false;
    return BP_OK;
}

static bool line;
static unsigned line_changes;
static void irq_set(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    assert_int_equal(l, 16);
    line = level;
    line_changes++;
}

static struct virtio_balloon b;
static struct virtio_mmio t;

static uint32_t r32(uint32_t off) { return virtio_mmio_read(&t, off, 4); }
static void w32(uint32_t off, uint32_t v) { virtio_mmio_write(&t, off, 4, v); }

#define Q0 0x1000u   /* inflateq: desc 0x1000, avail 0x1800, used 0x2000 */
#define Q1 0x3000u

static void put16(uint32_t at, uint16_t v) { memcpy(ram + at, &v, 2); }
static void put32(uint32_t at, uint32_t v) { memcpy(ram + at, &v, 4); }
static void put64(uint32_t at, uint64_t v) { memcpy(ram + at, &v, 8); }
static uint16_t get16(uint32_t at) { uint16_t v; memcpy(&v, ram + at, 2); return v; }

static void setup_queue(unsigned n, uint32_t base)
{
    w32(VMMIO_QUEUE_SEL, n);
    assert_int_equal(r32(VMMIO_QUEUE_NUM_MAX), BALLOON_QUEUE_MAX);
    assert_int_equal(r32(VMMIO_QUEUE_READY), 0);
    w32(VMMIO_QUEUE_NUM, 8);
    w32(VMMIO_QUEUE_DESC_LO, base);
    w32(VMMIO_QUEUE_DESC_HI, 0);
    w32(VMMIO_QUEUE_DRIVER_LO, base + 0x800);
    w32(VMMIO_QUEUE_DRIVER_HI, 0);
    w32(VMMIO_QUEUE_DEVICE_LO, base + 0x1000);
    w32(VMMIO_QUEUE_DEVICE_HI, 0);
    w32(VMMIO_QUEUE_READY, 1);
    assert_int_equal(r32(VMMIO_QUEUE_READY), 1);
}

/* Linux's probe, up to DRIVER_OK. */
static void bring_up(void)
{
    memset(ram, 0, sizeof ram);
    memset(held, 0, sizeof held);
    wait_page = -1;
    inflate_calls = 0;
    line = false;
    line_changes = 0;
    struct balloon_host h = { h_inflate, h_deflate, NULL };
    virtio_balloon_init(&b, &h);
    struct vq_mem m = { rd, wr, NULL };
    virtio_mmio_init(&t, &b.dev, &m, (struct dev_irq){ irq_set, NULL }, 16);
    assert_int_equal(r32(VMMIO_MAGIC), VIRTIO_MMIO_MAGIC);
    assert_int_equal(r32(VMMIO_VERSION), 2);
    assert_int_equal(r32(VMMIO_DEVICE_ID), VIRTIO_ID_BALLOON);
    w32(VMMIO_STATUS, 0);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
    w32(VMMIO_DEV_FEAT_SEL, 1);
    uint64_t f = (uint64_t)r32(VMMIO_DEV_FEAT) << 32;
    w32(VMMIO_DEV_FEAT_SEL, 0);
    f |= r32(VMMIO_DEV_FEAT);
    assert_true(f & VIRTIO_F_VERSION_1);
    assert_false(f & VIRTIO_BALLOON_F_DEFLATE_ON_OOM);   /* MemTotal must move */
    assert_false(f & VIRTIO_BALLOON_F_MUST_TELL_HOST);
    w32(VMMIO_DRV_FEAT_SEL, 1);
    w32(VMMIO_DRV_FEAT, (uint32_t)(f >> 32));
    w32(VMMIO_DRV_FEAT_SEL, 0);
    w32(VMMIO_DRV_FEAT, (uint32_t)f);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
    assert_true(r32(VMMIO_STATUS) & VIRTIO_S_FEATURES_OK);
    setup_queue(0, Q0);
    setup_queue(1, Q1);
    w32(VMMIO_QUEUE_SEL, 2);
    assert_int_equal(r32(VMMIO_QUEUE_NUM_MAX), 0);   /* no statistics queue */
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK |
                          VIRTIO_S_DRIVER_OK);
    assert_true(b.driver_ok);
    assert_true(virtio_mmio_live(&t));
}

/* A PFN list at `list` as descriptor `d` of queue `base`, made available. */
static void send(uint32_t base, unsigned d, uint32_t list, const uint32_t *pfns, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put32(list + 4 * i, pfns[i]);
    put64(base + 16 * d, list);
    put32(base + 16 * d + 8, 4 * n);
    put16(base + 16 * d + 12, 0);
    uint16_t idx = get16(base + 0x800 + 2);
    put16(base + 0x800 + 4 + 2 * (idx & 7), (uint16_t)d);
    put16(base + 0x800 + 2, (uint16_t)(idx + 1));
}

static void test_target_inflate_deflate(void **state)
{
    (void)state;
    bring_up();
    assert_int_equal(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG, 4), 0);
    uint32_t gen = r32(VMMIO_CONFIG_GEN);
    virtio_balloon_set_target(&b, &t, 5);
    assert_int_not_equal(r32(VMMIO_CONFIG_GEN), gen);
    assert_true(line);
    assert_int_equal(r32(VMMIO_INT_STATUS), VIRTIO_INT_CONFIG);
    w32(VMMIO_INT_ACK, VIRTIO_INT_CONFIG);
    assert_false(line);
    assert_int_equal(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG, 4), 5);
    /* The same target again: no interrupt. */
    virtio_balloon_set_target(&b, &t, 5);
    assert_false(line);

    /* Five good pages, one repeated, two bad (below RAM we give, beyond). */
    uint32_t pfns[] = { 20, 21, 22, 23, 24, 20, 3, 0xfffffff0u };
    send(Q0, 0, 0x8000, pfns, 8);
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(b.inflated, 5);
    assert_int_equal(b.repeats, 1);
    assert_int_equal(b.bad_pfns, 2);
    assert_true(held[20] && held[24]);
    assert_int_equal(get16(Q0 + 0x1000 + 2), 1);   /* used idx */
    assert_true(line);
    assert_int_equal(r32(VMMIO_INT_STATUS), VIRTIO_INT_USED);
    w32(VMMIO_INT_ACK, VIRTIO_INT_USED);
    assert_false(line);
    /* The driver writes actual; num_pages is not its to write. */
    virtio_mmio_write(&t, VIRTIO_MMIO_CONFIG + 4, 4, 5);
    virtio_mmio_write(&t, VIRTIO_MMIO_CONFIG, 4, 999);
    assert_int_equal(b.actual, 5);
    assert_int_equal(b.num_pages, 5);
    virtio_mmio_write(&t, VIRTIO_MMIO_CONFIG + 5, 1, 1);
    assert_int_equal(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 4, 4), 0x105);
    assert_int_equal(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 4, 2), 0x105);
    /* Beyond the 8 bytes of configuration: nothing. */
    assert_int_equal(virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 6, 4), 0);

    /* Deflate two of them. */
    uint32_t back[] = { 20, 21 };
    send(Q1, 0, 0x9000, back, 2);
    w32(VMMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(b.deflated, 2);
    assert_false(held[20]);
    assert_true(held[22]);
}

/* A page list on a page that must come back first: the notify asks for a
 * retry (t.wait) and publishes nothing; the retried notify finishes. */
static void test_wait_then_retry(void **state)
{
    (void)state;
    bring_up();
    uint32_t pfns[] = { 40, 41 };
    send(Q0, 0, 0x8000, pfns, 2);
    wait_page = 0x8;
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_true(t.wait);
    assert_int_equal(b.inflated, 0);
    assert_int_equal(get16(Q0 + 0x1000 + 2), 0);
    assert_false(line);
    wait_page = -1;
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_false(t.wait);
    assert_int_equal(b.inflated, 2);
    assert_int_equal(get16(Q0 + 0x1000 + 2), 1);
    assert_true(line);
    assert_null(t.failed);
}

static void test_features_refused(void **state)
{
    (void)state;
    bring_up();
    /* Without VERSION_1. */
    w32(VMMIO_STATUS, 0);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
    w32(VMMIO_DRV_FEAT_SEL, 0);
    w32(VMMIO_DRV_FEAT, 0);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
    assert_false(r32(VMMIO_STATUS) & VIRTIO_S_FEATURES_OK);
    /* A feature not offered (MUST_TELL_HOST). */
    w32(VMMIO_STATUS, 0);
    w32(VMMIO_DRV_FEAT_SEL, 1);
    w32(VMMIO_DRV_FEAT, 1);
    w32(VMMIO_DRV_FEAT_SEL, 0);
    w32(VMMIO_DRV_FEAT, 1);
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
    assert_false(r32(VMMIO_STATUS) & VIRTIO_S_FEATURES_OK);
    /* DRIVER_OK without FEATURES_OK does not take. */
    w32(VMMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_DRIVER_OK);
    assert_false(virtio_mmio_live(&t));
    assert_false(b.driver_ok);
}

static void test_broken_queue_needs_reset(void **state)
{
    (void)state;
    bring_up();
    /* The driver ring index jumps by more than the queue size. */
    put16(Q0 + 0x800 + 2, 100);
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_true(r32(VMMIO_STATUS) & VIRTIO_S_NEEDS_RESET);
    assert_non_null(t.failed);
    assert_true(r32(VMMIO_INT_STATUS) & VIRTIO_INT_CONFIG);
    assert_true(line);
    /* Stopped: further notifies do nothing. */
    uint32_t pfns[] = { 30 };
    put16(Q0 + 0x800 + 2, 0);
    send(Q0, 0, 0x8000, pfns, 1);
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(b.inflated, 0);
    /* A reset brings it back, and the driver can start over. */
    w32(VMMIO_STATUS, 0);
    assert_int_equal(r32(VMMIO_STATUS), 0);
    assert_null(t.failed);
    assert_false(line);
    assert_int_equal(r32(VMMIO_QUEUE_READY), 0);

    /* A bad queue size at QueueReady breaks the device too. */
    bring_up();
    w32(VMMIO_STATUS, 0);
    w32(VMMIO_QUEUE_SEL, 0);
    w32(VMMIO_QUEUE_NUM, 3);
    w32(VMMIO_QUEUE_READY, 1);
    assert_int_equal(r32(VMMIO_QUEUE_READY), 0);
    assert_true(r32(VMMIO_STATUS) & VIRTIO_S_NEEDS_RESET);

    /* A list buffer outside RAM. */
    bring_up();
    put64(Q0, RAM + 0x1000);
    put32(Q0 + 8, 16);
    put16(Q0 + 0x800 + 4, 0);
    put16(Q0 + 0x800 + 2, 1);
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_true(r32(VMMIO_STATUS) & VIRTIO_S_NEEDS_RESET);

    /* A list longer than the device takes. */
    bring_up();
    put64(Q0, 0x8000);
    put32(Q0 + 8, 4 * (BALLOON_MAX_PFNS + 1));
    put16(Q0 + 0x800 + 4, 0);
    put16(Q0 + 0x800 + 2, 1);
    w32(VMMIO_QUEUE_NOTIFY, 0);
    assert_true(r32(VMMIO_STATUS) & VIRTIO_S_NEEDS_RESET);
    assert_int_equal(inflate_calls, 0);
}

static void test_odd_accesses(void **state)
{
    (void)state;
    bring_up();
    uint64_t bad = t.bad_accesses;
    assert_int_equal(virtio_mmio_read(&t, VMMIO_MAGIC, 2), 0);
    assert_int_equal(virtio_mmio_read(&t, VMMIO_MAGIC + 1, 4), 0);
    virtio_mmio_write(&t, VMMIO_STATUS, 1, 0);           /* not a reset */
    assert_true(virtio_mmio_live(&t));
    w32(VMMIO_MAGIC, 0);                                   /* read-only */
    assert_int_equal(r32(VMMIO_MAGIC), VIRTIO_MMIO_MAGIC);
    /* Queue registers of a ready queue, and of a queue that does not exist. */
    w32(VMMIO_QUEUE_SEL, 0);
    w32(VMMIO_QUEUE_NUM, 16);
    assert_int_equal(t.q[0].num, 8);
    w32(VMMIO_QUEUE_SEL, 0x12345);
    w32(VMMIO_QUEUE_NUM, 16);
    w32(VMMIO_QUEUE_NOTIFY, 0x12345);
    /* Features after FEATURES_OK are fixed. */
    w32(VMMIO_DRV_FEAT, 0);
    assert_true(t.driver_features & VIRTIO_F_VERSION_1);
    assert_int_equal(r32(VMMIO_SHM_LEN_LO), 0xffffffffu);
    assert_true(t.bad_accesses > bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_inflate_deflate),
        cmocka_unit_test(test_wait_then_retry),
        cmocka_unit_test(test_features_refused),
        cmocka_unit_test(test_broken_queue_needs_reset),
        cmocka_unit_test(test_odd_accesses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
