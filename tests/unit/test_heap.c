/* Kernel heap on a hosted machine: classes, runs, accounting, page return,
 * exhaustion and recovery, and misuse that must panic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/panic_fake.h"

#define MACHINE_PAGES 4096

static int setup(void **state)
{
    (void)state;
    fake_plat_arena_init(MACHINE_PAGES);
    page_alloc_init_flat(MACHINE_PAGES);
    heap_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(page_alloc_check(), 0);
    fake_plat_arena_free();
    return 0;
}

static struct heap_stats get_stats(void)
{
    struct heap_stats st;
    heap_get_stats(&st);
    return st;
}

static void test_sizes_alignment_ksize(void **state)
{
    (void)state;
    static const size_t sizes[] = { 1, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 65, 100,
                                    128, 129, 200, 256, 300, 384, 500, 512, 700, 768, 1000,
                                    1024, 1025, 1500, 1536, 1537, 2047, 2048, 2049, 4096,
                                    4097, 10000, 65536 };
    void *p[ARRAY_SIZE(sizes)];
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = kmalloc(sizes[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % HEAP_MIN_ALIGN, 0);
        size_t ks = ksize(p[i]);
        assert_true(ks >= sizes[i]);
        /* Waste stays bounded: under a third for classes, a page for runs. */
        if (sizes[i] <= 2048)
            assert_true(ks < sizes[i] * 3 / 2 + 16);
        else
            assert_true(ks < sizes[i] + PAGE_SIZE);
        memset(p[i], (int)i + 1, ks);
    }
    /* No object was clobbered by another: each still holds its own byte. */
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        unsigned char *b = p[i];
        size_t ks = ksize(p[i]);
        for (size_t j = 0; j < ks; j++)
            assert_int_equal(b[j], (unsigned char)(i + 1));
    }
    assert_int_equal(ksize(kmalloc(2048)), 2048);
    assert_int_equal(ksize(p[ARRAY_SIZE(sizes) - 1]), 65536);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        kfree(p[i]);
}

static void test_trivial_cases(void **state)
{
    (void)state;
    assert_null(kmalloc(0));
    kfree(NULL);
    assert_int_equal(ksize(NULL), 0);
    assert_null(kmalloc(SIZE_MAX));
    assert_null(kmalloc(SIZE_MAX - PAGE_SIZE + 2)); /* would wrap when rounded up */
    assert_null(kcalloc(SIZE_MAX / 2, 3));
    assert_null(kcalloc((size_t)1 << 33, (size_t)1 << 33));
    struct heap_stats st = get_stats();
    assert_int_equal(st.failures, 4);
    assert_int_equal(st.allocs, 0);
    assert_int_equal(st.pages, 0);
}

static void test_zeroing(void **state)
{
    (void)state;
    /* Dirty some objects and pages, free them, and ask again: the zeroing
     * variants must clear what the heap hands back. */
    void *a = kmalloc(100), *b = kmalloc(9000);
    memset(a, 0xaa, ksize(a));
    memset(b, 0xbb, ksize(b));
    kfree(a);
    kfree(b);
    unsigned char *z = kzalloc(100);
    unsigned char *c = kcalloc(30, 300);
    assert_non_null(z);
    assert_non_null(c);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    for (size_t i = 0; i < 9000; i++)
        assert_int_equal(c[i], 0);
    assert_int_equal(ksize(c), 3 * PAGE_SIZE);
    kfree(z);
    kfree(c);
}

static void test_accounting_and_page_return(void **state)
{
    (void)state;
    uint64_t free0 = page_free_count();
    enum { N = 3000 };
    static void *p[N];
    static size_t sz[N];
    uint64_t expect_bytes = 0;
    fake_plat_seed_random(7);
    for (int i = 0; i < N; i++) {
        sz[i] = 1 + plat_random() % 2048;
        p[i] = kmalloc(sz[i]);
        assert_non_null(p[i]);
        expect_bytes += ksize(p[i]);
    }
    struct heap_stats st = get_stats();
    assert_int_equal(st.allocs, N);
    assert_int_equal(st.bytes_in_use, expect_bytes);
    assert_int_equal(free0 - page_free_count(), st.pages);
    assert_true(st.pages * PAGE_SIZE >= expect_bytes);
    /* Free every other object, then the rest in reverse, checking the byte
     * count on the way. */
    for (int i = 0; i < N; i += 2) {
        expect_bytes -= ksize(p[i]);
        kfree(p[i]);
    }
    assert_int_equal(get_stats().bytes_in_use, expect_bytes);
    for (int i = N - 1 - (N % 2 == 0 ? 0 : 1); i > 0; i -= 2)
        kfree(p[i]);
    st = get_stats();
    assert_int_equal(st.bytes_in_use, 0);
    assert_int_equal(st.frees, N);
    /* At most one cached empty page per class (14 classes) stays. */
    assert_true(st.pages <= 14);
    assert_int_equal(free0 - page_free_count(), st.pages);
    assert_int_equal(page_alloc_check(), 0);
}

