/* The shell's command table. */
#ifndef KERNEL_SHELL_CMDS_H
#define KERNEL_SHELL_CMDS_H

#include "kernel/shell_parse.h"

extern const struct shell_cmd shell_commands[];
/* Sub-command tables living in their own files. */
extern const struct shell_cmd shell_vm_sub[];
extern const struct shell_cmd shell_stats_sub[];
extern const struct shell_cmd shell_swap_sub[];

#endif
