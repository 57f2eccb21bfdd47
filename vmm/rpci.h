/* The commands a guest sends the host over GuestRPC (RPCI, vmm/guestrpc.h),
 * answered as ESX's VMX answers them: a reply of "1 " and the result, or
 * "0 " and why not.
 *
 *   info-get guestinfo.NAME        "1 VALUE", or "0 No value found"
 *   info-set guestinfo.NAME VALUE  "1 " (the value is the rest of the
 *                                  request, spaces and all; it may be empty)
 *   log TEXT                       "1 "; TEXT goes to the host's log
 *   tools.set.version N            "1 "; the tools' version is kept
 *   anything else                  "0 Unknown command"
 *
 * The request is hostile bytes: any length up to the channel's, NULs
 * included. Pure; the monitor gives it the VM's variables and a log. */
#ifndef VMM_RPCI_H
#define VMM_RPCI_H

#include "include/hv/types.h"
#include "kernel/guestinfo.h"

struct rpci {
    struct guestinfo *vars;
    /* A `log` request's text (not terminated, not escaped). */
    void (*log)(void *ctx, const char *text, size_t len);
    void *log_ctx;
    uint32_t tools_version;          /* tools.set.version's, 0 before */
};

/* A guestrpc_exec_fn: ctx is a struct rpci. */
size_t rpci_exec(void *ctx, const char *req, size_t len, char *reply, size_t cap);

#endif
