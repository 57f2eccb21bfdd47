/* The VM services the exit handlers call (kernel/vm.c's lifecycle and vCPU
 * wake-ups, mm/guest_mem.c's balloon transitions, the BIOS area's ROM) for
 * hosted tests and fuzzers of those handlers: guest RAM is the VM's
 * ram_bytes less the legacy hole, an exit or reset ends the VM, the balloon
 * refuses every page, and the calls are recorded for assertions. */
#ifndef TESTS_FAKE_VM_EXIT_FAKE_H
#define TESTS_FAKE_VM_EXIT_FAKE_H

struct fake_vm_calls {
    int exit_status;          /* the last vm_exit_guest's, -1 before one */
    unsigned kicks, last_kicked, wakes;
    unsigned rom_maps;        /* BIOS-area pages mapped as ROM */
    unsigned floating_maps;   /* legacy-hole pages mapped to the all-ones page */
};
extern struct fake_vm_calls fake_vm_calls;

void fake_vm_calls_reset(void);

#endif
