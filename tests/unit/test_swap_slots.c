/* Swap-slot allocator: clusters get consecutive slots, frees are reused,
 * exhaustion is reported, bad frees are caught. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm/swap_slots.h"

static uint64_t map[16];

static void test_clusters_are_consecutive_and_in_order(void **state)
{
    (void)state;
    struct swap_slots s;
    swap_slots_init(&s, map, 1000);
    uint64_t first;
    assert_int_equal(swap_slots_alloc(&s, 8, &first), 8);
    assert_int_equal(first, 0);
    assert_int_equal(swap_slots_alloc(&s, 32, &first), 32);
    assert_int_equal(first, 8); /* next fit: right after the previous cluster */
    assert_int_equal(s.used, 40);
    for (uint64_t i = 0; i < 40; i++)
        assert_true(swap_slots_in_use(&s, i));
    assert_false(swap_slots_in_use(&s, 40));
    assert_false(swap_slots_in_use(&s, 5000));
}

static void test_free_and_reuse_after_wrap(void **state)
{
    (void)state;
    struct swap_slots s;
    swap_slots_init(&s, map, 100);
    uint64_t a, b, c;
    assert_int_equal(swap_slots_alloc(&s, 40, &a), 40);
    assert_int_equal(swap_slots_alloc(&s, 40, &b), 40);
    assert_true(swap_slots_free(&s, a + 10, 10)); /* a hole at 10..19 */
    assert_int_equal(s.used, 70);
    /* 20 wanted: the tail 80..99 fits exactly. */
    assert_int_equal(swap_slots_alloc(&s, 20, &c), 20);
    assert_int_equal(c, 80);
    /* Now only the hole is left: the cursor wraps to it. */
    assert_int_equal(swap_slots_alloc(&s, 10, &c), 10);
    assert_int_equal(c, 10);
    assert_int_equal(swap_slots_free_count(&s), 0);
}

static void test_fragmented_gives_longest_run(void **state)
{
    (void)state;
    struct swap_slots s;
    swap_slots_init(&s, map, 64);
    uint64_t f;
    assert_int_equal(swap_slots_alloc(&s, 64, &f), 64);
    /* Free holes of 2, 5 and 3 slots. */
    swap_slots_free(&s, 3, 2);
    swap_slots_free(&s, 20, 5);
    swap_slots_free(&s, 50, 3);
    s.cursor = 0;
    assert_int_equal(swap_slots_alloc(&s, 8, &f), 5);
    assert_int_equal(f, 20);
    assert_int_equal(swap_slots_alloc(&s, 8, &f), 3);
    assert_int_equal(f, 50);
    assert_int_equal(swap_slots_alloc(&s, 8, &f), 2);
    assert_int_equal(f, 3);
    assert_int_equal(s.failures, 0);
}

static void test_running_out_is_reported(void **state)
{
    (void)state;
    struct swap_slots s;
    swap_slots_init(&s, map, 130); /* not a multiple of 64: the last word is partial */
    uint64_t f;
    assert_int_equal(swap_slots_alloc(&s, 100, &f), 100);
    assert_int_equal(swap_slots_alloc(&s, 100, &f), 30);
    assert_int_equal(f, 100);
    assert_int_equal(swap_slots_alloc(&s, 1, &f), 0);
    assert_int_equal(f, SWAP_SLOT_NONE);
    assert_int_equal(s.failures, 1);
    assert_false(swap_slots_in_use(&s, 130)); /* never past the end */
    assert_true(swap_slots_free(&s, 129, 1));
    assert_int_equal(swap_slots_alloc(&s, 4, &f), 1);
    assert_int_equal(f, 129);
}

static void test_bad_frees_are_counted_and_harmless(void **state)
{
    (void)state;
    struct swap_slots s;
    swap_slots_init(&s, map, 64);
    uint64_t f;
    assert_int_equal(swap_slots_alloc(&s, 4, &f), 4);
    assert_false(swap_slots_free(&s, 10, 1));     /* never allocated */
    assert_false(swap_slots_free(&s, 64, 1));     /* out of range */
    assert_false(swap_slots_free(&s, ~0ULL, 2));  /* wraps: still out of range */
    assert_true(swap_slots_free(&s, 0, 4));
    assert_false(swap_slots_free(&s, 0, 1));      /* double free */
    assert_int_equal(s.bad_frees, 5);
    assert_int_equal(s.used, 0);
    assert_int_equal(swap_slots_alloc(&s, 0, &f), 0);
}

static void test_random_against_model(void **state)
{
    (void)state;
    enum { N = 1000 };
    static uint64_t big[(N + 63) / 64];
    static bool model[N];
    struct swap_slots s;
    swap_slots_init(&s, big, N);
    memset(model, 0, sizeof model);
    uint64_t used = 0;
    srand(13);
    for (int step = 0; step < 20000; step++) {
        if (rand() % 3) {
            uint32_t want = 1 + rand() % 32;
            uint64_t f;
            uint32_t got = swap_slots_alloc(&s, want, &f);
            if (used == N) {
                assert_int_equal(got, 0);
                continue;
            }
            assert_true(got >= 1 && got <= want);
            for (uint32_t i = 0; i < got; i++) {
                assert_false(model[f + i]);
                model[f + i] = true;
            }
            used += got;
        } else {
            uint64_t i = (uint64_t)rand() % N;
            assert_int_equal(swap_slots_free(&s, i, 1), model[i]);
            if (model[i])
                used--;
            model[i] = false;
        }
        assert_int_equal(s.used, used);
    }
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(swap_slots_in_use(&s, i), model[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clusters_are_consecutive_and_in_order),
        cmocka_unit_test(test_free_and_reuse_after_wrap),
        cmocka_unit_test(test_fragmented_gives_longest_run),
        cmocka_unit_test(test_running_out_is_reported),
        cmocka_unit_test(test_bad_frees_are_counted_and_harmless),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
