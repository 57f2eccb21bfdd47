/* `vm guestinfo`: a VM's guestinfo variables (kernel/guestinfo.h), which
 * software in the guest reads and sets over GuestRPC: listed, one shown, or
 * one set while the VM runs, as an ESX operator sets them with vmware-cmd. */
#include "kernel/shell_cmds.h"
#include "kernel/vm.h"
#include "kernel/vm_internal.h"
#include "include/hv/console.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/text_escape.h"

/* Guest-set bytes reach the terminal escaped. */
static void print_escaped(const char *s, size_t n)
{
    text_escape_pieces(s, n, 0, console_write_to, NULL);
}

static void print_var(const char *name, size_t nlen, const char *value, size_t vlen)
{
    print_escaped(name, nlen);
    console_printf(" = \"");
    print_escaped(value, vlen);
    console_printf("\"\n");
}

/* "greeting" and "guestinfo.greeting" name the same variable. */
static bool full_name(const char *arg, char *out, size_t size)
{
    size_t n = strlen(arg);
    if (n >= GUESTINFO_PREFIX_LEN && str_ncasecmp(arg, GUESTINFO_PREFIX, GUESTINFO_PREFIX_LEN) == 0)
        ksnprintf(out, size, "%s", arg);
    else
        ksnprintf(out, size, "%s%s", GUESTINFO_PREFIX, arg);
    return guestinfo_name_valid(out, strlen(out));
}

int shell_vm_guestinfo(int argc, char **argv, void *ctx)
{
    (void)ctx;
    struct vm *vm = shell_find_vm("vm guestinfo", argv[1]);
    if (!vm)
        return 1;
    struct guestinfo *g = &vm->cfg.guestinfo;
    const char *name, *value;
    size_t nlen, vlen;
    if (argc == 2) {
        uint32_t cur = 0;
        while (guestinfo_next(g, &cur, &name, &nlen, &value, &vlen))
            print_var(name, nlen, value, vlen);
        console_printf("%s: %u variables in %u of %u bytes; GuestRPC requests %llu; "
                       "tools version %u\n", vm->name, g->count, g->used, GUESTINFO_BYTES,
                       (unsigned long long)vm->guestrpc_requests, vm->tools_version);
        return 0;
    }
    char full[GUESTINFO_NAME_MAX + GUESTINFO_PREFIX_LEN + 2];
    if (!full_name(argv[2], full, sizeof full)) {
        console_printf("vm guestinfo: '%s' is not a variable's name (guestinfo.NAME, "
                       "at most %d bytes of [A-Za-z0-9._:-])\n", argv[2], GUESTINFO_NAME_MAX);
        return 1;
    }
    if (argc == 3) {
        if (!guestinfo_get(g, full, strlen(full), &value, &vlen)) {
            console_printf("vm guestinfo: %s has no %s\n", vm->name, full);
            return 1;
        }
        print_var(full, strlen(full), value, vlen);
        return 0;
    }
    if (!vm_is_live(vm)) {
        console_printf("vm guestinfo: %s is %s\n", vm->name, vm_state_name(vm->state));
        return 1;
    }
    if (guestinfo_set(g, full, strlen(full), argv[3], strlen(argv[3])) != GUESTINFO_OK) {
        console_printf("vm guestinfo: no room for it: %s's variables hold %u of %u bytes\n",
                       vm->name, g->used, GUESTINFO_BYTES);
        return 1;
    }
    console_printf("vm guestinfo: %s: %s set\n", vm->name, full);
    return 0;
}