static void test_one_class_pages(void **state)
{
    (void)state;
    uint64_t free0 = page_free_count();
    /* Five pages of 64-byte objects. */
    static void *p[5 * 64];
    for (int i = 0; i < 5 * 64; i++)
        p[i] = kmalloc(64);
    assert_int_equal(get_stats().pages, 5);
    /* Every page's objects are in one page, owned by the heap. */
    for (int i = 0; i < 5 * 64; i++)
        assert_int_equal(mpn_db_rec(plat_va_to_mpn(p[i]))->owner, OWNER_HEAP);
    for (int i = 0; i < 5 * 64; i++)
        kfree(p[i]);
    assert_int_equal(get_stats().pages, 1);
    assert_int_equal(page_free_count(), free0 - 1);
    /* The cached page is reused rather than a new one taken. */
    void *q = kmalloc(60);
    assert_int_equal(get_stats().pages, 1);
    kfree(q);
    assert_int_equal(get_stats().pages, 1);
}

static void test_interleaved_classes_lifo(void **state)
{
    (void)state;
    /* Freed objects are reused first (cache-warm), within the class. */
    void *a = kmalloc(32), *b = kmalloc(32);
    kfree(a);
    void *c = kmalloc(32);
    assert_ptr_equal(a, c);
    void *d = kmalloc(500);
    assert_int_not_equal(plat_va_to_mpn(d), plat_va_to_mpn(b));
    kfree(b);
    kfree(c);
    kfree(d);
    assert_int_equal(get_stats().bytes_in_use, 0);
}

static void test_partial_list_churn(void **state)
{
    (void)state;
    /* Many pages of one class going full, partial and empty in a random
     * order exercises the page list links kept in free objects. */
    enum { N = 16 * 200 };
    static void *p[N];
    fake_plat_seed_random(99);
    for (int i = 0; i < N; i++)
        p[i] = NULL;
    for (int round = 0; round < 40000; round++) {
        int i = (int)(plat_random() % N);
        if (p[i]) {
            memset(p[i], 0x5a, 256);
            kfree(p[i]);
            p[i] = NULL;
        } else {
            p[i] = kmalloc(256);
            assert_non_null(p[i]);
        }
    }
    for (int i = 0; i < N; i++)
        kfree(p[i]); /* NULL ones too: kfree(NULL) is fine */
    struct heap_stats st = get_stats();
    assert_int_equal(st.bytes_in_use, 0);
    assert_int_equal(st.pages, 1);
}

static void test_exhaustion_recovers(void **state)
{
    (void)state;
    /* A small machine: 128 pages, 1 for the database. */
    fake_plat_arena_init(128);
    page_alloc_init_flat(128);
    heap_init();
    static void *p[1000];
    int n = 0;
    while ((p[n] = kmalloc(1024)) != NULL)
        n++;
    assert_int_equal(n, 127 * 4);
    assert_int_equal(page_free_count(), 0);
    assert_null(kmalloc(16));
    assert_null(kmalloc(3 * PAGE_SIZE));
    assert_int_equal(get_stats().failures, 3);
    for (int i = 0; i < n; i++)
        kfree(p[i]);
    assert_int_equal(page_free_count(), 126); /* one page cached */
    assert_int_equal(get_stats().pages, 1);
    /* Runs until no aligned block of 16 pages is left, then free one and
     * the next run succeeds again. */
    void *big[8];
    int nb = 0;
    while (nb < 8 && (big[nb] = kmalloc(16 * PAGE_SIZE)) != NULL)
        nb++;
    assert_true(nb >= 6 && nb < 8);
    assert_int_equal(ksize(big[0]), 16 * PAGE_SIZE);
    kfree(big[0]);
    big[0] = kmalloc(16 * PAGE_SIZE);
    assert_non_null(big[0]);
    for (int i = 0; i < nb; i++)
        kfree(big[i]);
    void *s = kmalloc(16);
    assert_non_null(s);
    kfree(s);
    assert_int_equal(get_stats().bytes_in_use, 0);
}

