/* Messages of the UEFI stage: to ConOut (screen, and serial through OVMF's
 * terminal), and kept in the boot-info log for the kernel's log. */
#include "boot/boot.h"
#include "lib/format.h"

static struct bootinfo *log_bi;
static char early_log[BI_LOG_SIZE];
static UINT32 early_len;

void boot_log_attach(struct bootinfo *bi)
{
    log_bi = bi;
    for (UINT32 i = 0; i < early_len; i++)
        bi->log[i] = early_log[i];
    bi->log_len = early_len;
}

static void keep(const char *s)
{
    char *buf = log_bi ? log_bi->log : early_log;
    UINT32 *len = log_bi ? &log_bi->log_len : &early_len;
    for (; *s && *len < BI_LOG_SIZE - 1; s++)
        buf[(*len)++] = *s;
    buf[*len] = 0;
}

static void out(const char *s)
{
    CHAR16 w[256];
    UINTN n = 0;
    for (; *s; s++) {
        if (*s == '\n')
            w[n++] = L'\r';
        w[n++] = (CHAR16)(unsigned char)*s;
        if (n >= 250) {
            w[n] = 0;
            ST->ConOut->OutputString(ST->ConOut, w);
            n = 0;
        }
    }
    w[n] = 0;
    ST->ConOut->OutputString(ST->ConOut, w);
}

void bvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    kvsnprintf(buf, sizeof buf, fmt, ap);
    keep(buf);
    out(buf);
}

void bprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvprintf(fmt, ap);
    va_end(ap);
}

void boot_fail(const char *fmt, ...)
{
    va_list ap;
    bprintf("boot: FATAL: ");
    va_start(ap, fmt);
    bvprintf(fmt, ap);
    va_end(ap);
    bprintf("\nboot: cannot start the hypervisor; halting.\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}
