/*
 * A VM's guestinfo variables, ESX's way of passing small settings between
 * the host and software in the guest: `guestinfo.NAME = "value"` lines in
 * the .vmx, `vm guestinfo` in the shell, and GuestRPC's `info-get` and
 * `info-set` from the guest (vmm/rpci.c; vmware-rpctool, cloud-init's
 * VMware data source). Names are compared without regard to case, as every
 * .vmx key is, and always begin with "guestinfo.".
 *
 * The variables live in one fixed arena (no allocation, nothing to free):
 * records of a 2-byte name length, a 2-byte value length, the name and the
 * value, packed; replacing or removing one closes the gap. A value is bytes
 * without NUL (anything else a guest sends is kept as is and escaped when
 * shown). Pure: hosted tests and fuzzers use it as the image does.
 */
#ifndef KERNEL_GUESTINFO_H
#define KERNEL_GUESTINFO_H

#include "include/hv/types.h"

#define GUESTINFO_PREFIX "guestinfo."
#define GUESTINFO_PREFIX_LEN 10
/* A name as long as a .vmx key may be (CFG_KEY_MAX - 1). */
#define GUESTINFO_NAME_MAX 63
/* All of a VM's names and values together, with 4 bytes a variable. */
#define GUESTINFO_BYTES 16384

struct guestinfo {
    uint32_t used;                 /* bytes of `arena` in use */
    uint32_t count;                /* variables */
    uint8_t arena[GUESTINFO_BYTES];
};

enum guestinfo_result {
    GUESTINFO_OK = 0,
    GUESTINFO_BAD_NAME,    /* not "guestinfo." and more, too long, or a byte a
                              .vmx key cannot hold (only [A-Za-z0-9._:-]) */
    GUESTINFO_BAD_VALUE,   /* holds a NUL byte */
    GUESTINFO_FULL,        /* the arena has no room for it (nothing changed) */
};

void guestinfo_init(struct guestinfo *g);
/* True when `name` (len bytes) may name a variable. */
bool guestinfo_name_valid(const char *name, size_t len);
/* Sets (adds or replaces) a variable. */
enum guestinfo_result guestinfo_set(struct guestinfo *g, const char *name, size_t name_len,
                                    const char *value, size_t value_len);
/* The value of `name`: true and *value (not terminated), *len; false when
 * there is no such variable. The pointer is good until the next change. */
bool guestinfo_get(const struct guestinfo *g, const char *name, size_t name_len,
                   const char **value, size_t *len);
/* Removes a variable: true if it was there. */
bool guestinfo_unset(struct guestinfo *g, const char *name, size_t name_len);
/* Walks the variables in the order they were first set: start with
 * *cursor = 0; false at the end. Names and values are not terminated. */
bool guestinfo_next(const struct guestinfo *g, uint32_t *cursor, const char **name,
                    size_t *name_len, const char **value, size_t *value_len);
#endif
