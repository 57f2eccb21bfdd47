/* Soft power off (ACPI S5) and reset, with the emulators' own exits as the
 * fallback when ACPI does not end the machine. */
#ifndef DRIVERS_ACPI_POWER_H
#define DRIVERS_ACPI_POWER_H

#include "drivers/acpi_tables.h"

void power_init(const struct acpi_info *acpi);
/* One line saying how poweroff and reboot will be done. */
const char *power_method(void);
NORETURN void power_off(void);
NORETURN void power_reboot(void);

#endif
