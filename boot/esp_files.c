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

EFI_STATUS esp_read_file(EFI_FILE_HANDLE dir, const CHAR16 *name, EFI_PHYSICAL_ADDRESS *phys,
                         UINT64 *size)
{
    EFI_FILE_HANDLE fh;
    EFI_STATUS st = dir->Open(dir, &fh, (CHAR16 *)name, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(st))
        return st;
    EFI_FILE_INFO *info = LibFileInfo(fh);
    if (!info) {
        fh->Close(fh);
        return EFI_DEVICE_ERROR;
    }
    UINT64 len = info->FileSize;
    FreePool(info);
    /* One page even for an empty file, so that every file has an address. */
    UINT64 pages = len ? pages_of(len) : 1;
    st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, phys);
    if (EFI_ERROR(st)) {
        fh->Close(fh);
        return st;
    }
    UINTN got = len;
    st = fh->Read(fh, &got, (void *)(UINTN)*phys);
    fh->Close(fh);
    if (EFI_ERROR(st) || got != len) {
        BS->FreePages(*phys, pages);
        return EFI_ERROR(st) ? st : EFI_END_OF_FILE;
    }
    *size = len;
    return EFI_SUCCESS;
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
            bprintf("boot: warning: reading directory %s failed (0x%lx)\n", prefix,
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
            bprintf("boot: warning: a name under %s is too long; skipped\n", prefix);
            continue;
        }
        if (info->Attribute & EFI_FILE_DIRECTORY) {
            if (depth >= 2) {
                bprintf("boot: warning: %s is nested too deep; skipped\n", path);
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
        if (bi->nfiles >= BI_MAX_FILES) {
            bprintf("boot: warning: more than %d files under \\hv; %s skipped\n",
                    BI_MAX_FILES, path);
            continue;
        }
        struct bi_file *f = &bi->files[bi->nfiles];
        EFI_PHYSICAL_ADDRESS phys;
        UINT64 size;
        st = esp_read_file(dir, info->FileName, &phys, &size);
        if (EFI_ERROR(st)) {
            bprintf("boot: warning: cannot read %s (0x%lx); skipped\n", path, (unsigned long)st);
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
}
