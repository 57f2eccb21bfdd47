/* State the kernel's machine-facing parts share after bring-up. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include "include/hv/bootinfo.h"
#include "kernel/host_config.h"
#include "drivers/acpi_tables.h"

extern const struct bootinfo *g_bootinfo;
extern struct host_config g_host_config;
extern struct acpi_info g_acpi;
extern bool g_acpi_ok;
extern volatile uint64_t g_ticks;

extern const char hv_version[];


#endif
