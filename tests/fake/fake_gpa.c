/* Fake guest-physical mappings: see fake_gpa.h. A NULL plat_vm is accepted
 * by the plat_gpa_* operations and does nothing, so unit tests of policy code
 * that do not care about mappings can pass NULL. */
#include <stdlib.h>
#include <assert.h>
#include "tests/fake/fake_gpa.h"

struct plat_vm {
    uint64_t npages;
    uint8_t *mapped;
    uint8_t *accessed;
    uint64_t unmaps, flushes, tests;
};

struct plat_vm *fake_gpa_create(uint64_t npages)
{
    struct plat_vm *vm = calloc(1, sizeof *vm);
    assert(vm);
    vm->npages = npages;
    vm->mapped = calloc(npages ? npages : 1, 1);
    vm->accessed = calloc(npages ? npages : 1, 1);
    assert(vm->mapped && vm->accessed);
    return vm;
}

void fake_gpa_destroy(struct plat_vm *vm)
{
    if (!vm)
        return;
    free(vm->mapped);
    free(vm->accessed);
    free(vm);
}

void fake_gpa_map(struct plat_vm *vm, ppn_t ppn)
{
    if (!vm || ppn >= vm->npages)
        return;
    vm->mapped[ppn] = 1;
    vm->accessed[ppn] = 1;
}

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

/* ---- include/hv/platform.h ------------------------------------------------ */

void plat_gpa_unmap(struct plat_vm *vm, ppn_t ppn)
{
    if (!vm)
        return;
    vm->unmaps++;
    if (ppn >= vm->npages)
        return;
    vm->mapped[ppn] = 0;
    vm->accessed[ppn] = 0;
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
