/* libFuzzer target for the ACPI table parser. The input is a window of
 * physical memory at WIN_BASE (as tests/unit/test_acpi.c lays it out, so its
 * images are seeds) with the RSDP at its start. The map function hands out
 * pointers into the input itself, so ASan flags any read past what was
 * mapped at the end of the window. The input is also fed to acpi_find_s5
 * as raw AML. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/acpi_tables.h"

#define WIN_BASE 0x80000ull

struct window {
    const uint8_t *data;
    size_t size;
};

static const void *win_map(uint64_t phys, size_t len, void *ctx)
{
    const struct window *w = ctx;
    if (phys < WIN_BASE || phys - WIN_BASE > w->size || len > w->size - (phys - WIN_BASE))
        return NULL;
    return w->data + (phys - WIN_BASE);
}

static void check(bool ok)
{
    if (!ok)
        abort(); /* an invariant of struct acpi_info broke: a real bug */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: libFuzzer's buffer may have slack ASan cannot see. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct window w = { copy, size };

    struct acpi_info a;
    enum acpi_err e = acpi_parse(WIN_BASE, win_map, &w, &a);
    check(e <= ACPI_BAD_ROOT);
    check(acpi_strerror(e) != NULL);
    if (e == ACPI_OK) {
        check(a.ncpus <= ACPI_MAX_CPUS);
        check(a.nioapics <= ACPI_MAX_IOAPICS);
        check(a.nisos <= ACPI_MAX_ISOS);
        check(memchr(a.signatures, '\0', sizeof a.signatures) != NULL);
        check(a.oem_id[6] == '\0');
        check(a.pm_timer_bits == 0 || a.pm_timer_bits == 24 || a.pm_timer_bits == 32);
        check(!a.have_s5 || a.signatures[0] != '\0'); /* found in a table it listed */
    }

    uint8_t ta = 0, tb = 0;
    (void)acpi_find_s5(copy, size, &ta, &tb);
    free(copy);
    return 0;
}
