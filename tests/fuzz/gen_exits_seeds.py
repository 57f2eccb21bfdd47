#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_exits (tests/fuzz/corpus/exits/): one
short guest program of steps per kind of exit, in the input format of
tests/fuzz/fuzz_exits.c (a host byte, then steps: 0 field, 1 register,
2 guest RAM, 3 exit), so that the fuzzer starts from exits whose state is
consistent (an instruction at RIP, descriptor tables, a TSS) rather than
from noise. The indices below follow the `fields` and `reasons` tables of
fuzz_exits.c; run this again after changing either."""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus",
                                                         "exits")

FIELDS = ["RIP", "RSP", "RFLAGS", "CR0", "CR3", "CR4", "EFER", "CR0_SHADOW", "CR4_SHADOW",
          "DR7", "DEBUGCTL", "INTERRUPTIBILITY", "ACTIVITY", "PENDING_DBG", "GDTR_BASE",
          "GDTR_LIMIT", "IDTR_BASE", "IDTR_LIMIT", "PAT", "SYSENTER_CS", "INSN_LEN", "INSN_INFO",
          "IDT_VECT_INFO", "IDT_VECT_ERR", "EXIT_INTR_INFO", "EXIT_INTR_ERR", "GPA", "GLA",
          "ENTRY_INTR_INFO"]
for seg in ("CS", "SS", "DS", "ES", "TR", "LDTR"):
    FIELDS += [seg + "_SEL", seg + "_BASE", seg + "_LIMIT", seg + "_AR"]
REASONS = ["EXCEPTION_NMI", "EXTERNAL_INTR", "TRIPLE_FAULT", "INIT", "SIPI", "INTR_WINDOW",
           "NMI_WINDOW", "TASK_SWITCH", "CPUID", "GETSEC", "HLT", "INVLPG", "RDPMC", "RDTSC",
           "VMCALL", "VMCLEAR", "VMXON", "CR_ACCESS", "DR_ACCESS", "IO", "RDMSR", "WRMSR",
           "MWAIT", "MONITOR", "PAUSE", "EPT_VIOLATION", "EPT_MISCONFIG", "INVEPT", "RDTSCP",
           "PREEMPT_TIMER", "INVVPID", "WBINVD", "XSETBV", "INVPCID", "ENCLS", "XSAVES",
           "SEAMCALL", "TDCALL", "ENCLV", "ENTRY_FAIL"]
REGS = {"rax": 0, "rcx": 1, "rdx": 2, "rbx": 3, "rsp": 4, "rbp": 5, "rsi": 6, "rdi": 7}
HOST_ALL = 1 | 2          # every CPUID feature, the board attached
HOST_PSEUDO_PMC = 16      # monitor_control.pseudo_perfctr
HOST_HPET = 32            # hpet0.present
RIP = 0x1000


def field(name, value):
    return bytes([0, FIELDS.index(name)]) + struct.pack("<Q", value & (2**64 - 1))


def reg(name, value):
    return bytes([1, REGS[name]]) + struct.pack("<Q", value & (2**64 - 1))


def ram(addr, data):
    out = b""
    while data:
        chunk, data = data[:255], data[255:]
        out += bytes([2]) + struct.pack("<HB", addr, len(chunk)) + chunk
        addr += len(chunk)
    return out


def exit_(name, qual=0):
    return bytes([3, REASONS.index(name)]) + struct.pack("<Q", qual)


def insn(code, at=RIP):
    return ram(at, code) + field("RIP", at) + field("INSN_LEN", len(code))


def desc(base, limit, access, flags):
    return struct.pack("<II", (limit & 0xffff) | ((base & 0xffff) << 16),
                       ((base >> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) |
                       (base & 0xff000000))


def tasks():
    """A GDT with flat code and data and two 32-bit TSSs, A running."""
    gdt = bytes(8) + desc(0, 0xfffff, 0x9b, 0xc) + desc(0, 0xfffff, 0x93, 0xc) + \
        desc(0x2000, 0x67, 0x8b, 0) + desc(0x3000, 0x67, 0x89, 0)
    tss = bytearray(0x68)
    struct.pack_into("<IIII", tss, 0x20, 0x5555, 2, 0, 0)
    struct.pack_into("<I", tss, 0x38, 0x8000)
    for off, sel in ((0x48, 0x10), (0x4c, 0x08), (0x50, 0x10), (0x54, 0x10)):
        struct.pack_into("<I", tss, off, sel)
    return (ram(0x0800, gdt) + ram(0x3000, bytes(tss)) + field("GDTR_BASE", 0x800) +
            field("GDTR_LIMIT", len(gdt) - 1) + field("TR_SEL", 0x18) + field("TR_BASE", 0x2000) +
            field("TR_LIMIT", 0x67) + field("TR_AR", 0x8b) + field("LDTR_AR", 1 << 16))


def io_qual(port, size, out, string=False, rep=False):
    return (size - 1) | (0 if out else 8) | (16 if string else 0) | (32 if rep else 0) | (port << 16)


SEEDS = {
    "cpuid": b"".join(reg("rax", leaf) + reg("rcx", sub) + exit_("CPUID")
                      for leaf, sub in ((0, 0), (1, 0), (7, 0), (0xb, 1), (0xd, 1), (0x40000000, 0),
                                        (0x80000001, 0), (0x30, 0))),
    "msrs": b"".join(reg("rcx", msr) + reg("rax", lo) + reg("rdx", 0) + exit_(kind)
                     for msr, lo, kind in ((0x1b, 0xfee00c00, "WRMSR"), (0x10, 5, "WRMSR"),
                                           (0x1a0, 1, "WRMSR"), (0x6e0, 100, "WRMSR"),
                                           (0x802, 0, "RDMSR"), (0x277, 0x0007040600070406, "WRMSR"),
                                           (0xc0000080, 0x500, "WRMSR"), (0x3b, 7, "WRMSR"),
                                           (0x1d9, 0x8000, "WRMSR"), (0x3a, 0, "RDMSR"))),
    "cr-writes": (reg("rax", 0x80000011) + exit_("CR_ACCESS", 0x0000) +   # MOV CR0, RAX
                  reg("rbx", 0x20) + exit_("CR_ACCESS", 0x0304) +         # MOV CR4, RBX
                  reg("rcx", 0x5000) + exit_("CR_ACCESS", 0x0103) +       # MOV CR3, RCX
                  reg("rdx", 8) + exit_("CR_ACCESS", 0x0208) +            # MOV CR8, RDX
                  exit_("CR_ACCESS", 0x0018) +                            # MOV RAX, CR8
                  exit_("CR_ACCESS", 0x0020) + exit_("CR_ACCESS", 0x00010030)),  # CLTS, LMSW
    "port-io": (reg("rax", 0x41) + exit_("IO", io_qual(0x3f8, 1, True)) +
                exit_("IO", io_qual(0x3fd, 1, False)) + reg("rax", 0x34) +
                exit_("IO", io_qual(0x43, 1, True)) + exit_("IO", io_qual(0x40, 1, False)) +
                reg("rax", 0x11) + exit_("IO", io_qual(0x20, 1, True)) +
                reg("rax", 0x8000f800) + exit_("IO", io_qual(0xcf8, 4, True)) +
                exit_("IO", io_qual(0x510, 2, False)) + reg("rax", 0xfe) +
                exit_("IO", io_qual(0x64, 1, True))),
    "string-io": (insn(bytes([0xf3, 0x6e])) + reg("rsi", 0x4000) + reg("rcx", 8) +
                  ram(0x4000, b"seeds!\r\n") + exit_("IO", io_qual(0x3f8, 1, True, True, True)) +
                  insn(bytes([0xf3, 0x6c])) + reg("rdi", 0x5000) + reg("rcx", 3) +
                  exit_("IO", io_qual(0x3fd, 1, False, True, True))),
    "apic-mmio": (insn(bytes([0x89, 0x18])) + reg("rax", 0xfee00080) + reg("rbx", 0x20) +
                  field("GPA", 0xfee00080) + exit_("EPT_VIOLATION", 0x182) +
                  insn(bytes([0x8b, 0x18])) + field("GPA", 0xfee00030) + reg("rax", 0xfee00030) +
                  exit_("EPT_VIOLATION", 0x181) +
                  insn(bytes([0x89, 0x18])) + reg("rax", 0xfec00000) + reg("rbx", 0x10) +
                  field("GPA", 0xfec00000) + exit_("EPT_VIOLATION", 0x182)),
    "ram-fault": (field("GPA", 0x7000) + exit_("EPT_VIOLATION", 0x181) +
                  field("GPA", 0xff000010) + insn(bytes([0xa4])) + exit_("EPT_VIOLATION", 0x182) +
                  field("GPA", 0xb8000) + insn(bytes([0x88, 0x07])) + exit_("EPT_VIOLATION", 0x182)),
    "events": (field("EXIT_INTR_INFO", 0x80000202) + exit_("EXCEPTION_NMI") +
               field("EXIT_INTR_INFO", 0x80000020) + exit_("EXTERNAL_INTR") +
               field("IDT_VECT_INFO", 0x80000b0e) + field("IDT_VECT_ERR", 2) +
               field("GPA", 0x6000) + exit_("EPT_VIOLATION", 0x182) +
               field("IDT_VECT_INFO", 0) + field("RFLAGS", 0x202) + exit_("INTR_WINDOW") +
               exit_("HLT") + exit_("PAUSE") + exit_("PREEMPT_TIMER") + exit_("NMI_WINDOW")),
    "misc": (reg("rcx", 0) + reg("rax", 7) + reg("rdx", 0) + exit_("XSETBV") +
             reg("rax", 10) + reg("rbx", 1) + exit_("VMCALL") + exit_("INVLPG", 0x1000) +
             exit_("RDTSC") + exit_("RDTSCP") + exit_("WBINVD") + exit_("VMXON") +
             exit_("MONITOR") + exit_("ENCLS") + exit_("GETSEC") + exit_("RDPMC") +
             exit_("INIT") + exit_("SIPI", 0x9)),
    "task-switch": (tasks() + field("INSN_LEN", 5) + exit_("TASK_SWITCH", 0x20 | (2 << 30)) +
                    exit_("TASK_SWITCH", 0x18 | (1 << 30))),
    "task-gate": (tasks() + field("IDT_VECT_INFO", 0x80000b0d) + field("IDT_VECT_ERR", 0) +
                  exit_("TASK_SWITCH", 0x20 | (3 << 30))),
    "paging": (field("CR0", 0x80000011) + field("CR4", 0x20) + field("CR3", 0x5000) +
               ram(0x5000, struct.pack("<Q", 0x6001)) + ram(0x6000, struct.pack("<Q", 0x83)) +
               insn(bytes([0xf3, 0x6e])) + reg("rsi", 0x4000) + reg("rcx", 2) +
               exit_("IO", io_qual(0x80, 1, True, True, True)) + reg("rax", 0x80000011) +
               exit_("CR_ACCESS", 0x0000)),
    "long-mode": (field("EFER", 0x500) + field("CS_AR", 0xa09b) + field("CR0", 0x80000011) +
                  field("CR4", 0x20) + field("CR3", 0x5000) +
                  ram(0x5000, struct.pack("<Q", 0x6003)) + ram(0x6000, struct.pack("<Q", 0x7003)) +
                  ram(0x7000, struct.pack("<Q", 0x83)) + reg("rax", 0x80000001) +
                  exit_("CPUID") + insn(bytes([0x48, 0x89, 0x18])) + reg("rax", 0xfee000b0) +
                  field("GPA", 0xfee000b0) + exit_("EPT_VIOLATION", 0x182)),
    # VMware's backdoor: the IN that exits from ring 0, then from ring 3
    # the CPU's #GP (hardware exception 13, error code 0) over IN EAX, DX and
    # over RDPMC of a pseudo counter, and the RDPMC exit.
    "backdoor": (reg("rax", 0x564D5868) + reg("rcx", 10) + reg("rdx", 0x5658) +
                 exit_("IO", io_qual(0x5658, 4, False)) + reg("rax", 0x564D5868) +
                 field("SS_AR", 0xc0f3) + field("CS_AR", 0xc0fb) + insn(bytes([0xed])) +
                 field("EXIT_INTR_INFO", 0x80000b0d) + field("EXIT_INTR_ERR", 0) +
                 exit_("EXCEPTION_NMI") + insn(bytes([0x0f, 0x33])) + reg("rcx", 0x10001) +
                 exit_("EXCEPTION_NMI") + exit_("RDPMC")),
    # GuestRPC (command 30): a channel opened without cookies, a request's
    # size, the request by REP OUTSB at the high-bandwidth port (an I/O
    # exit), the reply's size and the reply by REP INSB from ring 3 (the
    # CPU's #GP).
    "guestrpc": (reg("rax", 0x564D5868) + reg("rbx", 0x49435052) + reg("rcx", 30) +
                 reg("rdx", 0x5658) + exit_("IO", io_qual(0x5658, 4, False)) +
                 reg("rax", 0x564D5868) + reg("rbx", 8) + reg("rcx", 30 | 1 << 16) +
                 exit_("IO", io_qual(0x5658, 4, False)) +
                 ram(0x2000, b"log abcd") + insn(bytes([0xf3, 0x6e])) +
                 reg("rax", 0x564D5868) + reg("rbx", 1 << 16) + reg("rcx", 8) +
                 reg("rdx", 0x5659) + reg("rsi", 0x2000) +
                 exit_("IO", io_qual(0x5659, 1, True, True, True)) +
                 reg("rax", 0x564D5868) + reg("rcx", 30 | 3 << 16) + reg("rdx", 0x5658) +
                 exit_("IO", io_qual(0x5658, 4, False)) +
                 field("SS_AR", 0xc0f3) + field("CS_AR", 0xc0fb) + insn(bytes([0xf3, 0x6c])) +
                 reg("rax", 0x564D5868) + reg("rbx", 1 << 16) + reg("rcx", 2) +
                 reg("rdx", 0x5659) + reg("rdi", 0x3000) +
                 field("EXIT_INTR_INFO", 0x80000b0d) + field("EXIT_INTR_ERR", 0) +
                 exit_("EXCEPTION_NMI")),
    # The HPET: enabling its counter and reading it through the MMIO emulator.
    "hpet": (insn(bytes([0x89, 0x18])) + reg("rax", 0xfed00010) + reg("rbx", 1) +
             field("GPA", 0xfed00010) + exit_("EPT_VIOLATION", 0x182) +
             insn(bytes([0x8b, 0x18])) + reg("rax", 0xfed000f0) + field("GPA", 0xfed000f0) +
             exit_("EPT_VIOLATION", 0x181)),
}
HOSTS = {"backdoor": HOST_ALL | HOST_PSEUDO_PMC, "hpet": HOST_ALL | HOST_HPET}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, steps in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([HOSTS.get(name, HOST_ALL)]) + steps)


if __name__ == "__main__":
    main()
