#!/usr/bin/env python3
"""Simulator tests with known answers, run against build/memsim-san (the
simulator under ASan/UBSan). Writes build/results/sim.tally for make test."""
import os
import random
import subprocess
import sys
import tempfile

MEMSIM = sys.argv[1] if len(sys.argv) > 1 else "build/memsim-san"
POLICIES = ["ours", "opt", "lru", "clock", "random"]
passed = failed = 0
tmp = tempfile.mkdtemp(prefix="memsim-test-")


def trace(name, accesses):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("# test trace\n")
        for vm, ppn in accesses:
            f.write("%d %d %s\n" % (vm, ppn, "w" if ppn % 3 == 0 else "r"))
    return path


def run(args):
    p = subprocess.run([MEMSIM] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def summary(out):
    last = out.strip().splitlines()[-1]
    return {k: int(v) for k, v in (kv.split("=") for kv in last.split())}


def table(out):
    rows = {}
    lines = out.strip().splitlines()
    for line in lines[2:-1]:
        f = line.split()
        rows[f[0]] = dict(zip(["pages", "min", "max", "shares", "consumed", "target",
                                "active", "first_touch", "faults", "swapouts", "balloon",
                                "blocked"], f[1:]))
    return rows


def faults_by_policy(path, machine_pages):
    """Faults of one 1000-page VM on the trace at `path` under opt, reuse, lru
    and clock (None where the run failed), with a 500-access aging period."""
    res = {}
    for pol in ["opt", "reuse", "lru", "clock"]:
        rc, out, err = run(["--machine-pages", str(machine_pages), "--policy", pol,
                            "--vm", "name=A,pages=1000", "--trace", path, "--age-period", "500"])
        res[pol] = summary(out)["faults"] if rc == 0 else None
    return res


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("[ OK ] %s" % name)
    else:
        failed += 1
        print("[FAIL] %s %s" % (name, detail))


# 1. Belady's textbook string, 3 frames: 9 misses of which 6 first touches.
belady = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1]
t = trace("belady", [(0, p) for p in belady])
rc, out, err = run(["--machine-pages", "3", "--policy", "opt", "--vm", "name=A,pages=8",
                    "--trace", t])
check("opt: Belady's reference string gives 3 faults beyond 6 first touches",
      rc == 0 and summary(out)["faults"] == 3 and table(out)["A"]["first_touch"] == "6",
      out + err)

# 2. A working set that fits never faults, under every policy.
rng = random.Random(1)
fits = [(rng.randrange(2), rng.randrange(300)) for _ in range(60000)]
t = trace("fits", fits)
for pol in POLICIES:
    rc, out, err = run(["--machine-pages", "1000", "--policy", pol,
                        "--vm", "name=A,pages=400", "--vm", "name=B,pages=400", "--trace", t])
    s = summary(out) if rc == 0 else {}
    check("%s: a working set that fits does not fault" % pol,
          rc == 0 and s["faults"] == 0 and s["swapouts"] == 0 and s["balloon"] == 0,
          out + err)

# 3. OPT never faults more than any other policy, on varied traces.
for seed in range(4):
    rng = random.Random(100 + seed)
    acc = []
    for i in range(30000):
        vm = rng.randrange(2)
        hot = rng.random() < 0.8
        acc.append((vm, rng.randrange(100) if hot else 100 + rng.randrange(700)))
    t = trace("mix%d" % seed, acc)
    res = {}
    for pol in POLICIES:
        rc, out, err = run(["--machine-pages", str(600 + 200 * seed), "--policy", pol,
                            "--vm", "name=A,pages=800", "--vm", "name=B,pages=800",
                            "--trace", t, "--seed", str(seed + 1)])
        res[pol] = summary(out)["faults"] if rc == 0 else None
    ok = all(v is not None for v in res.values()) and \
        all(res["opt"] <= res[p] for p in POLICIES)
    check("opt <= every policy (seed %d): %s" % (seed, res), ok)

# 4. First touches are not faults: touching each page once faults nowhere.
t = trace("once", [(0, p) for p in range(2000)])
for pol in ["ours", "opt"]:
    rc, out, err = run(["--machine-pages", "500", "--policy", pol,
                        "--vm", "name=A,pages=2000", "--trace", t])
    check("%s: single touches are first touches, not faults" % pol,
          rc == 0 and summary(out)["faults"] == 0 and table(out)["A"]["first_touch"] == "2000",
          out + err)

