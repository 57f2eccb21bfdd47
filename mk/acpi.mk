# drivers/acpi_*: ACPI static tables (RSDP, XSDT/RSDT, MADT, FADT, \_S5).
ACPI_SRCS := drivers/acpi_tables.c drivers/acpi_aml_s5.c
KERNEL_C_SRCS += $(ACPI_SRCS)

UNIT_TESTS += test_acpi
test_acpi_SRCS = tests/unit/test_acpi.c $(ACPI_SRCS)

# libFuzzer target (mk/fuzz.mk): input bytes are a window of physical
# memory with the RSDP at its start.
$(BUILD)/fuzz/fuzz_acpi: tests/fuzz/fuzz_acpi.c $(ACPI_SRCS) drivers/acpi_tables.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_acpi.c $(ACPI_SRCS) -o $@

.PHONY: fuzz fuzz-acpi fuzz-smoke-acpi
HOSTED_TEST_STEPS += fuzz-smoke-acpi
fuzz-smoke-acpi: $(BUILD)/fuzz/fuzz_acpi
	$(call fuzz_run,acpi,10,fuzz-smoke-acpi,8192)

FUZZ_ACPI_SECONDS ?= 600
fuzz-acpi: $(BUILD)/fuzz/fuzz_acpi
	$(call fuzz_run,acpi,$(FUZZ_ACPI_SECONDS),fuzz-acpi,8192)

fuzz: fuzz-acpi
