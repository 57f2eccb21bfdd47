/* Shell commands for the swap device: status, a self-test through the real
 * slot allocator and device, and fault injection for the failure path. */
#include "kernel/shell_cmds.h"
#include "kernel/swap_dev.h"
#include "drivers/block.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "lib/kstring.h"

#define TEST_MAX_PAGES 65536
#define READ_AHEAD 8 /* pages per read request in the self-test */

static int swap_status(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    for (unsigned i = 0; blk_at(i); i++) {
        struct blk_dev *d = blk_at(i);
        console_printf("block %-12s %-24s %llu sectors of %u bytes (%llu MiB), %u pages per "
                       "request, read %llu written %llu errors %llu\n",
                       d->name, d->model, (unsigned long long)d->sectors, d->sector_size,
                       (unsigned long long)(blk_pages(d) >> 8), d->max_pages,
                       (unsigned long long)d->reads, (unsigned long long)d->writes,
                       (unsigned long long)d->errors);
    }
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    if (!st.name) {
        console_printf("swap: no device; compression only\n");
        return 0;
    }
    console_printf("swap: %s, %s%s; %llu of %llu slots in use\n", st.name,
                   st.failed ? "FAILED (writes refused)" : "ok",
                   swap_dev_failing_writes() ? ", injecting write failures" : "",
                   (unsigned long long)st.used, (unsigned long long)st.slots);
    console_printf("swap: %llu pages out in %llu requests, %llu in in %llu requests; errors: "
                   "write %llu, read %llu; refused writes %llu, full %llu\n",
                   (unsigned long long)st.pages_out, (unsigned long long)st.write_requests,
                   (unsigned long long)st.pages_in, (unsigned long long)st.read_requests,
                   (unsigned long long)st.write_errors, (unsigned long long)st.read_errors,
                   (unsigned long long)st.refused_writes, (unsigned long long)st.full);
    if (swap_dev_last_error()[0])
        console_printf("swap: last error: %s\n", swap_dev_last_error());
    return 0;
}

/* The pattern of word `w` of test page `p` in run `run`: differs per run,
 * page and word, so a stale page, a misplaced page or a torn one shows. */
static uint64_t pattern(uint64_t run, uint64_t p, uint64_t w)
{
    uint64_t x = (run << 48) ^ (p << 12) ^ w;
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 29);
}

static void fill(mpn_t m, uint64_t run, uint64_t p)
{
    uint64_t *v = plat_mpn_to_va(m);
    for (uint64_t w = 0; w < PAGE_SIZE / 8; w++)
        v[w] = pattern(run, p, w);
}

/* KiB per second for `pages` in `ns`, for printing. */
static unsigned long long kib_s(uint64_t pages, uint64_t ns)
{
    return ns ? (unsigned long long)(pages * 4 * 1000000000ULL / ns) : 0;
}

