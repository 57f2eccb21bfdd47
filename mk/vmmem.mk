# vmm/vmmem.c: the monitor's release checks and VMTrack's per-vCPU allocation
# bound (issue 13); pure, hosted-tested.
KERNEL_C_SRCS += vmm/vmmem.c vmm/vmmem_poll.c
UNIT_TESTS += test_vmmem
test_vmmem_SRCS = tests/unit/test_vmmem.c vmm/vmmem.c lib/string.c

# The monitor's poll point and RAM fault path, with the kernel side faked.
UNIT_TESTS += test_vmmem_poll
test_vmmem_poll_SRCS = tests/unit/test_vmmem_poll.c tests/fake/vm_fail_fake.c vmm/vmmem_poll.c vmm/vmmem.c lib/string.c \
                       lib/format.c

# kernel/vmtrack.c: VMTrack's watch over a VM's answers to release requests
# (the seed's VMTrack_KillIfUnresponsiveVM); pure, hosted-tested. The image
# ends the VMs it names (kernel/vm_mem.c).
KERNEL_C_SRCS += kernel/vmtrack.c
UNIT_TESTS += test_vmtrack
test_vmtrack_SRCS = tests/unit/test_vmtrack.c kernel/vmtrack.c
