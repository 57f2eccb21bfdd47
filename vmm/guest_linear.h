/* Guest memory as the monitor reaches it for an instruction it carries out
 * for the guest (INS/OUTS): guest-linear addresses through the guest's own
 * page tables (vmm/guest_walk.h), then guest RAM. A page the guest's pages
 * or tables need that is not backed (never touched, or paged out) is
 * backed through the same RAM fault path a guest access takes
 * (vmmem_ram_fault): allocated under a release deny, counted, blocked in
 * the low state, and a page lost to a swap read error stops the VM there. */
#ifndef VMM_GUEST_LINEAR_H
#define VMM_GUEST_LINEAR_H

#include "include/hv/types.h"
#include "vmm/exits.h"
#include "vmm/guest_walk.h"

struct vcpu;

struct guest_linear {
    struct vcpu *v;
    struct walk_regs walk;
    /* EXIT_CONTINUE; or what backing a page asked for (EXIT_SLEEP: the vCPU
     * waits for memory, EXIT_STOP: the VM failed) when a copy said GL_WAIT. */
    enum exit_action action;
    /* With `rights` (guest_linear_check_rights), copies check the pages'
     * rights as the CPU does for an access at CPL 3 (`user`) or 0 (with
     * EFLAGS.AC `ac`, for SMAP), and set their accessed and dirty flags;
     * `protection` says a GL_UNMAPPED was a refusal (a #PF with P set), not
     * a page missing. */
    bool rights, user, ac, protection;
    /* Data bytes outside RAM that are memory-like (mmio_copy: pc-testdev's
     * window, the legacy hole, unknown memory) are copied too, as INS and
     * OUTS reach them on a PC; page tables must still be RAM. */
    bool devices;
    /* Only pages the VM has in memory are read (mapped, or backed with the
     * sampler's zap on them): one never touched or paged out is GL_NOT_RAM,
     * and nothing is allocated or read back from swap (a report on a
     * stopping VM, vmm/vcpu_dump.h). */
    bool resident_only;
};

enum gl_result {
    GL_OK,
    GL_UNMAPPED,    /* the guest's paging does not map it: a #PF for the guest */
    GL_NOT_RAM,     /* mapped to guest-physical memory that is not RAM */
    GL_WAIT,        /* backing a page slept or stopped the VM: see `action` */
};

/* Reads the paging registers of the vCPU whose VMCS is current. */
void guest_linear_init(struct guest_linear *g, struct vcpu *v);
/* For an access the CPU has not checked (INS/OUTS exit before they touch
 * memory): rights checked and accessed/dirty flags set (guest_walk_access). */
void guest_linear_check_rights(struct guest_linear *g, bool user, bool ac);

/* The guest's #PF for a copy that said GL_UNMAPPED at `gla` (its *bad):
 * CR2 the address, the error code P for a refusal (`protection`), W for a
 * `write`, U when the rights were checked for CPL 3, as the CPU's would be
 * for the access it did not make. */
void guest_linear_page_fault(const struct guest_linear *g, uint64_t gla, bool write);

/* Reads `n` bytes at guest-linear `gla` into `buf` (they may cross pages);
 * with `buf` NULL it only checks that every byte is mapped RAM (and backs
 * it). On an error *bad is the first guest-linear byte that failed. */
enum gl_result guest_linear_read(struct guest_linear *g, uint64_t gla, void *buf, size_t n,
                                 uint64_t *bad);
/* Reads `n` bytes at guest-physical `gpa`, within one page (PAE's page-
 * directory-pointer entries, which the CPU reads at a CR3 load). */
enum gl_result guest_phys_read(struct guest_linear *g, uint64_t gpa, void *buf, size_t n);
/* PAE paging's four page-directory-pointer entries, read from the 32-byte
 * table at `cr3` as a CR3 load makes the CPU read them, into the VMCS, from
 * which VM entry loads them (SDM vol. 3, 28.3.2.4): for MOV to CR0/CR3/CR4
 * (vmm/exit_cr.c) and task switches. `*reserved`: a present entry has a
 * reserved bit set (a #GP for a MOV to CR; nothing is written then). */
enum gl_result vcpu_load_pdptes(struct vcpu *v, struct guest_linear *g, uint64_t cr3,
                                bool *reserved);
/* Writes `n` bytes from `buf` to guest-linear `gla`; with `buf` NULL, the
 * same check as a read (the destination of an INS, before the port is
 * read). */
enum gl_result guest_linear_write(struct guest_linear *g, uint64_t gla, const void *buf,
                                  size_t n, uint64_t *bad);

#endif
