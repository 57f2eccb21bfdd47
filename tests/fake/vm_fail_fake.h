/* vm_fail and log_write for hosted tests of handlers that stop a VM or log:
 * the VM is marked failed and its reason kept, log lines are counted by level
 * and the last one kept, for the tests' assertions. */
#ifndef TESTS_FAKE_VM_FAIL_FAKE_H
#define TESTS_FAKE_VM_FAIL_FAKE_H

#include "kernel/log.h"

extern char fake_fail_reason[256];
extern char fake_log_last[256];
extern unsigned fake_log_lines[LOG_LEVELS];
extern unsigned fake_log_total;

/* Forgets the reason and the lines (a test's setup). */
void fake_vm_fail_reset(void);

#endif
