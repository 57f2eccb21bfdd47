/* Fake guest-physical mappings: see fake_gpa.h. A NULL plat_vm is accepted
 * by the plat_gpa_* operations and does nothing, so unit tests of policy code
 * that do not care about mappings can pass NULL. */
#include <stdlib.h>
#include <assert.h>
#include "tests/fake/fake_gpa.h"

struct plat_vm {
    uint64_t npages;
    uint8_t *mapped;       /* rights (PLAT_GPA_*); 0 = not mapped */
    uint8_t *accessed;
    mpn_t *mpn;            /* INVALID_MPN for fake_gpa_map's mappings */
    uint64_t unmaps, flushes, tests, maps, protects;
    uint64_t flushing_unmaps;   /* unmaps that invalidated (plat_gpa_unmap) */
    bool fail_maps;
};

static bool accessed_bits = true;

struct plat_vm *fake_gpa_create(uint64_t npages)
{
    struct plat_vm *vm = calloc(1, sizeof *vm);
    assert(vm);
    vm->npages = npages;
    vm->mapped = calloc(npages ? npages : 1, 1);
    vm->accessed = calloc(npages ? npages : 1, 1);
    vm->mpn = malloc((npages ? npages : 1) * sizeof *vm->mpn);
    assert(vm->mapped && vm->accessed && vm->mpn);
    for (uint64_t i = 0; i < npages; i++)
        vm->mpn[i] = INVALID_MPN;
    return vm;
}

void fake_gpa_destroy(struct plat_vm *vm)
{
    if (!vm)
        return;
    free(vm->mapped);
    free(vm->accessed);
    free(vm->mpn);
    free(vm);
}

void fake_gpa_map(struct plat_vm *vm, ppn_t ppn)
{
    if (!vm || ppn >= vm->npages)
        return;
    vm->mapped[ppn] = PLAT_GPA_RWX;
    vm->accessed[ppn] = 1;
    vm->mpn[ppn] = INVALID_MPN;
}

unsigned fake_gpa_rights(const struct plat_vm *vm, ppn_t ppn)
{
    return vm && ppn < vm->npages ? vm->mapped[ppn] : 0;
}

void fake_gpa_fail_maps(struct plat_vm *vm, bool fail) { vm->fail_maps = fail; }
void fake_gpa_set_accessed_bits(bool present) { accessed_bits = present; }
uint64_t fake_gpa_map_count(const struct plat_vm *vm) { return vm ? vm->maps : 0; }
uint64_t fake_gpa_protect_count(const struct plat_vm *vm) { return vm ? vm->protects : 0; }

bool fake_gpa_is_mapped(const struct plat_vm *vm, ppn_t ppn)
{
    return vm && ppn < vm->npages && vm->mapped[ppn];
}

bool fake_gpa_accessed(const struct plat_vm *vm, ppn_t ppn)
{
    return vm && ppn < vm->npages && vm->accessed[ppn];
}

bool fake_gpa_touch(struct plat_vm *vm, ppn_t ppn)
{
    if (!vm || ppn >= vm->npages || !vm->mapped[ppn])
        return false;
    vm->accessed[ppn] = 1;
    return true;
}

uint64_t fake_gpa_unmap_count(const struct plat_vm *vm) { return vm ? vm->unmaps : 0; }
uint64_t fake_gpa_flush_count(const struct plat_vm *vm) { return vm ? vm->flushes : 0; }
uint64_t fake_gpa_test_count(const struct plat_vm *vm) { return vm ? vm->tests : 0; }
uint64_t fake_gpa_invalidation_count(const struct plat_vm *vm)
{
    return vm ? vm->flushes + vm->flushing_unmaps : 0;
}

/* ---- include/hv/platform.h ------------------------------------------------ */

struct plat_vm *plat_gpa_create(uint64_t npages) { return fake_gpa_create(npages); }
void plat_gpa_destroy(struct plat_vm *vm) { fake_gpa_destroy(vm); }

bool plat_gpa_map(struct plat_vm *vm, ppn_t ppn, mpn_t mpn, unsigned prot)
{
    if (!vm || ppn >= vm->npages || vm->fail_maps)
        return false;
    vm->maps++;
    vm->mapped[ppn] = (uint8_t)(prot & PLAT_GPA_RWX);
    vm->accessed[ppn] = 0;
    vm->mpn[ppn] = mpn;
    return true;
}

mpn_t plat_gpa_lookup(struct plat_vm *vm, ppn_t ppn)
{
    return vm && ppn < vm->npages && vm->mapped[ppn] ? vm->mpn[ppn] : INVALID_MPN;
}

bool plat_gpa_protect(struct plat_vm *vm, ppn_t ppn, unsigned prot)
{
    if (!vm || ppn >= vm->npages || !vm->mapped[ppn])
        return false;
    vm->protects++;
    vm->flushes++;
    vm->mapped[ppn] = (uint8_t)(prot & PLAT_GPA_RWX);
    return true;
}

bool plat_gpa_has_accessed_bits(void) { return accessed_bits; }

/* Both unmaps count in `unmaps`; only plat_gpa_unmap invalidates. */
void plat_gpa_unmap_noflush(struct plat_vm *vm, ppn_t ppn)
{
    if (!vm)
        return;
    vm->unmaps++;
    if (ppn >= vm->npages)
        return;
    vm->mapped[ppn] = 0;
    vm->accessed[ppn] = 0;
    vm->mpn[ppn] = INVALID_MPN;
}

void plat_gpa_unmap(struct plat_vm *vm, ppn_t ppn)
{
    if (vm)
        vm->flushing_unmaps++;
    plat_gpa_unmap_noflush(vm, ppn);
}

bool plat_gpa_test_clear_accessed(struct plat_vm *vm, ppn_t ppn)
{
    if (!vm)
        return false;
    vm->tests++;
    if (ppn >= vm->npages || !vm->mapped[ppn])
        return false;
    bool a = vm->accessed[ppn] != 0;
    vm->accessed[ppn] = 0;
    return a;
}

void plat_gpa_flush(struct plat_vm *vm)
{
    if (vm)
        vm->flushes++;
}
