# VMware's backdoor and pseudo performance counters (vmm/backdoor.c: the
# calls, pure; vmm/exit_gp.c: the intercepted #GP and RDPMC). After vmm.mk,
# whose test_exits_SRCS it extends.
KERNEL_C_SRCS += vmm/backdoor.c vmm/exit_gp.c vmm/guestrpc.c vmm/rpci.c vmm/guestrpc_attach.c

UNIT_TESTS += test_backdoor
test_backdoor_SRCS = tests/unit/test_backdoor.c vmm/backdoor.c

# GuestRPC's channels and commands (command 30), and the guestinfo
# variables they read and set (kernel/guestinfo.c, with the VM's config).
UNIT_TESTS += test_guestrpc
test_guestrpc_SRCS = tests/unit/test_guestrpc.c vmm/guestrpc.c vmm/rpci.c kernel/guestinfo.c \
                     lib/string.c

# GETTIMEFULL answers the host's time of day (kernel/wall_clock.c).
test_exits_SRCS += vmm/backdoor.c vmm/exit_gp.c kernel/wall_clock.c vmm/guestrpc.c vmm/rpci.c kernel/guestinfo.c \
                   vmm/guestrpc_attach.c

# libFuzzer target (mk/fuzz.mk): GuestRPC's channels and commands against a
# hostile guest's calls (tests/fuzz/fuzz_guestrpc.c).
GUESTRPC_FUZZ_SMOKE   ?= 6
GUESTRPC_FUZZ_SECONDS ?= 300
FUZZ_GUESTRPC_SRCS = tests/fuzz/fuzz_guestrpc.c vmm/guestrpc.c vmm/rpci.c kernel/guestinfo.c \
                     lib/string.c

$(BUILD)/fuzz/fuzz_guestrpc: $(FUZZ_GUESTRPC_SRCS) vmm/guestrpc.h vmm/rpci.h kernel/guestinfo.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_GUESTRPC_SRCS) -o $@

.PHONY: fuzz-guestrpc fuzz-smoke-guestrpc
HOSTED_TEST_STEPS += fuzz-smoke-guestrpc
fuzz-smoke-guestrpc: $(BUILD)/fuzz/fuzz_guestrpc
	$(call fuzz_run,guestrpc,$(GUESTRPC_FUZZ_SMOKE),fuzz-smoke-guestrpc,4096)
fuzz-guestrpc: $(BUILD)/fuzz/fuzz_guestrpc
	$(call fuzz_run,guestrpc,$(GUESTRPC_FUZZ_SECONDS),fuzz-guestrpc,4096)
fuzz: fuzz-guestrpc
