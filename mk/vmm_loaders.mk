# vmm/loader_*: guest image loaders (flat, Multiboot v1, Linux, PVH) and kernel/vm_config:
# the per-VM configuration file. Pure code: built into the image, unit-tested
# hosted and (the loaders) fuzzed.
VMM_LOADER_SRCS := vmm/loader_flat.c vmm/loader_multiboot.c vmm/loader_linux.c \
                   vmm/loader_linux_entry.c vmm/loader_e820.c vmm/loader_pvh.c vmm/loader_pvh_elf.c \
                   vmm/loader_refusal.c
KERNEL_C_SRCS += $(VMM_LOADER_SRCS) kernel/vm_config.c kernel/vm_name.c kernel/guestinfo.c

UNIT_TESTS += test_vm_config
test_vm_config_SRCS = tests/unit/test_vm_config.c kernel/vm_config.c kernel/vm_name.c kernel/guestinfo.c kernel/config_parse.c \
                      kernel/config_schema.c lib/text_escape.c lib/format.c lib/string.c

UNIT_TESTS += test_vm_name
test_vm_name_SRCS = tests/unit/test_vm_name.c kernel/vm_name.c lib/text_escape.c lib/format.c lib/string.c

# test_guest_loader also loads the real hello and memtouch guests (order-only:
# the link rule links every normal prerequisite).
UNIT_TESTS += test_guest_loader
test_guest_loader_SRCS = tests/unit/test_guest_loader.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
$(BUILD)/unit/test_guest_loader: | $(BUILD)/guests/hello.bin $(BUILD)/guests/memtouch.bin
$(BUILD)/h/tests/unit/test_guest_loader.o: HOSTCFLAGS += -DGUEST_BIN_DIR='"$(BUILD)/guests"'

# test_linux_loader builds its images itself; it also loads Debian's when
# `make linux-guests` has fetched them (skipped when not).
UNIT_TESTS += test_linux_loader
test_linux_loader_SRCS = tests/unit/test_linux_loader.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
$(BUILD)/h/tests/unit/test_linux_loader.o: HOSTCFLAGS += -DGUESTS_DEB_DIR='"$(BUILD)/guests-deb"'

# test_pvh_loader builds its ELF images itself; it also loads Debian's
# vmlinux when `make linux-guests` has extracted it (skipped when not).
UNIT_TESTS += test_pvh_loader
test_pvh_loader_SRCS = tests/unit/test_pvh_loader.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
$(BUILD)/h/tests/unit/test_pvh_loader.o: HOSTCFLAGS += -DGUESTS_LINUX_DIR='"$(BUILD)/guests-linux"'

# ---- fuzzing: the loaders on arbitrary images ---------------------------------
# `make fuzz-smoke-multiboot` (a step of `make test`) runs 10 s from the seed
# corpus; `make fuzz-multiboot` (and `make fuzz`) runs FUZZ_MULTIBOOT_SECONDS.
# New inputs go to a scratch corpus under build/, never into the tree.
FUZZ_MB_SRCS    := tests/fuzz/fuzz_multiboot.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
FUZZ_MULTIBOOT_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_multiboot: $(FUZZ_MB_SRCS) vmm/guest_loader.h $(wildcard lib/*.h include/hv/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_MB_SRCS) -o $@

.PHONY: fuzz fuzz-multiboot fuzz-smoke-multiboot
HOSTED_TEST_STEPS += fuzz-smoke-multiboot
fuzz-smoke-multiboot: $(BUILD)/fuzz/fuzz_multiboot
	$(call fuzz_run,multiboot,10,fuzz-smoke-multiboot,16384)

fuzz-multiboot: $(BUILD)/fuzz/fuzz_multiboot
	$(call fuzz_run,multiboot,$(FUZZ_MULTIBOOT_SECONDS),fuzz-multiboot,16384)

fuzz: fuzz-multiboot

# The Linux loader: the same, from the seeds tests/fuzz/gen_linux_seeds.py
# writes (synthetic headers with Debian's kernel's and memtest86+'s values).
FUZZ_LINUX_SRCS := tests/fuzz/fuzz_linux_loader.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
FUZZ_LINUX_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_linux_loader: $(FUZZ_LINUX_SRCS) vmm/guest_loader.h vmm/loader_linux_boot.h \
                                 $(wildcard lib/*.h include/hv/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_LINUX_SRCS) -o $@

.PHONY: fuzz-linux fuzz-smoke-linux
HOSTED_TEST_STEPS += fuzz-smoke-linux
fuzz-smoke-linux: $(BUILD)/fuzz/fuzz_linux_loader
	$(call fuzz_run,linux_loader,10,fuzz-smoke-linux,32768)

fuzz-linux: $(BUILD)/fuzz/fuzz_linux_loader
	$(call fuzz_run,linux_loader,$(FUZZ_LINUX_SECONDS),fuzz-linux,32768)

fuzz: fuzz-linux

# The PVH loader: the same, from the seeds tests/fuzz/gen_pvh_seeds.py writes
# (synthetic ELF64 kernels laid out as Debian's vmlinux is).
FUZZ_PVH_SRCS := tests/fuzz/fuzz_pvh_loader.c $(VMM_LOADER_SRCS) lib/format.c lib/string.c
FUZZ_PVH_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_pvh_loader: $(FUZZ_PVH_SRCS) vmm/guest_loader.h vmm/loader_pvh_elf.h \
                               vmm/loader_e820.h $(wildcard lib/*.h include/hv/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_PVH_SRCS) -o $@

.PHONY: fuzz-pvh fuzz-smoke-pvh
HOSTED_TEST_STEPS += fuzz-smoke-pvh
fuzz-smoke-pvh: $(BUILD)/fuzz/fuzz_pvh_loader
	$(call fuzz_run,pvh_loader,10,fuzz-smoke-pvh,32768)

fuzz-pvh: $(BUILD)/fuzz/fuzz_pvh_loader
	$(call fuzz_run,pvh_loader,$(FUZZ_PVH_SECONDS),fuzz-pvh,32768)

fuzz: fuzz-pvh