static void test_large_runs(void **state)
{
    (void)state;
    uint64_t free0 = page_free_count();
    void *a = kmalloc(3 * PAGE_SIZE + 1);
    assert_ptr_equal(a, plat_mpn_to_va(plat_va_to_mpn(a))); /* starts a page */
    assert_int_equal(ksize(a), 4 * PAGE_SIZE);
    assert_int_equal(page_free_count(), free0 - 4);
    struct heap_stats st = get_stats();
    assert_int_equal(st.pages, 4);
    assert_int_equal(st.bytes_in_use, 4 * PAGE_SIZE);
    mpn_t m = plat_va_to_mpn(a);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mpn_db_rec(m + i)->owner, OWNER_HEAP);
    kfree(a);
    assert_int_equal(page_free_count(), free0);
    assert_int_equal(mpn_db_rec(m)->owner, OWNER_FREE);
    st = get_stats();
    assert_int_equal(st.pages, 0);
    assert_int_equal(st.bytes_in_use, 0);
}

static void test_live_data_like_free_object(void **state)
{
    (void)state;
    /* A live object whose bytes look like a free object's header must free
     * normally: the double-free check confirms against the free list. */
    uint32_t *a = kmalloc(16);
    void *b = kmalloc(16);
    a[0] = 0x01ff;
    a[1] = 0xf4eeb10cu;
    a[2] = a[3] = 0xffffffffu;
    kfree(a);
    kfree(b);
    assert_int_equal(get_stats().bytes_in_use, 0);
}

static void test_wild_frees_panic(void **state)
{
    (void)state;
    int local;
    assert_true(FAKE_EXPECT_PANIC(kfree(&local)));
    assert_non_null(strstr(fake_panic_msg, "not a heap pointer"));

    /* A page the heap does not own. */
    mpn_t t = page_alloc(OWNER_TEST);
    assert_true(FAKE_EXPECT_PANIC(kfree(plat_mpn_to_va(t))));
    assert_non_null(strstr(fake_panic_msg, "test"));
    page_free(t);

    /* Misaligned for its class. */
    char *p = kmalloc(64);
    assert_true(FAKE_EXPECT_PANIC(kfree(p + 16)));
    assert_non_null(strstr(fake_panic_msg, "not the start of a 64-byte"));
    assert_true(FAKE_EXPECT_PANIC(ksize(p + 1)));

    /* Inside a large run: head page offset and a tail page. */
    char *big = kmalloc(2 * PAGE_SIZE);
    assert_true(FAKE_EXPECT_PANIC(kfree(big + 16)));
    assert_non_null(strstr(fake_panic_msg, "inside a large"));
    assert_true(FAKE_EXPECT_PANIC(kfree(big + PAGE_SIZE)));
    assert_non_null(strstr(fake_panic_msg, "inside a large"));

    /* The heap still works after each panic (its lock was released). */
    kfree(p);
    kfree(big);
    void *q = kmalloc(64);
    assert_non_null(q);
    kfree(q);
}

static void test_double_free_panics(void **state)
{
    (void)state;
    void *keep = kmalloc(128); /* keeps the page alive across the frees */
    void *p = kmalloc(128);
    kfree(p);
    assert_true(FAKE_EXPECT_PANIC(kfree(p)));
    assert_non_null(strstr(fake_panic_msg, "double free"));
    /* A double free of the last object of a page, which may be cached. */
    kfree(keep);
    assert_true(FAKE_EXPECT_PANIC(kfree(keep)));
    assert_non_null(strstr(fake_panic_msg, "double free"));

    /* Large: the pages went back to the allocator. */
    void *big = kmalloc(5 * PAGE_SIZE);
    kfree(big);
    assert_true(FAKE_EXPECT_PANIC(kfree(big)));
    assert_non_null(strstr(fake_panic_msg, "double free"));

    /* Nothing was corrupted by the rejected frees. */
    void *a = kmalloc(128), *b = kmalloc(128);
    assert_ptr_not_equal(a, b);
    kfree(a);
    kfree(b);
    assert_int_equal(get_stats().bytes_in_use, 0);
}

static void test_use_after_free_detected(void **state)
{
    (void)state;
    void *keep = kmalloc(48);
    uint32_t *p = kmalloc(48);
    kfree(p);
    p[1] = 0x12345678; /* scribble on the freed object's header */
    assert_true(FAKE_EXPECT_PANIC(kmalloc(48)));
    assert_non_null(strstr(fake_panic_msg, "use after free"));
    (void)keep;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sizes_alignment_ksize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trivial_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zeroing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounting_and_page_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_class_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interleaved_classes_lifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_list_churn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_data_like_free_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wild_frees_panic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_double_free_panics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_use_after_free_detected, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
