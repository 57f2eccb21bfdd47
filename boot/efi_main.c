/*
 * The UEFI stage: loads \hv\kernel.elf and every other file under \hv,
 * records what the kernel needs in a boot-info record (memory map, ACPI
 * RSDP, framebuffer, files), exits boot services and jumps to the kernel on
 * page tables of its own.
 */
#include "boot/boot.h"
#include "include/hv/layout.h"

/* EFI_MEMORY_TYPE -> enum mem_type (mm/mpn_db.h): what the kernel may take. */
static UINT32 classify(UINT32 t)
{
    switch (t) {
    case EfiLoaderCode: case EfiLoaderData:
    case EfiBootServicesCode: case EfiBootServicesData:
    case EfiConventionalMemory:
        return 0; /* MEM_USABLE */
    case EfiACPIReclaimMemory: return 1;
    case EfiACPIMemoryNVS: return 2;
    case EfiRuntimeServicesCode: case EfiRuntimeServicesData: return 3;
    case EfiMemoryMappedIO: case EfiMemoryMappedIOPortSpace: return 4;
    case EfiUnusableMemory: return 6;
    case 14: return 7; /* EfiPersistentMemory: newer than GNU-EFI's headers */
    default: return 5; /* reserved, PAL code, unaccepted, unknown */
    }
}

static UINT64 find_rsdp(void)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    UINT64 v1 = 0;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
        if (CompareGuid(&t->VendorGuid, &acpi20) == 0)
            return (UINT64)(UINTN)t->VendorTable;
        if (CompareGuid(&t->VendorGuid, &acpi10) == 0)
            v1 = (UINT64)(UINTN)t->VendorTable;
    }
    return v1;
}

static void find_framebuffer(struct bi_framebuffer *fb)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    if (EFI_ERROR(LibLocateProtocol(&GraphicsOutputProtocol, (void **)&gop)) || !gop ||
        !gop->Mode || !gop->Mode->Info)
        return;
    fb->base = gop->Mode->FrameBufferBase;
    fb->size = gop->Mode->FrameBufferSize;
    fb->width = gop->Mode->Info->HorizontalResolution;
    fb->height = gop->Mode->Info->VerticalResolution;
    fb->pixels_per_line = gop->Mode->Info->PixelsPerScanLine;
    fb->format = gop->Mode->Info->PixelFormat;
}

/* Current map size, descriptor size and the highest address it names. */
static UINTN map_probe(UINTN *dsize, UINT64 *max_phys)
{
    UINTN size = 0, key;
    UINT32 dver;
    BS->GetMemoryMap(&size, NULL, &key, dsize, &dver);
    EFI_MEMORY_DESCRIPTOR *m = AllocatePool(size + 16 * *dsize);
    if (!m)
        boot_fail("no memory to read the memory map");
    size += 16 * *dsize;
    if (EFI_ERROR(BS->GetMemoryMap(&size, m, &key, dsize, &dver)))
        boot_fail("GetMemoryMap failed");
    *max_phys = 4ULL << 30;
    for (UINTN off = 0; off < size; off += *dsize) {
        EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)m + off);
        UINT64 end = d->PhysicalStart + d->NumberOfPages * 4096;
        if (classify(d->Type) != 4 && end > *max_phys)
            *max_phys = end;
    }
    FreePool(m);
    return size;
}

/* After ExitBootServices: copy the map into the record, merging neighbours
 * of the same kind. No firmware calls are allowed any more. */
static void record_map(struct bootinfo *bi, const UINT8 *raw, UINTN size, UINTN dsize)
{
    bi->nranges = 0;
    for (UINTN off = 0; off < size; off += dsize) {
        const EFI_MEMORY_DESCRIPTOR *d = (const void *)(raw + off);
        struct bi_range *last = bi->nranges ? &bi->ranges[bi->nranges - 1] : NULL;
        UINT32 type = classify(d->Type);
        if (last && last->type == type && last->uefi_type == d->Type &&
            last->base + last->pages * 4096 == d->PhysicalStart && last->attr == d->Attribute) {
            last->pages += d->NumberOfPages;
            continue;
        }
        if (bi->nranges == bi->max_ranges)
            break; /* cannot happen: max_ranges has slack over the probe */
        struct bi_range *r = &bi->ranges[bi->nranges++];
        r->base = d->PhysicalStart;
        r->pages = d->NumberOfPages;
        r->type = type;
        r->uefi_type = d->Type;
        r->attr = d->Attribute;
    }
}

static inline UINT64 rdtsc(void)
{
    UINT32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((UINT64)hi << 32) | lo;
}

/* The time of day, for the kernel to keep (it has no clock of its own to ask
 * once boot services are gone: runtime services would need the firmware's
 * mappings, and the CMOS clock is not on every machine). */
