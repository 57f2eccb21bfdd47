#!/usr/bin/env python3
"""make bench-memsim: every policy's faults as a ratio to OPT on the synthetic
traces of tools/memsim-gen.py at 1.5x and 2x overcommit. Printed, not timed.

usage: memsim-bench.py MEMSIM [--accesses N]
"""
import os
import subprocess
import sys

MEMSIM = sys.argv[1] if len(sys.argv) > 1 else "build/memsim"
ACCESSES = int(sys.argv[sys.argv.index("--accesses") + 1]) if "--accesses" in sys.argv else 2000000
PAGES = 4000                       # per VM; two VMs
SCENARIOS = ["hotcold", "phase", "idlebusy", "burst", "irm"]
POLICIES = ["ours", "lru", "clock", "random"]
OVERCOMMIT = [1.5, 2.0]
TRACES = "build/memsim-traces"
GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "memsim-gen.py")


def trace_for(name):
    os.makedirs(TRACES, exist_ok=True)
    path = os.path.join(TRACES, "%s-%d.trace" % (name, ACCESSES))
    if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(GEN):
        subprocess.run([sys.executable, GEN, name, path, "--accesses", str(ACCESSES),
                        "--pages", str(PAGES)], check=True)
    return path


def faults(policy, machine, path):
    out = subprocess.run([MEMSIM, "--machine-pages", str(machine), "--policy", policy,
                          "--vm", "name=A,pages=%d" % PAGES, "--vm", "name=B,pages=%d" % PAGES,
                          "--trace", path], capture_output=True, text=True, check=True).stdout
    last = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split())
    return int(last["faults"])


def main():
    print("memsim benchmark: 2 VMs x %d pages, %d accesses per trace, default MinFree"
          % (PAGES, ACCESSES))
    print("faults as a ratio to OPT (Belady, all machine pages); OPT's own faults in brackets")
    print()
    hdr = "%-9s %5s %9s" % ("trace", "over", "opt") + "".join("%9s" % p for p in POLICIES)
    print(hdr)
    print("-" * len(hdr))
    for name in SCENARIOS:
        path = trace_for(name)
        for oc in OVERCOMMIT:
            machine = int(2 * PAGES / oc)
            opt = faults("opt", machine, path)
            row = "%-9s %4.1fx %9s" % (name, oc, "[%d]" % opt)
            for p in POLICIES:
                f = faults(p, machine, path)
                row += "%9s" % ("%.2f" % (f / opt) if opt else "(%d)" % f)
            print(row, flush=True)
    print()
    print("(N) = absolute faults where OPT has none. irm: cold pages uniformly at random,")
    print("the independent reference model, where no online policy can approach OPT.")


if __name__ == "__main__":
    main()
