/* Port I/O dispatch and the device models behind it (UART, exit port,
 * unknown ports), against a VM record with the VM lifecycle faked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <cmocka.h>
#include "vmm/io_ports.h"
#include "vmm/dev_fw_cfg.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "tests/fake/vm_fail_fake.h"
#include "tests/fake/platform_fake.h"

/* ---- fakes for what io_ports.c and dev_uart.c call ---------------------- */
static char console[256];
static size_t console_len;
static int exit_status = -1;

void vm_console_putc(struct vm *vm, char c)
{
    (void)vm;
    if (console_len < sizeof console - 1)
        console[console_len++] = c;
}

void vm_exit_guest(struct vm *vm, int status)
{
    vm->state = VM_STATE_EXITED;
    exit_status = status;
}

static struct vm *new_vm(const char *unknown_port)
{
    struct vm *vm = calloc(1, sizeof *vm);
    assert_non_null(vm);
    strcpy(vm->name, "t");
    strcpy(vm->cfg.unknown_port, unknown_port);
    char why[80];
    assert_true(io_attach_pc_devices(vm, why, sizeof why));
    console_len = 0;
    exit_status = -1;
    fake_vm_fail_reset();
    return vm;
}

static void free_vm(struct vm *vm)
{
    vm_devices_destroy(&vm->devices); /* the UART's registers too */
    free(vm);
}

static uint32_t in(struct vm *vm, uint16_t port)
{
    uint32_t v = 0x12345678;
    assert_int_equal(io_dispatch(vm, port, 1, true, &v), IO_DONE);
    return v & 0xff;
}

static void out(struct vm *vm, uint16_t port, uint8_t b)
{
    uint32_t v = b;
    assert_int_equal(io_dispatch(vm, port, 1, false, &v), IO_DONE);
}

static void test_uart_output_and_registers(void **state)
{
    (void)state;
    struct vm *vm = new_vm("ignore");
    out(vm, 0x3f8, 'h');
    out(vm, 0x3f8, 'i');
    assert_int_equal(console_len, 2);
    assert_memory_equal(console, "hi", 2);
    assert_int_equal(in(vm, 0x3fd), 0x60);            /* LSR: transmitter empty */
    assert_int_equal(in(vm, 0x3fa), 0x01);            /* IIR: nothing pending */
    out(vm, 0x3fa, 0x07);                            /* FIFOs on */
    assert_int_equal(in(vm, 0x3fa), 0xc1);
    /* DLAB routes 0 and 1 to the divisor, and keeps THR writes off the console */
    out(vm, 0x3fb, 0x83);
    out(vm, 0x3f8, 0x01);
    out(vm, 0x3f9, 0x00);
    assert_int_equal(in(vm, 0x3f8), 0x01);
    assert_int_equal(console_len, 2);
    out(vm, 0x3fb, 0x03);
    assert_int_equal(in(vm, 0x3fb), 0x03);
    assert_int_equal(in(vm, 0x3f8), 0);               /* no input, ever */
    out(vm, 0x3f9, 0xff);
    assert_int_equal(in(vm, 0x3f9), 0x0f);            /* IER keeps 4 bits */
    out(vm, 0x3ff, 0xa5);
    assert_int_equal(in(vm, 0x3ff), 0xa5);            /* scratch */
    assert_int_equal(fake_log_lines[LOG_WARN], 0);
    free_vm(vm);
}

static void test_exit_port(void **state)
{
    (void)state;
    struct vm *vm = new_vm("ignore");
    vm->state = VM_STATE_RUNNING;
    uint32_t v = 0x12a;
    assert_int_equal(io_dispatch(vm, 0xf4, 1, false, &v), IO_STOP);
    assert_int_equal(exit_status, 0x2a);
    assert_int_equal(vm->state, VM_STATE_EXITED);
    free_vm(vm);
}

static void test_unknown_port_ignored_logged_once(void **state)
{
    (void)state;
    struct vm *vm = new_vm("ignore");
    uint32_t v = 0;
    assert_int_equal(io_dispatch(vm, 0x1234, 4, true, &v), IO_DONE);
    assert_int_equal(v, 0xffffffffu);
    out(vm, 0x1234, 0x55);
    out(vm, 0x1234, 0x55);
    assert_int_equal(fake_log_lines[LOG_WARN], 1);                    /* once per port */
    out(vm, 0x1235, 0x55);
    assert_int_equal(fake_log_lines[LOG_WARN], 2);
    assert_int_equal(vm->unknown_port_accesses, 4);
    out(vm, 0x80, 0x11);                              /* POST port: silent */
    assert_int_equal(fake_log_lines[LOG_WARN], 2);
    assert_int_equal(vm->state, VM_STATE_RUNNING);
    free_vm(vm);
}

