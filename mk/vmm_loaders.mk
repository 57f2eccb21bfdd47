# vmm/loader_*: guest image loaders (flat, Multiboot v1) and kernel/vm_config:
# the per-VM configuration file. Pure code: built into the image, unit-tested
# hosted and (the loaders) fuzzed.
VMM_LOADER_SRCS := vmm/loader_flat.c vmm/loader_multiboot.c
KERNEL_C_SRCS += $(VMM_LOADER_SRCS) kernel/vm_config.c

UNIT_TESTS += test_vm_config
test_vm_config_SRCS = tests/unit/test_vm_config.c kernel/vm_config.c kernel/config_parse.c \
                      kernel/config_schema.c lib/format.c lib/string.c

# test_guest_loader also loads the real hello and memtouch guests (order-only:
# the link rule links every normal prerequisite).
UNIT_TESTS += test_guest_loader
test_guest_loader_SRCS = tests/unit/test_guest_loader.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
$(BUILD)/unit/test_guest_loader: | $(BUILD)/guests/hello.bin $(BUILD)/guests/memtouch.bin
$(BUILD)/h/tests/unit/test_guest_loader.o: HOSTCFLAGS += -DGUEST_BIN_DIR='"$(BUILD)/guests"'

# ---- fuzzing: the loaders on arbitrary images ---------------------------------
# `make fuzz-smoke-multiboot` (a step of `make test`) runs 10 s from the seed
# corpus; `make fuzz-multiboot` (and `make fuzz`) runs FUZZ_MULTIBOOT_SECONDS.
# New inputs go to a scratch corpus under build/, never into the tree.
FUZZ_MB_BIN     := $(BUILD)/fuzz/fuzz_multiboot
FUZZ_MB_SRCS    := tests/fuzz/fuzz_multiboot.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
FUZZ_MB_SEEDS   := tests/fuzz/corpus/multiboot
FUZZ_MB_WORK    := $(BUILD)/fuzz/corpus-multiboot
FUZZ_MB_LOG     := $(BUILD)/fuzz/fuzz-multiboot.log
FUZZ_MULTIBOOT_SECONDS ?= 600
FUZZ_MB_CFLAGS  := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                   -fno-sanitize-recover=all $(WARN) -I. -DHV_HOSTED=1 -D_DEFAULT_SOURCE

$(FUZZ_MB_BIN): $(FUZZ_MB_SRCS) vmm/guest_loader.h $(wildcard lib/*.h include/hv/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_MB_CFLAGS) $(FUZZ_MB_SRCS) -o $@

# $(1): seconds, $(2): the step's name (its tally file).
define fuzz_mb_run
	@mkdir -p $(FUZZ_MB_WORK) $(BUILD)/results
	@if $(FUZZ_MB_BIN) -max_total_time=$(1) -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix=$(BUILD)/fuzz/multiboot- -print_final_stats=1 \
	     $(FUZZ_MB_WORK) $(FUZZ_MB_SEEDS) > $(FUZZ_MB_LOG) 2>&1; then \
	    echo "1 0" > $(BUILD)/results/$(2).tally; \
	    echo "$(2): clean ($(1) s, $$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $(FUZZ_MB_LOG)) runs)"; \
	else \
	    echo "0 1" > $(BUILD)/results/$(2).tally; \
	    tail -n 40 $(FUZZ_MB_LOG); \
	    echo "$(2): FAILED, see $(FUZZ_MB_LOG) and $(BUILD)/fuzz/multiboot-*"; \
	    exit 1; \
	fi
endef

.PHONY: fuzz fuzz-multiboot fuzz-smoke-multiboot
HOSTED_TEST_STEPS += fuzz-smoke-multiboot
fuzz-smoke-multiboot: $(FUZZ_MB_BIN)
	$(call fuzz_mb_run,10,fuzz-smoke-multiboot)

fuzz-multiboot: $(FUZZ_MB_BIN)
	$(call fuzz_mb_run,$(FUZZ_MULTIBOOT_SECONDS),fuzz-multiboot)

fuzz: fuzz-multiboot
