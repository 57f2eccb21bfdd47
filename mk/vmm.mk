# The VT-x monitor: VMX and EPT (arch), vCPUs and exits (vmm), VMs and the
# scheduler (kernel).
KERNEL_ASM_SRCS += arch/x86_64/vmx_entry.asm
KERNEL_C_SRCS += arch/x86_64/vmx.c arch/x86_64/ept.c arch/x86_64/fpu.c \
                 vmm/monitor.c vmm/vcpu_setup.c vmm/vcpu_boot_state.c vmm/vcpu_run.c vmm/exit_dispatch.c \
                 vmm/exit_cpuid.c vmm/exit_msr.c vmm/exit_cr.c vmm/exit_hypercall.c vmm/exit_io.c vmm/exit_decode.c \
                 vmm/exit_names.c vmm/guest_rules.c vmm/guest_state_vmcs.c vmm/io_ports.c \
                 vmm/dev_uart.c vmm/dev_ports.c vmm/dev_fw_cfg.c vmm/fw_cfg.c vmm/monitor_ops.c \
                 vmm/vplatform.c vmm/vcpu_events.c vmm/vcpu_startup.c vmm/vcpu_entry.c vmm/exit_mmio.c vmm/mmio_emulate.c \
                 vmm/guest_walk.c vmm/vcpu_describe.c \
                 kernel/vm.c kernel/vm_monitor.c kernel/vm_devices.c kernel/vm_mem.c \
                 kernel/sched.c kernel/sched_fair.c kernel/vcpu_handoff.c kernel/shell_vm.c kernel/shell_vm_regs.c kernel/shell_vm_peek.c kernel/shell_guestinfo.c mm/guest_mem.c mm/guest_rom.c mm/guest_devmem.c kernel/vm_reclaim.c


UNIT_TESTS += test_io_ports
test_io_ports_SRCS = tests/unit/test_io_ports.c tests/fake/vm_fail_fake.c vmm/io_ports.c vmm/dev_uart.c vmm/dev_ports.c \
                     vmm/dev_fw_cfg.c vmm/fw_cfg.c \
                     kernel/vm_devices.c $(FAKE_PLATFORM_SRCS) \
                     mm/heap.c mm/page_alloc.c mm/mpn_db.c lib/report_once.c

UNIT_TESTS += test_vpid
test_vpid_SRCS = tests/unit/test_vpid.c

UNIT_TESTS += test_vcpu_describe
test_vcpu_describe_SRCS = tests/unit/test_vcpu_describe.c vmm/vcpu_describe.c lib/format.c

# What the console shows of a vCPU when the monitor stops its VM for it
# (vcpu_fail): registers, segments, the code at RIP (vmm/vcpu_dump.h).
KERNEL_C_SRCS += vmm/vcpu_dump.c vmm/vcpu_dump_format.c vmm/vcpu_fail.c

# A VM's display memory at 0xA0000 (svga.present), as memory.
KERNEL_C_SRCS += vmm/vga_attach.c vmm/vga_window.c
UNIT_TESTS += test_vcpu_dump
test_vcpu_dump_SRCS = tests/unit/test_vcpu_dump.c vmm/vcpu_dump_format.c lib/format.c lib/string.c

UNIT_TESTS += test_guest_rules
test_guest_rules_SRCS = tests/unit/test_guest_rules.c vmm/guest_rules.c

UNIT_TESTS += test_exits
test_exits_SRCS = tests/unit/test_exits.c tests/fake/vm_fail_fake.c tests/fake/vm_exit_fake.c vmm/exit_dispatch.c vmm/exit_cpuid.c vmm/exit_msr.c \
                  vmm/exit_cr.c vmm/exit_hypercall.c vmm/exit_io.c vmm/exit_decode.c vmm/exit_names.c \
                  vmm/guest_rules.c vmm/io_ports.c vmm/dev_uart.c vmm/dev_ports.c vmm/dev_fw_cfg.c vmm/fw_cfg.c \
                  kernel/vm_devices.c tests/fake/guest_state_fake.c $(FAKE_PLATFORM_SRCS) \
                  mm/heap.c mm/page_alloc.c mm/mpn_db.c

UNIT_TESTS += test_ept
test_ept_SRCS = tests/unit/test_ept.c arch/x86_64/ept.c mm/page_alloc.c mm/mpn_db.c \
                $(FAKE_PLATFORM_SRCS)

# Figures (printed, not timed): the root-mode cost of a CPUID exit and the
# pages a partly-touching guest holds, measured in Bochs, where a TSC tick is
# one instruction.
.PHONY: bench-exits
bench-exits: $(BUILD)/esp.img
	@$(PYTHON) tests/system/run_system_tests.py --image $(BUILD)/esp.img \
	    --only bochs_exit_cost_and_lazy_memory bochs_memsched_sampling \
	    bench_swap_costs bench_overcommit

# Which slot a starting VM takes (ended VMs give theirs back when needed).
KERNEL_C_SRCS += kernel/vm_slots.c
UNIT_TESTS += test_vm_slots
test_vm_slots_SRCS = tests/unit/test_vm_slots.c kernel/vm_slots.c

# The guest's 16550A: the register model (pure) under COM1's port glue.
KERNEL_C_SRCS += vmm/dev_uart_regs.c
test_io_ports_SRCS += vmm/dev_uart_regs.c
test_exits_SRCS += vmm/dev_uart_regs.c
UNIT_TESTS += test_dev_uart
test_dev_uart_SRCS = tests/unit/test_dev_uart.c vmm/dev_uart_regs.c lib/string.c