# 5. Admission: a reservation that cannot fit stops the run with the reason.
rc, out, err = run(["--machine-pages", "1000", "--vm", "name=big,pages=2000,min=1500",
                    "--trace", t])
check("admission refuses a reservation above unreserved memory",
      rc == 2 and "VM 'big': reservation 1500 + overhead 0 pages exceeds unreserved memory"
      in err, err)

# 6. A preallocated VM holds its reservation from the start, never blocks and,
#    under pressure from a hog, keeps its reserved pages.
rng = random.Random(7)
acc = [(1, p) for p in range(1500)] * 3
acc += [(rng.randrange(2), rng.randrange(1000)) for _ in range(20000)]
t = trace("prealloc", acc)
rc, out, err = run(["--machine-pages", "1600", "--policy", "ours",
                    "--vm", "name=pre,pages=1000,min=600,prealloc=1",
                    "--vm", "name=hog,pages=1500", "--trace", t])
rows = table(out) if rc == 0 else {}
check("prealloc: never blocked, keeps its reservation",
      rc == 0 and rows["pre"]["blocked"] == "0" and int(rows["pre"]["consumed"]) >= 600,
      out + err)

# 7. Targets respect limits: max= caps what a VM holds.
acc = [(0, rng.randrange(900)) for _ in range(30000)]
t = trace("limit", acc)
rc, out, err = run(["--machine-pages", "2000", "--policy", "ours",
                    "--vm", "name=capped,pages=1000,max=400", "--trace", t])
rows = table(out) if rc == 0 else {}
check("limit: target and consumption stay at or under max",
      rc == 0 and int(rows["capped"]["target"]) <= 400 and
      int(rows["capped"]["consumed"]) <= 400 + 96, out + err)

# 8. A hostile trace: out-of-range PPN and unknown VM fail with the line.
t = trace("bad", [(0, 1), (0, 5000)])
rc, out, err = run(["--machine-pages", "100", "--vm", "name=A,pages=10", "--trace", t])
check("trace: PPN outside the VM is refused with its line", rc == 1 and ":3: PPN 5000" in err,
      err)
t = trace("badvm", [(3, 1)])
rc, out, err = run(["--machine-pages", "100", "--vm", "name=A,pages=10", "--trace", t])
check("trace: unknown VM index is refused", rc == 1 and "VM 3 but only 1" in err, err)

# A line that does not fit, a NUL byte and a sign are refused, not read
# as something else.
for label, body, want in [
        ("a line longer than 255 characters", "0 1 r\n" + " " * 300 + "0 1 r\n",
         ":2: line longer than 255"),
        ("a NUL byte", "0 1 r\n0 2\0 r\n", ":2: NUL byte"),
        ("a signed number", "0 1 r\n0 -1 r\n", ":2: expected 'VM PPN r|w'"),
        ("trailing text", "0 1 r w\n", ":1: expected 'VM PPN r|w'"),
        ("a line without r|w", "0 1 r\n0 1   \n", ":2: expected 'VM PPN r|w'")]:
    path = os.path.join(tmp, "hostile")
    with open(path, "w") as f:
        f.write(body)
    rc, out, err = run(["--machine-pages", "100", "--vm", "name=A,pages=10", "--trace", path])
    check("trace: %s is refused with its line" % label, rc == 1 and want in err, err)

# A comment line of any length is read (recorders put command lines there),
# and a data line after it is still read whole.
path = os.path.join(tmp, "longcomment")
with open(path, "w") as f:
    f.write("# " + "x" * 5000 + "\n  #" + "y" * 300 + "\n0 1 r\n0 2 w\n")
rc, out, err = run(["--machine-pages", "100", "--vm", "name=A,pages=10", "--trace", path])
check("trace: comment lines of any length are read", rc == 0 and "accesses=2" in out, out + err)

# 9. CSV: a header and one row per VM per sample.
t = trace("csv", [(i % 2, i % 50) for i in range(5000)])
csv = os.path.join(tmp, "out.csv")
rc, out, err = run(["--machine-pages", "200", "--vm", "name=A,pages=60",
                    "--vm", "name=B,pages=60", "--trace", t, "--csv", csv,
                    "--csv-every", "1000"])
