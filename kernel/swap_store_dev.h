/* The swapper's swap store (mm/swap_store.h) backed by the host's swap
 * device (kernel/swap_dev.c): thin wrappers, so mm/ never includes kernel/
 * or drivers/. One device per host, shared by every VM's swapper. */
#ifndef KERNEL_SWAP_STORE_DEV_H
#define KERNEL_SWAP_STORE_DEV_H

#include "mm/swap_store.h"

/* The ops table when a swap device is open, else NULL (compression only). */
const struct swap_store_ops *swap_store_dev_ops(void);
/* The device's slots (0 without one) and slots in use, for admission and
 * memstats. */
uint64_t swap_store_dev_slots(void);
uint64_t swap_store_dev_used(void);
bool swap_store_dev_failed(void);

#endif
