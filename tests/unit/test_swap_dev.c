/* The swap device layer over a fake block device in host memory: clusters
 * written in one request per run of slots, read back and read-ahead, a write
 * error that marks the device failed (logged once, later writes refused,
 * reads still served), read errors returned with the slot, injected write
 * failures, and the block layer's range checks and splitting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/swap_dev.h"
#include "kernel/log.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"
#include "tests/unit/blk_test_util.h"

#define MACHINE_PAGES 2048
#define DISK_PAGES 64

/* ---- the fake device: DISK_PAGES pages of host memory ------------------- */
static unsigned char disk[DISK_PAGES * 4096];
static int write_calls, read_calls, max_seen;
static int fail_write_at = -1; /* the write call (0-based) that fails */
static int64_t fail_read_page = -1;

static int fake_rw(struct blk_dev *d, enum blk_op op, uint64_t page, const mpn_t *pages,
                   uint32_t n)
{
    assert_true(n >= 1 && n <= d->max_pages);  /* blk_rw split it */
    assert_true(page + n <= DISK_PAGES);       /* blk_rw checked it */
    if ((int)n > max_seen)
        max_seen = (int)n;
    if (op == BLK_WRITE) {
        if (write_calls++ == fail_write_at) {
            strcpy(d->err, "fake: medium error");
            return -1;
        }
        for (uint32_t i = 0; i < n; i++)
            memcpy(disk + (page + i) * 4096, plat_mpn_to_va(pages[i]), 4096);
    } else {
        read_calls++;
        if (fail_read_page >= 0 && (uint64_t)fail_read_page >= page &&
            (uint64_t)fail_read_page < page + n) {
            strcpy(d->err, "fake: unrecovered read error");
            return -1;
        }
        for (uint32_t i = 0; i < n; i++)
            memcpy(plat_mpn_to_va(pages[i]), disk + (page + i) * 4096, 4096);
    }
    return 0;
}

static const struct blk_ops fake_ops = { fake_rw };
static struct blk_dev dev;

static int setup(void **state)
{
    (void)state;
    blk_test_machine(MACHINE_PAGES);
    heap_init();
    memset(&dev, 0, sizeof dev);
    strcpy(dev.name, "fake0");
    dev.sector_size = 512;
    dev.sectors = DISK_PAGES * 8;
    dev.max_pages = 8;
    dev.ops = &fake_ops;
    memset(disk, 0, sizeof disk);
    write_calls = read_calls = max_seen = 0;
    fail_write_at = -1;
    fail_read_page = -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    swap_dev_close();
    blk_test_machine_free();
    return 0;
}

static void open_dev(uint64_t pages)
{
    char why[96];
    assert_true(swap_dev_open(&dev, pages, why, sizeof why));
}

struct log_count {
    const char *needle;
    int count;
};

static void count_line(const char *line, size_t len, void *ctx)
{
    struct log_count *c = ctx;
    char buf[LOG_LINE_MAX + 1];
    size_t k = len < LOG_LINE_MAX ? len : LOG_LINE_MAX;
    memcpy(buf, line, k);
    buf[k] = 0;
    if (strstr(buf, c->needle))
        c->count++;
}

/* Log lines holding `needle`. */
static int log_count(const char *needle)
{
    struct log_count c = { needle, 0 };
    log_for_each(count_line, &c);
    return c.count;
}

static void test_cluster_round_trip_and_readahead(void **state)
{
    (void)state;
    open_dev(0);
    mpn_t out[20], in[20];
    uint64_t slots[20];
    for (int i = 0; i < 20; i++)
        out[i] = blk_test_page(100 + (uint64_t)i);
    assert_int_equal(swap_dev_write_cluster(out, 20, slots), SWAP_OK);
    /* One run of consecutive slots, split only by the device's limit of 8. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(slots[i], (uint64_t)i);
    assert_int_equal(write_calls, 3);
    assert_int_equal(max_seen, 8);
    for (int i = 0; i < 20; i++)
        in[i] = page_alloc_zeroed(OWNER_TEST);
    assert_int_equal(swap_dev_read(slots[7], in[0]), SWAP_OK);
    assert_true(blk_test_page_is(in[0], 107));
    assert_int_equal(swap_dev_read_cluster(slots[4], in, 12), SWAP_OK);
    for (int i = 0; i < 12; i++)
        assert_true(blk_test_page_is(in[i], 104 + (uint64_t)i));
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    assert_string_equal(st.name, "fake0");
    assert_int_equal(st.slots, DISK_PAGES - 1); /* device page 0 is never used */
    assert_true(disk[0] == 0 && !memcmp(disk, disk + 1, 4095));
    assert_int_equal(st.used, 20);
    assert_int_equal(st.pages_out, 20);
    assert_int_equal(st.pages_in, 13);
    assert_int_equal(dev.writes, 20);
    /* Freed slots are reused by the next clusters once the cursor wraps. */
    swap_dev_free(slots, 20);
    swap_dev_get_stats(&st);
    assert_int_equal(st.used, 0);
    /* Reading a free slot is refused: it would hand back stale data. */
    assert_int_equal(swap_dev_read(slots[0], in[0]), SWAP_ERR_ARG);
}

