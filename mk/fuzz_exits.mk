# libFuzzer: the whole exit dispatcher under hostile guest state
# (tests/fuzz/fuzz_exits.c), built from test_exits' sources, which several
# .mk files add to: the recipe expands them when it runs, after every
# include, and the binary depends on every source they can come from.
FUZZ_EXITS_SRCS = tests/fuzz/fuzz_exits.c $(filter-out tests/unit/test_exits.c,$(test_exits_SRCS))

$(BUILD)/fuzz/fuzz_exits: tests/fuzz/fuzz_exits.c $(wildcard vmm/*.c vmm/*.h kernel/*.c kernel/*.h \
                          mm/*.c mm/*.h lib/*.c lib/*.h include/hv/*.h include/hv/x86/*.h \
                          tests/fake/*.c tests/fake/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_EXITS_SRCS) -o $@

.PHONY: fuzz fuzz-exits fuzz-smoke-exits
HOSTED_TEST_STEPS += fuzz-smoke-exits
fuzz-smoke-exits: $(BUILD)/fuzz/fuzz_exits
	$(call fuzz_run,exits,10,fuzz-smoke-exits,4096)

FUZZ_EXITS_SECONDS ?= 300
fuzz-exits: $(BUILD)/fuzz/fuzz_exits
	$(call fuzz_run,exits,$(FUZZ_EXITS_SECONDS),fuzz-exits,4096)

fuzz: fuzz-exits
