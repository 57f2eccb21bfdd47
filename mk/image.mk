# build/esp.img: a FAT32 EFI system partition with the UEFI stage as the
# removable-media boot file, the kernel, the default host config, the test
# guests (hv/guests/) and their VM files (hv/vms/).
# 130 cylinders x 16 heads x 63 sectors, so that Bochs sees an exact
# geometry; mformat needs over 32 MiB for FAT32.
ESP_SECTORS := 131040
ESP_VMX     := $(sort $(wildcard config/vms/*.vmx))
ESP_EXTRA    = $(foreach g,$(GUEST_BINS),$(g) hv/guests/$(notdir $(g))) \
               $(foreach v,$(ESP_VMX),$(v) hv/vms/$(notdir $(v)))

$(BUILD)/esp.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf config/host.cfg $(GUEST_BINS) \
                  $(ESP_VMX) tools/make-esp.sh
	$(Q)tools/make-esp.sh $@ $(ESP_SECTORS) $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf \
	    config/host.cfg $(ESP_EXTRA)
	@echo "  ESP  $@"

# build/run.img: the same ESP with config/host-run.cfg as its host config,
# which starts the sample guests at boot (`make run`), plus RUN_EXTRA (pairs
# like ESP_EXTRA's: the Debian guests when built, mk/linux_guests.mk).
$(BUILD)/run.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf config/host-run.cfg $(GUEST_BINS) \
                  $(ESP_VMX) tools/make-esp.sh
	$(Q)tools/make-esp.sh $@ $(ESP_SECTORS) $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf \
	    config/host-run.cfg $(ESP_EXTRA) $(RUN_EXTRA)
	@echo "  ESP  $@"
