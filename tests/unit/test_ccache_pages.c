/* mm/ccache_pages.c: the cache on the real machine page allocator. Every
 * page it takes is owned by OWNER_CCACHE and comes back on destroy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "mm/ccache.h"
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"

#define NPAGES 512
static struct ccache cache;
static uint64_t evicted;

static bool on_evict(void *ctx, ccache_handle_t h, uint64_t cookie, const void *page)
{
    (void)ctx;
    (void)h;
    (void)cookie;
    assert_non_null(page);
    evicted++;
    return true;
}

static void test_on_page_alloc(void **state)
{
    (void)state;
    static uint8_t page[PAGE_SIZE], out[PAGE_SIZE];
    static ccache_handle_t hs[400];

    fake_plat_arena_init(NPAGES);
    page_alloc_init_flat(NPAGES);
    const uint64_t free0 = page_free_count();
    struct ccache_ops ops = { ccache_page_alloc, ccache_page_free, on_evict, NULL };
    struct ccache_config cfg;
    ccache_config_default(&cfg, NPAGES);   /* 10%: 51 pages */
    ccache_init(&cache, &cfg, &ops);

    for (unsigned i = 0; i < 400; i++) {
        /* Compressible and distinct: a counter pattern with a twist. */
        for (unsigned o = 0; o < PAGE_SIZE; o += 4) {
            uint32_t v = (o / 64) * 2654435761u + i;
            memcpy(page + o, &v, 4);
        }
        assert_int_equal(ccache_store(&cache, page, i, &hs[i]), CCACHE_OK);
        struct ccache_stats st;
        ccache_get_stats(&cache, &st);
        assert_true(st.used_pages <= NPAGES / 10);
        assert_int_equal(free0 - page_free_count(), st.used_pages);
    }
    assert_true(evicted > 0);
    assert_int_equal(ccache_load(&cache, hs[399], out), CCACHE_OK);
    assert_memory_equal(out, page, PAGE_SIZE);
    assert_int_equal(ccache_check(&cache), 0);
    ccache_destroy(&cache);
    assert_int_equal(page_free_count(), free0);
    fake_plat_arena_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_on_page_alloc),
    };
    return cmocka_run_group_tests_name("ccache_pages", tests, NULL, NULL);
}
