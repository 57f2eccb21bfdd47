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

VICTIM_SRCS := mm/victim.c mm/victim_sets.c mm/victim_car.c mm/victim_clockpro.c \
               mm/victim_recent.c mm/victim_early.c
MEMPOLICY_SRCS += $(VICTIM_SRCS)
KERNEL_C_SRCS += $(VICTIM_SRCS)
UNIT_TESTS += test_victim
test_victim_SRCS := tests/unit/test_victim.c $(VICTIM_SRCS) mm/physmap.c \
                    tests/fake/platform_fake.c $(FAKE_GPA) $(MP_LIB)
UNIT_TESTS += test_victim_policies
test_victim_policies_SRCS := tests/unit/test_victim_policies.c $(VICTIM_SRCS) mm/physmap.c \
                    tests/fake/platform_fake.c $(FAKE_GPA) $(MP_LIB)

# ---- the simulator ----------------------------------------------------------
# build/memsim is optimised (-O2, no sanitizers) for the benchmark;
# build/memsim-san is the same code under ASan/UBSan for the simulator tests.
MEMSIM_SRCS := tests/sim/memsim_main.c tests/sim/sim.c tests/sim/opt.c tests/sim/trace.c tests/sim/cost.c \
               $(MEMPOLICY_SRCS) mm/mpn_db.c mm/page_alloc.c tests/fake/platform_fake.c \
               tests/fake/panic_fake.c lib/panic.c $(FAKE_GPA) $(MP_LIB)
MEMSIM_CFLAGS := -std=c11 -O2 -g $(WARN) -I. -DHV_HOSTED=1 -D_DEFAULT_SOURCE

$(BUILD)/sim/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(MEMSIM_CFLAGS) -MMD -MP -c $< -o $@

# The simulator's content model and cost table on their own.
UNIT_TESTS += test_sim_cost
test_sim_cost_SRCS := tests/unit/test_sim_cost.c tests/sim/cost.c

$(BUILD)/memsim: $(patsubst %.c,$(BUILD)/sim/%.o,$(MEMSIM_SRCS))
	$(HOSTCC) $^ -o $@

$(BUILD)/memsim-san: $(patsubst %.c,$(BUILD)/h/%.o,$(MEMSIM_SRCS))
	$(HOSTCC) $(HOSTLDFLAGS) $^ -o $@

# Simulator tests with known answers (under sanitizers); a hosted test step.
HOSTED_TEST_STEPS += sim-test
.PHONY: sim-test bench-memsim plots
sim-test: $(BUILD)/memsim-san
	@$(PYTHON) tests/sim/sim_tests.py $(BUILD)/memsim-san

# libFuzzer target (mk/fuzz.mk): the trace reader on arbitrary bytes (a
# trace is a file from outside).
TRACE_FUZZ_SMOKE   ?= 6
TRACE_FUZZ_SECONDS ?= 300

$(BUILD)/fuzz/fuzz_trace: tests/fuzz/fuzz_trace.c tests/sim/trace.c tests/sim/trace.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_trace.c tests/sim/trace.c -o $@

.PHONY: fuzz fuzz-trace fuzz-smoke-trace
HOSTED_TEST_STEPS += fuzz-smoke-trace
fuzz-smoke-trace: $(BUILD)/fuzz/fuzz_trace
	$(call fuzz_run,trace,$(TRACE_FUZZ_SMOKE),fuzz-smoke-trace,4096)
fuzz-trace: $(BUILD)/fuzz/fuzz_trace
	$(call fuzz_run,trace,$(TRACE_FUZZ_SECONDS),fuzz-trace,4096)
fuzz: fuzz-trace

# Printed, not a timed test: each policy's faults as a ratio to OPT on the
# synthetic traces, then the real-program corpus (tests/sim/traces).
bench-memsim: $(BUILD)/memsim
	@$(PYTHON) tools/memsim-bench.py $(BUILD)/memsim

# The validation set (tools/trace-corpus.py): other programs, never tuned
# on, recorded into build/traces/validation/ (valgrind, a few minutes), then
# the same table as the corpus's.
.PHONY: bench-memsim-validation
bench-memsim-validation: $(BUILD)/memsim
	@tools/install-deps.sh valgrind gcc g++ sqlite3 mawk bc git xz-utils gzip nodejs jq perl \
	    clang zstd coreutils
	@$(PYTHON) tools/trace-corpus.py record-validation
	@$(PYTHON) tools/memsim-bench.py $(BUILD)/memsim --validation

# The real-program corpus: records (valgrind lackey) whatever is not yet in
# build/traces/raw/ and refreshes the committed tests/sim/traces/*.xz. Not
# needed by the tests or the benchmark, which read the committed copies.
.PHONY: traces
traces:
	@command -v valgrind >/dev/null || tools/install-deps.sh valgrind gcc sqlite3 tcl nodejs zstd
	@$(PYTHON) tools/trace-corpus.py record

# Time series of a run (consumed, target, active, free, state) as PNGs.
plots: $(BUILD)/memsim
	@tools/memsim-plots.sh $(BUILD)/memsim $(BUILD)/plots
