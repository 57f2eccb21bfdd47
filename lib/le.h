/* Little-endian loads and stores on byte buffers: for formats read from
 * files (guest images), whose fields have no alignment a C struct could
 * rely on. */
#ifndef LIB_LE_H
#define LIB_LE_H

#include "include/hv/types.h"

static inline uint64_t le_get(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static inline void le_put(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
