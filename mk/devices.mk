# Device models for unmodified guests (issue 14): pure state machines with a
# time source passed in (docs/devices.md). In the image, not yet attached to
# a VM (the port and MMIO bus wires them in); tested hosted.
DEVICE_SRCS := vmm/dev_pit.c vmm/dev_pic.c vmm/dev_rtc.c vmm/dev_i8042.c
KERNEL_C_SRCS += $(DEVICE_SRCS)

UNIT_TESTS += test_dev_pit
test_dev_pit_SRCS = tests/unit/test_dev_pit.c vmm/dev_pit.c

UNIT_TESTS += test_dev_pic
test_dev_pic_SRCS = tests/unit/test_dev_pic.c vmm/dev_pic.c

UNIT_TESTS += test_dev_rtc
test_dev_rtc_SRCS = tests/unit/test_dev_rtc.c vmm/dev_rtc.c

UNIT_TESTS += test_dev_i8042
test_dev_i8042_SRCS = tests/unit/test_dev_i8042.c vmm/dev_i8042.c
