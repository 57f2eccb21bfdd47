"""Emulators for system tests: boot an ESP image in QEMU (OVMF, TCG) or
Bochs (OVMF, VT-x), talk to COM1, and always clean up.

Both expose the same small interface: expect(regex, timeout), send(text),
wait_exit(timeout), kill(), tail(lines). Every wait has a hard limit; on
failure the caller prints tail() so the serial log explains what happened.
"""
import bisect
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

OVMF = "/usr/share/ovmf/OVMF.fd"


class MachineError(Exception):
    pass


class _Serial:
    """Collects bytes from a reader thread; expect() matches on the text seen
    since the last match, so old output cannot satisfy a new expectation."""

    def __init__(self, log_path):
        self.buf = ""
        self.raw = bytearray()   # exactly the bytes received (for make run)
        self.pending = ""
        self.pos = 0
        # Where in buf an erased line began: each is where the shell's prompt
        # stood before a guest's line took its place.
        self.erased_at = []
        self.lock = threading.Condition()
        self.closed = False
        self.log = open(log_path, "w", encoding="utf-8", errors="replace")

    ERASE_LINE = "\r\x1b[K"
    ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")

    def feed(self, data: bytes):
        """Appends like a terminal would show it: the shell's "erase line"
        (CR, ESC [ K, used to move its prompt below asynchronous output)
        removes the current line; other escape codes and CRs are dropped."""
        text = data.decode("utf-8", errors="replace")
        with self.lock:
            self.raw += data
            self.log.write(text.replace("\r", ""))
            self.log.flush()
            self.pending += text
            while True:
                i = self.pending.find(self.ERASE_LINE)
                if i < 0:
                    break
                self._append(self.pending[:i])
                cut = self.buf.rfind("\n") + 1
                self.buf = self.buf[:cut]
                if not self.erased_at or self.erased_at[-1] != cut:
                    self.erased_at.append(cut)
                self.pos = min(self.pos, len(self.buf))
                self.pending = self.pending[i + len(self.ERASE_LINE):]
            # keep a possible partial erase sequence for the next chunk
            keep = 0
            for k in range(1, len(self.ERASE_LINE)):
                if self.pending.endswith(self.ERASE_LINE[:k]):
                    keep = k
            self._append(self.pending[:len(self.pending) - keep])
            self.pending = self.pending[len(self.pending) - keep:]
            self.lock.notify_all()

    def _append(self, text):
        self.buf += self.ANSI.sub("", text).replace("\r", "")

    def close(self):
        with self.lock:
            self.closed = True
            self.lock.notify_all()

    def expect(self, pattern, timeout):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    why = "the machine stopped" if self.closed else f"{timeout:.0f} s passed"
                    raise MachineError(f"did not see /{pattern}/: {why}")
                self.lock.wait(min(left, 0.5))

    def rewind_after_line(self, text):
        """Moves the match position back to the start of the line after the
        last line before it that contains `text` (if there is one)."""
        with self.lock:
            at = self.buf.rfind(text, 0, self.pos)
            if at >= 0:
                end = self.buf.find("\n", at)
                self.pos = min(self.pos, end + 1 if end >= 0 else self.pos)

    def first_erased_at(self, start):
        """The first place at or after `start` where an erased line began
        (None: none)."""
        with self.lock:
            i = bisect.bisect_left(self.erased_at, start)
            return self.erased_at[i] if i < len(self.erased_at) else None

    def raw_since(self, start):
        with self.lock:
            return bytes(self.raw[start:])

    def since(self, start):
        with self.lock:
            return self.buf[start:]

    def tail(self, lines):
        with self.lock:
            return "\n".join(self.buf.splitlines()[-lines:])


