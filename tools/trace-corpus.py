#!/usr/bin/env python3
"""The real-program trace corpus (`make traces`, `make bench-memsim`).

Each entry is a real program on an input of its own, recorded with
tools/trace-record.py (valgrind lackey, 4 KiB pages, consecutive accesses to
a page collapsed). `record` runs valgrind for every entry whose recording is
not yet in build/traces/raw/ and writes the committed, xz-compressed copy to
tests/sim/traces/NAME.trace.xz; nothing else needs valgrind. Mixes (several
VMs) are built from the single traces by `mix`: each VM runs for a quantum
of accesses (random, mean MIX_QUANTUM, fixed seed) in turn, as VMs sharing a
CPU do, until every program's trace has ended.

The validation set (VALIDATION, VALIDATION_MIXES) is other programs and
inputs, recorded for 3,000,000 accesses and never tuned on: a check that
what the corpus shows holds for programs the policy was not chosen on. It
is recorded into build/traces/validation/ (valgrind, about 5 minutes) and
not committed; `make bench-memsim-validation` runs it.

usage: trace-corpus.py record            record what is missing, compress
       trace-corpus.py record-validation record the validation set's singles
       trace-corpus.py list [--validation]  names of the singles and the mixes
       trace-corpus.py mix NAME OUT      write mix NAME (or a single) to OUT
"""
import glob
import lzma
import os
import random
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGS = os.path.join(ROOT, "tools", "trace-progs")
COMMITTED = os.path.join(ROOT, "tests", "sim", "traces")
RAW = os.path.join(ROOT, "build", "traces", "raw")
WORK = os.path.join(ROOT, "build", "traces", "work")
RECORD = os.path.join(ROOT, "tools", "trace-record.py")
VALIDATION_DIR = os.path.join(ROOT, "build", "traces", "validation")
ACCESSES = 2000000
VALIDATION_ACCESSES = 3000000
MIX_QUANTUM = 2000

# Mixes: VMs sharing a machine. "held" marks entries kept out of tuning, for
# validation only (docs/memory-policy.md).
MIXES = {
    "mix2-xz-sqlite": ["xz", "sqlite"],
    "mix2-python-cc1": ["python", "cc1"],
    "mix2-sort-matrix": ["sort", "matrix"],
    "mix3-bzip2-perl-kvcache": ["bzip2", "perl", "kvcache"],
    "mix3-cc1-node-zstd": ["cc1", "node", "zstd"],
    "mix2-stencil-python": ["stencil", "python"],
    "mix3-hashjoin-perl-xz": ["hashjoin", "perl", "xz"],
}
HELD = ["tcl", "zstd", "node", "mix3-cc1-node-zstd"]
VALIDATION_MIXES = {
    "v-mix2-gzip-sqlite": ["v-gzip", "v-sqlite"],
    "v-mix2-python-cxx": ["v-python", "v-cxx"],
    "v-mix3-awk-git-xz": ["v-awk", "v-git", "v-xz"],
    "v-mix3-bc-python-sqlite": ["v-bc", "v-python", "v-sqlite"],
    # session 24
    "v-mix2-node-clang": ["v-node", "v-clang"],
    "v-mix3-grid-sqlfile-zstd": ["v-grid", "v-sqlfile", "v-zstd"],
    "v-mix3-jq-sortline-bst": ["v-jq", "v-sortline", "v-bst"],
    "v-mix2-perlhash-node": ["v-perlhash", "v-node"],
}


def compressor_input():
    """About 6 MiB of Debian's own files: Perl's library (text) and the
    first MiBs of the C compiler (machine code)."""
    path = os.path.join(WORK, "compress.in")
    if os.path.exists(path):
        return path
    os.makedirs(WORK, exist_ok=True)
    data = bytearray()
    for f in sorted(glob.glob("/usr/share/perl/*/**/*.pm", recursive=True)):
        with open(f, "rb") as fh:
            data += fh.read()
        if len(data) > 4 << 20:
            break
    cc1 = subprocess.run(["gcc", "-print-prog-name=cc1"], capture_output=True,
                         text=True, check=True).stdout.strip()
    with open(cc1, "rb") as fh:
        data += fh.read(2 << 20)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def sort_input():
    """400 000 lines of generated records (name, number, text)."""
    path = os.path.join(WORK, "sort.in")
    if not os.path.exists(path):
        os.makedirs(WORK, exist_ok=True)
        rnd = random.Random(19)
        with open(path, "w") as fh:
            for i in range(400000):
                fh.write("%s %d %x\n" % ("".join(rnd.choice("abcdefghij") for _ in range(6)),
                                         rnd.randrange(10 ** 6), rnd.getrandbits(40)))
    return path


