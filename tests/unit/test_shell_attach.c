/* kernel/shell_attach.c: `vm console` attached both ways, with a fake host
 * console and a fake device behind the VM's console input: typed bytes reach
 * the device in order (held while it is full), Ctrl-] detaches, NULs are
 * dropped and counted, the guest's output comes back escaped, and the VM's
 * end (or its slot going to another VM) detaches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/shell_attach.h"
#include "kernel/vm.h"
#include "include/hv/console.h"

/* ---- the host console, faked ---------------------------------------------- */

static char term[65536];
static size_t nterm;
static const char *typed;
static size_t ntyped;

/* What the operator types next (any bytes, NUL included). */
static void type_bytes(const char *b, size_t n)
{
    typed = b;
    ntyped = n;
}
#define TYPE(lit) type_bytes(lit, sizeof lit - 1)

void console_write(const char *s, size_t n)
{
    assert_true(nterm + n < sizeof term);
    memcpy(term + nterm, s, n);
    nterm += n;
    term[nterm] = '\0';
}

void console_write_to(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

void console_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)n);
}

bool console_getc(char *c)
{
    if (!ntyped)
        return false;
    *c = *typed++;
    ntyped--;
    return true;
}

const char *vm_state_name(enum vm_state s) { return s == VM_STATE_EXITED ? "exited" : "other"; }

/* ---- the guest's UART, faked: room for `room` bytes ------------------------- */

static char got[64];
static size_t ngot, room;

static bool take(void *dev, char c)
{
    assert_ptr_equal(dev, got);
    if (ngot >= room)
        return false;
    got[ngot++] = c;
    return true;
}

static struct vm vm;
/* Lines routed to the host console while not attached: kept apart from
 * what the attach writes. */
static unsigned routed;

static void setup_vm(void)
{
    memset(&vm, 0, sizeof vm);
    vm.used = true;
    vm.id = 3;
    vm.start_ns = 42;
    vm.state = VM_STATE_RUNNING;
    strcpy(vm.name, "g");
    vm_console_init(&vm.console, VM_CONSOLE_FIRST);
    vm.console.input = take;
    vm.console.input_dev = got;
    nterm = ngot = 0;
    term[0] = '\0';
    room = sizeof got;
    ntyped = 0;
    routed = 0;
}


static void route_out(void *ctx, const char *s, size_t n)
{
    (void)ctx, (void)s, (void)n;
    routed++;
}

static void guest_prints(const char *s)
{
    for (; *s; s++)
        vm_console_byte(&vm.console, vm.name, *s, 0, route_out, NULL);
}

static void test_typed_bytes_reach_the_guest_and_detach(void **state)
{
    (void)state;
    setup_vm();
    shell_attach(&vm, 0);
    assert_true(shell_attached());
    assert_true(vm.console.attached);
    assert_non_null(strstr(term, "-- attached to g's serial port; Ctrl-] detaches --"));
    TYPE("ls\r");
    assert_true(shell_attach_poll());
    assert_int_equal(ngot, 3);
    assert_memory_equal(got, "ls\r", 3);
    TYPE("x\x1dy");
    assert_false(shell_attach_poll());
    assert_false(shell_attached());
    assert_false(vm.console.attached);
    assert_int_equal(ngot, 4);               /* x, then detached */
    assert_int_equal(ntyped, 1);              /* y is left for the shell */
    assert_non_null(strstr(term, "-- detached from g: detached by the operator --"));
}

/* A full receiver keeps the byte for the next poll; nothing is lost or
 * reordered. */
static void test_full_receiver_holds_bytes(void **state)
{
    (void)state;
    setup_vm();
    room = 1;
    shell_attach(&vm, 0);
    TYPE("abc");
    assert_true(shell_attach_poll());
    assert_int_equal(ngot, 1);
    room = 2;
    assert_true(shell_attach_poll());
    assert_int_equal(ngot, 2);
    room = 10;
    assert_true(shell_attach_poll());
    assert_int_equal(ngot, 3);
    assert_memory_equal(got, "abc", 3);
    TYPE("\x1d");
    assert_false(shell_attach_poll());
}

static void test_nul_dropped_and_counted(void **state)
{
    (void)state;
    setup_vm();
    shell_attach(&vm, 0);
    TYPE("a\0b\0\0c");
    assert_true(shell_attach_poll());
    assert_int_equal(ngot, 3);
    assert_memory_equal(got, "abc", 3);
    TYPE("\x1d");
    assert_false(shell_attach_poll());
    assert_non_null(strstr(term, "(3 NUL bytes from the terminal were not passed on)"));
    /* A new attach starts counting again. */
    shell_attach(&vm, 0);
    nterm = 0;
    TYPE("\x1d");
    shell_attach_poll();
    assert_null(strstr(term, "NUL"));
}

/* The guest's output since attaching comes back, escaped; what was shown
 * before attaching is not repeated. */
static void test_output_pumped_escaped(void **state)
{
    (void)state;
    setup_vm();
    guest_prints("old\n");
    assert_int_equal(routed, 1);            /* before attaching: routed */
    shell_attach(&vm, vm.console.ring_total);
    nterm = 0;
    guest_prints("new \x1b[2J\n");
    assert_int_equal(routed, 1);            /* attached: not routed */
    assert_true(shell_attach_poll());
    assert_string_equal(term, "new \\x1b[2J\n");
    /* A flood is passed in pieces, never more than the ring holds. */
    nterm = 0;
    for (int i = 0; i < 3 * VM_CONSOLE_RING; i++)
        vm_console_byte(&vm.console, vm.name, 'z', 0, route_out, NULL);
    assert_true(shell_attach_poll());
    assert_non_null(strstr(term, "bytes went by faster than the terminal"));
    TYPE("\x1d");
    shell_attach_poll();
}

/* The VM's end: its last output, then detached naming its state. */
static void test_vm_end_detaches(void **state)
{
    (void)state;
    setup_vm();
    shell_attach(&vm, 0);
    nterm = 0;
    for (int i = 0; i < 2000; i++)
        vm_console_byte(&vm.console, vm.name, 'w', 0, route_out, NULL);
    guest_prints("bye\n");
    vm.state = VM_STATE_EXITED;
    assert_false(shell_attach_poll());
    assert_false(shell_attached());
    const char *bye = strstr(term, "wbye\n");
    assert_non_null(bye); /* every byte, beyond one poll's share */
    assert_non_null(strstr(bye, "-- detached from g: exited --"));
}

/* The slot went to another VM: detached without touching the new one. */
static void test_slot_reused(void **state)
{
    (void)state;
    setup_vm();
    shell_attach(&vm, 0);
    vm.start_ns = 99;            /* another VM in the same slot */
    strcpy(vm.name, "other");
    vm.console.attached = false;
    assert_false(shell_attach_poll());
    assert_non_null(strstr(term, "-- detached from g: it ended --"));
    assert_false(vm.console.attached);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed_bytes_reach_the_guest_and_detach),
        cmocka_unit_test(test_full_receiver_holds_bytes),
        cmocka_unit_test(test_nul_dropped_and_counted),
        cmocka_unit_test(test_output_pumped_escaped),
        cmocka_unit_test(test_vm_end_detaches),
        cmocka_unit_test(test_slot_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
