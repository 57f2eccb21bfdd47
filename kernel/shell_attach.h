/*
 * `vm console NAME` on a running VM: the host console joined to the guest's
 * serial port both ways. Typed bytes go to the guest's UART (as they come:
 * Enter is CR, as on a serial line); what the guest prints comes back,
 * escaped (kernel/console_text.h), never raw. Ctrl-] (0x1d, as telnet)
 * detaches back to the prompt; so does the VM's end. The scheduler keeps
 * running every guest meanwhile: the shell's poll only moves bytes.
 */
#ifndef KERNEL_SHELL_ATTACH_H
#define KERNEL_SHELL_ATTACH_H

#include "include/hv/types.h"

#define SHELL_DETACH_CHAR 0x1d
#define SHELL_DETACH_NAME "Ctrl-]"

struct vm;

/* Attaches to `vm` from `shown` on (its ring's bytes before that were
 * already printed). */
void shell_attach(struct vm *vm, uint64_t shown);
bool shell_attached(void);
/* Moves bytes both ways; true while still attached (the shell's line
 * editor must not see the input then). */
bool shell_attach_poll(void);

#endif
