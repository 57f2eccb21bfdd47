# lib/: freestanding utilities shared by the image and the hosted tests.
KERNEL_C_SRCS += lib/string.c lib/format.c lib/panic.c

UNIT_TESTS += test_format
test_format_SRCS := tests/unit/test_format.c lib/format.c lib/string.c