/* A guest sweeping the whole port space, twice: a bounded number of
 * warnings (the first ports once each, then one saying the rest are
 * counted), every access counted (issue #11 item 12). */
static void test_unknown_port_sweep_bounded(void **state)
{
    (void)state;
    struct vm *vm = new_vm("ignore");
    unsigned accesses = 0;
    for (int round = 0; round < 2; round++)
        for (uint32_t p = 0x400; p <= 0xffff; p++) {
            out(vm, (uint16_t)p, 1);
            if (p < FW_CFG_PORT_SEL || p > FW_CFG_PORT_DATA) /* fw_cfg claims those */
                accesses++;
        }
    assert_true(fake_log_lines[LOG_WARN] <= 17);
    assert_true(fake_log_lines[LOG_WARN] >= 2);
    assert_int_equal(vm->unknown_port_accesses, accesses);
    assert_int_equal(vm->state, VM_STATE_RUNNING);
    free_vm(vm);
}

static void test_unknown_port_stop_policy(void **state)
{
    (void)state;
    struct vm *vm = new_vm("stop");
    uint32_t v = 0;
    assert_int_equal(io_dispatch(vm, 0x61, 1, true, &v), IO_STOP);
    assert_int_equal(vm->state, VM_STATE_FAILED);
    assert_string_equal(fake_fail_reason,
                        "read of unknown I/O port 0x61 (monitor.unknownPort = \"stop\")");
    free_vm(vm);
}

/* Each VM's UART has registers of its own: one guest's divisor latch does
 * not turn another's data port into a divisor write. */
static void test_uart_state_is_per_vm(void **state)
{
    (void)state;
    struct vm *a = new_vm("ignore");
    struct vm *b = calloc(1, sizeof *b);
    assert_non_null(b);
    strcpy(b->cfg.unknown_port, "ignore");
    char why[80];
    assert_true(io_attach_pc_devices(b, why, sizeof why));
    out(a, 0x3fb, 0x80);                 /* DLAB on in a only */
    out(a, 0x3ff, 0x11);
    assert_int_equal(in(b, 0x3fb), 0);
    assert_int_equal(in(b, 0x3ff), 0);
    out(b, 0x3f8, 'x');                  /* b's THR: a byte for the console */
    assert_int_equal(console_len, 1);
    out(a, 0x3f8, 0x0c);                 /* a's divisor: not the console */
    assert_int_equal(console_len, 1);
    assert_int_equal(in(a, 0x3f8), 0x0c);
    free_vm(a);
    free_vm(b);
}

/* The bus refuses overlapping claims and a full table; a VM without devices
 * answers every port as nothing there. */
static void test_port_bus_claims(void **state)
{
    (void)state;
    struct vm *vm = new_vm("ignore");
    assert_false(dev_null_attach(vm, 0x3fc, 0x400));   /* overlaps COM1 */
    assert_false(dev_null_attach(vm, 0x10, 0x0f));     /* empty range */
    unsigned room = VM_MAX_PORT_RANGES - vm->devices.nports;
    for (unsigned i = 0; i < room; i++)
        assert_true(dev_null_attach(vm, (uint16_t)(0x500 + i), (uint16_t)(0x500 + i)));
    assert_false(dev_null_attach(vm, 0x600, 0x600));    /* table full */
    free_vm(vm);
    struct vm *bare = calloc(1, sizeof *bare);
    assert_non_null(bare);
    strcpy(bare->cfg.unknown_port, "ignore");
    assert_int_equal(in(bare, 0x3fd), 0xff);            /* no UART attached */
    assert_int_equal(bare->unknown_port_accesses, 1);
    free_vm(bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uart_output_and_registers),
        cmocka_unit_test(test_exit_port),
        cmocka_unit_test(test_unknown_port_ignored_logged_once),
        cmocka_unit_test(test_unknown_port_sweep_bounded),
        cmocka_unit_test(test_unknown_port_stop_policy),
        cmocka_unit_test(test_uart_state_is_per_vm),
        cmocka_unit_test(test_port_bus_claims),
    };
    fake_plat_arena_init(256);
    page_alloc_init_flat(256);
    heap_init();
    return cmocka_run_group_tests_name("io_ports", tests, NULL, NULL);
}
