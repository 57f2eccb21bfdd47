#!/usr/bin/env python3
"""Fails on any #include that points the wrong way between layers.

The one table of allowed directions is LAYERS below; docs/architecture.md
explains the order. Every quoted include in the tree is repository-relative
("mm/physmap.h"), so the layer of a header is its first path component.

Policy files (POLICY) are held to more than their directory's row: they must
not reach arch/, drivers/ or vmm/ through any chain of includes, so a kernel
header that pulls an arch header into them fails too. That is what keeps them
buildable hosted, under sanitizers and in the simulator.

Usage: check-layers.py [--root DIR] [--tally FILE] | --self-test
Prints FILE:LINE: message for each violation and exits 1 when there is any.
"""
import argparse
import fnmatch
import os
import re
import sys
import tempfile

# layer -> the layers its files may include (its own row included). Read it
# top-down: each layer may use what is listed after it, never what is above.
LAYERS = {
    "vmm":     {"vmm", "kernel", "drivers", "arch", "mm", "lib", "include"},
    "kernel":  {"kernel", "drivers", "arch", "mm", "lib", "include"},
    "drivers": {"drivers", "arch", "mm", "lib", "include"},
    "arch":    {"arch", "mm", "lib", "include"},
    "mm":      {"mm", "lib", "include"},
    "lib":     {"lib", "include"},
    "include": {"include"},
    "boot":    {"boot", "lib", "include"},  # the UEFI stage: its own program
}

# Policy code inside kernel/ (mm/ is policy as a whole by its row above).
POLICY = [
    "kernel/memsched.*", "kernel/admission.*", "kernel/prealloc.*",
    "kernel/vm_mem.*", "kernel/vm_reclaim.*", "kernel/vm.h", "kernel/vm_devices.h", "kernel/monitor_ops.h",
    "mm/*",
]
POLICY_FORBIDDEN = {"arch", "drivers", "vmm"}

CHECKED_DIRS = sorted(LAYERS)
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    return path.split("/", 1)[0]


def is_policy(path):
    return any(fnmatch.fnmatch(path, p) for p in POLICY)


def sources(root):
    for d in CHECKED_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/")


def includes(root, path, cache):
    if path not in cache:
        found = []
        try:
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if m:
                        found.append((n, m.group(1)))
        except OSError:
            pass  # a header outside the tree (or generated): nothing to follow
        cache[path] = found
    return cache[path]


def forbidden_reach(root, start, cache):
    """The first chain of includes from `start` to a POLICY_FORBIDDEN layer."""
    seen = {start}
    stack = [(start, [start])]
    while stack:
        path, chain = stack.pop()
        for _, inc in includes(root, path, cache):
            if layer_of(inc) in POLICY_FORBIDDEN:
                return chain + [inc]
            if inc not in seen:
                seen.add(inc)
                stack.append((inc, chain + [inc]))
    return None


def check(root):
    cache, problems, files = {}, [], 0
    for path in sources(root):
        files += 1
        layer = layer_of(path)
        for line, inc in includes(root, path, cache):
            target = layer_of(inc)
            if target == "tests":
                continue  # never part of the image; its own rules are the tests'
            if target not in LAYERS:
                # "../arch/x.h" or "x.h" would slip past the table.
                problems.append(f"{path}:{line}: {inc} is not a repository-relative path "
                                f"under one of {', '.join(CHECKED_DIRS)}")
            elif target not in LAYERS[layer]:
                problems.append(f"{path}:{line}: {layer}/ may not include {inc} "
                                f"({target}/ is not below {layer}/ in the layer table)")
            elif is_policy(path) and target in POLICY_FORBIDDEN:
                problems.append(f"{path}:{line}: policy code may not include {inc}")
            elif is_policy(path):
                chain = forbidden_reach(root, inc, cache)
                if chain:
                    problems.append(f"{path}:{line}: policy code reaches {chain[-1]} "
                                    f"through {' -> '.join(chain[:-1])}")
    return files, problems


def self_test():
    """The check must fail on a planted violation of each kind and pass a
    clean tree, so that a broken script cannot pass silently."""
    cases = {
        "clean": ({"mm/a.c": '#include "lib/x.h"\n', "lib/x.h": ""}, None),
        "upward": ({"mm/a.c": '#include "lib/x.h"\n#include "arch/y.h"\n', "lib/x.h": "",
                    "arch/y.h": ""}, "mm/a.c:2:"),
        "kernel-to-vmm": ({"kernel/k.c": '#include "vmm/v.h"\n', "vmm/v.h": ""},
                          "kernel/k.c:1:"),
        "relative": ({"lib/l.c": '#include "../arch/y.h"\n', "arch/y.h": ""}, "lib/l.c:1:"),
        "policy-transitive": ({"kernel/memsched.c": '\n#include "kernel/w.h"\n',
                               "kernel/w.h": '#include "arch/z.h"\n', "arch/z.h": ""},
                              "kernel/memsched.c:2:"),
    }
    ok = True
    for name, (tree, expect) in cases.items():
        with tempfile.TemporaryDirectory() as d:
            for p, text in tree.items():
                os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
                with open(os.path.join(d, p), "w") as f:
                    f.write(text)
            _, problems = check(d)
            if expect is None and problems:
                print(f"check-layers self-test {name}: flagged a clean tree: {problems}")
                ok = False
            elif expect is not None and not any(p.startswith(expect) for p in problems):
                print(f"check-layers self-test {name}: missed {expect} (got {problems})")
                ok = False
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--tally", help="write 'passed failed' here for make test")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        ok = self_test()
        print("check-layers self-test: " + ("ok" if ok else "FAILED"))
        return 0 if ok else 1
    # The planted violations first: a check that cannot see them proves nothing.
    files, problems = check(args.root)
    if not self_test():
        problems.append("tools/check-layers.py: the self-test failed (see above)")
    for p in problems:
        print(p)
    if args.tally:
        os.makedirs(os.path.dirname(args.tally) or ".", exist_ok=True)
        with open(args.tally, "w") as f:
            f.write(f"{0 if problems else 1} {1 if problems else 0}\n")
    print(f"check-layers: {files} files, {len(problems)} wrong-way include(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
