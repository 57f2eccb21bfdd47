/* QEMU's firmware configuration device, the traditional I/O interface: a
 * 16-bit selector at port 0x510 and a byte-wide data port at 0x511 (QEMU's
 * docs/specs/fw_cfg.rst). Many small test kernels ask it for the signature,
 * the CPU count and the RAM size; it answers those and reads every other
 * item as empty (zeros), as QEMU does for a key it does not have. No DMA
 * interface (the ID item says so), and data-port writes are ignored. */
#ifndef VMM_DEV_FW_CFG_H
#define VMM_DEV_FW_CFG_H

#include "include/hv/types.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID        0x0001
#define FW_CFG_RAM_SIZE  0x0003
#define FW_CFG_NB_CPUS   0x0005
#define FW_CFG_MAX_CPUS  0x000f
#define FW_CFG_FILE_DIR  0x0019

struct fw_cfg {
    uint16_t key;
    uint32_t offset;     /* next byte of the selected item */
    uint64_t ram_bytes;
    uint16_t cpus;
};

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_bytes, uint16_t cpus);
/* A write to the selector: a new item, read from its first byte. */
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
/* The next byte of the selected item (0 past its end or for an unknown key). */
uint8_t fw_cfg_read(struct fw_cfg *f);

struct vm;
/* Puts the device on `vm`'s port bus. */
bool dev_fw_cfg_attach(struct vm *vm);

#endif