def perl_text():
    """The first 6 MB of Perl's library modules (text), for the validation
    set's xz and awk."""
    path = os.path.join(WORK, "perl-text.in")
    if not os.path.exists(path):
        os.makedirs(WORK, exist_ok=True)
        data = bytearray()
        for f in sorted(glob.glob("/usr/share/perl/*/*.pm")) + \
                sorted(glob.glob("/usr/share/perl/*/*/*.pm")):
            with open(f, "rb") as fh:
                data += fh.read()
        with open(path, "wb") as fh:
            fh.write(data[:6000000])
    return path


def json_records():
    """60,000 generated records as one JSON array on a single line (7 MB):
    the validation set's jq input, and its one-line sort's."""
    path = os.path.join(WORK, "records.json")
    if not os.path.exists(path):
        import json
        os.makedirs(WORK, exist_ok=True)
        rnd = random.Random(5)
        records = [{"id": i,
                    "name": "".join(rnd.choice("abcdefghijklmnop") for _ in range(8)),
                    "score": rnd.random() * 100,
                    "tags": [rnd.choice("xyzw") for _ in range(rnd.randrange(5))],
                    "nested": {"a": rnd.randrange(1000), "b": str(rnd.getrandbits(32))}}
                   for i in range(60000)]
        with open(path + ".tmp", "w") as fh:
            json.dump(records, fh)
        os.replace(path + ".tmp", path)
    return path


def sqlite_file_command():
    """sqlite3 on a database file that does not exist yet."""
    db = os.path.join(WORK, "validation.db")
    os.makedirs(WORK, exist_ok=True)
    if os.path.exists(db):
        os.remove(db)
    return ["sqlite3", db]


def code_and_text():
    """3 MB of the C compiler's binary, then perl_text(): the validation
    set's gzip input (the corpus's compressors read text first)."""
    path = os.path.join(WORK, "code-text.in")
    if not os.path.exists(path):
        cc1 = subprocess.run(["gcc", "-print-prog-name=cc1"], capture_output=True,
                             text=True, check=True).stdout.strip()
        with open(cc1, "rb") as fh:
            data = fh.read(3000000)
        with open(perl_text(), "rb") as fh:
            data += fh.read()
        with open(path, "wb") as fh:
            fh.write(data)
    return path


def cxx_command():
    """cc1plus -O2 on tools/trace-progs/validation.cc, preprocessed."""
    cc1plus = subprocess.run(["g++", "-print-prog-name=cc1plus"], capture_output=True,
                             text=True, check=True).stdout.strip()
    pre = os.path.join(WORK, "validation.ii")
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["g++", "-E", os.path.join(PROGS, "validation.cc"), "-o", pre], check=True)
    return [cc1plus, "-quiet", "-O2", pre, "-o", os.path.join(WORK, "validation.s")]


# A commit of this repository's history, so `git log` reads the same objects
# whatever is committed after it.
GIT_FROM = "55e1044"


def git_log_command():
    """`git log -p` over 300 commits from GIT_FROM; a clone without that
    commit (a shallow one) is refused, not recorded as git's error path."""
    have = subprocess.run(["git", "-C", ROOT, "cat-file", "-e", GIT_FROM + "^{commit}"],
                          capture_output=True)
    if have.returncode != 0:
        sys.exit("trace-corpus: v-git needs commit %s in %s (a full clone, not a shallow one)"
                 % (GIT_FROM, ROOT))
    return ["git", "-C", ROOT, "log", "-p", "--stat", "-n", "300", GIT_FROM]


def built(name):
    """tools/trace-progs/NAME.c compiled (-O2) into build/traces/work."""
    exe = os.path.join(WORK, name)
    src = os.path.join(PROGS, name + ".c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(WORK, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-o", exe, src], check=True)
    return exe


