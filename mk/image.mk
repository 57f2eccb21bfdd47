# build/esp.img: a FAT32 EFI system partition with the UEFI stage as the
# removable-media boot file, the kernel, and the default host config.
# 130 cylinders x 16 heads x 63 sectors, so that Bochs sees an exact
# geometry; mformat needs over 32 MiB for FAT32.
ESP_SECTORS := 131040
ESP_FILES   := $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf config/host.cfg

$(BUILD)/esp.img: $(ESP_FILES) tools/make-esp.sh
	$(Q)tools/make-esp.sh $@ $(ESP_SECTORS) $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf config/host.cfg
	@echo "  ESP  $@"
