# mm/: the MPN database and the machine page allocator.
KERNEL_C_SRCS += mm/mpn_db.c mm/page_alloc.c

FAKE_PLATFORM_SRCS := tests/fake/platform_fake.c tests/fake/panic_fake.c lib/panic.c lib/format.c \
                      lib/string.c

UNIT_TESTS += test_page_alloc
test_page_alloc_SRCS := tests/unit/test_page_alloc.c mm/mpn_db.c mm/page_alloc.c $(FAKE_PLATFORM_SRCS)

# mm/guest_mem.c: guest RAM and the fault path, over the fake platform.
UNIT_TESTS += test_guest_mem
test_guest_mem_SRCS = tests/unit/test_guest_mem.c mm/guest_mem.c mm/physmap.c mm/sampler.c \
                      mm/heap.c mm/page_alloc.c mm/mpn_db.c $(FAKE_PLATFORM_SRCS) tests/fake/fake_gpa.c \
                      mm/guest_rom.c mm/guest_devmem.c
