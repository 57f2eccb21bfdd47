# VMware's backdoor and pseudo performance counters (vmm/backdoor.c: the
# calls, pure; vmm/exit_gp.c: the intercepted #GP and RDPMC). After vmm.mk,
# whose test_exits_SRCS it extends.
KERNEL_C_SRCS += vmm/backdoor.c vmm/exit_gp.c

UNIT_TESTS += test_backdoor
test_backdoor_SRCS = tests/unit/test_backdoor.c vmm/backdoor.c

# GETTIMEFULL answers the host's time of day (kernel/wall_clock.c).
test_exits_SRCS += vmm/backdoor.c vmm/exit_gp.c kernel/wall_clock.c
