/* VMware's backdoor, the channel by which guest tools talk to ESX: an
 * `IN EAX, DX` with EAX = 0x564D5868 ("VMXh") and DX = 0x5658, the command
 * in CX, the answer in the general registers. Kept to the calls an OS or
 * tools make to learn where they run, how much memory they have and what
 * time it is:
 *
 *   1  GETMHZ      EAX = the TSC's rate in MHz
 *   10 GETVERSION  EAX = 6, EBX = the magic, ECX = 2 (ESX's product type)
 *   20 GETMEMSIZE  EAX = the VM's memory in MiB
 *   45 GETHZ       EAX, EBX = the TSC's rate in Hz (low, high); ECX = the
 *                  local APIC timer's input clock in Hz
 *   46 GETTIMEFULL EAX = the magic; ESI:EDX = the host's time of day in
 *                  seconds since 1970 (UTC), EBX its microseconds; ECX = the
 *                  most it may lag, in microseconds (0). Before 1970 (no
 *                  clock): EAX = all ones, as when the host has no time
 *
 * Any other command changes no register (kvm-unit-tests' vmware_backdoors
 * checks that EBX keeps its value); an access without the magic is an
 * ordinary port access. VMware's pseudo performance counters are here too:
 * RDPMC with ECX 0x10000 (the host's TSC), 0x10001 (real time, ns) and
 * 0x10002 (apparent time, ns: the same here, as a VM's time is not
 * virtualised apart from the host's).
 *
 * Pure: the monitor (vmm/exit_io.c, vmm/exit_gp.c) passes the registers and
 * the host's figures in. See docs/monitor.md, "VMware's backdoor". */
#ifndef VMM_BACKDOOR_H
#define VMM_BACKDOOR_H

#include "include/hv/types.h"

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT 0x5658
#define BDOOR_CMD_GETMHZ 1
#define BDOOR_CMD_GETVERSION 10
#define BDOOR_CMD_GETMEMSIZE 20
#define BDOOR_CMD_GETHZ 45
#define BDOOR_CMD_GETTIMEFULL 46
#define BDOOR_VERSION 6
#define BDOOR_TYPE_ESX 2

#define BDOOR_PMC_HOST_TSC 0x10000u
#define BDOOR_PMC_REAL_NS 0x10001u
#define BDOOR_PMC_APPARENT_NS 0x10002u

struct backdoor_regs {
    uint64_t ax, bx, cx, dx, si, di;
    uint64_t bp;            /* the high-bandwidth port's calls only (vmm/guestrpc.h) */
};

struct backdoor_host {
    uint64_t tsc_hz;        /* the guest's TSC rate (the host's) */
    uint64_t apic_hz;       /* the local APIC timer's input clock */
    uint64_t mem_mib;       /* the VM's memory size */
    int64_t unix_us;        /* the host's time of day, us since 1970 UTC */
};

/* An `IN EAX, DX` at the backdoor port: true when EAX holds the magic, and
 * the registers are the call's answer (32-bit values, zero-extended as a
 * 32-bit destination is); false: not a backdoor call, nothing changed. */
bool backdoor_call(struct backdoor_regs *r, const struct backdoor_host *h);

/* RDPMC of a pseudo counter: true when `ecx` names one, *val its value. */
bool backdoor_pmc(uint32_t ecx, uint64_t host_tsc, uint64_t now_ns, uint64_t *val);

#endif