static void test_size_limit_and_full(void **state)
{
    (void)state;
    open_dev(10); /* only 10 of the device's 64 pages */
    mpn_t p[8];
    uint64_t s[8];
    for (int i = 0; i < 8; i++)
        p[i] = blk_test_page((uint64_t)i);
    assert_int_equal(swap_dev_write_cluster(p, 8, s), SWAP_OK);
    assert_int_equal(swap_dev_write_cluster(p, 3, s), SWAP_ERR_FULL);
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    assert_int_equal(st.used, 8); /* nothing of the refused cluster stayed */
    assert_int_equal(st.full, 1);
    assert_int_equal(swap_dev_write_cluster(p, 2, s), SWAP_OK);
    assert_int_equal(s[1], 9);
    assert_int_equal(swap_dev_write_cluster(p, 0, s), SWAP_ERR_ARG);
    assert_int_equal(swap_dev_write_cluster(p, SWAP_CLUSTER_MAX + 1, s), SWAP_ERR_ARG);
}

static void test_fragmented_cluster_uses_several_runs(void **state)
{
    (void)state;
    open_dev(16);
    mpn_t p[16], q = page_alloc_zeroed(OWNER_TEST);
    uint64_t s[16];
    for (int i = 0; i < 16; i++)
        p[i] = blk_test_page(200 + (uint64_t)i);
    assert_int_equal(swap_dev_write_cluster(p, 16, s), SWAP_OK);
    /* Free slots 2-4 and 9-10: five free, in two holes. */
    swap_dev_free(s + 2, 3);
    swap_dev_free(s + 9, 2);
    int calls = write_calls;
    uint64_t t[5];
    assert_int_equal(swap_dev_write_cluster(p, 5, t), SWAP_OK);
    assert_int_equal(write_calls - calls, 2); /* one request per run */
    uint64_t want[5] = { 2, 3, 4, 9, 10 };
    for (int i = 0; i < 5; i++) {
        assert_int_equal(t[i], want[i]);
        assert_int_equal(swap_dev_read(t[i], q), SWAP_OK);
        assert_true(blk_test_page_is(q, 200 + (uint64_t)i));
    }
}

static void test_write_error_marks_failed_once(void **state)
{
    (void)state;
    open_dev(0);
    mpn_t p[12];
    uint64_t s[12], s2[4];
    for (int i = 0; i < 12; i++)
        p[i] = blk_test_page(7 + (uint64_t)i);
    assert_int_equal(swap_dev_write_cluster(p, 4, s2), SWAP_OK);
    fail_write_at = 2; /* the second request of the next 12-page cluster */
    assert_int_equal(swap_dev_write_cluster(p, 12, s), SWAP_ERR_IO);
    assert_false(swap_dev_writable());
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    assert_true(st.failed);
    assert_int_equal(st.used, 4); /* the failed cluster's slots were all given back */
    assert_int_equal(st.write_errors, 1);
    assert_non_null(strstr(swap_dev_last_error(), "fake: medium error"));
    assert_non_null(strstr(swap_dev_last_error(), "slots 4-15 on fake0"));
    /* Later writes are refused without touching the device. */
    int calls = write_calls;
    assert_int_equal(swap_dev_write_cluster(p, 1, s), SWAP_ERR_FAILED);
    assert_int_equal(swap_dev_write_cluster(p, 2, s), SWAP_ERR_FAILED);
    assert_int_equal(write_calls, calls);
    swap_dev_get_stats(&st);
    assert_int_equal(st.refused_writes, 2);
    assert_int_equal(log_count("device marked failed"), 1);
    /* Pages already out still come back. */
    mpn_t back = page_alloc_zeroed(OWNER_TEST);
    assert_int_equal(swap_dev_read(s2[3], back), SWAP_OK);
    assert_true(blk_test_page_is(back, 10));
}

static void test_read_error_returned_with_slot(void **state)
{
    (void)state;
    open_dev(0);
    mpn_t p[4], q[4];
    uint64_t s[4];
    for (int i = 0; i < 4; i++) {
        p[i] = blk_test_page(50 + (uint64_t)i);
        q[i] = page_alloc_zeroed(OWNER_TEST);
    }
    assert_int_equal(swap_dev_write_cluster(p, 4, s), SWAP_OK);
    fail_read_page = (int64_t)s[2] + 1; /* slot s is device page s + 1 */
    assert_int_equal(swap_dev_read(s[2], q[0]), SWAP_ERR_IO);
    assert_non_null(strstr(swap_dev_last_error(), "read of slots 2-2 on fake0"));
    assert_int_equal(swap_dev_read_cluster(s[0], q, 4), SWAP_ERR_IO);
    /* A read error does not fail the device: writes go on. */
    assert_true(swap_dev_writable());
    assert_int_equal(swap_dev_read(s[1], q[1]), SWAP_OK);
    assert_true(blk_test_page_is(q[1], 51));
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    assert_int_equal(st.read_errors, 2);
}