def cc1_command():
    """The C compiler proper (cc1, not the driver, so one process is
    traced) at -O2 on this project's simulator, preprocessed."""
    cc1 = subprocess.run(["gcc", "-print-prog-name=cc1"], capture_output=True,
                         text=True, check=True).stdout.strip()
    pre = os.path.join(WORK, "sim.i")
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["gcc", "-E", "-I", ROOT, "-DHV_HOSTED=1", "-D_DEFAULT_SOURCE",
                    os.path.join(ROOT, "tests", "sim", "sim.c"), "-o", pre], check=True)
    return [cc1, "-quiet", "-O2", pre, "-o", os.path.join(WORK, "sim.s")]


# name -> (kind, function returning (argv, stdin or None))
SINGLES = {
    "xz": ("compressor", lambda: (["xz", "-6", "-c", compressor_input()], None)),
    "bzip2": ("compressor", lambda: (["bzip2", "-9", "-c", compressor_input()], None)),
    "zstd": ("compressor", lambda: (["zstd", "-15", "-c", compressor_input()], None)),
    "sort": ("sort", lambda: (["sort", "-S", "32M", "-k", "2n", sort_input()], None)),
    "python": ("interpreter", lambda: (["python3", "-S", os.path.join(PROGS, "work.py")], None)),
    "perl": ("interpreter", lambda: (["perl", os.path.join(PROGS, "work.pl")], None)),
    "tcl": ("interpreter", lambda: (["tclsh", os.path.join(PROGS, "work.tcl")], None)),
    "node": ("JS engine", lambda: (["node", "--jitless", os.path.join(PROGS, "work.js")], None)),
    "sqlite": ("in-memory database", lambda: (["sqlite3", ":memory:"],
                                              os.path.join(PROGS, "work.sql"))),
    "cc1": ("compiler", lambda: (cc1_command(), None)),
    "matrix": ("scientific", lambda: ([built("matrix")], None)),
    "kvcache": ("server with a cache", lambda: ([built("kvcache")], None)),
    # loops larger than memory (session 21): where LRU faults on every page
    "stencil": ("scientific", lambda: ([built("stencil")], None)),
    "hashjoin": ("database join", lambda: ([built("hashjoin")], None)),
    "kmeans": ("clustering", lambda: ([built("kmeans")], None)),
}


# The validation set: other programs and inputs of the same kinds, plus
# an awk script, git and bc (kinds the corpus lacks), and since session 21
# an LU decomposition, a graph search and table scans.
VALIDATION = {
    "v-gzip": ("compressor", lambda: (["gzip", "-9", "-c", code_and_text()], None)),
    "v-xz": ("compressor", lambda: (["xz", "-9", "-c", perl_text()], None)),
    "v-python": ("interpreter", lambda: (["python3", "-S",
                                          os.path.join(PROGS, "validation.py")], None)),
    "v-sqlite": ("in-memory database", lambda: (["sqlite3", ":memory:"],
                                                os.path.join(PROGS, "validation.sql"))),
    "v-cxx": ("compiler", lambda: (cxx_command(), None)),
    "v-awk": ("text processing", lambda: (["mawk", "{for (i = 1; i <= NF; i++) c[$i]++} "
                                           "END {for (w in c) if (c[w] > 500) print w, c[w]}",
                                           perl_text()], None)),
    "v-git": ("version control", lambda: (git_log_command(), None)),
    "v-bc": ("big numbers", lambda: (["bc", "-l", os.path.join(PROGS, "validation.bc")],
                                     None)),
    # added with early eviction (session 21), after it was chosen
    "v-lu": ("numeric kernel", lambda: ([built("validation_lu")], None)),
    "v-bfs": ("graph search", lambda: ([built("validation_bfs")], None)),
    "v-scan": ("in-memory database", lambda: (["sqlite3", ":memory:"],
                                              os.path.join(PROGS, "validation_scan.sql"))),
    # session 24, a check that the corpus's results hold on more kinds: a
    # JIT, JSON, a file-backed database, a pointer chase, another C
    # compiler, a compressor with a large window, a sort of one long line
    "v-node": ("JS engine with its JIT", lambda: (["node", os.path.join(PROGS, "validation.js")],
                                                 None)),
    "v-jq": ("JSON query", lambda: (["jq", "-c", "-f", os.path.join(PROGS, "validation.jq"),
                                     json_records()], None)),
    "v-grid": ("interpreter", lambda: (["python3", "-S",
                                        os.path.join(PROGS, "validation_grid.py")], None)),
    "v-perlhash": ("interpreter", lambda: (["perl", os.path.join(PROGS, "validation_hash.pl")],
                                           None)),
    "v-sqlfile": ("file-backed database", lambda: (sqlite_file_command(),
                                                   os.path.join(PROGS, "validation_file.sql"))),
    "v-bst": ("pointer chase", lambda: ([built("validation_bst")], None)),
    "v-clang": ("compiler", lambda: (["clang", "-O2", "-c", os.path.join(PROGS, "kvcache.c"),
                                      "-o", os.path.join(WORK, "kvcache.o")], None)),
    "v-zstd": ("compressor", lambda: (["zstd", "-19", "-c", json_records()], None)),
    "v-sortline": ("sort", lambda: (["sort", "-S", "64M", "-t,", "-k3", json_records()], None)),
}


