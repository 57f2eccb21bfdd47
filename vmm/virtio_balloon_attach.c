/* A VM's virtio-mmio balloon: see virtio_balloon_attach.h. */
#include "vmm/virtio_balloon_attach.h"
#include "vmm/dev_virtio_balloon.h"
#include "vmm/vplatform.h"
#include "vmm/vmmem_poll.h"
#include "vmm/vcpu.h"
#include "kernel/vm.h"
#include "mm/heap.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"

struct vballoon {
    struct vm *vm;
    struct vplatform *plat;
    struct virtio_mmio t;
    struct virtio_balloon b;
    struct vcpu *cur;          /* the vCPU whose access is being emulated */
    enum exit_action action;   /* what it does while a page comes back */
    bool fail_reported;        /* t.failed was said on the console */
};

bool vballoon_owns(uint64_t gpa)
{
    return gpa >= VBALLOON_GPA && gpa < VBALLOON_GPA + VIRTIO_MMIO_SIZE;
}

/* ---- guest RAM for the rings and the page lists ------------------------- */

/* The host address of guest-physical `gpa`, its page backed first through
 * the same fault path a guest access takes (a ring page may have been
 * swapped out: the vCPU may have to wait for it). */
static enum vq_mem_result page_va(struct vballoon *vb, uint64_t gpa, uint8_t **va)
{
    struct vm *vm = vb->vm;
    if (!vm->mem.ram.gpa || !vm_gpa_is_ram(vm, gpa))
        return VQM_BAD;
    mpn_t m = plat_gpa_lookup(vm->mem.ram.gpa, gpa >> PAGE_SHIFT);
    if (m == INVALID_MPN) {
        if (!vb->cur)
            return VQM_WAIT;
        enum exit_action a = vmmem_ram_fault(vb->cur, gpa & PAGE_MASK);
        if (a != EXIT_CONTINUE) {
            vb->action = a;
            return VQM_WAIT;
        }
        m = plat_gpa_lookup(vm->mem.ram.gpa, gpa >> PAGE_SHIFT);
        if (m == INVALID_MPN)
            return VQM_BAD;
    }
    *va = (uint8_t *)plat_mpn_to_va(m) + (gpa & (PAGE_SIZE - 1));
    return VQM_OK;
}

static enum vq_mem_result copy(struct vballoon *vb, uint64_t gpa, uint8_t *buf, size_t len,
                               bool write)
{
    while (len) {
        uint8_t *va;
        enum vq_mem_result r = page_va(vb, gpa, &va);
        if (r != VQM_OK)
            return r;
        size_t n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        if (write)
            memcpy(va, buf, n);
        else
            memcpy(buf, va, n);
        gpa += n;
        buf += n;
        len -= n;
    }
    return VQM_OK;
}

static enum vq_mem_result mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return copy(ctx, gpa, buf, len, false);
}

static enum vq_mem_result mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    return copy(ctx, gpa, (uint8_t *)buf, len, true);
}

/* ---- the pages ------------------------------------------------------------ */

static enum balloon_page from_gm(enum gm_balloon r)
{
    return r == GM_BALLOON_OK ? BP_OK : r == GM_BALLOON_AGAIN ? BP_AGAIN : BP_BAD;
}

static enum balloon_page inflate(void *ctx, uint32_t pfn)
{
    struct vballoon *vb = ctx;
    return from_gm(guest_mem_balloon(&vb->vm->mem.ram, pfn));
}

static enum balloon_page deflate(void *ctx, uint32_t pfn)
{
    struct vballoon *vb = ctx;
    return from_gm(guest_mem_unballoon(&vb->vm->mem.ram, pfn));
}

/* ---- the vmkernel's side ---------------------------------------------------- */

static void irq_set(void *ctx, unsigned line, bool level)
{
    struct vballoon *vb = ctx;
    vplatform_gsi(vb->plat, line, level);
}

/* The vmkernel moved the balloon's size (memsched or `vm balloon`). */
static void changed(void *dev)
{
    struct vballoon *vb = dev;
    uint64_t want = vb->vm->mem.balloon.want;
    virtio_balloon_set_target(&vb->b, &vb->t, (uint32_t)MIN(want, UINT32_MAX));
}

/* What the vmkernel reads of the device, after every guest access. */
static void mirror(struct vballoon *vb)
{
    struct vm_balloon_ctl *c = &vb->vm->mem.balloon;
    c->driver = vb->b.driver_ok && !vb->t.failed;
    c->actual = vb->b.actual;
    c->inflated = vb->b.inflated;
    c->deflated = vb->b.deflated;
    c->bad_pfns = vb->b.bad_pfns;
    c->failed = vb->t.failed;
    if (vb->t.failed && !vb->fail_reported) {
        VM_WARN(vb->vm, "vm %s: virtio-balloon: %s; the device needs a reset (the guest runs on)",
                vb->vm->name, vb->t.failed);
        vb->fail_reported = true;
    } else if (!vb->t.failed) {
        vb->fail_reported = false;
    }
}

uint32_t vballoon_read(struct vballoon *vb, struct vcpu *v, uint64_t gpa, unsigned size)
{
    (void)v;
    return virtio_mmio_read(&vb->t, (uint32_t)(gpa - VBALLOON_GPA), size);
}

bool vballoon_write(struct vballoon *vb, struct vcpu *v, uint64_t gpa, unsigned size,
                    uint32_t val, enum exit_action *action)
{
    vb->cur = v;
    vb->action = EXIT_CONTINUE;
    virtio_mmio_write(&vb->t, (uint32_t)(gpa - VBALLOON_GPA), size, val);
    vb->cur = NULL;
    mirror(vb);
    if (vb->t.wait) {
        *action = vb->action;
        return false;
    }
    return true;
}

static void destroy(void *state)
{
    struct vballoon *vb = state;
    struct vm_balloon_ctl *c = &vb->vm->mem.balloon;
    c->changed = NULL;
    c->dev = NULL;
    c->device = c->driver = false;
    if (vb->plat)
        vb->plat->balloon = NULL;
    kfree(vb);
}

bool vballoon_attach(struct vm *vm, struct vplatform *plat, char *why, size_t whylen)
{
    if (!vm->cfg.balloon_present)
        return true;
    struct vballoon *vb = kzalloc(sizeof *vb);
    if (!vb || !vm_device_add(&vm->devices, "virtio-balloon", vb, destroy)) {
        kfree(vb);
        ksnprintf(why, whylen, "no memory for its virtio balloon");
        return false;
    }
    vb->vm = vm;
    vb->plat = plat;
    struct balloon_host host = { inflate, deflate, vb };
    virtio_balloon_init(&vb->b, &host);
    struct vq_mem mem = { mem_read, mem_write, vb };
    virtio_mmio_init(&vb->t, &vb->b.dev, &mem, (struct dev_irq){ irq_set, vb }, VBALLOON_GSI);
    plat->balloon = vb;
    struct vm_balloon_ctl *c = &vm->mem.balloon;
    c->device = true;
    c->dev = vb;
    c->changed = changed;
    return true;
}
