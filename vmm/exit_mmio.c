/* EPT violations on device pages (the local APIC at 0xfee00000, the I/O APIC
 * at 0xfec00000, the HPET at 0xfed00000, the virtio balloon's window at
 * 0xfeb00000), in the
 * legacy hole below the BIOS area (VGA memory and
 * option ROMs, [0xA0000, 0xE0000): nothing there, so reads float to all
 * ones and writes vanish, as on a PC bus; Linux scans it for option ROMs),
 * writes to the BIOS area's ROM (dropped, as ROM drops them; it reads
 * as zeros, the shared page mapped there), and data accesses to memory that
 * is neither RAM nor a device (all ones, writes dropped, as the legacy hole;
 * monitor.unknownMemory = "stop" stops the VM instead):
 * they are never mapped, so every access exits here and is emulated
 * (vmm/mmio_emulate.h) with the guest's registers from the VMCS. Anything
 * that cannot be emulated stops only this VM, naming the bytes. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_linear.h"
#include "vmm/mmio_emulate.h"
#include "vmm/vplatform.h"
#include "vmm/virtio_balloon_attach.h"
#include "vmm/dev_testdev.h"
#include "vmm/vga_window.h"
#include "kernel/vm.h"
#include "mm/guest_rom.h"
#include "include/hv/platform.h"
#include "include/hv/x86/regs.h"
#include "lib/kstring.h"
#include "lib/report_once.h"
#include "kernel/log.h"

struct mmio_ctx {
    struct vcpu *v;
    uint64_t gpa;             /* the faulting guest-physical address */
    struct guest_linear g;    /* the instruction's bytes, through the guest's paging */
    bool wait;                /* a page of them must come back first (g.action) */
    bool unknown;             /* neither RAM nor a device: all ones, writes dropped */
    /* MOVS's other operand: through the guest's paging with the rights
     * the CPU checks, RAM or memory-like bytes (mmio_copy). Set up only
     * when a MOVS needs it, off the path of every other device access. */
    struct guest_linear mem;
    bool mem_ready;
    bool ac;                  /* EFLAGS.AC, for SMAP */
    enum gl_result mem_result;
    uint64_t mem_bad;         /* the first byte that failed */
    bool mem_write;
};

/* The bytes up to the first that cannot be read. A page of the instruction
 * or of the tables mapping it that is not backed comes in through the RAM
 * fault path, which may put the vCPU to sleep for memory first. */
static size_t fetch(void *ctx, uint64_t gla, uint8_t *buf, size_t n)
{
    struct mmio_ctx *c = ctx;
    uint64_t bad = gla;
    enum gl_result r = guest_linear_read(&c->g, gla, buf, n, &bad);
    if (r == GL_OK)
        return n;
    c->wait = r == GL_WAIT;
    return (size_t)(bad - gla);
}

static bool mem_access(struct mmio_ctx *c, uint64_t gla, unsigned size, uint64_t *val,
                       bool write)
{
    uint8_t b[8];
    if (!c->mem_ready) {      /* the same paging registers the fetch read */
        c->mem = c->g;
        c->mem.action = EXIT_CONTINUE;
        guest_linear_check_rights(&c->mem, vcpu_cpl(c->v) == 3, c->ac);
        c->mem.devices = true;
        c->mem_ready = true;
    }
    c->mem_write = write;
    if (write) {
        for (unsigned i = 0; i < size; i++)
            b[i] = (uint8_t)(*val >> (8 * i));
        c->mem_result = guest_linear_write(&c->mem, gla, b, size, &c->mem_bad);
    } else {
        c->mem_result = guest_linear_read(&c->mem, gla, b, size, &c->mem_bad);
        *val = 0;
        for (unsigned i = 0; c->mem_result == GL_OK && i < size; i++)
            *val |= (uint64_t)b[i] << (8 * i);
    }
    return c->mem_result == GL_OK;
}

static bool mem_read(void *ctx, uint64_t gla, unsigned size, uint64_t *val)
{
    return mem_access(ctx, gla, size, val, false);
}

static bool mem_write(void *ctx, uint64_t gla, unsigned size, uint64_t val)
{
    return mem_access(ctx, gla, size, &val, true);
}

bool mmio_is_legacy_hole(uint64_t gpa)
{
    return gpa >= GUEST_LOW_RAM_END && gpa < LEGACY_HOLE_END;
}

/* The memory window of the VM's pc-testdev, when it has one. */
static bool mmio_is_testdev(const struct vcpu *v, uint64_t gpa)
{
    return v->plat && v->plat->testdev && testdev_iomem_owns(gpa);
}

bool mmio_is_register_device(const struct vcpu *v, uint64_t gpa)
{
    return vplatform_is_lapic(v->plat, gpa) || vplatform_is_ioapic(gpa) ||
           vplatform_is_hpet(v->plat, gpa) || vballoon_owns(gpa);
}

/* The VM's virtio balloon, when the access is in its window. */
static struct vballoon *balloon_at(const struct mmio_ctx *c)
{
    return c->v->plat && c->v->plat->balloon && vballoon_owns(c->gpa) ? c->v->plat->balloon : NULL;
}

