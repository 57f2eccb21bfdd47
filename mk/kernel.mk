# The image: arch/, drivers/ and the kernel's machine-facing parts.
KERNEL_ASM_SRCS += arch/x86_64/entry.asm arch/x86_64/isr.asm
KERNEL_C_SRCS += arch/x86_64/gdt.c arch/x86_64/idt.c arch/x86_64/trap_dump.c \
                 arch/x86_64/paging.c arch/x86_64/lapic.c arch/x86_64/irqchip.c \
                 arch/x86_64/tsc.c arch/x86_64/cpu_features.c arch/x86_64/platform_x86.c \
                 arch/x86_64/panic.c arch/x86_64/safe_insn.c \
                 drivers/uart16550.c drivers/acpi_power.c \
                 kernel/main.c kernel/console.c kernel/console_ring.c kernel/bootfiles.c kernel/shell.c \
                 kernel/shell_cmds.c kernel/shell_memstats.c kernel/shell_attach.c kernel/version.c \
                 kernel/wall_clock.c

HV_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/k/kernel/version.o: KCFLAGS += -DHV_VERSION='"$(HV_VERSION)"'
$(BUILD)/k/kernel/version.o: $(BUILD)/version.stamp
# Rebuild version.o only when the description changes.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(BUILD); echo '$(HV_VERSION)' | cmp -s - $@ || echo '$(HV_VERSION)' > $@
.PHONY: FORCE
FORCE:

# The host's time of day from the firmware's clock.
UNIT_TESTS += test_wall_clock
test_wall_clock_SRCS = tests/unit/test_wall_clock.c kernel/wall_clock.c lib/calendar.c kernel/log.c \
                       lib/text_escape.c lib/format.c lib/string.c $(FAKE_PLATFORM_SRCS)

UNIT_TESTS += test_cpu_features
test_cpu_features_SRCS = tests/unit/test_cpu_features.c arch/x86_64/cpu_features.c lib/string.c

# The console's transmit ring (pure; kernel/console.c drives the UART with it).
UNIT_TESTS += test_console_ring
test_console_ring_SRCS = tests/unit/test_console_ring.c kernel/console_ring.c
