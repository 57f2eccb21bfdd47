/*
 * VM names: what a name may be, and lists of names (vm.autostart). A name
 * that does not fit is refused with the reason, never cut: a cut name can be
 * another VM's name.
 */
#ifndef KERNEL_VM_NAME_H
#define KERNEL_VM_NAME_H

#include "include/hv/types.h"

#define VM_NAME_MAX 32 /* bytes with the terminator: names are 1 to 31 bytes */

/* True when [s, s+len) is 1 to VM_NAME_MAX-1 bytes of A-Z a-z 0-9 _ . -;
 * otherwise false, with *why (may be NULL) saying what is wrong. */
bool vm_name_valid(const char *s, size_t len, const char **why);

/* Calls `ok` for each valid name of a list separated by commas and/or
 * spaces, and `bad` for each other item with the item (escaped, cut to 40
 * bytes with "...": it is the file's text) and the reason. Returns the
 * number of items refused. */
unsigned vm_name_list_each(const char *list, void (*ok)(void *ctx, const char *name),
                           void (*bad)(void *ctx, const char *shown, const char *why),
                           void *ctx);

#endif
