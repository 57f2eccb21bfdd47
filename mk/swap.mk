# Swap device side (issue 13): the block layer, PCI, the ATA and NVMe
# drivers, swap slots, the swap device layer and its shell commands.
SWAP_POLICY_SRCS := drivers/block.c mm/swap_slots.c kernel/swap_dev.c
KERNEL_C_SRCS += $(SWAP_POLICY_SRCS)

UNIT_TESTS += test_swap_slots
test_swap_slots_SRCS = tests/unit/test_swap_slots.c mm/swap_slots.c lib/string.c

UNIT_TESTS += test_swap_dev
test_swap_dev_SRCS = tests/unit/test_swap_dev.c tests/unit/blk_test_util.c $(SWAP_POLICY_SRCS) kernel/log.c mm/heap.c \
                     mm/page_alloc.c mm/mpn_db.c $(FAKE_PLATFORM_SRCS)

# The drivers: machine-facing, in the image only; their parsers of
# device-controlled data are pure and tested hosted.
KERNEL_C_SRCS += drivers/pci.c drivers/ata.c drivers/ata_identify.c drivers/nvme.c \
                 drivers/disk_label.c kernel/swap_boot.c kernel/shell_swap.c \
                 drivers/nvme_data.c

UNIT_TESTS += test_blk_parse
test_blk_parse_SRCS = tests/unit/test_blk_parse.c drivers/ata_identify.c drivers/nvme_data.c \
                      drivers/disk_label.c \
                      drivers/block.c lib/format.c lib/string.c

# The ATA driver itself, hosted, on a simulated controller (drivers/ata_io.h).
UNIT_TESTS += test_ata
test_ata_SRCS = tests/unit/test_ata.c tests/unit/blk_test_util.c drivers/ata.c drivers/ata_identify.c drivers/block.c \
                kernel/log.c mm/page_alloc.c mm/mpn_db.c $(FAKE_PLATFORM_SRCS)

# The NVMe driver itself, hosted, on a simulated controller (drivers/nvme_io.h).
UNIT_TESTS += test_nvme
test_nvme_SRCS = tests/unit/test_nvme.c tests/unit/blk_test_util.c drivers/nvme.c drivers/nvme_data.c drivers/block.c \
                 kernel/log.c mm/page_alloc.c mm/mpn_db.c $(FAKE_PLATFORM_SRCS)
