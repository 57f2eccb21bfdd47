/*
 * What a PC's BIOS leaves for the program it boots, for VMs whose guest a
 * BIOS would have started (Multiboot kernels, as GRUB or QEMU's loader start
 * them after SeaBIOS; flat images, as a boot sector): there is no BIOS here,
 * so the monitor sets up the state it would have left.
 *   - The 8259 pair initialised (vectors 0x08 and 0x70, cascade on IRQ 2,
 *     8086 mode), the timer's IRQ 0 and the cascade unmasked, the rest masked.
 *   - PIT channel 0 in mode 3 with a count of 65536: the 18.2 Hz tick.
 *   - A real-mode interrupt vector table at 0: IRQ 0-7 (0x08-0x0f) and 8-15
 *     (0x70-0x77) to handlers that acknowledge the 8259s and return; INT
 *     11h (equipment) and 12h (640 KiB below the EBDA-less 0xA0000) answer;
 *     the other BIOS services (0x10-0x1a) return CF set and AH = 0x86
 *     ("function not supported"); every other vector to an IRET. The
 *     handlers live in a ROM page of the VM's own at BIOS_HANDOFF_ROM_GPA.
 *   - The BIOS data area's COM1 base (0x400) and memory size (0x413).
 * A kernel that reprograms the 8259s and the PIT (every OS does) sees none
 * of it; a real-mode test kernel that waits with STI;HLT for the BIOS tick
 * (kvm-unit-tests' realmode test) is woken by it, as on a PC. Linux guests
 * are started by the monitor's own loader, as a direct kernel boot (qboot,
 * PVH) starts them: no BIOS state. Pure: the bytes and port writes only.
 */
#ifndef VMM_BIOS_HANDOFF_H
#define VMM_BIOS_HANDOFF_H

#include "include/hv/types.h"

/* The top page of the BIOS area, segment 0xF000 (the ACPI tables have the
 * segment's first page, 0xF0000). */
#define BIOS_HANDOFF_ROM_GPA 0xFF000ULL
#define BIOS_HANDOFF_ROM_SEG 0xF000u
#define BIOS_IVT_BYTES       1024u
#define BIOS_BDA_GPA         0x400u
#define BIOS_BDA_BYTES       0x20u    /* through 0x41f: COM ports to memory size */

/* The handlers' bytes for the ROM page (at most 4096 bytes written), and
 * the IVT (BIOS_IVT_BYTES) pointing at them; returns the bytes of `rom`
 * used. */
size_t bios_handoff_rom(uint8_t *rom, size_t len, uint8_t ivt[BIOS_IVT_BYTES]);
/* The BIOS data area's first BIOS_BDA_BYTES bytes (from BIOS_BDA_GPA). */
void bios_handoff_bda(uint8_t bda[BIOS_BDA_BYTES]);

/* The 8259 and 8254 programming a BIOS does, in order. */
struct bios_port_write {
    uint16_t port;
    uint8_t val;
};
const struct bios_port_write *bios_handoff_ports(size_t *n);

#endif