static int swap_test(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    static uint64_t run;
    uint64_t n;
    if (!str_to_u64(argv[1], &n) || n == 0 || n > TEST_MAX_PAGES) {
        console_printf("swap test: N must be 1 to %u pages\n", TEST_MAX_PAGES);
        return 1;
    }
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    if (!st.name) {
        console_printf("swap test: no swap device (set swap.device in hv/host.cfg)\n");
        return 1;
    }
    if (st.slots - st.used < n) {
        console_printf("swap test: only %llu free slots for %llu pages\n",
                       (unsigned long long)(st.slots - st.used), (unsigned long long)n);
        return 1;
    }
    uint64_t *slots = kcalloc(n, sizeof *slots);
    mpn_t buf[SWAP_CLUSTER_MAX];
    unsigned nbuf = 0;
    for (; nbuf < SWAP_CLUSTER_MAX; nbuf++)
        if ((buf[nbuf] = page_alloc(OWNER_IO)) == INVALID_MPN)
            break;
    int rc = 1;
    if (!slots || nbuf < SWAP_CLUSTER_MAX) {
        console_printf("swap test: out of memory\n");
        goto out;
    }
    run++;
    uint64_t req0 = st.write_requests, t0 = plat_time_ns(), written = 0;
    while (written < n) {
        uint32_t k = (uint32_t)MIN(n - written, (uint64_t)SWAP_CLUSTER_MAX);
        for (uint32_t i = 0; i < k; i++)
            fill(buf[i], run, written + i);
        enum swap_err e = swap_dev_write_cluster(buf, k, slots + written);
        if (e != SWAP_OK) {
            console_printf("swap test: write of pages %llu-%llu failed: %s%s%s\n",
                           (unsigned long long)written, (unsigned long long)(written + k - 1),
                           swap_strerror(e), e == SWAP_ERR_IO ? ": " : "",
                           e == SWAP_ERR_IO ? swap_dev_last_error() : "");
            swap_dev_get_stats(&st);
            if (st.failed)
                console_printf("swap test: %s is marked failed; writes go to compression only\n",
                               st.name);
            goto free_slots;
        }
        written += k;
    }
    uint64_t t1 = plat_time_ns();
    swap_dev_get_stats(&st);
    uint64_t wreq = st.write_requests - req0, rreq0 = st.read_requests;
    uint64_t mismatches = 0, done = 0;
    while (done < n) {
        /* Read-ahead: as many following slots as are consecutive. */
        uint32_t k = 1;
        while (done + k < n && k < READ_AHEAD && slots[done + k] == slots[done] + k)
            k++;
        enum swap_err e = swap_dev_read_cluster(slots[done], buf, k);
        if (e != SWAP_OK) {
            console_printf("swap test: read of slot %llu (page %llu) failed: %s: %s\n",
                           (unsigned long long)slots[done], (unsigned long long)done,
                           swap_strerror(e), swap_dev_last_error());
            goto free_slots;
        }
        for (uint32_t i = 0; i < k; i++) {
            const uint64_t *v = plat_mpn_to_va(buf[i]);
            for (uint64_t w = 0; w < PAGE_SIZE / 8; w++) {
                uint64_t want = pattern(run, done + i, w);
                if (v[w] == want)
                    continue;
                if (!mismatches)
                    console_printf("swap test: first mismatch: page %llu (slot %llu) word %llu: "
                                   "read 0x%016llx, wrote 0x%016llx\n",
                                   (unsigned long long)(done + i),
                                   (unsigned long long)slots[done + i], (unsigned long long)w,
                                   (unsigned long long)v[w], (unsigned long long)want);
                mismatches++;
                break;
            }
        }
        done += k;
    }
    uint64_t t2 = plat_time_ns();
    swap_dev_get_stats(&st);
    console_printf("swap test: %llu pages written and read back, %llu mismatches\n",
                   (unsigned long long)n, (unsigned long long)mismatches);
    console_printf("swap test: %s: write %llu KiB/s (%llu requests, %llu us), read %llu KiB/s "
                   "(%llu requests, %llu us)\n", st.name, kib_s(n, t1 - t0),
                   (unsigned long long)wreq, (unsigned long long)((t1 - t0) / 1000),
                   kib_s(n, t2 - t1), (unsigned long long)(st.read_requests - rreq0),
                   (unsigned long long)((t2 - t1) / 1000));
    rc = mismatches ? 1 : 0;
    written = n;
free_slots:
    swap_dev_free(slots, (uint32_t)written);
out:
    for (unsigned i = 0; i < nbuf; i++)
        page_free(buf[i]);
    kfree(slots);
    return rc;
}

static int swap_fail_writes(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    bool on = strcmp(argv[1], "on") == 0;
    if (!on && strcmp(argv[1], "off") != 0) {
        console_printf("swap fail-writes: expected on or off, got '%s'\n", argv[1]);
        return 1;
    }
    swap_dev_fail_writes(on);
    console_printf("swap fail-writes: %s; the next device writes %s\n", on ? "on" : "off",
                   on ? "fail as a device error would" : "go to the device");
    return 0;
}

static int swap_fail_reads(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    if (strcmp(argv[1], "once") != 0) {
        console_printf("swap fail-reads: expected once, got '%s'\n", argv[1]);
        return 1;
    }
    swap_dev_fail_next_read();
    console_printf("swap fail-reads: once; the next device read fails and its slots stay "
                   "unreadable until written again\n");
    return 0;
}

const struct shell_cmd shell_swap_sub[] = {
    { "status", "swap status", "block devices and the swap device's state", 0, 0, swap_status,
      NULL },
    { "test", "swap test N", "write N patterned pages through swap, read back, compare", 1, 1,
      swap_test, NULL },
    { "fail-writes", "swap fail-writes on|off", "make swap device writes fail (testing)", 1, 1,
      swap_fail_writes, NULL },
    { "fail-reads", "swap fail-reads once", "make the next swap read fail, a bad sector (testing)",
      1, 1, swap_fail_reads, NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};
