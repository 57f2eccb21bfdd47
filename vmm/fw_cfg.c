/* QEMU's fw_cfg items, built on the fly from the VM's size (dev_fw_cfg.h).
 * Multi-byte numbers are little-endian, except the file directory's count,
 * which QEMU keeps big-endian. */
#include "vmm/dev_fw_cfg.h"

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_bytes, uint16_t cpus)
{
    *f = (struct fw_cfg){ .key = FW_CFG_SIGNATURE, .ram_bytes = ram_bytes, .cpus = cpus };
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
    f->key = key;
    f->offset = 0;
}

static uint8_t le_byte(uint64_t value, unsigned width, uint32_t i)
{
    return i < width ? (uint8_t)(value >> (8 * i)) : 0;
}

uint8_t fw_cfg_read(struct fw_cfg *f)
{
    uint32_t i = f->offset;
    if (f->offset < 0xffffffffu)
        f->offset++;
    switch (f->key) {
    case FW_CFG_SIGNATURE: return i < 4 ? (uint8_t)"QEMU"[i] : 0;
    case FW_CFG_ID: return le_byte(1, 4, i); /* traditional interface, no DMA */
    case FW_CFG_RAM_SIZE: return le_byte(f->ram_bytes, 8, i);
    case FW_CFG_NB_CPUS: case FW_CFG_MAX_CPUS: return le_byte(f->cpus, 2, i);
    case FW_CFG_FILE_DIR: return 0; /* a big-endian count of 0: no files */
    default: return 0;
    }
}
