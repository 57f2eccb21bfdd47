/* Reading the hypervisor's files from the EFI system partition it was
 * started from. Everything under \hv is loaded, so the kernel needs no
 * filesystem of its own to find its config, VM files and guest images. */
#include "boot/boot.h"

EFI_FILE_HANDLE esp_open_root(EFI_HANDLE image)
{
    EFI_LOADED_IMAGE *li = NULL;
    EFI_STATUS st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
    if (EFI_ERROR(st))
        boot_fail("no LoadedImage protocol (status 0x%lx)", (unsigned long)st);
    EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
    if (!root)
        boot_fail("cannot open the boot partition's file system");
    return root;
}

/* Reads `len` bytes of `name` in `dir` to `phys`. */
static EFI_STATUS read_into(EFI_FILE_HANDLE dir, const CHAR16 *name, EFI_PHYSICAL_ADDRESS phys,
                            UINT64 len)
{
    EFI_FILE_HANDLE fh;
    EFI_STATUS st = dir->Open(dir, &fh, (CHAR16 *)name, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(st))
        return st;
    UINTN got = len;
    st = fh->Read(fh, &got, (void *)(UINTN)phys);
    fh->Close(fh);
    if (EFI_ERROR(st))
        return st;
    return got == len ? EFI_SUCCESS : EFI_END_OF_FILE;
}

EFI_STATUS esp_read_file(EFI_FILE_HANDLE dir, const CHAR16 *name, EFI_PHYSICAL_ADDRESS *phys,
                         UINT64 *size)
{
    EFI_FILE_HANDLE fh;
    EFI_STATUS st = dir->Open(dir, &fh, (CHAR16 *)name, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(st))
        return st;
    EFI_FILE_INFO *info = LibFileInfo(fh);
    fh->Close(fh);
    if (!info)
        return EFI_DEVICE_ERROR;
    UINT64 len = info->FileSize;
    FreePool(info);
    /* One page even for an empty file, so that every file has an address. */
    UINT64 pages = len ? pages_of(len) : 1;
    st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, phys);
    if (EFI_ERROR(st))
        return st;
    st = read_into(dir, name, *phys, len);
    if (EFI_ERROR(st)) {
        BS->FreePages(*phys, pages);
        return st;
    }
    *size = len;
    return EFI_SUCCESS;
}

/* ---- where the files under \hv go ----------------------------------------
 * Their data fills regions of at least BI_FILE_REGION_MIN_PAGES in order
 * (the kernel claims each region, and has room for BI_MAX_FILE_REGIONS of
 * them); the unused tail of a region is given back when it is closed, so
 * only pages holding files stay taken. Their table (path, address, size)
 * grows by doubling in pages of its own, so the number of files has no
 * limit but memory. */

static struct {
    EFI_PHYSICAL_ADDRESS base;
    UINT64 pages, used;
} region;

static void region_close(struct bootinfo *bi)
{
    if (!region.pages)
        return;
    if (region.used < region.pages)
        BS->FreePages(region.base + region.used * 4096, region.pages - region.used);
    if (region.used) {
        bi->regions[bi->nregions].phys = region.base;
        bi->regions[bi->nregions].pages = region.used;
        bi->nregions++;
    }
    region.pages = region.used = 0;
}

static EFI_STATUS region_alloc(struct bootinfo *bi, UINT64 pages, EFI_PHYSICAL_ADDRESS *out)
{
    if (region.pages - region.used < pages) {
        region_close(bi);
        if (bi->nregions >= BI_MAX_FILE_REGIONS)
            return EFI_OUT_OF_RESOURCES;
        UINT64 want = pages > BI_FILE_REGION_MIN_PAGES ? pages : BI_FILE_REGION_MIN_PAGES;
        EFI_STATUS st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, want, &region.base);
        if (EFI_ERROR(st) && want > pages) { /* fragmented memory: just this file */
            want = pages;
            st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, want, &region.base);
        }
        if (EFI_ERROR(st))
            return st;
        region.pages = want;
        region.used = 0;
    }
    *out = region.base + region.used * 4096;
    region.used += pages;
    return EFI_SUCCESS;
}

/* The next free entry of the file table, growing it when full. */
static struct bi_file *table_next(struct bootinfo *bi)
{
    UINT64 cap = bi->files_pages * 4096 / sizeof(struct bi_file);
    if (bi->nfiles >= cap) {
        UINT64 pages = bi->files_pages ? bi->files_pages * 2 : 8;
        EFI_PHYSICAL_ADDRESS phys;
        if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &phys)))
            return NULL;
        UINT8 *dst = (UINT8 *)(UINTN)phys;
        const UINT8 *src = (const UINT8 *)(UINTN)bi->files_phys;
        for (UINT64 i = 0; i < (UINT64)bi->nfiles * sizeof(struct bi_file); i++)
            dst[i] = src[i];
        if (bi->files_pages)
            BS->FreePages(bi->files_phys, bi->files_pages);
        bi->files_phys = phys;
        bi->files_pages = pages;
    }
    return (struct bi_file *)(UINTN)bi->files_phys + bi->nfiles;
}