def committed(name):
    return os.path.join(COMMITTED, name + ".trace.xz")


def validation(name):
    return os.path.join(VALIDATION_DIR, name + ".trace")


def record(argv, stdin, out, accesses):
    cmd = [sys.executable, RECORD, out + ".tmp", "--accesses", str(accesses)]
    if stdin:
        cmd += ["--stdin", stdin]
    subprocess.run(cmd + ["--"] + argv, check=True)
    os.replace(out + ".tmp", out)


def record_validation():
    os.makedirs(VALIDATION_DIR, exist_ok=True)
    for name, (_, how) in VALIDATION.items():
        if not os.path.exists(validation(name)):
            argv, stdin = how()
            record(argv, stdin, validation(name), VALIDATION_ACCESSES)


def record_all():
    os.makedirs(RAW, exist_ok=True)
    os.makedirs(COMMITTED, exist_ok=True)
    for name, (_, how) in SINGLES.items():
        raw = os.path.join(RAW, name + ".trace")
        if not os.path.exists(raw):
            argv, stdin = how()
            record(argv, stdin, raw, ACCESSES)
        if not os.path.exists(committed(name)) or \
                os.path.getmtime(committed(name)) < os.path.getmtime(raw):
            with open(raw, "rb") as src, lzma.open(committed(name) + ".tmp", "wb",
                                                   preset=9) as dst:
                shutil.copyfileobj(src, dst)
            os.replace(committed(name) + ".tmp", committed(name))


def read_single(name):
    """(pages, [ppn lines]) of a single trace: committed, or of the
    validation set."""
    pages, lines = 0, []
    with (open(validation(name)) if name in VALIDATION else
          lzma.open(committed(name), "rt")) as fh:
        for line in fh:
            if line.startswith("# vm pages="):
                pages = int(line.split()[2].split("=")[1])
            elif not line.startswith("#"):
                lines.append(line[2:])
    return pages, lines


def write_mix(name, out):
    """Writes the trace and returns the VMs' page counts."""
    progs = MIXES.get(name) or VALIDATION_MIXES.get(name) or [name]
    singles = [read_single(p) for p in progs]
    rnd = random.Random(name)
    pos = [0] * len(singles)
    with open(out, "w") as fh:
        fh.write("# %s: %s, interleaved in quanta of mean %d accesses\n"
                 % (name, " + ".join(progs), MIX_QUANTUM))
        for i, p in enumerate(progs):
            fh.write("# vm %d %s pages=%d\n" % (i, p, singles[i][0]))
        while any(pos[i] < len(s[1]) for i, s in enumerate(singles)):
            for i, (_, lines) in enumerate(singles):
                q = int(rnd.expovariate(1.0 / MIX_QUANTUM)) + 1
                chunk = lines[pos[i]:pos[i] + q]
                pos[i] += len(chunk)
                fh.write("".join("%d %s" % (i, l) for l in chunk))
    return [s[0] for s in singles]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "record":
        record_all()
    elif sys.argv[1] == "record-validation":
        record_validation()
    elif sys.argv[1] == "list" and sys.argv[2:] == ["--validation"]:
        for name in list(VALIDATION) + list(VALIDATION_MIXES):
            print(name, "held")
    elif sys.argv[1] == "list" and len(sys.argv) == 2:
        for name in list(SINGLES) + list(MIXES):
            print(name, "held" if name in HELD else "tune")
    elif sys.argv[1] == "mix" and len(sys.argv) == 4:
        print(" ".join(str(p) for p in write_mix(sys.argv[2], sys.argv[3])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
