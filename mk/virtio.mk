# virtio-mmio with the virtio balloon (docs/devices.md, "virtio"): the split
# virtqueue, the MMIO transport and the balloon are pure models tested
# hosted and fuzzed; virtio_balloon_attach.c wires the balloon to a VM.
VIRTIO_SRCS := vmm/virtqueue.c vmm/dev_virtio_mmio.c vmm/dev_virtio_balloon.c
KERNEL_C_SRCS += $(VIRTIO_SRCS)

UNIT_TESTS += test_virtqueue
test_virtqueue_SRCS = tests/unit/test_virtqueue.c vmm/virtqueue.c

UNIT_TESTS += test_dev_virtio_balloon
test_dev_virtio_balloon_SRCS = tests/unit/test_dev_virtio_balloon.c $(VIRTIO_SRCS)
KERNEL_C_SRCS += vmm/virtio_balloon_attach.c kernel/vm_balloon.c kernel/shell_balloon.c
