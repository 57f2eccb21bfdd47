# Memory policy core (issue 4): physmap, sampler, victim selection, memsched,
# admission and preallocation, their unit tests, and the trace simulator.

MEMPOLICY_SRCS := mm/physmap.c
KERNEL_C_SRCS += $(MEMPOLICY_SRCS)

FAKE_GPA := tests/fake/fake_gpa.c
MP_LIB   := lib/string.c lib/format.c

UNIT_TESTS += test_physmap
test_physmap_SRCS := tests/unit/test_physmap.c mm/physmap.c $(FAKE_GPA) $(MP_LIB)

MEMPOLICY_SRCS += kernel/memsched.c
KERNEL_C_SRCS += kernel/memsched.c
UNIT_TESTS += test_memsched
test_memsched_SRCS := tests/unit/test_memsched.c kernel/memsched.c $(MP_LIB)

MEMPOLICY_SRCS += kernel/admission.c kernel/prealloc.c
KERNEL_C_SRCS += kernel/admission.c kernel/prealloc.c
UNIT_TESTS += test_admission
test_admission_SRCS := tests/unit/test_admission.c kernel/admission.c kernel/prealloc.c \
                       kernel/memsched.c mm/physmap.c $(FAKE_GPA) $(MP_LIB)

MEMPOLICY_SRCS += mm/sampler.c
KERNEL_C_SRCS += mm/sampler.c
UNIT_TESTS += test_sampler
test_sampler_SRCS := tests/unit/test_sampler.c mm/sampler.c tests/fake/platform_fake.c \
                     $(FAKE_GPA) $(MP_LIB)

MEMPOLICY_SRCS += mm/victim.c mm/victim_sets.c
KERNEL_C_SRCS += mm/victim.c mm/victim_sets.c
UNIT_TESTS += test_victim
test_victim_SRCS := tests/unit/test_victim.c mm/victim.c mm/victim_sets.c mm/physmap.c \
                    tests/fake/platform_fake.c $(FAKE_GPA) $(MP_LIB)

# ---- the simulator ----------------------------------------------------------
# build/memsim is optimised (-O2, no sanitizers) for the benchmark;
# build/memsim-san is the same code under ASan/UBSan for the simulator tests.
MEMSIM_SRCS := tests/sim/memsim_main.c tests/sim/sim.c tests/sim/opt.c tests/sim/trace.c \
               $(MEMPOLICY_SRCS) mm/mpn_db.c mm/page_alloc.c tests/fake/platform_fake.c \
               tests/fake/panic_fake.c $(FAKE_GPA) $(MP_LIB)
MEMSIM_CFLAGS := -std=c11 -O2 -g $(WARN) -I. -DHV_HOSTED=1 -D_DEFAULT_SOURCE

$(BUILD)/sim/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(MEMSIM_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/memsim: $(patsubst %.c,$(BUILD)/sim/%.o,$(MEMSIM_SRCS))
	$(HOSTCC) $^ -o $@

$(BUILD)/memsim-san: $(patsubst %.c,$(BUILD)/h/%.o,$(MEMSIM_SRCS))
	$(HOSTCC) $(HOSTLDFLAGS) $^ -o $@

# Simulator tests with known answers (under sanitizers); a hosted test step.
HOSTED_TEST_STEPS += sim-test
.PHONY: sim-test bench-memsim plots
sim-test: $(BUILD)/memsim-san
	@$(PYTHON) tests/sim/sim_tests.py $(BUILD)/memsim-san

# libFuzzer target: the trace reader on arbitrary bytes (a trace is a file
# from outside). `make test` runs it for TRACE_FUZZ_SMOKE seconds from the
# committed seeds (never written: new inputs go to a scratch corpus under
# build/); `make fuzz-trace` (and `make fuzz`) runs it longer.
TRACE_FUZZ_CFLAGS := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                     -fno-sanitize-recover=all $(WARN) -I. -DHV_HOSTED=1 -D_DEFAULT_SOURCE
TRACE_FUZZ_SMOKE   ?= 6
TRACE_FUZZ_SECONDS ?= 300

$(BUILD)/fuzz/fuzz_trace: tests/fuzz/fuzz_trace.c tests/sim/trace.c tests/sim/trace.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(TRACE_FUZZ_CFLAGS) tests/fuzz/fuzz_trace.c tests/sim/trace.c -o $@

# $(1): seconds; $(2): tally name.
define trace_fuzz_run
	@mkdir -p $(BUILD)/fuzz/corpus-trace $(BUILD)/results
	@if $(BUILD)/fuzz/fuzz_trace -max_total_time=$(1) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix=$(BUILD)/fuzz/trace- -print_final_stats=1 \
	     $(BUILD)/fuzz/corpus-trace tests/fuzz/corpus/trace > $(BUILD)/fuzz/fuzz-trace.log 2>&1; then \
	    echo "1 0" > $(BUILD)/results/$(2).tally; \
	    echo "$(2): clean ($(1) s, $$(grep -ao 'stat::number_of_executed_units: *[0-9]*' $(BUILD)/fuzz/fuzz-trace.log | tail -n1 | grep -o '[0-9]*$$') runs)"; \
	else \
	    echo "0 1" > $(BUILD)/results/$(2).tally; \
	    tail -n 40 $(BUILD)/fuzz/fuzz-trace.log; \
	    echo "$(2): FAILED, see $(BUILD)/fuzz/fuzz-trace.log and $(BUILD)/fuzz/trace-*"; \
	    exit 1; \
	fi
endef

.PHONY: fuzz fuzz-trace fuzz-smoke-trace
HOSTED_TEST_STEPS += fuzz-smoke-trace
fuzz-smoke-trace: $(BUILD)/fuzz/fuzz_trace
	$(call trace_fuzz_run,$(TRACE_FUZZ_SMOKE),fuzz-smoke-trace)
fuzz-trace: $(BUILD)/fuzz/fuzz_trace
	$(call trace_fuzz_run,$(TRACE_FUZZ_SECONDS),fuzz-trace)
fuzz: fuzz-trace

# Printed, not a timed test: each policy's faults as a ratio to OPT.
bench-memsim: $(BUILD)/memsim
	@$(PYTHON) tools/memsim-bench.py $(BUILD)/memsim

# Time series of a run (consumed, target, active, free, state) as PNGs.
plots: $(BUILD)/memsim
	@tools/memsim-plots.sh $(BUILD)/memsim $(BUILD)/plots
