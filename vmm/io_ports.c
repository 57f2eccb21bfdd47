/* Which device answers which port. A port nobody claims reads as all ones
 * and ignores writes, as on a PC bus with nothing there; the first access to
 * each such port is logged, for the first few ports (lib/report_once.h),
 * or, with monitor.unknownPort = "stop", the VM is stopped. */
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "lib/report_once.h"
#include "lib/kstring.h"

static enum io_result ignore_io(struct vm *vm, uint16_t port, unsigned size, bool in,
                                uint32_t *val)
{
    (void)vm, (void)port, (void)size;
    if (in)
        *val = 0xffffffffu;
    return IO_DONE;
}

static const struct {
    uint16_t first, last;
    io_handler_fn fn;
} ports[] = {
    { 0x3f8, 0x3ff, uart_io },      /* COM1 */
    { 0xf4, 0xf4, exit_port_io },   /* like QEMU's isa-debug-exit */
    { 0x80, 0x80, ignore_io },      /* POST code / I/O delay */
};

enum io_result io_dispatch(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
        if (port >= ports[i].first && port <= ports[i].last)
            return ports[i].fn(vm, port, size, in, val);

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
    return ignore_io(vm, port, size, in, val);
}
