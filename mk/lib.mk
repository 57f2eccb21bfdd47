# lib/: freestanding utilities shared by the image and the hosted tests.
KERNEL_C_SRCS += lib/string.c lib/format.c lib/panic.c

UNIT_TESTS += test_format
test_format_SRCS := tests/unit/test_format.c lib/format.c lib/string.c

# Untrusted text (guest output, config values) escaped for the terminal.
KERNEL_C_SRCS += lib/text_escape.c
UNIT_TESTS += test_text_escape
test_text_escape_SRCS := tests/unit/test_text_escape.c lib/text_escape.c lib/string.c

# Once-per-key reports with a fixed table (unknown MSRs and ports of a VM).
KERNEL_C_SRCS += lib/report_once.c
UNIT_TESTS += test_report_once
test_report_once_SRCS := tests/unit/test_report_once.c lib/report_once.c
