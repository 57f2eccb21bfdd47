# mm/swapper*: page-out and page-in of one VM's guest RAM over the zero-fill,
# the compression cache and a swap backing store (issue 13, mechanism).
SWAPPER_SRCS := mm/swapper.c mm/swapper_out.c mm/swapper_in.c
KERNEL_C_SRCS += $(SWAPPER_SRCS)

# guest_mem.c's fault path calls the swapper's page-in.
test_guest_mem_SRCS += $(SWAPPER_SRCS) $(CCACHE_SRCS) $(CODEC_SRCS)

UNIT_TESTS += test_swapper
test_swapper_SRCS = tests/unit/test_swapper.c tests/fake/fake_swap_store.c $(SWAPPER_SRCS) \
                    mm/guest_mem.c mm/physmap.c mm/sampler.c mm/swap_slots.c \
                    $(CCACHE_SRCS) $(CODEC_SRCS) mm/ccache_pages.c \
                    mm/heap.c mm/page_alloc.c mm/mpn_db.c $(FAKE_PLATFORM_SRCS) tests/fake/fake_gpa.c

# kernel/vm_reclaim.c: the image's per-VM reclaim, with a fake swap device.
UNIT_TESTS += test_vm_reclaim
test_vm_reclaim_SRCS = tests/unit/test_vm_reclaim.c kernel/vm_reclaim.c kernel/prealloc.c \
                       tests/fake/fake_swap_store.c $(SWAPPER_SRCS) $(VICTIM_SRCS) \
                       mm/guest_mem.c mm/physmap.c mm/sampler.c mm/swap_slots.c \
                       $(CCACHE_SRCS) $(CODEC_SRCS) mm/ccache_pages.c lib/format.c \
                       mm/heap.c mm/page_alloc.c mm/mpn_db.c $(FAKE_PLATFORM_SRCS) \
                       tests/fake/fake_gpa.c
