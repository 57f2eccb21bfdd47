# Unmodified guests from Debian packages (docs/guests.md, "Linux and
# memtest86+"): fetched by the build (apt-get: the network and root), never
# committed, and not needed by `make`; `make test` fetches them before its
# unit tests (the loaders' tests of the real images) and system scenarios.
#   make linux-guests       build/guests-linux/{vmlinuz,vmlinux,initramfs.gz,memtest.bin}
#   make linux-guests-qemu  boots them in plain QEMU, by QEMU's loader and by
#                           ours (vmm/loader_linux.c), and checks them (~100 s)
# The packages are cached in build/guests-deb (tools/fetch-guests.sh).
LINUX_DEB_DIR   := $(BUILD)/guests-deb
LINUX_GUEST_DIR := $(BUILD)/guests-linux
LINUX_GUEST_FILES := $(LINUX_GUEST_DIR)/vmlinuz $(LINUX_GUEST_DIR)/initramfs.gz \
                     $(LINUX_GUEST_DIR)/memtest.bin $(LINUX_GUEST_DIR)/vmlinux

# Freestanding: raw system calls, no libc, so Debian's compiler alone builds
# a static binary for the initramfs.
MEMVERIFY_CFLAGS := -std=c11 -O2 -static -nostdlib -ffreestanding -fno-stack-protector \
                    -fno-pie $(WARN)

$(LINUX_DEB_DIR)/.fetched: tools/fetch-guests.sh
	@tools/fetch-guests.sh $(LINUX_DEB_DIR)
	@touch $@

$(LINUX_GUEST_DIR)/memverify: tests/guests/memverify.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(MEMVERIFY_CFLAGS) $< -o $@

# The virtio balloon's modules (Debian builds virtio, virtio_ring,
# virtio_mmio and virtio_balloon as modules), from the kernel package the
# fetch extracted, in the order their dependencies need; init loads them.
LINUX_VIRTIO_MODS := virtio_ring virtio virtio_mmio virtio_balloon
LINUX_MOD_DIR = $(firstword $(wildcard $(LINUX_DEB_DIR)/root/lib/modules/*/kernel/drivers/virtio))
# The ACPI button driver (a module too): the fixed power button's handler.
LINUX_BUTTON_MOD = $(firstword $(wildcard $(LINUX_DEB_DIR)/root/lib/modules/*/kernel/drivers/acpi/button.ko))

# VMware's vmware-rpctool (open-vm-tools), unmodified: GuestRPC from a user
# process through the backdoor. It is dynamic and needs only libc6's libc
# and its loader (at /lib64, the path its ELF names; the package's /lib64 entry
# is a link to the host's absolute path, so the file comes from its real place).
LINUX_LIBC_DIR = $(LINUX_DEB_DIR)/root/lib/x86_64-linux-gnu

$(LINUX_GUEST_DIR)/initramfs.gz: $(LINUX_DEB_DIR)/.fetched $(LINUX_GUEST_DIR)/memverify \
                                 tools/mkinitramfs.py tests/guests/linux-init.sh mk/linux_guests.mk
	$(Q)$(PYTHON) tools/mkinitramfs.py $@ $(LINUX_DEB_DIR)/busybox tests/guests/linux-init.sh \
	    memverify=$(LINUX_GUEST_DIR)/memverify \
	    $(foreach m,$(LINUX_VIRTIO_MODS),mod:$(m).ko=$(LINUX_MOD_DIR)/$(m).ko) \
	    mod:button.ko=$(LINUX_BUTTON_MOD) \
	    vmware-rpctool=$(LINUX_DEB_DIR)/root/usr/bin/vmware-rpctool \
	    path:/lib/x86_64-linux-gnu/libc.so.6=$(LINUX_LIBC_DIR)/libc.so.6 \
	    path:/lib64/ld-linux-x86-64.so.2=$(LINUX_LIBC_DIR)/ld-linux-x86-64.so.2

