# lib/: freestanding utilities shared by the image and the hosted tests.
KERNEL_C_SRCS += lib/string.c lib/format.c

UNIT_TESTS += test_format
test_format_SRCS := tests/unit/test_format.c lib/format.c lib/string.c

# Untrusted text (guest output, config values) escaped for the terminal.
KERNEL_C_SRCS += lib/text_escape.c
UNIT_TESTS += test_text_escape
test_text_escape_SRCS := tests/unit/test_text_escape.c lib/text_escape.c lib/string.c