static bool dev_read(void *ctx, unsigned size, uint64_t *val)
{
    struct mmio_ctx *c = ctx;
    struct vballoon *vb = balloon_at(c);
    if (vb)
        *val = vballoon_read(vb, c->v, c->gpa, size);
    else if (!c->unknown && vplatform_is_hpet(c->v->plat, c->gpa))
        *val = vplatform_hpet_read(c->v->plat, c->gpa, size, plat_time_ns());
    else if (c->unknown || mmio_is_legacy_hole(c->gpa))
        *val = ~0ULL;
    else if (guest_rom_contains(c->gpa))
        *val = 0;       /* what the shared ROM page holds (a read-modify-write) */
    else
        *val = vplatform_mmio_read(c->v->plat, c->v->id, c->gpa, size, plat_time_ns());
    return true;
}

static bool dev_write(void *ctx, unsigned size, uint64_t val)
{
    struct mmio_ctx *c = ctx;
    struct vballoon *vb = balloon_at(c);
    if (vb && !vballoon_write(vb, c->v, c->gpa, size, (uint32_t)val, &c->g.action)) {
        c->wait = true;   /* a ring page first: the access is retried */
        return false;
    }
    if (!vb && !c->unknown && vplatform_is_hpet(c->v->plat, c->gpa))
        vplatform_hpet_write(c->v->plat, c->gpa, size, val, plat_time_ns());
    else if (!vb && !c->unknown && !mmio_is_legacy_hole(c->gpa) && !guest_rom_contains(c->gpa))
        vplatform_mmio_write(c->v->plat, c->v->id, c->gpa, size, (uint32_t)val, plat_time_ns());
    return true;
}

/* Why the access cannot be emulated as one instruction's data access
 * (NULL: it can); `unknown`: the page is neither RAM nor a device. */
static const char *not_emulable(const struct vcpu *v, const struct exit_info *e, bool unknown)
{
    if (!unknown && !v->plat && !mmio_is_legacy_hole(e->gpa) && !guest_rom_contains(e->gpa))
        return "device access on a VM without devices";
    if (e->qual & EPT_QUAL_FETCH)
        return unknown ? "instruction fetch from memory that is neither RAM nor a device"
                       : "instruction fetch from a device page";
    /* No linear address, or one whose walk read this page (a paging-
     * structure entry, not the access's own target: the CPU may be
     * fetching an instruction through it, which is no data access). */
    if (!(e->qual & EPT_QUAL_GLA_VALID) || !(e->qual & EPT_QUAL_GLA_TRANSLATION))
        return unknown ? "memory that is neither RAM nor a device used as a page table"
                       : "device page used as a page table";
    if (e->idt_vec_info & INTR_INFO_VALID)
        /* The access is the event's (its stack, IDT or TSS), not the
         * instruction at RIP's, which must not be emulated for it. */
        return unknown ? "event delivery through memory that is neither RAM nor a device"
                       : "event delivery through a device page (its stack, IDT or TSS)";
    return NULL;
}

static enum exit_action emulate(struct vcpu *v, const struct exit_info *e, bool unknown)
{
    const char *what = not_emulable(v, e, unknown);
    if (what) {
        vcpu_fail(v, "%s at guest-physical 0x%llx (vCPU %u, RIP 0x%llx)", what,
                  (unsigned long long)e->gpa, v->id, (unsigned long long)e->rip);
        return EXIT_STOP;
    }
    uint64_t cs_ar = gs_read(v, VMCS_SEG_AR(SEG_CS));
    struct mmio_cpu c = {
        .lma = (gs_read(v, VMCS_GUEST_EFER) & EFER_LMA) != 0,
        .cs_l = (cs_ar >> 13) & 1,
        .cs_d = (cs_ar >> 14) & 1,
        .rip = e->rip,
        .rflags = gs_read(v, VMCS_GUEST_RFLAGS),
    };
    for (unsigned i = 0; i < 16; i++)
        c.gpr[i] = vcpu_gpr_read(v, i);
    for (unsigned s = 0; s < 6; s++)
        c.seg_base[s] = gs_read(v, VMCS_SEG_BASE(s));
    struct mmio_ctx ctx = { .v = v, .gpa = e->gpa, .unknown = unknown,
                            .ac = (c.rflags & RFLAGS_AC) != 0 };
    guest_linear_init(&ctx.g, v);
    struct mmio_bus bus = { fetch, dev_read, dev_write, mem_read, mem_write, &ctx };
    char why[160];
    enum mmio_result r = mmio_emulate(&c, e->gla, &bus, why, sizeof why);
    if (r == MMIO_FAILED && ctx.wait)
        return ctx.g.action;  /* the access is retried once the page is back */
    if (r == MMIO_MEM_FAILED) {
        /* MOVS's memory operand, which the CPU had not reached or checked
         * yet: a page coming back waits, one the guest's paging does not
         * map or allows is its #PF, and a register device there stops the
         * VM (no instruction copies between two of them). */
        if (ctx.mem_result == GL_WAIT)
            return ctx.mem.action;
        if (ctx.mem_result == GL_UNMAPPED) {
            guest_linear_page_fault(&ctx.mem, ctx.mem_bad, ctx.mem_write);
            return EXIT_CONTINUE;
        }
        vcpu_fail(v, "MOVS between a device at guest-physical 0x%llx and guest-linear 0x%llx, "
                     "which is neither RAM nor memory-like (vCPU %u, RIP 0x%llx)",
                  (unsigned long long)e->gpa, (unsigned long long)ctx.mem_bad, v->id,
                  (unsigned long long)e->rip);
        return EXIT_STOP;
    }
    if (r == MMIO_FAILED) {
        vcpu_fail(v, "%s (guest-physical 0x%llx, vCPU %u, RIP 0x%llx)", why,
                  (unsigned long long)e->gpa, v->id, (unsigned long long)e->rip);
        return EXIT_STOP;
    }
    if (r == MMIO_DIVIDE_ERROR) {
        /* A fault: the instruction did not complete and changed nothing
         * but the device read it made. */
        vcpu_inject_exception(v, VEC_DE, false, 0);
        return EXIT_CONTINUE;
    }
    for (unsigned i = 0; i < 16; i++)
        vcpu_gpr_write(v, i, c.gpr[i]);
    gs_write(v, VMCS_GUEST_RFLAGS, c.rflags);
    if (r == MMIO_DONE) {
        /* As vcpu_skip_instruction, with the length we decoded (an EPT
         * violation reports none). */
        vcpu_complete_instruction(v, e->interruptibility, c.rip);
    }
    return EXIT_CONTINUE;
}