class Machine:
    name = "machine"

    def __init__(self, image, workdir):
        self.image = image
        self.workdir = workdir = os.path.abspath(workdir)
        self.serial = _Serial(os.path.join(workdir, f"{self.name}-serial.log"))
        self.proc = None

    # --- shell helpers -------------------------------------------------
    def expect(self, pattern, timeout=30):
        return self.serial.expect(pattern, timeout)

    def send(self, text):
        raise NotImplementedError

    def command(self, line, timeout=30):
        """Types `line` at the prompt and returns what it printed before the
        next prompt."""
        self.send(line + "\r")
        # The echo of the whole line and its newline happens once, when the
        # shell takes the line (redraws of a half-typed line never end in a
        # newline); the output runs from there to the next prompt.
        self.expect(re.escape(line) + r"\n", timeout)
        start = self.serial.pos
        self.expect(r"^hv> ", timeout)
        # The output ends at the first prompt after it. A guest's line that
        # came after that prompt erased it and took its place (the prompt is
        # drawn again below): it is not the command's output, and the next
        # expect() must still see it, whenever this read the port.
        end = self.serial.first_erased_at(start)
        if end is not None and end < self.serial.pos:
            out = self.serial.since(start)[:end - start]
            self.serial.pos = end
            return out
        out = self.serial.since(start)
        return out.rsplit("hv> ", 1)[0]

    def _read(self):
        raise NotImplementedError

    def _reader(self):
        """Thread body: feeds the serial port's bytes until it closes."""
        while True:
            try:
                data = self._read()
            except OSError:
                break
            if not data:
                break
            self.serial.feed(data)
        self.serial.close()

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise MachineError(f"{self.name} did not exit within {timeout} s")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.serial.close()

    def tail(self, lines=60):
        return self.serial.tail(lines)


class Qemu(Machine):
    name = "qemu"

    def __init__(self, image, workdir, memory="256M", extra=()):
        super().__init__(image, workdir)
        workdir = self.workdir
        disk = os.path.join(workdir, "disk.img")
        shutil.copyfile(image, disk)  # OVMF may write to it; keep the build clean
        cmd = ["qemu-system-x86_64", *QEMU_HEADLESS, "-m", memory, "-bios", OVMF,
               "-drive", f"file={disk},format=raw,if=ide",
               "-serial", "stdio", "-monitor", "none", "-no-reboot", *extra]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=headless_env(workdir),
                                     stderr=subprocess.STDOUT, cwd=workdir)
        threading.Thread(target=self._reader, daemon=True).start()

    def _read(self):
        return self.proc.stdout.read1(4096)

    def send(self, text):
        # One byte at a time with a short gap: the UART has a 16-byte FIFO.
        for ch in text.encode():
            self.proc.stdin.write(bytes([ch]))
            self.proc.stdin.flush()
            time.sleep(0.002)


# Every Bochs plugin that can open a host device gets its null driver, so a
# machine without sound, display, printer or joystick (CI's) boots like any
# other. Bochs 2.7 starts its sound mixer thread even with the speaker off, and
# with no ALSA device that thread aborts the whole process before the firmware
# runs: `sound: driver=dummy` is what prevents it. The display is RFB with no
# wait for a client (Debian's Bochs has no "nogui"); no NIC is configured.
BOCHS_HEADLESS = """display_library: rfb, options="timeout=0"
sound: driver=dummy
speaker: enabled=0
parport1: enabled=0
mouse: enabled=0
plugin_ctrl: gameport=0, parallel=0
"""


# QEMU's PC has a speaker: give it the null audio backend; no display, no NIC.
QEMU_HEADLESS = ("-M", "pc,pcspk-audiodev=snd0", "-audiodev", "none,id=snd0",
                 "-display", "none", "-net", "none")


