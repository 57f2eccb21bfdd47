#!/usr/bin/env python3
"""Record a page-level memory trace of a real program for memsim.

Runs the program under valgrind's lackey (`--tool=lackey --trace-mem=yes`),
which prints every instruction fetch (I), load (L), store (S) and
load-and-store (M) with its virtual address. The stream is read as it comes:
addresses become 4 KiB virtual pages, consecutive accesses to one page are
collapsed to one access (written if any of them stored), and the virtual
pages are renumbered densely in order of first touch (PPN 0 is the first
page the program touched), so the trace's VM is exactly as large as the
pages the program used. Recording stops after --accesses collapsed accesses
(valgrind is then stopped): lackey is slow, and a bounded trace is enough.

The output is memsim's trace format with VM 0; comment lines say what was
run and `# vm pages=N` how many pages the VM needs.

usage: trace-record.py OUT [--accesses N] [--stdin FILE] [--data-only] -- PROGRAM ARGS...
       (stdin of the program is /dev/null unless --stdin FILE; --data-only
       leaves instruction fetches out)
"""
import os
import signal
import subprocess
import sys


def record(argv, out_path, limit, stdin_path=None, cwd=None, data_only=False):
    r, w = os.pipe()
    cmd = ["valgrind", "--tool=lackey", "--trace-mem=yes", "--log-fd=%d" % w] + argv
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, pass_fds=(w,), cwd=cwd,
                            start_new_session=True)
    os.close(w)
    pages = {}            # virtual page -> dense PPN
    out = []              # (ppn, written) per collapsed access
    cur, cur_w = -1, False
    with os.fdopen(r, "rb", buffering=1 << 20) as log:
        for line in log:
            # " L 1fff0005f8,8", "I  0401ab70,3"; valgrind's own lines start "=="
            kind = line[:2]
            if kind == b"I ":
                if data_only:
                    continue
                store = False
            elif kind in (b" L", b" S", b" M"):
                store = kind != b" L"
            else:
                continue
            comma = line.find(b",", 3)
            if comma < 0:
                continue
            vpage = int(line[3:comma], 16) >> 12
            if vpage == cur:
                cur_w = cur_w or store
                continue
            if cur >= 0:
                out.append((pages[cur], cur_w))
                if len(out) >= limit:
                    break
            cur, cur_w = vpage, store
            if vpage not in pages:
                pages[vpage] = len(pages)
    # Short of the limit, the stream ended: the program did.
    stopped = len(out) >= limit
    if not stopped and cur >= 0:
        out.append((pages[cur], cur_w))
    if stopped and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass        # it ended on its own meanwhile
    status = proc.wait()
    # A program that failed on its own recorded its error path, not its
    # work (a script with a syntax error is a short, plausible trace).
    if not stopped and status != 0:
        sys.exit("trace-record: %s exited with status %d after %d accesses; nothing written"
                 % (argv[0], status, len(out)))
    with open(out_path, "w") as f:
        f.write("# recorded by tools/trace-record.py: valgrind lackey, 4 KiB pages, "
                "consecutive accesses to a page collapsed, pages numbered by first touch\n")
        f.write("# command: %s%s\n" % (" ".join(argv), " (data accesses only)" if data_only else ""))
        f.write("# vm pages=%d accesses=%d\n" % (len(pages), len(out)))
        f.write("".join("0 %d %s\n" % (p, "w" if wr else "r") for p, wr in out))
    return len(pages), len(out)


def main():
    args = sys.argv[1:]
    if "--" not in args or len(args) < 4:
        sys.exit(__doc__)
    sep = args.index("--")
    opts, prog = args[:sep], args[sep + 1:]
    out_path = opts[0]
    limit = int(opts[opts.index("--accesses") + 1]) if "--accesses" in opts else 2000000
    stdin_path = opts[opts.index("--stdin") + 1] if "--stdin" in opts else None
    n, k = record(prog, out_path, limit, stdin_path, data_only="--data-only" in opts)
    print("%s: %d pages, %d accesses" % (out_path, n, k))


if __name__ == "__main__":
    main()
