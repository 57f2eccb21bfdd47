/* I/O breakpoints (Intel SDM vol. 3, 18.2.4 and 18.2.5): with CR4.DE set, a
 * debug register whose R/W field in DR7 is 10b watches a range of ports,
 * and an IN or OUT touching it ends in a #DB trap. An IN or OUT the monitor
 * carries out (every port access exits before the CPU could check) must
 * raise it itself. Pure, so the rule is tested hosted. */
#ifndef VMM_IO_BREAKPOINT_H
#define VMM_IO_BREAKPOINT_H

#include "include/hv/types.h"

/* DR6's B0-B3 bits of the breakpoints enabled in `dr7` (local or global)
 * that an access of `size` bytes at `port` hits; `dr` holds DR0-DR3. The
 * caller checks CR4.DE (without it R/W 10b is undefined, SDM 18.2.4). */
unsigned io_breakpoint_hits(uint64_t dr7, const uint64_t dr[4], uint16_t port, unsigned size);

#endif
