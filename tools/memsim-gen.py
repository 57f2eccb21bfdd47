#!/usr/bin/env python3
"""Synthetic memory-access traces for build/memsim (see docs/memsim.md).

usage: memsim-gen.py SCENARIO OUT [--accesses N] [--pages N] [--seed N]

Scenarios (each prints the --vm arguments it was made for on its first line,
as a '# vms:' comment, so scripts can read them back):
  hotcold   two VMs; 20% of each VM's pages take 90% of its accesses, the
            rest is touched through a window that drifts over the cold pages
  irm       as hotcold but cold pages uniformly at random (the independent
            reference model): the limit of every online policy
  phase     two VMs; each VM's working set (30%) moves once to other pages,
            never to come back (A at 1/3, B at 2/3 of the trace): the issue's
            "phase change"
  periodic  two VMs; each VM's working set alternates between two sets of
            pages 6 times (a periodic job; each set returns after an idle
            spell): harder than a phase change, outside the goal
  idlebusy  one busy VM (working set alternating between two sets) and one VM that touches all of
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


def drifting(rng, i, n, lo, size, window, sweeps):
    """A page of a window of `window` pages that drifts over [lo, lo+size)
    `sweeps` times during the trace: cold data used for a while, then left."""
    start = (i * sweeps * size // n) % size
    return lo + (start + rng.randrange(window)) % size


def hotcold(rng, n, pages):
    # hot: 20% of pages, 90% of accesses; cold: the rest, touched through a
    # window of 5% of the VM that drifts over the cold pages twice
    hot = pages // 5
    for i in range(n):
        vm = rng.randrange(2)
        if rng.random() < 0.9:
            yield vm, rng.randrange(hot)
        else:
            yield vm, drifting(rng, i, n, hot, pages - hot, pages // 20, 2)


def irm(rng, n, pages):
    # the independent reference model: cold pages uniformly at random. No
    # online policy can approach OPT here (it alone knows which cold page
    # comes back first); shown as the limit, not a goal.
    hot = pages // 5
    for _ in range(n):
        vm = rng.randrange(2)
        yield vm, zipfish(rng, hot, pages - hot, 0.9)


def alternating(rng, i, n, pages, frac, switches, offset=0.0):
    """A working set of `frac` of the VM that alternates between two disjoint
    sets `switches` times during the trace (a periodic job)."""
    ws = int(pages * frac)
    k = int((i / n + offset) * switches)
    base = ws if k % 2 else 0
    # 70% of its accesses go to the first third of the set
    if rng.random() < 0.7:
        return base + rng.randrange(max(1, ws // 3))
    return base + rng.randrange(ws)


def phase(rng, n, pages):
    # each VM's working set (30% of it) moves once, A at 1/3 and B at 2/3 of
    # the trace, to pages it never touched; 5% of accesses drift over the
    # remaining pages
    ws = pages * 3 // 10
    for i in range(n):
        vm = rng.randrange(2)
        moved = i >= (n // 3 if vm == 0 else 2 * n // 3)
        if rng.random() < 0.95:
            base = ws if moved else 0
            if rng.random() < 0.7:
                yield vm, base + rng.randrange(max(1, ws // 3))
            else:
                yield vm, base + rng.randrange(ws)
        else:
            yield vm, drifting(rng, i, n, 2 * ws, pages - 2 * ws, pages // 20, 2)


def periodic(rng, n, pages):
    # each VM's working set (30% of it) alternates between two sets of pages,
    # 6 times over the trace, B out of step with A; 5% of accesses drift over
    # the remaining pages
    ws = pages * 3 // 10
    for i in range(n):
        vm = rng.randrange(2)
        if rng.random() < 0.95:
            yield vm, alternating(rng, i, n, pages, 0.3, 6, 0.0 if vm == 0 else 0.5 / 6)
        else:
            yield vm, drifting(rng, i, n, 2 * ws, pages - 2 * ws, pages // 20, 2)


def idlebusy(rng, n, pages):
    # VM B first touches all of its memory, then idles on 2% of it; VM A is
    # busy, its working set (40%) alternating between two sets of pages
    for p in range(pages):
        yield 1, p
    idle_ws = max(1, pages // 50)
    for i in range(n - pages):
        if rng.random() < 0.98:
            yield 0, alternating(rng, i, n - pages, pages, 0.4, 5)
        else:
            yield 1, rng.randrange(idle_ws)


def burst(rng, n, pages):
    # VM A works steadily (a 35% working set alternating between two sets);
    # VM B, on a small working set, once allocates and fills a buffer of 80%
    # of its memory in one sweep and never touches it again
    ws1 = pages // 10
    sweep_at = n // 3
    i = 0
    while i < n:
        if i == sweep_at:
            for p in range(ws1, ws1 + pages * 8 // 10):
                yield 1, p
                i += 1
            continue
        if rng.random() < 0.6:
            yield 0, alternating(rng, i, n, pages, 0.35, 4)
        else:
            yield 1, rng.randrange(ws1)
        i += 1


SCENARIOS = {"hotcold": hotcold, "irm": irm, "phase": phase, "periodic": periodic,
             "idlebusy": idlebusy, "burst": burst}


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
