#!/usr/bin/env bash
# make plots: runs build/memsim (policy ours) on two synthetic traces at 2x
# overcommit with --csv, and turns each time series into PNGs with gnuplot:
#   <trace>-memory.png  per VM consumed and target pages, and free pages
#   <trace>-active.png  per VM active estimate (%) and memsched state
set -eu
memsim=${1:-build/memsim}
out=${2:-build/plots}
here=$(cd "$(dirname "$0")" && pwd)
traces=build/memsim-traces
mkdir -p "$out" "$traces"
for name in idlebusy phase; do
    trace=$traces/$name-400000.trace
    [ -e "$trace" ] || python3 "$here/memsim-gen.py" "$name" "$trace" --accesses 400000
    csv=$out/$name.csv
    "$memsim" --machine-pages 4000 --policy ours --vm name=A,pages=4000 \
        --vm name=B,pages=4000 --trace "$trace" --csv "$csv" --csv-every 1000 | tail -n1
    # one file per VM: gnuplot draws a line only through consecutive rows
    awk -F, -v a="$out/$name.vm0.csv" -v b="$out/$name.vm1.csv" \
        'NR > 1 && $2 == 0 { print > a } NR > 1 && $2 == 1 { print > b }' "$csv"
    gnuplot -e "a='$out/$name.vm0.csv'; b='$out/$name.vm1.csv'; out='$out/$name'; \
                title='$name, 2x overcommit, policy ours'" "$here/memsim-plot.gp"
    echo "plots: $out/$name-memory.png $out/$name-active.png"
done
