# vmm/insn_decode + insn_emulate (+ insn_shift, the shift, rotate, multiply
# and divide arithmetic): the x86 instruction decoder and emulator for MMIO
# accesses (issue 14), under vmm/mmio_emulate.c. Pure code: unit-tested
# hosted and fuzzed.
INSN_SRCS := vmm/insn_decode.c vmm/insn_emulate.c vmm/insn_shift.c
KERNEL_C_SRCS += $(INSN_SRCS)

UNIT_TESTS += test_insn_decode
test_insn_decode_SRCS = tests/unit/test_insn_decode.c vmm/insn_decode.c

# The shift/rotate/multiply/divide arithmetic against the host CPU's own.
UNIT_TESTS += test_insn_shift
test_insn_shift_SRCS = tests/unit/test_insn_shift.c $(INSN_SRCS)

UNIT_TESTS += test_insn_emulate
test_insn_emulate_SRCS = tests/unit/test_insn_emulate.c $(INSN_SRCS)

# ---- fuzzing: the decoder and emulator on arbitrary bytes -------------------
# `make fuzz-smoke-insn` (a step of `make test`) runs 10 s from the seed
# corpus; `make fuzz-insn` (and `make fuzz`) runs FUZZ_INSN_SECONDS.
FUZZ_INSN_SRCS    := tests/fuzz/fuzz_insn_decode.c $(INSN_SRCS)
FUZZ_INSN_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_insn: $(FUZZ_INSN_SRCS) vmm/insn_decode.h vmm/insn_emulate.h vmm/insn_shift.h \
                         include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_INSN_SRCS) -o $@

.PHONY: fuzz fuzz-insn fuzz-smoke-insn
HOSTED_TEST_STEPS += fuzz-smoke-insn
fuzz-smoke-insn: $(BUILD)/fuzz/fuzz_insn
	$(call fuzz_run,insn,10,fuzz-smoke-insn,64)

fuzz-insn: $(BUILD)/fuzz/fuzz_insn
	$(call fuzz_run,insn,$(FUZZ_INSN_SECONDS),fuzz-insn,64)

fuzz: fuzz-insn

# MMIO emulation from CPU state through the guest page walker, on hostile
# page tables, bytes and registers (tests/fuzz/fuzz_mmio.c).
FUZZ_MMIO_SRCS := tests/fuzz/fuzz_mmio.c vmm/mmio_emulate.c vmm/guest_walk.c $(INSN_SRCS) \
                  lib/format.c lib/string.c

$(BUILD)/fuzz/fuzz_mmio: $(FUZZ_MMIO_SRCS) vmm/mmio_emulate.h vmm/guest_walk.h vmm/insn_decode.h \
                         vmm/insn_emulate.h vmm/insn_shift.h include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_MMIO_SRCS) -o $@

.PHONY: fuzz-mmio fuzz-smoke-mmio
HOSTED_TEST_STEPS += fuzz-smoke-mmio
fuzz-smoke-mmio: $(BUILD)/fuzz/fuzz_mmio
	$(call fuzz_run,mmio,10,fuzz-smoke-mmio,8192)

fuzz-mmio: $(BUILD)/fuzz/fuzz_mmio
	$(call fuzz_run,mmio,$(FUZZ_INSN_SECONDS),fuzz-mmio,8192)

fuzz: fuzz-mmio
