# Device models for unmodified guests (issue 14): pure state machines with a
# time source passed in (docs/devices.md). In the image, not yet attached to
# a VM (the port and MMIO bus wires them in); tested hosted.
# lib/calendar.c is the RTC's calendar (the kernel's wall clock uses it too);
# the board wires the RTC to the ACPI PM block (vmm/dev_pm.c) for S3.
DEVICE_SRCS := vmm/dev_pit.c vmm/dev_pic.c vmm/dev_rtc.c vmm/dev_i8042.c vmm/dev_ioapic.c \
               vmm/dev_lapic.c vmm/dev_testdev.c vmm/dev_pm.c vmm/dev_hpet.c lib/calendar.c
KERNEL_C_SRCS += $(DEVICE_SRCS) vmm/testdev_attach.c vmm/bios_handoff.c vmm/bios_handoff_attach.c vmm/guest_rom_attach.c

UNIT_TESTS += test_dev_pit
test_dev_pit_SRCS = tests/unit/test_dev_pit.c vmm/dev_pit.c

UNIT_TESTS += test_dev_pic
test_dev_pic_SRCS = tests/unit/test_dev_pic.c vmm/dev_pic.c

UNIT_TESTS += test_dev_rtc
test_dev_rtc_SRCS = tests/unit/test_dev_rtc.c vmm/dev_rtc.c lib/calendar.c

UNIT_TESTS += test_dev_i8042
test_dev_i8042_SRCS = tests/unit/test_dev_i8042.c vmm/dev_i8042.c

UNIT_TESTS += test_dev_ioapic
test_dev_ioapic_SRCS = tests/unit/test_dev_ioapic.c vmm/dev_ioapic.c

UNIT_TESTS += test_dev_lapic
test_dev_lapic_SRCS = tests/unit/test_dev_lapic.c vmm/dev_lapic.c

UNIT_TESTS += test_bios_handoff
test_bios_handoff_SRCS = tests/unit/test_bios_handoff.c vmm/bios_handoff.c vmm/dev_pic.c vmm/dev_pit.c

UNIT_TESTS += test_dev_hpet
test_dev_hpet_SRCS = tests/unit/test_dev_hpet.c vmm/dev_hpet.c

UNIT_TESTS += test_dev_testdev
test_dev_testdev_SRCS = tests/unit/test_dev_testdev.c vmm/dev_testdev.c

# ---- fuzzing: the models under arbitrary port programs ---------------------
# `make fuzz-smoke-devices` (a step of `make test`) runs 10 s from the seed
# corpus; `make fuzz-devices` (and `make fuzz`) runs FUZZ_DEVICES_SECONDS.
FUZZ_DEVICES_SRCS    := tests/fuzz/fuzz_devices.c $(DEVICE_SRCS)
FUZZ_DEVICES_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_devices: $(FUZZ_DEVICES_SRCS) $(wildcard vmm/dev_*.h) include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_DEVICES_SRCS) -o $@

.PHONY: fuzz fuzz-devices fuzz-smoke-devices
HOSTED_TEST_STEPS += fuzz-smoke-devices
fuzz-smoke-devices: $(BUILD)/fuzz/fuzz_devices
	$(call fuzz_run,devices,10,fuzz-smoke-devices,4096)

fuzz-devices: $(BUILD)/fuzz/fuzz_devices
	$(call fuzz_run,devices,$(FUZZ_DEVICES_SECONDS),fuzz-devices,4096)

fuzz: fuzz-devices
