# tests/guests/: the small Multiboot v1 test guests (NASM, flat binaries with
# the a.out kludge, so no linker). `make` builds them; the system tests and
# the monitor load them from build/guests/. `make guests-qemu` boots each one
# in plain QEMU (which loads Multiboot kernels itself) and checks its output.
GUEST_NAMES := hello memtouch cpuid bad_triple bad_beyond bad_port bad_msr stringio taskswitch \
               testdev \
               debugregs acpi_poweroff hpet backdoor guestrpc mmioforms vgatext
# Guests built the same way but not booted by guests-qemu: realmode is a flat
# binary (not Multiboot); fpu checks state across vCPU switches, which only
# means something under the monitor.
MONITOR_GUEST_NAMES := realmode fpu hostile_cpu longmode echo irqtimer smp chaos chaos64
GUEST_BINS  := $(patsubst %,$(BUILD)/guests/%.bin,$(GUEST_NAMES) $(MONITOR_GUEST_NAMES))
GUEST_NASMFLAGS := -f bin -I tests/guests/
# hostile_console attacks the host's console and log (issue #11 items 7-14);
# like the monitor guests above, it is not booted by guests-qemu.
GUEST_BINS  += $(BUILD)/guests/hostile_console.bin

# NASM 2.16's -MD names only the main source, not %include'd files, so
# the includes are also listed by hand.
$(BUILD)/guests/%.bin: tests/guests/%.asm tests/guests/common.inc tests/guests/acpi.inc tests/guests/chaos.inc \
                        tests/guests/legacy_timers.inc
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(GUEST_NASMFLAGS) -MD $(@:.bin=.d) -MP $< -o $@

all: $(GUEST_BINS)

.PHONY: guests guests-qemu
guests: $(GUEST_BINS)

HOSTED_TEST_STEPS += guests-qemu
guests-qemu: $(GUEST_BINS)
	@mkdir -p $(BUILD)/results
	@tests/guests/check_guests.sh $(BUILD)/guests $(BUILD)/results/guests-qemu.tally $(BUILD)/guests-qemu