/* Directories below \hv that are read (\hv is level 1): deep enough for any
 * sensible layout, and a bound on the recursion (a buffer of 1 KiB a level). */
#define ESP_MAX_DEPTH 8

/* A file or directory left out: the first few are named, the rest only
 * counted, so a partition of junk costs a few console lines, not one each
 * (a line on OVMF's console is slow under an emulator). */
#define SKIPS_NAMED 10
static unsigned skips;

static void skipped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void skipped(const char *fmt, ...)
{
    if (++skips > SKIPS_NAMED)
        return;
    va_list ap;
    va_start(ap, fmt);
    bvprintf(fmt, ap);
    va_end(ap);
}

/* "hv/" + the UEFI name, lower case; false if it does not fit. */
static BOOLEAN make_path(char *dst, const char *prefix, const CHAR16 *name)
{
    UINTN n = 0;
    for (; prefix[n]; n++)
        dst[n] = prefix[n];
    for (; *name; name++) {
        if (n >= BI_PATH_MAX - 1)
            return FALSE;
        CHAR16 c = *name;
        if (c >= L'A' && c <= L'Z')
            c = (CHAR16)(c - L'A' + L'a');
        dst[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
    }
    dst[n] = 0;
    return TRUE;
}

static void load_dir(EFI_FILE_HANDLE dir, const char *prefix, int depth, struct bootinfo *bi)
{
    UINT8 buf[1024] __attribute__((aligned(8)));
    for (;;) {
        UINTN len = sizeof buf;
        EFI_STATUS st = dir->Read(dir, &len, buf);
        if (EFI_ERROR(st)) {
            skipped("boot: warning: reading directory %s failed (0x%lx)\n", prefix,
                    (unsigned long)st);
            return;
        }
        if (len == 0)
            return;
        EFI_FILE_INFO *info = (EFI_FILE_INFO *)buf;
        if (info->FileName[0] == L'.')
            continue;
        char path[BI_PATH_MAX];
        if (!make_path(path, prefix, info->FileName)) {
            skipped("boot: warning: a name under %s is too long (paths are at most %d bytes); "
                    "skipped\n", prefix, BI_PATH_MAX - 1);
            continue;
        }
        if (info->Attribute & EFI_FILE_DIRECTORY) {
            if (depth >= ESP_MAX_DEPTH) {
                skipped("boot: warning: %s is nested too deep; skipped\n", path);
                continue;
            }
            EFI_FILE_HANDLE sub;
            if (EFI_ERROR(dir->Open(dir, &sub, info->FileName, EFI_FILE_MODE_READ, 0)))
                continue;
            UINTN pl = 0;
            while (path[pl])
                pl++;
            if (pl + 2 < BI_PATH_MAX) {
                path[pl] = '/';
                path[pl + 1] = 0;
                load_dir(sub, path, depth + 1, bi);
            }
            sub->Close(sub);
            continue;
        }
        if (depth == 1 && StrCmp(info->FileName, L"kernel.elf") == 0)
            continue;
        struct bi_file *f = table_next(bi);
        if (!f) {
            skipped("boot: warning: no memory for the list of files under \\hv; %s skipped\n",
                    path);
            continue;
        }
        UINT64 size = info->FileSize;
        UINT64 pages = size ? pages_of(size) : 1;
        EFI_PHYSICAL_ADDRESS phys;
        st = region_alloc(bi, pages, &phys);
        if (st == EFI_OUT_OF_RESOURCES && bi->nregions >= BI_MAX_FILE_REGIONS) {
            /* The limit is said once whatever was skipped before it. */
            static BOOLEAN told;
            if (!told)
                bprintf("boot: warning: the files under \\hv fill all %d memory regions (at "
                        "least %d MiB); %s and the files after it are skipped\n",
                        BI_MAX_FILE_REGIONS,
                        BI_MAX_FILE_REGIONS * (BI_FILE_REGION_MIN_PAGES / 256), path);
            told = TRUE;
            skips++;
            continue;
        }
        if (!EFI_ERROR(st)) {
            st = read_into(dir, info->FileName, phys, size);
            if (EFI_ERROR(st))
                region.used -= pages; /* the last allocation: give it back */
        }
        if (EFI_ERROR(st)) {
            skipped("boot: warning: cannot read %s (0x%lx); skipped\n", path, (unsigned long)st);
            continue;
        }
        for (UINTN i = 0; i < BI_PATH_MAX; i++)
            f->path[i] = path[i];
        f->phys = phys;
        f->size = size;
        bi->nfiles++;
    }
}

void esp_load_tree(EFI_FILE_HANDLE root, struct bootinfo *bi)
{
    EFI_FILE_HANDLE hv;
    if (EFI_ERROR(root->Open(root, &hv, L"\\hv", EFI_FILE_MODE_READ, 0))) {
        bprintf("boot: warning: no \\hv directory on the boot partition\n");
        return;
    }
    load_dir(hv, "hv/", 1, bi);
    hv->Close(hv);
    region_close(bi);
    if (skips > SKIPS_NAMED)
        bprintf("boot: warning: %u more files or directories under \\hv skipped (the first %d "
                "are named above)\n", skips - SKIPS_NAMED, SKIPS_NAMED);
}
