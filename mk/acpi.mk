# drivers/acpi_*: ACPI static tables (RSDP, XSDT/RSDT, MADT, FADT, \_S5).
ACPI_SRCS := drivers/acpi_tables.c drivers/acpi_aml_s5.c
KERNEL_C_SRCS += $(ACPI_SRCS)

UNIT_TESTS += test_acpi
test_acpi_SRCS = tests/unit/test_acpi.c $(ACPI_SRCS)

# libFuzzer target: input bytes are a window of physical memory with the RSDP
# at its start. Built straight from the sources (libFuzzer needs its own
# instrumentation, not the unit-test objects).
FUZZ_ACPI_BIN    := $(BUILD)/fuzz/fuzz_acpi
FUZZ_ACPI_SEEDS  := tests/fuzz/corpus/acpi
FUZZ_ACPI_WORK   := $(BUILD)/fuzz/corpus-acpi
FUZZ_CFLAGS      := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                    -fno-sanitize-recover=all $(WARN) -I. -DHV_HOSTED=1 -D_DEFAULT_SOURCE

$(FUZZ_ACPI_BIN): tests/fuzz/fuzz_acpi.c $(ACPI_SRCS) drivers/acpi_tables.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_acpi.c $(ACPI_SRCS) -o $@

# Runs the fuzzer for `1` seconds over a scratch corpus seeded from the
# committed one (the committed seeds are never written); records a tally.
define fuzz_acpi_run
	@mkdir -p $(FUZZ_ACPI_WORK) $(BUILD)/results
	@if $(FUZZ_ACPI_BIN) -max_total_time=$(1) -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix=$(BUILD)/fuzz/acpi- -print_final_stats=1 \
	     $(FUZZ_ACPI_WORK) $(FUZZ_ACPI_SEEDS) > $(BUILD)/fuzz/fuzz-acpi.log 2>&1; then \
	    echo "1 0" > $(BUILD)/results/$(2).tally; \
	    echo "$(2): clean ($(1) s, $$(ls $(FUZZ_ACPI_SEEDS) | wc -l) seeds)"; \
	else \
	    echo "0 1" > $(BUILD)/results/$(2).tally; \
	    tail -n 40 $(BUILD)/fuzz/fuzz-acpi.log; \
	    echo "$(2): FAILED, see $(BUILD)/fuzz/fuzz-acpi.log and $(BUILD)/fuzz/acpi-*"; \
	    exit 1; \
	fi
endef

.PHONY: fuzz fuzz-acpi fuzz-smoke-acpi
HOSTED_TEST_STEPS += fuzz-smoke-acpi
fuzz-smoke-acpi: $(FUZZ_ACPI_BIN)
	$(call fuzz_acpi_run,10,fuzz-smoke-acpi)

FUZZ_ACPI_SECONDS ?= 600
fuzz-acpi: $(FUZZ_ACPI_BIN)
	$(call fuzz_acpi_run,$(FUZZ_ACPI_SECONDS),fuzz-acpi)

fuzz: fuzz-acpi
