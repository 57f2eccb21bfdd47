/* A VM's guestinfo variables (see guestinfo.h). */
#include "kernel/guestinfo.h"
#include "lib/kstring.h"

#define HEADER 4u   /* name length, value length: 2 bytes each, little-endian */

void guestinfo_init(struct guestinfo *g)
{
    g->used = 0;
    g->count = 0;
}

/* Stored names hold no NUL (guestinfo_name_valid), so a NUL in `b` differs. */
static bool same_name(const uint8_t *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && str_ncasecmp((const char *)a, b, alen) == 0;
}

bool guestinfo_name_valid(const char *name, size_t len)
{
    if (len <= GUESTINFO_PREFIX_LEN || len > GUESTINFO_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return str_ncasecmp(name, GUESTINFO_PREFIX, GUESTINFO_PREFIX_LEN) == 0;
}

static size_t rec_name_len(const uint8_t *r) { return r[0] | (size_t)r[1] << 8; }
static size_t rec_value_len(const uint8_t *r) { return r[2] | (size_t)r[3] << 8; }
static size_t rec_size(const uint8_t *r) { return HEADER + rec_name_len(r) + rec_value_len(r); }

/* Offset of the record named `name`, or g->used when there is none. */
static uint32_t find(const struct guestinfo *g, const char *name, size_t len)
{
    uint32_t off = 0;
    while (off < g->used) {
        const uint8_t *r = g->arena + off;
        if (same_name(r + HEADER, rec_name_len(r), name, len))
            return off;
        off += (uint32_t)rec_size(r);
    }
    return g->used;
}

static void remove_at(struct guestinfo *g, uint32_t off)
{
    uint32_t size = (uint32_t)rec_size(g->arena + off);
    memmove(g->arena + off, g->arena + off + size, g->used - off - size);
    g->used -= size;
    g->count--;
}

enum guestinfo_result guestinfo_set(struct guestinfo *g, const char *name, size_t name_len,
                                    const char *value, size_t value_len)
{
    if (!guestinfo_name_valid(name, name_len))
        return GUESTINFO_BAD_NAME;
    if (value_len > GUESTINFO_BYTES)
        return GUESTINFO_FULL;
    for (size_t i = 0; i < value_len; i++)
        if (!value[i])
            return GUESTINFO_BAD_VALUE;
    uint32_t off = find(g, name, name_len);
    size_t old = off < g->used ? rec_size(g->arena + off) : 0;
    size_t need = HEADER + name_len + value_len;
    if (g->used - old + need > GUESTINFO_BYTES)
        return GUESTINFO_FULL;
    if (old) {
        /* Replaced in place: the variable keeps its place in the order. */
        uint8_t *r = g->arena + off;
        memmove(r + need, r + old, g->used - off - old);
        g->used = (uint32_t)(g->used - old + need);
    } else {
        off = g->used;
        g->used += (uint32_t)need;
        g->count++;
    }
    uint8_t *r = g->arena + off;
    r[0] = (uint8_t)name_len;
    r[1] = (uint8_t)(name_len >> 8);
    r[2] = (uint8_t)value_len;
    r[3] = (uint8_t)(value_len >> 8);
    memcpy(r + HEADER, name, name_len);
    if (value_len)
        memcpy(r + HEADER + name_len, value, value_len);
    return GUESTINFO_OK;
}

bool guestinfo_get(const struct guestinfo *g, const char *name, size_t name_len,
                   const char **value, size_t *len)
{
    uint32_t off = find(g, name, name_len);
    if (off >= g->used)
        return false;
    const uint8_t *r = g->arena + off;
    *value = (const char *)r + HEADER + rec_name_len(r);
    *len = rec_value_len(r);
    return true;
}

bool guestinfo_unset(struct guestinfo *g, const char *name, size_t name_len)
{
    uint32_t off = find(g, name, name_len);
    if (off >= g->used)
        return false;
    remove_at(g, off);
    return true;
}

bool guestinfo_next(const struct guestinfo *g, uint32_t *cursor, const char **name,
                    size_t *name_len, const char **value, size_t *value_len)
{
    if (*cursor >= g->used)
        return false;
    const uint8_t *r = g->arena + *cursor;
    *name = (const char *)r + HEADER;
    *name_len = rec_name_len(r);
    *value = *name + *name_len;
    *value_len = rec_value_len(r);
    *cursor += (uint32_t)rec_size(r);
    return true;
}
