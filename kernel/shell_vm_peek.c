/* `vm peek`: a look at a running VM's RAM from the shell, as a monitor's
 * "examine physical memory" gives one: hex and printable bytes, 16 a line,
 * read only from pages the VM has (mm/guest_mem.h, guest_mem_peek): nothing
 * is faulted in, allocated or read back from swap for a look, and a page
 * that is not in memory says where it is instead. Device memory the guest
 * reads as memory (the text screen at 0xB8000) is shown too, through the
 * monitor. */
#include "kernel/shell_cmds.h"
#include "kernel/vm.h"
#include "kernel/monitor_ops.h"
#include "include/hv/console.h"
#include "lib/kstring.h"

#define PEEK_DEFAULT 64
#define PEEK_MAX     4096

static const char *not_read(enum gm_peek r)
{
    switch (r) {
    case GM_PEEK_PAGED_OUT: return "paged out (compressed or in swap): not read back for a look";
    case GM_PEEK_BALLOONED: return "in the balloon: the guest gave this page up";
    default: return "not RAM";
    }
}

static void print_line(uint64_t at, const uint8_t *b, size_t n)
{
    console_printf("0x%08llx:", (unsigned long long)at);
    for (size_t i = 0; i < 16; i++) {
        if (i < n)
            console_printf(" %02x", b[i]);
        else
            console_printf("   ");
    }
    char text[17];
    for (size_t i = 0; i < n; i++)   /* guest bytes: printable ASCII only */
        text[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
    text[n] = '\0';
    console_printf("  |%s|\n", text);
}

int shell_vm_peek(int argc, char **argv, void *ctx)
{
    (void)ctx;
    struct vm *vm = shell_find_vm("vm peek", argv[1]);
    if (!vm)
        return 1;
    uint64_t gpa, len = PEEK_DEFAULT;
    if (!str_to_u64(argv[2], &gpa)) {
        console_printf("vm peek: '%s' is not a guest-physical address\n", argv[2]);
        return 1;
    }
    if (argc == 4 && (!str_to_u64(argv[3], &len) || len == 0 || len > PEEK_MAX)) {
        console_printf("vm peek: '%s' is not a byte count from 1 to %u\n", argv[3], PEEK_MAX);
        return 1;
    }
    if (!vm_is_live(vm)) {
        console_printf("vm peek: %s is %s; an ended VM's memory is gone\n", vm->name,
                       vm_state_name(vm->state));
        return 1;
    }
    if (gpa + len < gpa) {
        console_printf("vm peek: the range wraps past the top of the address space\n");
        return 1;
    }
    console_printf("vm peek: %s, guest-physical 0x%llx, %llu bytes\n", vm->name,
                   (unsigned long long)gpa, (unsigned long long)len);
    /* A line at a time, never across a page: each page answers for itself. */
    uint64_t end = gpa + len;
    enum gm_peek last = GM_PEEK_IN_MEMORY;
    bool said = false;
    while (gpa < end) {
        size_t n = 16 - (gpa & 15);
        if (n > end - gpa)
            n = (size_t)(end - gpa);
        uint8_t b[16];
        enum gm_peek r = guest_mem_peek(&vm->mem.ram, gpa, b, n);
        const char *dev = r == GM_PEEK_NOT_RAM && vm_monitor() && vm_monitor()->peek_devmem
                              ? vm_monitor()->peek_devmem(vm, gpa, b, n) : NULL;
        if (dev) {          /* a device's memory the guest reads as memory */
            if (!said || last != GM_PEEK_NOT_RAM)
                console_printf("(%s)\n", dev);
            print_line(gpa, b, n);
            gpa += n;
        } else if (r == GM_PEEK_IN_MEMORY || r == GM_PEEK_UNBACKED) {
            if (r == GM_PEEK_UNBACKED && (!said || last != r || !(gpa & (PAGE_SIZE - 1))))
                console_printf("(page 0x%llx has no machine page yet: the guest would read "
                               "these)\n", (unsigned long long)(gpa & ~(uint64_t)(PAGE_SIZE - 1)));
            print_line(gpa, b, n);
            gpa += n;
        } else {
            /* the rest of this page, in one line */
            uint64_t page_end = (gpa | (PAGE_SIZE - 1)) + 1;
            uint64_t stop = page_end < end ? page_end : end;
            console_printf("0x%08llx-0x%08llx: %s\n", (unsigned long long)gpa,
                           (unsigned long long)(stop - 1), not_read(r));
            gpa = stop;
        }
        last = r;
        said = true;
    }
    return 0;
}
