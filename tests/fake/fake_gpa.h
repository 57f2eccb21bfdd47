/* In-memory guest mappings for hosted tests and the simulator: per VM, a
 * mapped bit and an accessed bit per guest page, standing in for EPT. The
 * simulator's "guest" touches pages through fake_gpa_touch(); policy code sees
 * the result only through include/hv/platform.h (plat_gpa_*). */
#ifndef TESTS_FAKE_FAKE_GPA_H
#define TESTS_FAKE_FAKE_GPA_H

#include "include/hv/platform.h"

struct plat_vm *fake_gpa_create(uint64_t npages);
void fake_gpa_destroy(struct plat_vm *vm);

/* What the monitor's EPT fill does after a fault: map `ppn` (accessed set,
 * since the guest is touching it). Out-of-range PPNs are ignored. */
void fake_gpa_map(struct plat_vm *vm, ppn_t ppn);
bool fake_gpa_is_mapped(const struct plat_vm *vm, ppn_t ppn);
bool fake_gpa_accessed(const struct plat_vm *vm, ppn_t ppn);

/* A guest access: sets the accessed bit and returns true when mapped; returns
 * false (an EPT violation the monitor must handle) otherwise. */
bool fake_gpa_touch(struct plat_vm *vm, ppn_t ppn);

/* The rights a page is mapped with (PLAT_GPA_*), 0 when not mapped. */
unsigned fake_gpa_rights(const struct plat_vm *vm, ppn_t ppn);
/* Makes plat_gpa_map fail (the image's EPT out of table pages). */
void fake_gpa_fail_maps(struct plat_vm *vm, bool fail);
/* What plat_gpa_has_accessed_bits() answers (true by default). */
void fake_gpa_set_accessed_bits(bool present);

/* Counters of the platform operations the code under test performed. */
uint64_t fake_gpa_map_count(const struct plat_vm *vm);
uint64_t fake_gpa_protect_count(const struct plat_vm *vm);
uint64_t fake_gpa_unmap_count(const struct plat_vm *vm);
uint64_t fake_gpa_flush_count(const struct plat_vm *vm);
uint64_t fake_gpa_test_count(const struct plat_vm *vm);
/* Invalidations of cached translations (what an INVEPT costs in the image):
 * flushes and protects, and each plat_gpa_unmap (plat_gpa_unmap_noflush
 * does not invalidate). */
uint64_t fake_gpa_invalidation_count(const struct plat_vm *vm);

#endif