enum exit_action exit_mmio(struct vcpu *v, const struct exit_info *e)
{
    return emulate(v, e, false);
}

/* A data access the monitor lets through to memory that is neither RAM
 * nor a device: logged for the first access to each of the first pages
 * (keyed by page, so a guest sweeping memory logs its first pages only). */
static void note_unknown_memory(struct vm *vm, uint64_t gpa, bool write, uint64_t rip)
{
    switch (report_once(&vm->memory_reported, (uint32_t)(gpa >> 12))) {
    case REPORT_ONCE_NEW:
        VM_WARN(vm, "vm %s: %s of guest-physical 0x%llx, neither RAM nor a device (RIP 0x%llx): %s",
                vm->name, write ? "write" : "read", (unsigned long long)gpa,
                (unsigned long long)rip, write ? "dropped" : "reads as all ones");
        break;
    case REPORT_ONCE_NOW_FULL:
        VM_WARN(vm, "vm %s: more than %d pages of unknown memory accessed; the rest are "
                "counted, not logged", vm->name, REPORT_ONCE_KEEP);
        break;
    default:
        break;
    }
}

static bool unknown_memory_stops(const struct vm *vm)
{
    return strcmp(vm->cfg.unknown_memory, "stop") == 0;
}

enum exit_action exit_unknown_memory(struct vcpu *v, const struct exit_info *e)
{
    struct vm *vm = v->vm;
    bool write = (e->qual & EPT_QUAL_WRITE) != 0;
    vm->unknown_memory_accesses++;
    if (unknown_memory_stops(vm)) {
        vcpu_fail(v, "%s of guest-physical 0x%llx outside RAM and MMIO (vCPU %u, RIP 0x%llx; "
                     "monitor.unknownMemory = \"stop\")",
                  (e->qual & EPT_QUAL_FETCH) ? "instruction fetch" : write ? "write" : "read",
                  (unsigned long long)e->gpa, v->id, (unsigned long long)e->rip);
        return EXIT_STOP;
    }
    if (!not_emulable(v, e, true))
        note_unknown_memory(vm, e->gpa, write, e->rip);
    return emulate(v, e, true);
}

bool mmio_copy(struct vcpu *v, uint64_t gpa, uint8_t *into, const uint8_t *from, size_t n)
{
    struct vm *vm = v->vm;
    if (vga_window_owns(v->plat, gpa)) {   /* display memory: memory */
        vga_window_copy(v->plat, gpa, into, from, n);
        return true;
    }
    bool testdev = mmio_is_testdev(v, gpa), hole = mmio_is_legacy_hole(gpa);
    if (!testdev && !hole) {
        /* Registers (the APICs, the balloon) and the BIOS area (the VM's
         * ACPI tables live there) are no memory to stream through. */
        if (mmio_is_register_device(v, gpa) || guest_rom_contains(gpa) || unknown_memory_stops(vm))
            return false;
        if (into || from) {    /* a transfer, not INS's check of its destination */
            vm->unknown_memory_accesses++;
            note_unknown_memory(vm, gpa, from != NULL, gs_read(v, VMCS_GUEST_RIP));
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (into)
            into[i] = testdev ? (uint8_t)testdev_iomem_read(v->plat->testdev, gpa + i, 1) : 0xff;
        else if (from && testdev)
            testdev_iomem_write(v->plat->testdev, gpa + i, 1, from[i]);
    }
    return true;
}