static void read_time(struct bi_time *bt)
{
    EFI_TIME t;
    if (EFI_ERROR(RT->GetTime(&t, NULL))) {
        bprintf("boot: the firmware gave no time of day\n");
        return;
    }
    bt->tsc = rdtsc();
    bt->year = t.Year;
    bt->month = t.Month;
    bt->day = t.Day;
    bt->hour = t.Hour;
    bt->minute = t.Minute;
    bt->second = t.Second;
    bt->nanosecond = t.Nanosecond;
    bt->timezone = t.TimeZone;
    bt->daylight = t.Daylight;
    bt->flags = BI_TIME_VALID;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    InitializeLib(image, systab);
    /* The firmware would reset the machine after 5 minutes otherwise. */
    BS->SetWatchdogTimer(0, 0, 0, NULL);
    bprintf("boot: hv UEFI stage\n");

    EFI_FILE_HANDLE root = esp_open_root(image);
    EFI_PHYSICAL_ADDRESS kfile;
    UINT64 ksize;
    EFI_STATUS st = esp_read_file(root, L"\\hv\\kernel.elf", &kfile, &ksize);
    if (EFI_ERROR(st))
        boot_fail("cannot read \\hv\\kernel.elf (status 0x%lx)", (unsigned long)st);
    struct loaded_kernel k;
    kernel_load((void *)(UINTN)kfile, ksize, &k);
    BS->FreePages(kfile, pages_of(ksize));

    UINTN dsize;
    UINT64 max_phys;
    UINTN map_size = map_probe(&dsize, &max_phys);
    UINT32 max_ranges = (UINT32)(map_size / dsize) * 2 + 64;
    UINT64 bi_bytes = sizeof(struct bootinfo) + (UINT64)max_ranges * sizeof(struct bi_range);
    EFI_PHYSICAL_ADDRESS bi_phys;
    if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages_of(bi_bytes), &bi_phys)))
        boot_fail("no memory for the boot-info record");
    struct bootinfo *bi = (void *)(UINTN)bi_phys;
    UINT8 *zero = (UINT8 *)bi;
    for (UINT64 i = 0; i < pages_of(bi_bytes) * 4096; i++)
        zero[i] = 0;
    bi->magic = BOOTINFO_MAGIC;
    bi->version = BOOTINFO_VERSION;
    bi->size = (UINT32)bi_bytes;
    bi->max_ranges = max_ranges;
    bi->bootinfo_phys = bi_phys;
    bi->bootinfo_pages = pages_of(bi_bytes);
    bi->kernel_phys = k.phys;
    bi->kernel_pages = k.pages;
    bi->kernel_virt = k.virt;
    boot_log_attach(bi);

    esp_load_tree(root, bi);
    bi->rsdp_phys = find_rsdp();
    find_framebuffer(&bi->fb);
    read_time(&bi->time);
    bprintf("boot: kernel %lu KiB at 0x%lx, %u files, ACPI RSDP 0x%lx\n",
            (unsigned long)(k.pages * 4), (unsigned long)k.phys, bi->nfiles,
            (unsigned long)bi->rsdp_phys);

    struct boot_tables bt;
    page_tables_build(max_phys, &k, &bt);
    bi->pt_phys = bt.phys;
    bi->pt_pages = bt.pages;

    /* A buffer for the final map, with room for the entries that our own
     * allocations and the firmware's last moves add. */
    UINTN raw_cap = map_size + 64 * dsize;
    EFI_PHYSICAL_ADDRESS raw;
    if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages_of(raw_cap), &raw)))
        boot_fail("no memory for the final memory map");
    bprintf("boot: exiting boot services\n");

    UINTN size = 0, key;
    UINT32 dver;
    for (bi->exit_tries = 1;; bi->exit_tries++) {
        size = raw_cap;
        st = BS->GetMemoryMap(&size, (void *)(UINTN)raw, &key, &dsize, &dver);
        if (EFI_ERROR(st))
            boot_fail("GetMemoryMap failed (0x%lx)", (unsigned long)st);
        /* ExitBootServices fails when the map changed since GetMemoryMap
         * (an event ran): read it again and retry. */
        if (!EFI_ERROR(BS->ExitBootServices(image, key)))
            break;
        if (bi->exit_tries >= 16)
            boot_fail("ExitBootServices kept failing");
    }
    __asm__ volatile("cli");
    bi->tsc_at_exit = rdtsc();
    record_map(bi, (const UINT8 *)(UINTN)raw, size, dsize);

    /* The new tables identity-map this code, so execution continues after
     * the CR3 load; then into the kernel, boot-info address in RDI. */
    __asm__ volatile("mov %0, %%cr3\n\t"
                     "jmp *%2"
                     :
                     : "r"(bt.pml4_phys), "D"(bi_phys), "r"(k.entry)
                     : "memory");
    for (;;)
        __asm__ volatile("hlt");
}
