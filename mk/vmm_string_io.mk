# INS/OUTS carried out for the guest (vmm/string_io.c: the rules, pure;
# vmm/exit_io_string.c: the exit; vmm/guest_linear.c: guest memory by linear
# address for the monitor). After vmm.mk, whose test_exits_SRCS it extends.
KERNEL_C_SRCS += vmm/string_io.c vmm/exit_io_string.c vmm/guest_linear.c

UNIT_TESTS += test_string_io
test_string_io_SRCS = tests/unit/test_string_io.c vmm/string_io.c

test_exits_SRCS += vmm/string_io.c vmm/exit_io_string.c vmm/guest_linear.c

# libFuzzer: the INS/OUTS rules on hostile bytes and registers.
FUZZ_STRING_IO_SRCS := tests/fuzz/fuzz_string_io.c vmm/string_io.c

$(BUILD)/fuzz/fuzz_string_io: $(FUZZ_STRING_IO_SRCS) vmm/string_io.h include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_STRING_IO_SRCS) -o $@

.PHONY: fuzz fuzz-string-io fuzz-smoke-string-io
HOSTED_TEST_STEPS += fuzz-smoke-string-io
fuzz-smoke-string-io: $(BUILD)/fuzz/fuzz_string_io
	$(call fuzz_run,string_io,6,fuzz-smoke-string-io,4096)

fuzz-string-io: $(BUILD)/fuzz/fuzz_string_io
	$(call fuzz_run,string_io,300,fuzz-string-io,4096)

fuzz: fuzz-string-io
