# vmm/vmmem.c: the monitor's release checks and VMTrack's per-vCPU allocation
# bound (issue 13); pure, hosted-tested.
KERNEL_C_SRCS += vmm/vmmem.c vmm/vmmem_poll.c
UNIT_TESTS += test_vmmem
test_vmmem_SRCS = tests/unit/test_vmmem.c vmm/vmmem.c lib/string.c
