# memtouch's fill= kinds measured on the guest's own pages: check_fill.py
# boots memtouch in plain QEMU (like guests-qemu), dumps what it wrote and
# memtouch_fill_check measures it with the page codec and liblz4 (zero pages
# are tags, text compresses 2-4x, random does not compress); it also checks
# that the corrupt= hook is reported. A hosted test step.
MEMTOUCH_FILL_CHECK_SRCS := tests/guests/memtouch_fill_check.c $(CODEC_SRCS)

$(BUILD)/guests/memtouch_fill_check: $(MEMTOUCH_FILL_CHECK_SRCS) mm/codec.h mk/memtouch_fill.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) $(HOSTLDFLAGS) $(MEMTOUCH_FILL_CHECK_SRCS) -llz4 -o $@

.PHONY: memtouch-fill
HOSTED_TEST_STEPS += memtouch-fill
memtouch-fill: $(BUILD)/guests/memtouch.bin $(BUILD)/guests/memtouch_fill_check
	@mkdir -p $(BUILD)/results
	@$(PYTHON) tests/guests/check_fill.py $(BUILD)/guests $(BUILD)/guests/memtouch_fill_check \
		$(BUILD)/results/memtouch-fill.tally $(BUILD)/memtouch-fill
