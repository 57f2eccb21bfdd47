/*
 * The one narrow interface through which policy code (mm/, kernel/ policy,
 * lib/) reaches the machine. Two implementations exist:
 *   arch/x86_64/platform_x86.c  - the image (TSC, direct map, EPT, IPIs)
 *   tests/fake/platform_fake.c  - hosted tests and the simulator (in memory)
 * Policy code includes this header, never an arch/ header. Binding is at link
 * time: there is no indirection on the hot paths.
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "include/hv/types.h"

/* ---- time ---------------------------------------------------------------- */
/* Monotonic nanoseconds since boot (virtual time in the simulator). */
uint64_t plat_time_ns(void);

/* ---- machine memory ------------------------------------------------------ */
/* A pointer through which the hypervisor can read and write machine page
 * `mpn` (the direct map in the image, an arena in the fake). */
void *plat_mpn_to_va(mpn_t mpn);
/* The inverse, for pointers plat_mpn_to_va() returned (offsets within the
 * page are fine); INVALID_MPN for any other pointer. */
mpn_t plat_va_to_mpn(const void *va);

/* ---- guest mappings (EPT in the image) ----------------------------------- */
/* Opaque handle for one VM's guest-physical address space. */
struct plat_vm;

/* Access rights of a guest mapping. */
#define PLAT_GPA_R 1u
#define PLAT_GPA_W 2u
#define PLAT_GPA_X 4u
#define PLAT_GPA_RWX 7u

/* An empty guest-physical space for a VM of `npages` guest pages; NULL when
 * memory ran out. Destroying it frees only the platform's own structures
 * (page tables): the machine pages mapped in it belong to the caller. */
struct plat_vm *plat_gpa_create(uint64_t npages);
void plat_gpa_destroy(struct plat_vm *vm);

/* Maps guest page `ppn` to machine page `mpn` with `prot` (PLAT_GPA_*),
 * write-back. Replaces an existing mapping without invalidating: use it to
 * fill a page that was not mapped; plat_gpa_protect() narrows rights. False
 * when the platform could not get memory for its tables or `ppn` is out of
 * its range. */
bool plat_gpa_map(struct plat_vm *vm, ppn_t ppn, mpn_t mpn, unsigned prot);

/* The machine page mapped at `ppn`, INVALID_MPN when none. */
mpn_t plat_gpa_lookup(struct plat_vm *vm, ppn_t ppn);

/* Changes the rights of a mapped page and invalidates cached translations on
 * every CPU; false when `ppn` is not mapped. */
bool plat_gpa_protect(struct plat_vm *vm, ppn_t ppn, unsigned prot);

/* True when the hardware keeps accessed bits in guest mappings, so that
 * plat_gpa_test_clear_accessed() sees touches without faults. */
bool plat_gpa_has_accessed_bits(void);

/* Remove the mapping of guest page `ppn` and invalidate cached translations on
 * every CPU, so that the next guest touch traps to the monitor. */
void plat_gpa_unmap(struct plat_vm *vm, ppn_t ppn);

/* Removes the mapping of `ppn` without invalidating: the guest may go on
 * using a cached translation until the caller's plat_gpa_flush(), which must
 * come before the machine page is read for its final contents or reused. A
 * batch of pages taken away together costs one invalidation (the swapper). */
void plat_gpa_unmap_noflush(struct plat_vm *vm, ppn_t ppn);

/* Read and clear the hardware accessed bit of guest page `ppn`'s mapping.
 * Returns false for an unmapped page. Stale TLB entries may hide a later
 * access until the next plat_gpa_flush(); callers tolerate that. */
bool plat_gpa_test_clear_accessed(struct plat_vm *vm, ppn_t ppn);

/* Invalidate all cached guest translations of `vm` on every CPU. */
void plat_gpa_flush(struct plat_vm *vm);

/* ---- stopping ------------------------------------------------------------- */
/* Stops the machine with `msg` (hv_panic formats it; lib/panic.c). `caller`
 * and `frame` start the backtrace where the image prints one. */
NORETURN void plat_panic(const char *msg, uintptr_t caller, uintptr_t frame);

/* ---- randomness ---------------------------------------------------------- */
/* A fast non-cryptographic random number (sampling, victim selection). */
uint64_t plat_random(void);

/* ---- interrupts ------------------------------------------------------------ */
/* Disables interrupts on this CPU and returns the previous state, for code
 * that shares data with interrupt handlers (the log, the console). */
uint64_t plat_irq_save(void);
void plat_irq_restore(uint64_t state);

#endif