lines = open(csv).read().splitlines() if rc == 0 else []
check("csv: header and per-VM rows",
      rc == 0 and lines[0].startswith("tick,vm,name,consumed,target,active_pct") and
      len(lines) == 1 + 2 * 5, "%d lines" % len(lines))

# 10. Idle tax: with an idle VM and a busy one, ours gives the busy one the
#     memory and stops faulting once the idle VM's pages are reclaimed.
acc = [(1, p) for p in range(1000)]
acc += [(0, rng.randrange(800)) if rng.random() < 0.98 else (1, rng.randrange(20))
        for _ in range(200000)]
t = trace("idle", acc)
rc, out, err = run(["--machine-pages", "1300", "--policy", "ours",
                    "--vm", "name=busy,pages=1000", "--vm", "name=idle,pages=1000",
                    "--trace", t])
rows = table(out) if rc == 0 else {}
check("idle tax: the idle VM shrinks to near its active pages",
      rc == 0 and int(rows["idle"]["consumed"]) < 400 and
      int(rows["busy"]["consumed"]) >= 800, out + err)

# 11. OPT at a given capacity: --opt-pages N holds N pages (Belady's string in
#     3 frames on a larger machine), --opt-pages guest holds the machine less
#     MinFree and never faults less than OPT on the whole machine.
t = trace("belady2", [(0, p) for p in belady])
rc, out, err = run(["--machine-pages", "100", "--policy", "opt", "--opt-pages", "3",
                    "--vm", "name=A,pages=8", "--trace", t])
check("opt: --opt-pages 3 gives Belady's 3 faults on a 100-page machine",
      rc == 0 and summary(out)["faults"] == 3 and "opt_pages=3" in out.splitlines()[0],
      out + err)
rng = random.Random(11)
acc = [(rng.randrange(2), rng.randrange(100) if rng.random() < 0.8 else 100 + rng.randrange(700))
       for _ in range(30000)]
t = trace("guestcap", acc)
res = {}
for extra in ([], ["--opt-pages", "guest"]):
    rc, out, err = run(["--machine-pages", "1000", "--policy", "opt"] + extra +
                       ["--vm", "name=A,pages=800", "--vm", "name=B,pages=800", "--trace", t])
    res[tuple(extra)] = (rc, summary(out)["faults"] if rc == 0 else None, out.splitlines()[0] if rc == 0 else "")
full, guest = res[()], res[("--opt-pages", "guest")]
check("opt: --opt-pages guest holds 1000 - MinFree 60 = 940 pages, faults >= whole-machine OPT",
      full[0] == 0 and guest[0] == 0 and "opt_pages=940" in guest[2] and
      "opt_pages=1000" in full[2] and guest[1] >= full[1], str(res))