def bochs_swap_disk(workdir, name, cylinders):
    """A zeroed disk of `cylinders` x 16 heads x 63 sectors in `workdir`, and
    the bochsrc line that makes it the primary slave (the scenarios' swap
    device, `swap.device = "ata0-slave"`). One file per name: Bochs leaves a
    .lock beside an image it used."""
    disk = os.path.join(workdir, f"swap-{name}.img")
    with open(disk, "wb") as f:
        f.truncate(cylinders * 16 * 63 * 512)
    return (f"ata0-slave: type=disk, path={disk}, mode=flat, cylinders={cylinders}, "
            "heads=16, spt=63")


def bochsrc_text(megs, cpu, disk, com1_port, log, headless=BOCHS_HEADLESS, extra_lines=()):
    """The one bochsrc the project writes (system tests, make run, benchmarks).
    `extra_lines` are appended as they are, e.g. a second disk:
    "ata0-slave: type=disk, path=swap.img, mode=flat"."""
    return f"""megs: {megs}
cpu: model={cpu}, count=1, ips=200000000
romimage: file={OVMF}
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=disk, path={disk}, mode=flat
boot: disk
com1: enabled=1, mode=socket-client, dev=127.0.0.1:{com1_port}
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
port_e9_hack: enabled=1
clock: sync=none, time0=utc
""" + headless + "".join(line + "\n" for line in extra_lines)


def headless_env(workdir):
    """The emulator's environment with sound and display taken away, so a
    developer machine with a sound card and an X display behaves like CI: an
    empty ALSA configuration makes any ALSA use fail here as it would there."""
    empty = os.path.join(workdir, "alsa-empty.conf")
    open(empty, "w").close()
    env = dict(os.environ, ALSA_CONFIG_PATH=empty, SDL_AUDIODRIVER="dummy",
               AUDIODEV="null")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


class Bochs(Machine):
    name = "bochs"

    def __init__(self, image, workdir, megs=256, cpu="corei7_icelake_u", headless=None,
                 extra_lines=()):
        super().__init__(image, workdir)
        workdir = self.workdir
        disk = os.path.join(workdir, "disk.img")
        shutil.copyfile(image, disk)
        # A Bochs that was killed leaves its locks behind: on the copy (which
        # is fresh) and on any other disk the caller attaches (a swap disk
        # reused by the next `make run`).
        others = [m.group(1) for line in extra_lines
                  for m in [re.search(r"\bpath=([^,\s]+)", line)] if m]
        for d in [disk] + others:
            if os.path.exists(d + ".lock"):
                os.remove(d + ".lock")
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        port = self.listener.getsockname()[1]
        rc = os.path.join(workdir, "bochsrc")
        with open(rc, "w") as f:
            f.write(bochsrc_text(megs, cpu, disk, port, os.path.join(workdir, "bochs.log"),
                                 BOCHS_HEADLESS if headless is None else headless,
                                 extra_lines))
        cmds = os.path.join(workdir, "bochs.cmds")
        with open(cmds, "w") as f:
            f.write("c\nquit\n")
        self.proc = subprocess.Popen(["bochs", "-q", "-f", rc, "-rc", cmds],
                                     stdin=subprocess.DEVNULL, env=headless_env(workdir),
                                     stdout=open(os.path.join(workdir, "bochs.out"), "w"),
                                     stderr=subprocess.STDOUT, cwd=workdir)
        self.listener.settimeout(0.5)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.conn, _ = self.listener.accept()
                break
            except socket.timeout:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    with open(os.path.join(workdir, "bochs.out"), errors="replace") as f:
                        said = f.read().strip().splitlines()[-3:]
                    raise MachineError("bochs never connected its COM1 socket: " +
                                       " / ".join(said))
        threading.Thread(target=self._reader, daemon=True).start()

    def _read(self):
        return self.conn.recv(4096)

    def send(self, text):
        for ch in text.encode():
            self.conn.sendall(bytes([ch]))
            time.sleep(0.005)

    def kill(self):
        super().kill()
        try:
            if hasattr(self, "conn"):
                self.conn.close()
        except Exception:
            pass
        self.listener.close()


def make_workdir(root, name):
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d
