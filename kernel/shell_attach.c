/* The operator attached to a guest's serial port: see shell_attach.h. */
#include "kernel/shell_attach.h"
#include "kernel/vm.h"
#include "kernel/console_text.h"
#include "include/hv/console.h"
#include "lib/kstring.h"

static struct vm *vm;       /* NULL: not attached */
static unsigned vm_id;      /* the slot's VM at attach time (a slot is reused) */
static uint64_t vm_start_ns;
static char vm_name[VM_NAME_MAX];
static uint64_t shown;      /* ring bytes already on the terminal */
static bool have_pending;   /* a typed byte the UART had no room for yet */
static char pending;
static uint64_t nuls;       /* NUL bytes from the terminal, not passed on */

void shell_attach(struct vm *v, uint64_t from)
{
    vm = v;
    vm_id = v->id;
    vm_start_ns = v->start_ns;
    str_copy(vm_name, v->name, sizeof vm_name);
    shown = from;
    have_pending = false;
    nuls = 0;
    v->console.attached = true;
    console_printf("-- attached to %s's serial port; %s detaches --\n", v->name,
                   SHELL_DETACH_NAME);
}

bool shell_attached(void) { return vm != NULL; }

/* At most this much output per poll: the serial line takes about 90 us a
 * byte, and a guest flooding its port must not take the CPU from the
 * others through the shell. */
#define PUMP_MAX 512

/* What the guest printed since the last poll, escaped. */
static void pump_output(void)
{
    static char scratch[VM_CONSOLE_RING];
    uint64_t total = vm->console.ring_total;
    if (total == shown)
        return;
    if (total - shown > VM_CONSOLE_RING) {
        console_printf("\n(%llu bytes went by faster than the terminal)\n",
                       (unsigned long long)(total - shown - VM_CONSOLE_RING));
        shown = total - VM_CONSOLE_RING;
    }
    uint64_t end = total - shown > PUMP_MAX ? shown + PUMP_MAX : total;
    console_text_write(vm->console.ring, VM_CONSOLE_RING, shown, end, scratch, console_write_to,
                       NULL);
    shown = end;
}

/* The slot still holds the VM attached to (a slot is reused once its VM
 * has ended). */
static bool same_vm(void)
{
    return vm->used && vm->id == vm_id && vm->start_ns == vm_start_ns;
}

static void detach(const char *why)
{
    if (same_vm())
        vm->console.attached = false;
    if (nuls)
        console_printf("\n(%llu NUL bytes from the terminal were not passed on)",
                       (unsigned long long)nuls);
    console_printf("\n-- detached from %s: %s --\n", vm_name, why);
    vm = NULL;
}

bool shell_attach_poll(void)
{
    if (!vm)
        return false;
    if (!same_vm()) {
        detach("it ended");
        return false;
    }
    if (!vm_is_live(vm)) {
        while (shown != vm->console.ring_total)
            pump_output(); /* its last words */
        detach(vm_state_name(vm->state));
        return false;
    }
    pump_output();
    for (;;) {
        if (have_pending) {
            if (!vm_console_input(&vm->console, pending))
                break; /* the UART is full: the guest has not read yet */
            have_pending = false;
        }
        char c;
        if (!console_getc(&c))
            break;
        if (c == SHELL_DETACH_CHAR) {
            detach("detached by the operator");
            return false;
        }
        /* No key a user types sends NUL (Ctrl-@ aside), but Bochs' COM1
         * sometimes delivers a stray one after a CR: measured, it reached the
         * echo test guest in about half the runs. Not passed on, counted. */
        if (c == 0) {
            nuls++;
            continue;
        }
        pending = c;
        have_pending = true;
    }
    return true;
}
