/* GuestRPC in a VM (vmm/guestrpc.h, vmm/rpci.h): the channels are made at
 * the guest's first OPEN, as most guests never send a message (40 KiB of
 * heap a VM that does), and are freed with the VM's devices. Requests run
 * against the VM's guestinfo variables (vm->cfg.guestinfo); a `log`
 * request's text goes to the host's log under the VM's warning budget, so a
 * guest logging in a loop cannot flood the console. */
#include "vmm/exits.h"
#include "vmm/guest_state.h"
#include "vmm/vcpu.h"
#include "vmm/guestrpc.h"
#include "vmm/rpci.h"
#include "kernel/vm.h"
#include "mm/heap.h"

/* A log line quotes at most this much of the guest's text. */
#define LOG_TEXT_MAX 200

struct vm_guestrpc {
    struct vm *vm;
    struct rpci cmds;
    struct guestrpc rpc;
};

static void guest_log(void *ctx, const char *text, size_t len)
{
    struct vm *vm = ctx;
    VM_WARN(vm, "vm %s: guest log: %.*s%s", vm->name, (int)(len > LOG_TEXT_MAX ? LOG_TEXT_MAX : len),
            text, len > LOG_TEXT_MAX ? "..." : "");
}

static void destroy(void *state)
{
    struct vm_guestrpc *g = state;
    g->vm->guestrpc = NULL;
    kfree(g);
}

static struct vm_guestrpc *channels_of(struct vm *vm)
{
    if (vm->guestrpc)
        return vm->guestrpc;
    struct vm_guestrpc *g = kzalloc(sizeof *g);
    if (!g)
        return NULL;
    if (!vm_device_add(&vm->devices, "guestrpc", g, destroy)) {
        kfree(g);
        return NULL;
    }
    g->vm = vm;
    g->cmds.vars = &vm->cfg.guestinfo;
    g->cmds.log = guest_log;
    g->cmds.log_ctx = vm;
    guestrpc_init(&g->rpc, rpci_exec, &g->cmds);
    vm->guestrpc = g;
    return g;
}

/* What the shell shows (kernel/ cannot see the channels' struct). */
static void publish(struct vm *vm, const struct vm_guestrpc *g)
{
    vm->guestrpc_requests = g->rpc.requests;
    vm->tools_version = g->cmds.tools_version;
}

void vcpu_guestrpc_call(struct vcpu *v, struct backdoor_regs *r)
{
    struct vm *vm = v->vm;
    struct vm_guestrpc *g = channels_of(vm);
    if (!g) {
        /* No memory for the channels: every call fails, as on a host that
         * refuses the channel; the guest's tools say they cannot talk. */
        r->cx = 0;
        VM_WARN(vm, "vm %s: GuestRPC: no memory for its channels", vm->name);
        return;
    }
    guestrpc_call(&g->rpc, r, host_tsc());
    publish(vm, g);
}

uint8_t *vcpu_guestrpc_hb_begin(struct vcpu *v, const struct backdoor_regs *r, bool out)
{
    struct vm_guestrpc *g = v->vm->guestrpc;
    return g ? guestrpc_hb_begin(&g->rpc, r, out) : NULL;
}

uint32_t vcpu_guestrpc_hb_done(struct vcpu *v, const struct backdoor_regs *r, bool out)
{
    struct vm *vm = v->vm;
    struct vm_guestrpc *g = vm->guestrpc;
    if (!g)
        return 0;
    uint32_t status = guestrpc_hb_done(&g->rpc, r, out);
    publish(vm, g);
    return status;
}
