# mm/: the MPN database and the machine page allocator.
KERNEL_C_SRCS += mm/mpn_db.c mm/page_alloc.c

FAKE_PLATFORM_SRCS := tests/fake/platform_fake.c tests/fake/panic_fake.c lib/format.c lib/string.c

UNIT_TESTS += test_page_alloc
test_page_alloc_SRCS := tests/unit/test_page_alloc.c mm/mpn_db.c mm/page_alloc.c $(FAKE_PLATFORM_SRCS)
