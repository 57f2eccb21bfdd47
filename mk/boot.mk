# boot/: the UEFI stage, built with gcc against GNU-EFI (Debian's gnu-efi).
EFI_INC    := /usr/include/efi
EFI_LIB    := /usr/lib
BOOT_SRCS  := boot/efi_main.c boot/console.c boot/esp_files.c boot/kernel_load.c \
              boot/page_tables.c lib/format.c
BOOT_CFLAGS := -std=gnu11 -O2 -g -fpic -ffreestanding -fno-stack-protector -fno-stack-check \
               -fshort-wchar -mno-red-zone -maccumulate-outgoing-args -mgeneral-regs-only \
               -DGNU_EFI_USE_MS_ABI -DHV_BOOT=1 -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I. \
               -Wall -Wextra -Werror -Wno-unused-parameter -Wno-pointer-sign
BOOT_OBJS  := $(patsubst %.c,$(BUILD)/boot/%.o,$(BOOT_SRCS))

$(BUILD)/boot/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)gcc $(BOOT_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/boot/bootx64.so: $(BOOT_OBJS)
	$(Q)ld -nostdlib -znocombreloc -shared -Bsymbolic -L$(EFI_LIB) -T$(EFI_LIB)/elf_x86_64_efi.lds \
	   $(EFI_LIB)/crt0-efi-x86_64.o $^ -o $@ -lefi -lgnuefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/boot/bootx64.so
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
	   -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@
