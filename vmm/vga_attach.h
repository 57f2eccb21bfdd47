/* A VM's display memory (svga.present): the 128 KiB a PC's display adapter
 * answers at [0xA0000, 0xC0000), the text screen at 0xB8000 among it, as
 * memory the guest reads and writes with every instruction form and no exit
 * (mm/guest_devmem.h), as a VGA's memory is on a PC and in an ESX VM. Guests
 * write their text screen there whether or not anyone looks, and scroll it
 * with MOVS or SSE copies, which the device emulator cannot carry out
 * between two devices. Only the memory: the adapter's registers (ports
 * 0x3B0-0x3DF) are unknown ports. Without it the range is the legacy hole:
 * reads all ones, writes dropped. */
#ifndef VMM_VGA_ATTACH_H
#define VMM_VGA_ATTACH_H

#include "include/hv/types.h"
#include "vmm/vga_window.h"

struct vm;
struct vplatform;

/* True when attached or not asked for; false with `why` when memory ran
 * out. The pages are freed with the VM (its device list). */
bool vga_attach(struct vm *vm, struct vplatform *plat, char *why, size_t whylen);

#endif
