# INS/OUTS carried out for the guest (vmm/string_io.c: the rules, pure;
# vmm/exit_io_string.c: the exit; vmm/guest_linear.c: guest memory by linear
# address for the monitor). After vmm.mk, whose test_exits_SRCS it extends.
KERNEL_C_SRCS += vmm/string_io.c vmm/exit_io_string.c vmm/guest_linear.c

UNIT_TESTS += test_string_io
test_string_io_SRCS = tests/unit/test_string_io.c vmm/string_io.c

test_exits_SRCS += vmm/string_io.c vmm/exit_io_string.c vmm/guest_linear.c
