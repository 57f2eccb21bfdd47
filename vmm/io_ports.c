/* Which device answers which port: the VM's port bus. A port nobody claims
 * reads as all ones and ignores writes, as on a PC bus with nothing there;
 * the first access to each such port is logged, for the first few ports
 * (lib/report_once.h), or, with monitor.unknownPort = "stop", the VM is
 * stopped. */
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "lib/report_once.h"
#include "lib/format.h"
#include "vmm/dev_fw_cfg.h"
#include "lib/kstring.h"

bool io_attach_pc_devices(struct vm *vm, char *why, size_t whylen)
{
    if (dev_uart_attach(vm, 0x3f8) &&   /* COM1 */
        dev_exit_port_attach(vm, 0xf4) && /* like QEMU's isa-debug-exit */
        dev_null_attach(vm, 0x80, 0x80) &&  /* POST code / I/O delay */
        dev_fw_cfg_attach(vm))              /* QEMU's fw_cfg, asked by test kernels */
        return true;
    ksnprintf(why, whylen, "no memory for the state of its devices");
    return false;
}

enum io_result io_dispatch(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    const struct vm_port_range *r = vm_ports_find(&vm->devices, port);
    if (r)
        return r->fn(r->dev, vm, port, size, in, val);

    vm->unknown_port_accesses++;
    if (strcmp(vm->cfg.unknown_port, "stop") == 0) {
        vm_fail(vm, "%s of unknown I/O port 0x%x (monitor.unknownPort = \"stop\")",
                in ? "read" : "write", port);
        return IO_STOP;
    }
    switch (report_once(&vm->ports_reported, port)) {
    case REPORT_ONCE_NEW:
        VM_WARN(vm, "vm %s: %s of unknown I/O port 0x%x: %s", vm->name,
                in ? "read" : "write", port, in ? "reads as all ones" : "ignored");
        break;
    case REPORT_ONCE_NOW_FULL:
        VM_WARN(vm, "vm %s: more than %d unknown I/O ports; the rest are counted, not logged",
                vm->name, REPORT_ONCE_KEEP);
        break;
    default:
        break;
    }
    if (in)
        *val = 0xffffffffu;
    return IO_DONE;
}