$(LINUX_GUEST_DIR)/vmlinuz $(LINUX_GUEST_DIR)/memtest.bin: $(LINUX_DEB_DIR)/.fetched
	@mkdir -p $(dir $@)
	$(Q)cp -L $(LINUX_DEB_DIR)/$(notdir $@) $@

# The same kernel uncompressed, for its PVH entry (vmm/loader_pvh.c): the ELF
# inside the bzImage's XZ payload, compacted (docs/guests.md, "The PVH entry").
$(LINUX_GUEST_DIR)/vmlinux: $(LINUX_DEB_DIR)/.fetched tools/extract-vmlinux.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/extract-vmlinux.py $(LINUX_DEB_DIR)/vmlinuz $@

# Our loader's output booted in QEMU: linux_loader_dump runs vmm/loader_linux.c
# on the host, linuxboot_stub (a Multiboot kernel) copies what it wrote into
# place and enters the kernel in the state guest_boot_state describes.
LINUX_STUB := $(LINUX_GUEST_DIR)/linuxboot_stub.bin
LINUX_DUMP := $(LINUX_GUEST_DIR)/linux_loader_dump
LINUX_DUMP_SRCS := tests/guests/linux_loader_dump.c vmm/loader_linux.c vmm/loader_linux_entry.c \
                   vmm/loader_e820.c vmm/loader_refusal.c lib/format.c lib/string.c

$(LINUX_STUB): tests/guests/linuxboot_stub.asm
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f bin $< -o $@

$(LINUX_DUMP): $(LINUX_DUMP_SRCS) vmm/guest_loader.h vmm/loader_linux_boot.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) $(HOSTLDFLAGS) $(LINUX_DUMP_SRCS) -o $@

.PHONY: linux-guests linux-guests-qemu
linux-guests: $(LINUX_GUEST_FILES)

linux-guests-qemu: linux-guests $(LINUX_STUB) $(LINUX_DUMP)
	@mkdir -p $(BUILD)/results
	@tests/guests/check_linux_qemu.sh $(LINUX_GUEST_DIR) $(BUILD)/results/linux-guests-qemu.tally \
	    $(BUILD)/linux-guests-qemu

# build/run.img (`make run`) carries them as hv/guests/ when they have been
# built, beside config/vms/linux.vmx and memtest.vmx; build/esp.img never
# does, so `make` needs no download. Not the 35 MB vmlinux: the bzImage and
# it would not both fit on the 64 MiB ESP beside the others.
LINUX_RUN_FILES := $(filter-out %/vmlinux,$(wildcard $(LINUX_GUEST_FILES)))
RUN_EXTRA += $(foreach f,$(LINUX_RUN_FILES),$(f) hv/guests/$(notdir $(f)))
$(BUILD)/run.img: $(LINUX_RUN_FILES)

# The Linux scenario `make test` leaves out (minutes, and it tests one timer
# fix): Debian's kernel on the PIT in one-shot mode (`acpi=off`), then the
# two `make test` runs too: memtest86+ to the end of a pass, and Debian's
# kernel beside two memtouch VMs, under the monitor in Bochs
# (tests/system/linux_scenarios.py).
.PHONY: linux-bochs
linux-bochs: $(BUILD)/esp.img $(LINUX_GUEST_FILES)
	@$(PYTHON) tests/system/run_system_tests.py --linux --image $(BUILD)/esp.img \
	    --only bochs_linux_pit_oneshot bochs_memtest_pass bochs_linux_initramfs

# Figures, not a test: Debian's kernel alone from `vm start` to the
# initramfs marker (wall seconds, the VM's instructions), its exits per
# second of guest time by reason and the dearest reasons by mean cost,
# through the bzImage and through the vmlinux's PVH entry, twice each
# (bench_linux_boot in tests/system/linux_scenarios.py; about 5 minutes).
.PHONY: bench-linux
bench-linux: $(BUILD)/esp.img $(LINUX_GUEST_FILES)
	@$(PYTHON) tests/system/run_system_tests.py --image $(BUILD)/esp.img --only bench_linux_boot