# 12. A loop larger than memory (a window sweeping cold pages twice): reuse
#     (ours before issue 15, kept as --policy reuse) keeps a fixed part of it
#     where LRU and CLOCK fault on nearly every page.
acc = []
for i in range(120000):
    if rng.random() < 0.8:
        acc.append((0, rng.randrange(100)))
    else:
        start = (i * 2 * 900 // 120000) % 900
        acc.append((0, 100 + (start + rng.randrange(20)) % 900))
res = faults_by_policy(trace("loop", acc), 600)
check("loop: reuse keeps part of a loop larger than memory: %s" % res,
      None not in res.values() and res["reuse"] < 0.8 * res["lru"] and
      res["reuse"] < 0.8 * res["clock"])

# 13. A phase change: the working set (200 pages) moves once, at 1/3, to
#     pages never touched before, while 8% of accesses drift over a loop
#     larger than what memory has left. The old set stops all at once (a
#     cohort) and goes before the loop pages reuse keeps; before cohorts
#     reuse faulted 320 times here, 181 with the stop seen two periods
#     after it, 151 once a move (the set stops while the VM touches about
#     as many new pages) was seen one period after it, 146 now.
acc = []
n = 160000
rng13 = random.Random(7)
for i in range(n):
    if rng13.random() < 0.92:
        base = 200 if i >= n // 3 else 0
        acc.append((0, base + (rng13.randrange(66) if rng13.random() < 0.7 else rng13.randrange(200))))
    else:
        start = (i * 2 * 600 // n) % 600
        acc.append((0, 400 + (start + rng13.randrange(40)) % 600))
res = faults_by_policy(trace("phase", acc), 700)
check("phase: reuse drops the set that stopped, not the loop: %s" % res,
      None not in res.values() and res["reuse"] <= 1.6 * res["opt"] and
      res["reuse"] < 0.4 * res["lru"] and res["reuse"] < 0.4 * res["clock"])

# 14. Issue 15's goal on part of the real-program corpus (tests/sim/traces,
#     recorded with valgrind lackey): at 1.5x overcommit ours faults no more
#     than the best of CLOCK, CLOCK-Pro and CAR (5% and one fault of slack)
#     on a compiler and a 2-VM mix of an interpreter and the compiler, and
#     clearly less than CLOCK on both. The whole corpus is `make bench-memsim`.
corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                      "trace-corpus.py")
for name in ["cc1", "mix2-python-cc1"]:
    path = os.path.join(tmp, name + ".trace")
    pages = subprocess.run([sys.executable, corpus, "mix", name, path], capture_output=True,
                           text=True, check=True).stdout.split()
    vms = []
    for i, p in enumerate(pages):
        vms += ["--vm", "name=v%d,pages=%s" % (i, p)]
    machine = int(sum(int(p) for p in pages) / 1.5)
    res = {}
    for pol in ["ours", "clock", "clockpro", "car"]:
        rc, out, err = run(["--machine-pages", str(machine), "--policy", pol, "--trace", path]
                           + vms)
        res[pol] = summary(out)["faults"] if rc == 0 else None
    best = min(res["clock"], res["clockpro"], res["car"]) if None not in res.values() else 0
    check("real %s 1.5x: ours at most the best of clock, clockpro, car, and under 0.8x clock: %s"
          % (name, res), None not in res.values() and res["ours"] <= 1.05 * best + 1 and
          res["ours"] < 0.8 * res["clock"])

# 14b. Early eviction on real data read back larger than memory, at 1.5x,
#     where exact LRU faults on every page it gave up: the corpus's stencil
#     (two arrays swept in turn) and hash join (its build rows read back,
#     then its probe rows, in the order the initialisation wrote them). Ours
#     turns to early eviction as the pages come back from beyond memory and
#     must fault clearly less than LRU on both.
for name in ["stencil", "hashjoin"]:
    path = os.path.join(tmp, name + ".trace")
    pages = subprocess.run([sys.executable, corpus, "mix", name, path], capture_output=True,
                           text=True, check=True).stdout.split()
    res = {}
    for pol in ["ours", "lru"]:
        rc, out, err = run(["--machine-pages", str(int(int(pages[0]) / 1.5)), "--policy", pol,
                            "--vm", "name=v0,pages=%s" % pages[0], "--trace", path])
        res[pol] = summary(out)["faults"] if rc == 0 else None
    check("real %s 1.5x: early eviction keeps part of what is read back, under 0.75x LRU's "
          "faults: %s" % (name, res), None not in res.values() and res["ours"] < 0.75 * res["lru"])

# 15. Mechanism costs (issue 13), computed by hand. LRU on a loop of 6 pages
#     in 4 machine pages faults on every page of the second pass: 6 faults,
#     pages 0-5. With --fill mix (memtouch's rule, PPN % 3: zero, text,
#     random) that is 2 faults from each store: 2 x 40 + 2 x 1100 + 2 x 100000
#     = 202280 ns at the default costs, 2 x 1000 + 2 x 10000 + 2 x 100000 =
#     222000 ns at zero=1,zip=10,disk=100 us; without --fill (all random)
#     every fault is a disk read: 600000 ns.
loop6 = trace("loop6", [(0, p) for p in range(6)] * 2)
lru6 = ["--machine-pages", "4", "--policy", "lru", "--vm", "name=A,pages=6", "--trace", loop6]
for extra, want in [([], dict(faults_zero=0, faults_zip=0, faults_disk=6, fault_ns=600000)),
                    (["--fill", "mix"], dict(faults_zero=2, faults_zip=2, faults_disk=2,
                                             zero_ns=80, zip_ns=2200, disk_ns=200000,
                                             fault_ns=202280)),
                    (["--fill", "mix", "--cost", "zero=1,zip=10,disk=100"],
                     dict(faults_zero=2, faults_zip=2, faults_disk=2, fault_ns=222000))]:
    rc, out, err = run(lru6 + extra)
    got = summary(out) if rc == 0 else {}
    check("cost: lru loop of 6 in 4 pages %s: %s" % (" ".join(extra) or "(all disk)", want),
          rc == 0 and got["faults"] == 6 and all(got[k] == v for k, v in want.items()),
          out + err)
# OPT holding 1 page faults on every change of page: the same 6 faults.
rc, out, err = run(["--machine-pages", "4", "--policy", "opt", "--opt-pages", "1",
                    "--vm", "name=A,pages=6", "--trace", loop6, "--fill", "mix",
                    "--cost", "zero=1,zip=10,disk=100"])
got = summary(out) if rc == 0 else {}
check("cost: opt in 1 page, mix: 2 faults per store, 222000 ns",
      rc == 0 and got["faults"] == 6 and got["faults_zero"] == 2 and got["faults_zip"] == 2 and
      got["faults_disk"] == 2 and got["fault_ns"] == 222000, out + err)

# 16. Read-ahead: LRU sweeping 300 pages in 200 (MinFree 20%, so free
#     pages are there to read into) evicts pages in guest order, so their
#     slots follow on and a disk read brings its neighbours: far fewer
#     faults, and each read costs the disk latency plus 7.5 us per further
#     page: fault_ns = disk_reads x 100000 + readahead x 7500 exactly.
sweep = trace("sweep300", [(0, p) for p in range(300)] * 4)
base = ["--machine-pages", "200", "--minfree-pct", "20", "--policy", "lru",
        "--vm", "name=A,pages=300,balloon=0", "--trace", sweep]
rc1, out1, err1 = run(base)
rc8, out8, err8 = run(base + ["--readahead", "8"])
one = summary(out1) if rc1 == 0 else {}
eight = summary(out8) if rc8 == 0 else {}
check("readahead 1: every disk fault is one read of one page",
      rc1 == 0 and one["readahead"] == 0 and one["disk_reads"] == one["faults"] > 0 and
      one["fault_ns"] == one["faults"] * 100000, out1 + err1)
check("readahead 8: fewer faults, pages read ahead, cost = reads x 100 us + pages x 7.5 us",
      rc8 == 0 and eight["faults"] * 2 < one["faults"] and eight["readahead"] > 0 and
      eight["faults"] + eight["readahead"] >= one["faults"] and
      eight["fault_ns"] == eight["disk_reads"] * 100000 + eight["readahead"] * 7500,
      out8 + err8)

# 17. Fractions by page: half zero, a quarter text, a quarter random over a
#     loop that pages out 4000 pages or so; each store's share of page-outs
#     within a few points of its fraction, and faults split without loss.
rc, out, err = run(["--machine-pages", "1000", "--policy", "lru",
                    "--vm", "name=A,pages=2000,balloon=0", "--trace",
                    trace("sweep2000", [(0, p) for p in range(2000)] * 3),
                    "--fill", "zero=0.5,text=0.25,random=0.25"])
got = summary(out) if rc == 0 else {}
outs = [got.get("out_" + k, 0) for k in ("zero", "zip", "disk")]
total = sum(outs) or 1
check("fill fractions: page-outs by store near 50/25/25%%: %s" % outs,
      rc == 0 and total == got["swapouts"] and abs(outs[0] / total - 0.5) < 0.04 and
      abs(outs[1] / total - 0.25) < 0.04 and abs(outs[2] / total - 0.25) < 0.04 and
      got["faults_zero"] + got["faults_zip"] + got["faults_disk"] == got["faults"],
      out + err)

# 18. Bad models are refused with the reason.
for extra, want in [(["--fill", "zero=0.5"], "add up to 0.5, not 1"),
                    (["--fill", "zero=0.5,gold=0.5"], "unknown kind 'gold'"),
                    (["--cost", "disk=-5"], "needs a number >= 0"),
                    (["--cost", "tape=5"], "unknown cost 'tape'"),
                    (["--readahead", "0"], "--readahead must be 1..64")]:
    rc, out, err = run(lru6 + extra)
    check("refused: %s" % " ".join(extra), rc == 1 and want in err, err)

os.makedirs("build/results", exist_ok=True)
with open("build/results/sim.tally", "w") as f:
    f.write("%d %d\n" % (passed, failed))
print("sim: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
