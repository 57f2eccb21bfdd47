# Generic rules; included last so that every fragment's lists are complete.

KOBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C_SRCS)) \
         $(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_ASM_SRCS))

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(KCC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(KASFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/kernel.elf: $(KOBJS) linker.ld
	$(Q)$(KLD) $(KLDFLAGS) -T linker.ld $(KOBJS) -o $@

# ---- hosted unit tests -------------------------------------------------
$(BUILD)/h/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -MMD -MP -c $< -o $@

define unit_test_rule
$(BUILD)/unit/$(1): $$(patsubst %.c,$(BUILD)/h/%.o,$$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HOSTCC) $$(HOSTLDFLAGS) $$^ -o $$@ -lcmocka $$($(1)_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))

.PHONY: all deps unit hosted-steps system test run clean
all: $(BUILD)/esp.img

deps:
	@tools/install-deps.sh

unit: $(UNIT_BINS)
	@tools/run-unit-tests.sh $(UNIT_BINS)

hosted-steps:
	@set -e; for s in $(HOSTED_TEST_STEPS); do $(MAKE) --no-print-directory $$s; done

# Debian's kernel, busybox and memtest86+ (fetched with apt-get download,
# mk/linux_guests.mk): bochs_linux_initramfs boots them.
system: $(BUILD)/esp.img $(LINUX_GUEST_FILES)
	@$(PYTHON) tests/system/run_system_tests.py --image $(BUILD)/esp.img

# The order is the issue's: hosted unit tests, other hosted steps, then the
# emulators; the first failing tier stops the run.
test: deps
	@rm -f $(BUILD)/results/*.tally
	@$(MAKE) --no-print-directory all
	@# Debian's guests before the unit tests: the loaders' tests of the
	@# real kernel and memtest86+ skip without them (the system step needs
	@# them anyway).
	@$(MAKE) --no-print-directory linux-guests
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory hosted-steps
	@$(MAKE) --no-print-directory system
	@tools/tally.sh

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/run.img
	@tools/run.sh $(BUILD)/run.img

clean:
	rm -rf $(BUILD)

# build/guests-deb holds extracted Debian packages (tools/fetch-guests.sh),
# whose /etc has directories named *.d: not ours, and not worth walking.
-include $(shell find $(BUILD) -path $(BUILD)/guests-deb -prune -o -type f -name '*.d' -print 2>/dev/null)
