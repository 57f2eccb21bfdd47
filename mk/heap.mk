# mm/heap.c: the kernel heap (slab pages + page runs over the page allocator).
# Included before mm.mk: FAKE_PLATFORM_SRCS is expanded late (recursive `=`).
KERNEL_C_SRCS += mm/heap.c

UNIT_TESTS += test_heap
test_heap_SRCS = tests/unit/test_heap.c mm/heap.c mm/mpn_db.c mm/page_alloc.c $(FAKE_PLATFORM_SRCS)
