/* The compression cache's storage from the machine page allocator, owner
 * OWNER_CCACHE: what the hypervisor passes in struct ccache_ops (tests pass
 * their own allocator instead). */
#include "mm/ccache.h"
#include "mm/page_alloc.h"

mpn_t ccache_page_alloc(void *ctx)
{
    (void)ctx;
    return page_alloc(OWNER_CCACHE);
}

void ccache_page_free(void *ctx, mpn_t mpn)
{
    (void)ctx;
    page_free(mpn);
}
