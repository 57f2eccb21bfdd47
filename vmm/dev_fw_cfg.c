/* fw_cfg on a VM's port bus: the selector and data ports over the item model
 * in fw_cfg.c (see dev_fw_cfg.h). */
#include "vmm/dev_fw_cfg.h"
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "mm/heap.h"

static enum io_result fw_cfg_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                                uint32_t *val)
{
    (void)vm;
    struct fw_cfg *f = dev;
    if (port == FW_CFG_PORT_SEL) {
        if (in)
            *val = 0xffffffffu; /* the selector is write-only */
        else
            fw_cfg_select(f, (uint16_t)*val);
        return IO_DONE;
    }
    if (in) {
        /* A wider read takes that many bytes, lowest first. */
        uint32_t v = 0;
        for (unsigned b = 0; b < size; b++)
            v |= (uint32_t)fw_cfg_read(f) << (8 * b);
        *val = v;
    }
    return IO_DONE;
}

static void fw_cfg_destroy(void *state) { kfree(state); }

bool dev_fw_cfg_attach(struct vm *vm)
{
    struct fw_cfg *f = kzalloc(sizeof *f);
    if (!f)
        return false;
    fw_cfg_init(f, vm->mem.ram.ram_bytes, (uint16_t)vm->cfg.numvcpus);
    if (!vm_device_add(&vm->devices, "fw_cfg", f, fw_cfg_destroy)) {
        kfree(f);
        return false;
    }
    return vm_ports_claim(&vm->devices, FW_CFG_PORT_SEL, FW_CFG_PORT_DATA, fw_cfg_io, f);
}
