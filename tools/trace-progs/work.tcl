# Interpreter workload for the trace corpus (tools/trace-corpus.py): Tcl
# arrays, lists and string building.
expr {srand(5)}
array set freq {}
set items {}
for {set i 0} {$i < 120000} {incr i} {
    set k "k[expr {int(rand() * rand() * 20000)}]"
    if {[info exists freq($k)]} { incr freq($k) } else { set freq($k) 1 }
    lappend items [list $k [expr {rand()}]]
}
set sorted [lsort -real -index 1 $items]
set out ""
foreach it [lrange $sorted 0 4999] { append out [lindex $it 0] , }
puts [string length $out]
puts [array size freq]
