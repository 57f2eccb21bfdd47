# gnuplot script for tools/memsim-plots.sh. Variables: a and b (the rows of
# VM 0 and VM 1, no header), out, title.
# CSV columns: tick,vm,name,consumed,target,active_pct,swapped,ballooned,free,state
set datafile separator ","
set terminal pngcairo size 1000,560 noenhanced
set key outside right top
set grid
set xlabel "tick (accesses)"

set output out."-memory.png"
set title title.": pages held and targets"
set ylabel "pages"
plot a using 1:4 with lines lw 2 title "A consumed", \
     a using 1:5 with lines dt 2 title "A target", \
     b using 1:4 with lines lw 2 title "B consumed", \
     b using 1:5 with lines dt 2 title "B target", \
     a using 1:9 with lines title "free"

set output out."-active.png"
set title title.": working-set estimate and free-memory state"
set ylabel "active %"
set y2label "state (0 high, 1 soft, 2 hard, 3 low)"
set y2range [-0.5:3.5]
set y2tics 0,1,3
state(s) = (s eq "high") ? 0 : (s eq "soft") ? 1 : (s eq "hard") ? 2 : 3
plot a using 1:6 with lines lw 2 title "A active %", \
     b using 1:6 with lines lw 2 title "B active %", \
     a using 1:(state(strcol(10))) axes x1y2 with steps title "state"
