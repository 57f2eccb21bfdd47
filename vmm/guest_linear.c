/* Guest-linear memory for the monitor: see vmm/guest_linear.h. */
#include "vmm/guest_linear.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_rules.h"
#include "vmm/vmmem_poll.h"
#include "kernel/vm.h"
#include "include/hv/platform.h"
#include "include/hv/x86/regs.h"
#include "lib/kstring.h"

void guest_linear_init(struct guest_linear *g, struct vcpu *v)
{
    g->v = v;
    g->walk.cr0 = gs_read(v, VMCS_GUEST_CR0);
    g->walk.cr3 = gs_read(v, VMCS_GUEST_CR3);
    g->walk.cr4 = gs_read(v, VMCS_GUEST_CR4);
    g->walk.efer = gs_read(v, VMCS_GUEST_EFER);
    g->action = EXIT_CONTINUE;
    g->rights = g->user = g->ac = g->protection = g->devices = g->resident_only = false;
}

void guest_linear_check_rights(struct guest_linear *g, bool user, bool ac)
{
    g->rights = true;
    g->user = user;
    g->ac = ac;
}

void guest_linear_page_fault(const struct guest_linear *g, uint64_t gla, bool write)
{
    g->v->regs.cr2 = gla;
    vcpu_inject_exception(g->v, VEC_PF, true, (g->protection ? PF_ERR_PRESENT : 0) |
                                                  (write ? PF_ERR_WRITE : 0) |
                                                  (g->user ? PF_ERR_USER : 0));
}

/* The host address of guest-physical `gpa`, backing its page first. */
static enum gl_result ram_page(struct guest_linear *g, uint64_t gpa, uint8_t **va)
{
    struct vm *vm = g->v->vm;
    if (!vm->mem.ram.gpa || !vm_gpa_is_ram(vm, gpa))
        return GL_NOT_RAM;
    mpn_t m = plat_gpa_lookup(vm->mem.ram.gpa, gpa >> PAGE_SHIFT);
    if (m == INVALID_MPN && g->resident_only) {
        /* Backed but not mapped (the sampler's zap) still counts: only a
         * page with no machine page is left alone. */
        struct pm_entry e;
        if (physmap_lookup(&vm->mem.ram.pm, gpa >> PAGE_SHIFT, &e) != PM_OK ||
            (e.state != PM_MAPPED && e.state != PM_SHARED))
            return GL_NOT_RAM;
        m = e.payload;
    }
    if (m == INVALID_MPN) {
        enum exit_action a = vmmem_ram_fault(g->v, gpa & ~(uint64_t)(PAGE_SIZE - 1));
        if (a != EXIT_CONTINUE) {
            g->action = a;
            return GL_WAIT;
        }
        m = plat_gpa_lookup(vm->mem.ram.gpa, gpa >> PAGE_SHIFT);
        if (m == INVALID_MPN)
            return GL_NOT_RAM;
    }
    *va = (uint8_t *)plat_mpn_to_va(m) + (gpa & (PAGE_SIZE - 1));
    return GL_OK;
}

struct pte_ctx {
    struct guest_linear *g;
    enum gl_result r;
};

static bool pte_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct pte_ctx *c = ctx;
    uint8_t *va;
    *val = 0;
    if ((gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE)
        return false; /* entries are aligned */
    c->r = ram_page(c->g, gpa, &va);
    if (c->r != GL_OK)
        return false;
    memcpy(val, va, size);
    return true;
}

static bool pte_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
    struct pte_ctx *c = ctx;
    uint8_t *va;
    if ((gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE)
        return false;
    c->r = ram_page(c->g, gpa, &va);
    if (c->r != GL_OK)
        return false;
    memcpy(va, &val, size);
    return true;
}

/* One walk for both directions: bytes go to `into` (a read), come from
 * `from` (a write), or neither (a check of a read or, with `write`, of a
 * write). */
static enum gl_result copy(struct guest_linear *g, uint64_t gla, uint8_t *into,
                           const uint8_t *from, size_t n, uint64_t *bad, bool write)
{
    size_t done = 0;
    while (done < n) {
        uint64_t at = gla + done, gpa;
        struct pte_ctx c = { g, GL_OK };
        struct walk_access a = { .write = write, .user = g->user, .ac = g->ac };
        bool mapped = g->rights ? guest_walk_access(&g->walk, at, pte_read, pte_write, &c, &a, &gpa)
                                : guest_walk(&g->walk, at, pte_read, &c, &gpa);
        if (!mapped) {
            g->protection = a.protection;
            *bad = at;
            /* A table the walk could not read is the table's problem (not
             * RAM, or its page is on its way back); an entry that is not
             * present is the guest's #PF. */
            return c.r != GL_OK ? c.r : GL_UNMAPPED;
        }
        size_t chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
        if (chunk > n - done)
            chunk = n - done;
        uint8_t *va;
        enum gl_result r = ram_page(g, gpa, &va);
        if (r == GL_NOT_RAM && g->devices &&
            mmio_copy(g->v, gpa, into ? into + done : NULL, from ? from + done : NULL, chunk)) {
            done += chunk;
            continue;
        }
        if (r != GL_OK) {
            *bad = at;
            return r;
        }
        if (from)
            memcpy(va, from + done, chunk);
        else if (into)
            memcpy(into + done, va, chunk);
        done += chunk;
    }
    return GL_OK;
}

enum gl_result guest_linear_read(struct guest_linear *g, uint64_t gla, void *buf, size_t n,
                                 uint64_t *bad)
{
    return copy(g, gla, buf, NULL, n, bad, false);
}

enum gl_result guest_phys_read(struct guest_linear *g, uint64_t gpa, void *buf, size_t n)
{
    if ((gpa & (PAGE_SIZE - 1)) + n > PAGE_SIZE)
        return GL_NOT_RAM;
    uint8_t *va;
    enum gl_result r = ram_page(g, gpa, &va);
    if (r == GL_OK)
        memcpy(buf, va, n);
    return r;
}

enum gl_result guest_linear_write(struct guest_linear *g, uint64_t gla, const void *buf,
                                  size_t n, uint64_t *bad)
{
    return copy(g, gla, NULL, buf, n, bad, true);
}

enum gl_result vcpu_load_pdptes(struct vcpu *v, struct guest_linear *g, uint64_t cr3,
                                bool *reserved)
{
    uint64_t pdpte[4];
    enum gl_result r = guest_phys_read(g, cr3 & 0xffffffe0ULL, pdpte, sizeof pdpte);
    *reserved = r == GL_OK && pdpte_refusal(pdpte, guest_phys_bits());
    if (r != GL_OK || *reserved)
        return r;
    for (unsigned i = 0; i < 4; i++)
        gs_write(v, VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    return GL_OK;
}
