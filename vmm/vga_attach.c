/* A VM's display memory: see vmm/vga_attach.h. */
#include "vmm/vga_attach.h"
#include "vmm/vplatform.h"
#include "kernel/vm.h"
#include "mm/heap.h"
#include "mm/guest_devmem.h"
#include "include/hv/platform.h"
#include "lib/format.h"

struct vga_vm {
    struct vplatform *plat;
    mpn_t pages[VGA_WINDOW_PAGES];      /* mapped at VGA_WINDOW_BASE */
    uint8_t *va[VGA_WINDOW_PAGES];
};

/* Runs after guest_mem_destroy in vm_reap: no mapping points at the pages
 * then. */
static void destroy(void *state)
{
    struct vga_vm *g = state;
    g->plat->vga_window = NULL;
    guest_devmem_free(g->pages, VGA_WINDOW_PAGES);
    kfree(g);
}

bool vga_attach(struct vm *vm, struct vplatform *plat, char *why, size_t whylen)
{
    if (!vm->cfg.svga_present)
        return true;
    struct vga_vm *g = kzalloc(sizeof *g);
    if (!g || !vm_device_add(&vm->devices, "svga", g, destroy)) {
        kfree(g);
        ksnprintf(why, whylen, "no memory for its display adapter");
        return false;
    }
    g->plat = plat;
    if (!guest_devmem_map(&vm->mem.ram, VGA_WINDOW_BASE, g->pages, VGA_WINDOW_PAGES)) {
        ksnprintf(why, whylen, "no memory for its display adapter's 128 KiB (svga.present)");
        return false;   /* destroy frees what was taken */
    }
    for (unsigned i = 0; i < VGA_WINDOW_PAGES; i++)
        g->va[i] = plat_mpn_to_va(g->pages[i]);
    plat->vga_window = g->va;
    return true;
}
