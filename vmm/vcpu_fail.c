/* vcpu_fail: see vmm/exits.h. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/vcpu_dump.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "lib/format.h"

struct dump_ctx {
    const struct vm *vm;
    unsigned vcpu;
};

static void log_line(const char *line, void *ctx)
{
    const struct dump_ctx *c = ctx;
    LOG_EVENT(LOG_ERROR, "vm %s: vCPU %u: %s", c->vm->name, c->vcpu, line);
}

void vcpu_fail(struct vcpu *v, const char *fmt, ...)
{
    struct vm *vm = v->vm;
    /* A VM another vCPU stopped already keeps its first reason and report. */
    if (!vm_is_live(vm))
        return;
    /* Read before vm_fail ends the vCPUs: the state is the exit's. */
    struct vcpu_dump d;
    vcpu_dump_read(v, &d);
    char reason[sizeof vm->reason];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    vm_fail(vm, "%s", reason);
    struct dump_ctx c = { vm, v->id };
    vcpu_dump_format(&d, log_line, &c);
}
