# Hardware task switches carried out for the guest (vmm/task_switch.c: the
# rules, pure, over a register snapshot and guest-linear memory callbacks;
# vmm/exit_task_switch.c: the exit). After vmm.mk, whose test_exits_SRCS it
# extends.
KERNEL_C_SRCS += vmm/task_switch.c vmm/exit_task_switch.c

UNIT_TESTS += test_task_switch
test_task_switch_SRCS = tests/unit/test_task_switch.c vmm/task_switch.c lib/string.c

test_exits_SRCS += vmm/task_switch.c vmm/exit_task_switch.c

# libFuzzer: a task switch through hostile descriptor tables and TSSs.
FUZZ_TASK_SWITCH_SRCS := tests/fuzz/fuzz_task_switch.c vmm/task_switch.c lib/string.c

$(BUILD)/fuzz/fuzz_task_switch: $(FUZZ_TASK_SWITCH_SRCS) vmm/task_switch.h include/hv/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_TASK_SWITCH_SRCS) -o $@

.PHONY: fuzz fuzz-task-switch fuzz-smoke-task-switch
HOSTED_TEST_STEPS += fuzz-smoke-task-switch
fuzz-smoke-task-switch: $(BUILD)/fuzz/fuzz_task_switch
	$(call fuzz_run,task_switch,6,fuzz-smoke-task-switch,4096)

fuzz-task-switch: $(BUILD)/fuzz/fuzz_task_switch
	$(call fuzz_run,task_switch,300,fuzz-task-switch,4096)

fuzz: fuzz-task-switch
