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

UNIT_TESTS += test_vm_balloon
test_vm_balloon_SRCS = tests/unit/test_vm_balloon.c kernel/vm_balloon.c

# ---- fuzzing: the balloon behind its transport under arbitrary programs ----
# `make fuzz-smoke-virtio` (a step of `make test`) runs 10 s from the seed
# corpus; `make fuzz-virtio` (and `make fuzz`) runs FUZZ_VIRTIO_SECONDS.
FUZZ_VIRTIO_SRCS    := tests/fuzz/fuzz_virtio.c $(VIRTIO_SRCS)
FUZZ_VIRTIO_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_virtio: $(FUZZ_VIRTIO_SRCS) vmm/virtqueue.h vmm/dev_virtio_mmio.h \
                           vmm/dev_virtio_balloon.h vmm/dev_irq.h include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_VIRTIO_SRCS) -o $@

.PHONY: fuzz-virtio fuzz-smoke-virtio
HOSTED_TEST_STEPS += fuzz-smoke-virtio
fuzz-smoke-virtio: $(BUILD)/fuzz/fuzz_virtio
	$(call fuzz_run,virtio,10,fuzz-smoke-virtio,4096)

fuzz-virtio: $(BUILD)/fuzz/fuzz_virtio
	$(call fuzz_run,virtio,$(FUZZ_VIRTIO_SECONDS),fuzz-virtio,4096)

fuzz: fuzz-virtio
