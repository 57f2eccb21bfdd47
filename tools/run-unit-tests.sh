#!/usr/bin/env bash
# Runs each hosted unit-test binary (cmocka), stops at the first failing one,
# and records the counts for the closing tally of `make test`.
set -u
mkdir -p build/results
passed=0 failed=0
for bin in "$@"; do
    out=$("$bin" 2>&1); rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    if [ $rc -ne 0 ] || [ -z "$p" ]; then
        [ -z "$f" ] && failed=$((failed + 1))
        echo "unit: $bin failed (exit $rc)"
        echo "$passed $failed" > build/results/unit.tally
        exit 1
    fi
done
echo "$passed $failed" > build/results/unit.tally
echo "unit: $passed passed, $failed failed in $# binaries"
