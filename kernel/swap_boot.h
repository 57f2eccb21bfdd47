/* Bring-up of the swap device: probe the block drivers, pick the device
 * named by swap.device, refuse a boot disk, open the swap layer. */
#ifndef KERNEL_SWAP_BOOT_H
#define KERNEL_SWAP_BOOT_H

#include "kernel/host_config.h"

/* Logs one line saying what swap will use (or "swap: no device;
 * compression only"). Never fails the boot. */
void swap_boot_init(const struct host_config *cfg);

#endif
