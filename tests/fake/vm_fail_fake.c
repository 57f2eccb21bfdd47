/* The VM-failure and log fakes: see vm_fail_fake.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tests/fake/vm_fail_fake.h"
#include "kernel/vm.h"

char fake_fail_reason[256];
char fake_log_last[256];
unsigned fake_log_lines[LOG_LEVELS];
unsigned fake_log_total;

void fake_vm_fail_reset(void)
{
    fake_fail_reason[0] = fake_log_last[0] = '\0';
    memset(fake_log_lines, 0, sizeof fake_log_lines);
    fake_log_total = 0;
}

void vm_fail(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_fail_reason, sizeof fake_fail_reason, fmt, ap);
    va_end(ap);
    vm->state = VM_STATE_FAILED;
}

void log_write(struct log_site *site, enum log_level level, const char *fmt, ...)
{
    (void)site;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_log_last, sizeof fake_log_last, fmt, ap);
    va_end(ap);
    if ((unsigned)level < LOG_LEVELS)
        fake_log_lines[level]++;
    fake_log_total++;
}
