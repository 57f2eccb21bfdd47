/* The shell's command table. */
#ifndef KERNEL_SHELL_CMDS_H
#define KERNEL_SHELL_CMDS_H

#include "kernel/shell_parse.h"

extern const struct shell_cmd shell_commands[];
/* Sub-command tables living in their own files. */
extern const struct shell_cmd shell_vm_sub[];
extern const struct shell_cmd shell_stats_sub[];
extern const struct shell_cmd shell_swap_sub[];
extern const struct shell_cmd shell_vmm_sub[];
int shell_cmd_memstats(int argc, char **argv, void *ctx);
/* kernel/shell_balloon.c: `vm balloon`. */
int shell_vm_balloon(int argc, char **argv, void *ctx);
/* kernel/shell_vm_peek.c: `vm peek`. */
int shell_vm_peek(int argc, char **argv, void *ctx);
/* kernel/shell_vm_regs.c: `vm regs`. */
int shell_vm_regs(int argc, char **argv, void *ctx);
/* kernel/shell_guestinfo.c: `vm guestinfo`. */
int shell_vm_guestinfo(int argc, char **argv, void *ctx);
/* A VM by id or by name (kernel/shell_vm.c); NULL after printing
 * "CMD: no VM 'ARG'". */
struct vm;
struct vm *shell_find_vm(const char *cmd, const char *arg);

/* kernel/shell.c: calls `fn` every `period_ns` from the shell's poll until
 * a key is pressed (the key is swallowed), then shows the prompt again. */
void shell_repeat(void (*fn)(void), uint64_t period_ns);

#endif