static void test_injected_write_failures(void **state)
{
    (void)state;
    open_dev(0);
    mpn_t p = blk_test_page(1);
    uint64_t s;
    swap_dev_fail_writes(true);
    assert_int_equal(swap_dev_write_cluster(&p, 1, &s), SWAP_ERR_IO);
    assert_int_equal(write_calls, 0); /* the device was never asked */
    assert_non_null(strstr(swap_dev_last_error(), "injected"));
    swap_dev_fail_writes(false);
    /* The failure is sticky: turning injection off does not revive it. */
    assert_int_equal(swap_dev_write_cluster(&p, 1, &s), SWAP_ERR_FAILED);
}

/* `swap fail-reads once`: the next read fails, the slots it asked for stay
 * bad (a retry of one of them fails too, as the swapper's single-page retry
 * would), others read fine, and a write over the range heals it. */
static void test_injected_bad_read_range(void **state)
{
    (void)state;
    open_dev(4); /* four slots: the rewrite below must reuse the bad ones */
    mpn_t p[4], q[4];
    uint64_t s[4];
    for (int i = 0; i < 4; i++) {
        p[i] = blk_test_page(70 + (uint64_t)i);
        q[i] = page_alloc_zeroed(OWNER_TEST);
    }
    assert_int_equal(swap_dev_write_cluster(p, 4, s), SWAP_OK);
    swap_dev_fail_next_read();
    int calls = read_calls;
    assert_int_equal(swap_dev_read_cluster(s[0], q, 2), SWAP_ERR_IO);
    assert_int_equal(read_calls, calls); /* the device was never asked */
    assert_non_null(strstr(swap_dev_last_error(), "injected medium error"));
    assert_int_equal(swap_dev_read(s[1], q[1]), SWAP_ERR_IO);   /* still bad */
    assert_int_equal(swap_dev_read(s[2], q[2]), SWAP_OK);       /* outside it */
    assert_true(blk_test_page_is(q[2], 72));
    assert_true(swap_dev_writable()); /* a read error never fails the device */
    /* Freed and written again: the range is remapped and reads work. */
    swap_dev_free(s, 2);
    uint64_t again[2];
    assert_int_equal(swap_dev_write_cluster(p, 2, again), SWAP_OK);
    assert_true(again[0] == s[0] && again[1] == s[1]); /* the only free ones */
    assert_int_equal(swap_dev_read_cluster(again[0], q, 2), SWAP_OK);
    assert_true(blk_test_page_is(q[0], 70) && blk_test_page_is(q[1], 71));
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    assert_int_equal(st.read_errors, 2);
}

static void test_no_device(void **state)
{
    (void)state;
    mpn_t p = blk_test_page(1);
    uint64_t s;
    assert_false(swap_dev_present());
    assert_int_equal(swap_dev_write_cluster(&p, 1, &s), SWAP_ERR_NODEV);
    assert_int_equal(swap_dev_read(0, p), SWAP_ERR_NODEV);
    open_dev(0);
    char why[96];
    assert_false(swap_dev_open(&dev, 0, why, sizeof why));
    assert_non_null(strstr(why, "already"));
}

static void test_block_layer_checks(void **state)
{
    (void)state;
    mpn_t p[2] = { blk_test_page(1), blk_test_page(2) };
    assert_int_equal(blk_pages(&dev), DISK_PAGES);
    assert_int_equal(blk_rw(&dev, BLK_WRITE, DISK_PAGES - 1, p, 2), -1);
    assert_non_null(strstr(dev.err, "outside"));
    assert_int_equal(blk_rw(&dev, BLK_READ, ~0ULL, p, 1), -1);
    assert_int_equal(blk_rw(&dev, BLK_READ, 0, p, 0), -1);
    assert_int_equal(write_calls + read_calls, 0);
    assert_int_equal(blk_rw(&dev, BLK_WRITE, DISK_PAGES - 2, p, 2), 0);
    /* The registry: names unique, bad geometry refused. */
    assert_true(blk_register(&dev));
    assert_false(blk_register(&dev));
    assert_ptr_equal(blk_find("FAKE0"), &dev);
    struct blk_dev odd = dev;
    strcpy(odd.name, "odd0");
    odd.sector_size = 520;
    assert_false(blk_register(&odd));
    odd.sector_size = 4096;
    odd.sectors = 0;
    assert_false(blk_register(&odd));
    assert_int_equal(blk_count(), 1);
    char s[16];
    blk_clean_string(s, sizeof s, "  QEMU\x01HARDDISK   ", 19);
    assert_string_equal(s, "QEMU?HARDDISK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cluster_round_trip_and_readahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limit_and_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragmented_cluster_uses_several_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error_marks_failed_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_error_returned_with_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injected_write_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injected_bad_read_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_layer_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