# A guest's serial output: its ring and which lines reach the host console
# (serial.toHostConsole, the rate budget, counts said aloud).
KERNEL_C_SRCS += kernel/vm_console.c
UNIT_TESTS += test_vm_console
test_vm_console_SRCS = tests/unit/test_vm_console.c kernel/vm_console.c lib/format.c lib/string.c

# A guest's console ring as escaped text for `vm console`.
KERNEL_C_SRCS += kernel/console_text.c
UNIT_TESTS += test_console_text
test_console_text_SRCS = tests/unit/test_console_text.c kernel/console_text.c lib/text_escape.c \
                         lib/string.c

# The handlers stop VMs through vcpu_fail, which prints the vCPU's state.
test_exits_SRCS += vmm/vcpu_dump.c vmm/vcpu_dump_format.c vmm/vcpu_fail.c vmm/vga_window.c mm/physmap.c

# main's hosted test of the exit handlers (test_exits) links exit_msr.c and
# io_ports.c, which now keep their "logged once" sets in lib/report_once.c.
test_exits_SRCS += lib/report_once.c

UNIT_TESTS += test_vm_monitor
test_vm_monitor_SRCS = tests/unit/test_vm_monitor.c kernel/vm_monitor.c lib/format.c lib/string.c

UNIT_TESTS += test_fw_cfg
test_fw_cfg_SRCS = tests/unit/test_fw_cfg.c vmm/fw_cfg.c

UNIT_TESTS += test_vcpu_boot_state
test_vcpu_boot_state_SRCS = tests/unit/test_vcpu_boot_state.c vmm/vcpu_boot_state.c \
                            tests/fake/guest_state_fake.c $(FAKE_PLATFORM_SRCS)

# `vm console` attached (kernel/shell_attach.c) with a fake host console.
UNIT_TESTS += test_shell_attach
test_shell_attach_SRCS = tests/unit/test_shell_attach.c kernel/shell_attach.c kernel/vm_console.c \
                         kernel/console_text.c lib/text_escape.c lib/format.c lib/string.c

# Virtual interrupts (issue 14): the PC board that wires the device models
# (vmm/vplatform.c) and injection / HLT (vmm/vcpu_events.c), with the exit
# handlers that use them.
test_exits_SRCS += vmm/vcpu_events.c vmm/vplatform.c $(DEVICE_SRCS) vmm/exit_mmio.c \
                   vmm/mmio_emulate.c vmm/guest_walk.c $(INSN_SRCS) \
                   tests/fake/fake_gpa.c
# I/O breakpoints on the IN/OUT the monitor carries out: the rule, pure.
KERNEL_C_SRCS += vmm/io_breakpoint.c
test_exits_SRCS += vmm/io_breakpoint.c
UNIT_TESTS += test_io_breakpoint
test_io_breakpoint_SRCS = tests/unit/test_io_breakpoint.c vmm/io_breakpoint.c

# exit_mmio.c and the EPT-violation handler tell the BIOS area's ROM by
# mm/guest_rom.c (a write there is emulated and dropped).
test_exits_SRCS += mm/guest_rom.c
# exit_mmio.c routes the virtio balloon's window (mk/virtio.mk).
test_exits_SRCS += vmm/virtio_balloon_attach.c $(VIRTIO_SRCS)

UNIT_TESTS += test_vcpu_events
test_vcpu_events_SRCS = tests/unit/test_vcpu_events.c tests/fake/vm_fail_fake.c vmm/vcpu_events.c vmm/vplatform.c \
                        $(DEVICE_SRCS) vmm/io_ports.c vmm/dev_uart.c vmm/dev_uart_regs.c vmm/dev_ports.c \
                        vmm/dev_fw_cfg.c \
                        vmm/fw_cfg.c kernel/vm_devices.c lib/report_once.c \
                        tests/fake/guest_state_fake.c \
                        $(FAKE_PLATFORM_SRCS) mm/heap.c mm/page_alloc.c mm/mpn_db.c

# The guest page walker and MMIO emulation from CPU state to device.
UNIT_TESTS += test_mmio
test_mmio_SRCS = tests/unit/test_mmio.c vmm/guest_walk.c vmm/mmio_emulate.c $(INSN_SRCS) \
                 lib/format.c lib/string.c

# Several vCPUs (issues 13, 14): IPI routing, start-up, x2APIC transitions on
# the board, and INIT/SIPI applied to a fake VMCS.
UNIT_TESTS += test_vplatform_smp
test_vplatform_smp_SRCS = tests/unit/test_vplatform_smp.c vmm/vplatform.c $(DEVICE_SRCS) \
                          vmm/vcpu_startup.c vmm/vcpu_boot_state.c tests/fake/vm_fail_fake.c \
                          tests/fake/guest_state_fake.c $(FAKE_PLATFORM_SRCS)

# Sibling vCPUs on one physical CPU: the rest of a slice goes to one with an
# interrupt waiting, or from one spinning in a PAUSE loop (issue 14).
UNIT_TESTS += test_vcpu_handoff
test_vcpu_handoff_SRCS = tests/unit/test_vcpu_handoff.c kernel/vcpu_handoff.c
test_exits_SRCS += kernel/vcpu_handoff.c
test_vcpu_events_SRCS += kernel/vcpu_handoff.c

# Who runs next: least runtime first, with credit bounded to a slice.
UNIT_TESTS += test_sched_fair
test_sched_fair_SRCS = tests/unit/test_sched_fair.c kernel/sched_fair.c
