# Swap device side (issue 13): the block layer, PCI, the ATA and NVMe
# drivers, swap slots, the swap device layer and its shell commands.
SWAP_POLICY_SRCS := drivers/block.c mm/swap_slots.c kernel/swap_dev.c
# Drivers and boot glue: machine-facing, but every driver also runs hosted
# on a simulated controller (drivers/ata_io.h, drivers/nvme_io.h).
SWAP_DRIVER_SRCS := drivers/driver_log.c drivers/pci.c drivers/ata.c drivers/ata_identify.c drivers/nvme.c \
                    drivers/nvme_data.c drivers/disk_label.c
KERNEL_C_SRCS += $(SWAP_POLICY_SRCS) $(SWAP_DRIVER_SRCS) kernel/swap_boot.c kernel/shell_swap.c \
                 kernel/swap_store_dev.c

# A fake machine with the real page allocator and the log, for the tests below.
BLK_TEST_SRCS = tests/unit/blk_test_util.c kernel/log.c lib/text_escape.c drivers/driver_log.c \
                mm/page_alloc.c mm/mpn_db.c \
                $(FAKE_PLATFORM_SRCS)

UNIT_TESTS += test_swap_slots
test_swap_slots_SRCS = tests/unit/test_swap_slots.c mm/swap_slots.c lib/string.c

UNIT_TESTS += test_swap_dev
test_swap_dev_SRCS = tests/unit/test_swap_dev.c $(SWAP_POLICY_SRCS) mm/heap.c $(BLK_TEST_SRCS)

# Device-controlled data: IDENTIFY words, NVMe CAP/Identify/status, labels.
UNIT_TESTS += test_blk_parse
test_blk_parse_SRCS = tests/unit/test_blk_parse.c drivers/ata_identify.c drivers/nvme_data.c \
                      drivers/disk_label.c drivers/block.c lib/format.c lib/string.c

UNIT_TESTS += test_ata
test_ata_SRCS = tests/unit/test_ata.c drivers/ata.c drivers/ata_identify.c drivers/block.c \
                $(BLK_TEST_SRCS)

UNIT_TESTS += test_nvme
test_nvme_SRCS = tests/unit/test_nvme.c drivers/nvme.c drivers/nvme_data.c drivers/block.c \
                 $(BLK_TEST_SRCS)

# libFuzzer: what disks and controllers hand the drivers (first sector, ATA
# IDENTIFY, NVMe CAP/Identify/status), tests/fuzz/fuzz_blk_parse.c.
FUZZ_BLK_SRCS := tests/fuzz/fuzz_blk_parse.c drivers/disk_label.c drivers/ata_identify.c \
                 drivers/nvme_data.c drivers/block.c lib/format.c lib/string.c

$(BUILD)/fuzz/fuzz_blk: $(FUZZ_BLK_SRCS) drivers/disk_label.h drivers/ata_identify.h \
                        drivers/nvme_data.h include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_BLK_SRCS) -o $@

.PHONY: fuzz-blk fuzz-smoke-blk
HOSTED_TEST_STEPS += fuzz-smoke-blk
fuzz-smoke-blk: $(BUILD)/fuzz/fuzz_blk
	$(call fuzz_run,blk,5,fuzz-smoke-blk,4097)

FUZZ_BLK_SECONDS ?= 120
fuzz-blk: $(BUILD)/fuzz/fuzz_blk
	$(call fuzz_run,blk,$(FUZZ_BLK_SECONDS),fuzz-blk,4097)

fuzz: fuzz-blk
