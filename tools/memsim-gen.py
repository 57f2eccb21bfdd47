#!/usr/bin/env python3
"""Synthetic memory-access traces for build/memsim (see docs/memsim.md).

usage: memsim-gen.py SCENARIO OUT [--accesses N] [--pages N] [--seed N]

Scenarios (each prints the --vm arguments it was made for on its first line,
as a '# vms:' comment, so scripts can read them back):
  hotcold   two VMs; 20% of each VM's pages take 90% of its accesses
  phase     two VMs; each VM's working set moves to other pages halfway
  idlebusy  one busy VM (large working set) and one VM that touches all of
            its memory once and then idles on a few pages: the idle tax case
  burst     a steady VM and one that allocates a large buffer once, touches
            it in one sweep, then returns to a small working set
"""
import argparse
import random
import sys


def zipfish(rng, hot, cold, hot_frac):
    """A page from a hot/cold split: hot_frac of accesses go to `hot` pages."""
    if rng.random() < hot_frac:
        return rng.randrange(hot)
    return hot + rng.randrange(cold)


def hotcold(rng, n, pages):
    hot = pages // 5
    for _ in range(n):
        vm = rng.randrange(2)
        yield vm, zipfish(rng, hot, pages - hot, 0.9)


def phase(rng, n, pages):
    ws = pages * 3 // 10
    for i in range(n):
        vm = rng.randrange(2)
        base = 0 if i < n // 2 else pages // 2
        # 90% inside the phase's working set, 10% anywhere
        if rng.random() < 0.9:
            yield vm, base + rng.randrange(ws)
        else:
            yield vm, rng.randrange(pages)


def idlebusy(rng, n, pages):
    # VM 1 first touches all of its memory, then idles on 2% of it
    for p in range(pages):
        yield 1, p
    idle_ws = max(1, pages // 50)
    busy_ws = pages * 7 // 10
    for _ in range(n - pages):
        if rng.random() < 0.98:
            yield 0, zipfish(rng, busy_ws // 3, busy_ws - busy_ws // 3, 0.7)
        else:
            yield 1, rng.randrange(idle_ws)


def burst(rng, n, pages):
    ws0 = pages * 4 // 10
    ws1 = pages // 10
    sweep_at = n // 3
    i = 0
    while i < n:
        if i == sweep_at:
            # VM 1 allocates and fills a buffer of 80% of its memory once
            for p in range(ws1, ws1 + pages * 8 // 10):
                yield 1, p
                i += 1
            continue
        if rng.random() < 0.6:
            yield 0, zipfish(rng, ws0 // 4, ws0 - ws0 // 4, 0.8)
        else:
            yield 1, rng.randrange(ws1)
        i += 1


SCENARIOS = {"hotcold": hotcold, "phase": phase, "idlebusy": idlebusy, "burst": burst}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("out")
    ap.add_argument("--accesses", type=int, default=600000)
    ap.add_argument("--pages", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with open(a.out, "w") as f:
        f.write("# memsim trace: %s, %d accesses\n" % (a.scenario, a.accesses))
        f.write("# vms: --vm name=A,pages=%d --vm name=B,pages=%d\n" % (a.pages, a.pages))
        lines = []
        for vm, p in SCENARIOS[a.scenario](rng, a.accesses, a.pages):
            lines.append("%d %d %s\n" % (vm, p, "w" if p & 1 else "r"))
            if len(lines) >= 65536:
                f.writelines(lines)
                lines = []
        f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
