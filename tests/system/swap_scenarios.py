"""The swap device (issue 13): the block drivers found by the image in QEMU
(NVMe, IDE) and Bochs (IDE), `swap test` writing patterned pages through the
slot allocator and the device and reading them back, the boot disk refused,
and an injected write failure that marks the device failed.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re

# 20 cylinders x 16 heads x 63 sectors: an exact geometry for Bochs, ~9.8 MiB.
SWAP_SECTORS = 20 * 16 * 63


def swap_disk(workdir, sectors=SWAP_SECTORS):
    """A blank raw disk for swap."""
    path = os.path.join(workdir, "swap.img")
    with open(path, "wb") as f:
        f.truncate(sectors * 512)
    return path


def register(h):
    scenario, check, Qemu, Bochs, booted = h.scenario, h.check, h.Qemu, h.Bochs, h.booted

    def cfg(lines):
        with open(os.path.join(h.ROOT, "config", "host.cfg")) as f:
            return f.read() + "".join(line + "\n" for line in lines)

    def swap_test(m, n, limit):
        out = m.command(f"swap test {n}", limit)
        res = re.search(r"^swap test: (\d+) pages written and read back, (\d+) mismatches$",
                        out, re.M)
        check(res, f"swap test {n} printed no result:\n" + out)
        check(int(res.group(1)) == n and res.group(2) == "0",
              f"swap test {n}: {res.group(0)}\n" + out)
        fig = re.search(r"^swap test: (\S+): write (\d+) KiB/s \((\d+) requests.*read (\d+) KiB/s "
                        r"\((\d+) requests.*$", out, re.M)
        check(fig, "no throughput line:\n" + out)
        # 256 pages go out in clusters of 32: whole runs, not page by page.
        check(int(fig.group(3)) <= -(-n // 32) * 2, "writes were not clustered:\n" + out)
        return fig.group(0)

    def injected_failure(m, dev):
        out = m.command("swap fail-writes on")
        check("swap fail-writes: on" in out, out)
        mark = m.serial.pos
        out = m.command("swap test 16", 60)
        check(re.search(r"swap test: write of pages 0-15 failed: I/O error: write of slots "
                        r"\d+-\d+ on %s: injected" % dev, out), "failed write not reported:\n" + out)
        check(f"{dev} is marked failed" in out, "device not marked failed:\n" + out)
        m.command("swap fail-writes off")
        # Sticky: later writes are refused without touching the device.
        out = m.command("swap test 4", 60)
        check("writes refused" in out, "a failed device took writes again:\n" + out)
        out = m.command("swap status", 60)
        check(re.search(r"^swap: %s, FAILED \(writes refused\); 0 of \d+ slots in use" % dev,
                        out, re.M), "status:\n" + out)
        check(re.search(r"refused writes 1,", out), "refusal not counted:\n" + out)
        # Logged once, at the failure, not at every refusal.
        log = m.serial.since(mark)
        check(len(re.findall(r"device marked failed", log)) == 1,
              "the failure was not logged exactly once:\n" + log)

    def qemu_swap(workdir, device, drive):
        """QEMU with swap.device = `device` and a blank swap disk attached by
        `drive(path)`, the extra QEMU arguments."""
        disk = swap_disk(workdir)
        img = h.variant_image(workdir, "esp-swap", cfg([f'swap.device = "{device}"']))
        return Qemu(img, workdir, extra=drive(disk))

    def log_shows(m, expected):
        """Each (regex, what) of `expected` is in the kernel log."""
        out = m.command("log")
        for rx, what in expected:
            check(re.search(rx, out), f"{what}:\n" + out)

    @scenario("qemu")
    def qemu_swap_nvme(workdir, image):
        """NVMe namespace as swap: 256 pages out and back, then an injected
        write failure."""
        m = qemu_swap(workdir, "nvme0n1", lambda disk: [
            "-drive", f"file={disk},if=none,id=s,format=raw",
            "-device", "nvme,serial=swap,drive=s"])
        with booted(m, h.QEMU_BOOT_S):
            log_shows(m, [
                (r"nvme0: PCI [0-9a-f:.]+, NVMe \d+\.\d+, 'QEMU NVMe Ctrl'", "no controller"),
                (r"nvme: nvme0n1: .* 20160 blocks of 512 bytes", "no namespace"),
                (r"swap: nvme0n1, 9 MiB \(2519 slots of 4 KiB\)", "swap not opened")])
            print("figure: " + swap_test(m, 256, 60))
            # Transfers of one and two pages take PRP1 and PRP2 alone; more
            # take a PRP list: 33 and 34 pages end in clusters of 1 and 2.
            swap_test(m, 33, 60)
            swap_test(m, 34, 60)
            injected_failure(m, "nvme0n1")
            check(h.poweroff(m, 30) == 0, "qemu exit status")

    @scenario("qemu")
    def qemu_swap_ide_slave(workdir, image):
        """An IDE disk as the primary slave (the ESP is the master)."""
        m = qemu_swap(workdir, "ata0-slave",
                      lambda disk: ["-drive", f"file={disk},if=ide,index=1,format=raw"])
        with booted(m, h.QEMU_BOOT_S):
            log_shows(m, [
                (r"ata: ata0-master: 'QEMU HARDDISK', 131040 sectors", "boot disk not seen"),
                (r"ata: ata0-slave: 'QEMU HARDDISK', 20160 sectors .*LBA48, PIO",
                 "slave disk not seen"),
                (r"swap: ata0-slave, 9 MiB", "swap not opened")])
            print("figure: " + swap_test(m, 256, 60))
            check(h.poweroff(m, 30) == 0, "qemu exit status")

    def blkdebug(workdir, disk):
        """QEMU's blkdebug over `disk`: EIO for reads covering sector 408
        (slot 50: slot N is device page N + 1) and writes covering sector
        808 (slot 100), so the drivers meet real device errors."""
        conf = os.path.join(workdir, "blkdebug.conf")
        with open(conf, "w") as f:
            f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "408"\n\n'
                    '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "808"\n')
        return f"blkdebug:{conf}:{disk}"

    def device_errors(m, dev, read_error, write_error):
        """Slots 0-63: the read of slot 50 fails, reported with its slot, and
        the device keeps taking writes; slots 64-127: the write of slot 100
        fails (the test's second cluster) and the device is marked failed."""
        out = m.command("swap test 64", 60)
        check(re.search(r"swap test: read of slot 48 \(page 48\) failed: I/O error: read of "
                        r"slots 48-55 on %s: .*%s" % (dev, read_error), out),
              "read error not reported with its slot:\n" + out)
        out = m.command("swap status")
        check(re.search(r"^swap: %s, ok; 0 of" % dev, out, re.M), "a read error failed the device:\n" + out)
        out = m.command("swap test 64", 60)
        check(re.search(r"swap test: write of pages 32-63 failed: I/O error: write of slots "
                        r"96-127 on %s: .*%s" % (dev, write_error), out),
              "write error not reported:\n" + out)
        check(f"{dev} is marked failed" in out, "device not marked failed:\n" + out)

    @scenario("qemu")
    def qemu_swap_device_errors(workdir, image):
        """Device errors from QEMU's blkdebug through both drivers: NVMe
        status codes and ATA status/error registers reach the messages."""
        m = qemu_swap(workdir, "nvme0n1", lambda disk: [
            "-drive", f"file={blkdebug(workdir, disk)},if=none,id=s,format=raw",
            "-device", "nvme,serial=swap,drive=s"])
        with booted(m, h.QEMU_BOOT_S):
            device_errors(m, "nvme0n1", r"unrecovered read error \(sct 2 sc 0x81\)",
                          r"write fault \(sct 2 sc 0x80\)")
        m = qemu_swap(workdir, "ata0-slave", lambda disk: [
            "-drive", f"file={blkdebug(workdir, disk)},if=ide,index=1,format=raw,werror=report"])
        with booted(m, h.QEMU_BOOT_S):
            # ERR in the status, ABRT (0x04) in the error register, at the
            # sector blkdebug fails.
            device_errors(m, "ata0-slave", r"read of sector 408: status 0x[45]1, error register 0x04",
                          r"write of sector 808: status 0x[45]1, error register 0x04")

    @scenario("qemu")
    def qemu_swap_refusals(workdir, image):
        """The boot disk is refused as swap; without swap.device the boot says
        once that there is none; a name no driver made is reported."""
        img = h.variant_image(workdir, "swapboot", cfg(['swap.device = "ata0-master"']))
        with booted(Qemu(img, workdir), h.QEMU_BOOT_S) as m:
            out = m.command("log")
            check(re.search(r"swap: ata0-master refused: it is the boot disk \(sector 0: FAT32 "
                            r"file system\); set swap.force", out), "boot disk not refused:\n" + out)
            out = m.command("swap test 4")
            check("swap test: no swap device" in out, out)
            out = m.command("swap status")
            check("swap: no device; compression only" in out, out)
        img = h.variant_image(workdir, "swapnone", cfg([]))
        with booted(Qemu(img, workdir), h.QEMU_BOOT_S) as m:
            out = m.command("log")
            check(len(re.findall(r"swap: no device; compression only", out)) == 1,
                  "no-device line not printed once:\n" + out)
        # An NVMe namespace holding a copy of the ESP is the boot disk too.
        esp_copy = h.variant_image(workdir, "espcopy", cfg([]))
        img = h.variant_image(workdir, "swapnvmeboot", cfg(['swap.device = "nvme0n1"']))
        m = Qemu(img, workdir, extra=["-drive", f"file={esp_copy},if=none,id=s,format=raw",
                                      "-device", "nvme,serial=esp,drive=s"])
        with booted(m, h.QEMU_BOOT_S):
            log_shows(m, [(r"swap: nvme0n1 refused: it is the boot disk \(sector 0: FAT32",
                           "an ESP on NVMe was not refused")])
        img = h.variant_image(workdir, "swapmissing", cfg(['swap.device = "nvme3n1"']))
        with booted(Qemu(img, workdir), h.QEMU_BOOT_S) as m:
            out = m.command("log")
            check(re.search(r"swap: device 'nvme3n1' not found \(block devices: ata0-master\)",
                            out), "missing device not reported:\n" + out)

    @scenario("bochs")
    def bochs_swap_ata_slave(workdir, image):
        """Bochs' IDE disk as the primary slave, through the ATA PIO driver."""
        disk = swap_disk(workdir)
        m = h.bochs_with(workdir, "swapbochs", ['swap.device = "ata0-slave"'],
                         bochs_lines=[f"ata0-slave: type=disk, path={disk}, mode=flat"])
        with booted(m, h.BOCHS_BOOT_S):
            out = m.command("log", 60)
            check(re.search(r"ata: ata0-slave: '.*', 20160 sectors", out),
                  "slave disk not seen:\n" + out)
            check(re.search(r"swap: ata0-slave, 9 MiB", out), "swap not opened:\n" + out)
            print("figure: " + swap_test(m, 256, 120) + " (Bochs: emulated time)")
            injected_failure(m, "ata0-slave")
            h.poweroff(m, 120)
