/* See blk_test_util.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "tests/unit/blk_test_util.h"
#include "tests/fake/platform_fake.h"
#include "drivers/block.h"
#include "kernel/log.h"
#include "mm/page_alloc.h"

void blk_test_machine(uint64_t pages)
{
    fake_plat_arena_init(pages);
    page_alloc_init_flat(pages);
    fake_plat_set_time_ns(0);
    log_init(NULL);
    blk_registry_reset();
}

void blk_test_machine_free(void)
{
    fake_plat_arena_free();
}

static uint64_t word(uint64_t seed, unsigned i)
{
    return seed * 0x9e3779b97f4a7c15ULL + i;
}

mpn_t blk_test_page(uint64_t seed)
{
    mpn_t m = page_alloc(OWNER_TEST);
    assert_true(m != INVALID_MPN);
    uint64_t *w = plat_mpn_to_va(m);
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        w[i] = word(seed, i);
    return m;
}

bool blk_test_page_is(mpn_t m, uint64_t seed)
{
    const uint64_t *w = plat_mpn_to_va(m);
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        if (w[i] != word(seed, i))
            return false;
    return true;
}
