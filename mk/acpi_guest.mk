# What the guest is told through ACPI (vmm/acpi_guest*.c, pure) and the
# PM1 and reset device behind the FADT (vmm/dev_pm*.c). The generator's
# hosted test reads the tables back with the host's ACPI reader.
ACPI_GUEST_SRCS := vmm/acpi_guest.c vmm/acpi_guest_aml.c
KERNEL_C_SRCS += $(ACPI_GUEST_SRCS)

UNIT_TESTS += test_acpi_guest
test_acpi_guest_SRCS = tests/unit/test_acpi_guest.c $(ACPI_GUEST_SRCS) lib/string.c \
                       drivers/acpi_tables.c drivers/acpi_aml_s5.c

KERNEL_C_SRCS += vmm/dev_pm_attach.c vmm/acpi_guest_attach.c  # vmm/dev_pm.c: DEVICE_SRCS
UNIT_TESTS += test_dev_pm
test_dev_pm_SRCS = tests/unit/test_dev_pm.c vmm/dev_pm.c
