/* I/O breakpoints: see io_breakpoint.h. */
#include "vmm/io_breakpoint.h"

#define DR7_RW_IO 2u

unsigned io_breakpoint_hits(uint64_t dr7, const uint64_t dr[4], uint16_t port, unsigned size)
{
    /* LEN: 00b one byte, 01b two, 10b eight, 11b four (18.2.4); the range
     * starts at the address rounded down to its length, as the CPU does
     * not check the low bits (18.2.5). */
    static const unsigned len_bytes[4] = { 1, 2, 8, 4 };
    unsigned hits = 0;
    for (unsigned i = 0; i < 4; i++) {
        bool enabled = (dr7 >> (2 * i)) & 3;
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3, len = len_bytes[(dr7 >> (18 + 4 * i)) & 3];
        if (!enabled || rw != DR7_RW_IO)
            continue;
        uint32_t first = (uint32_t)(dr[i] & 0xffff) & ~(len - 1);
        if ((uint32_t)port < first + len && first < (uint32_t)port + size)
            hits |= 1u << i;
    }
    return hits;
}
