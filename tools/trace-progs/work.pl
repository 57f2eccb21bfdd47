# Interpreter workload for the trace corpus (tools/trace-corpus.py): regular
# expressions and hashes over generated log lines, then a report.
use strict;
srand(11);
my @hosts = map { "host" . $_ . ".example" } 1 .. 2000;
my (%bytes, %status, @lines);
for my $i (1 .. 150000) {
    my $h = $hosts[int(rand(@hosts) * rand())];
    push @lines, sprintf("%s - - [day %d] \"GET /p/%d HTTP/1.1\" %d %d", $h, $i % 30,
                         int(rand(50000)), (200, 200, 200, 404, 500)[int(rand(5))], int(rand(90000)));
}
for my $l (@lines) {
    next unless $l =~ /^(\S+) .*" (\d{3}) (\d+)$/;
    $bytes{$1} += $3;
    $status{$2}++;
}
my @top = (sort { $bytes{$b} <=> $bytes{$a} } keys %bytes)[0 .. 9];
print join(",", @top), " ", join(",", map { "$_=$status{$_}" } sort keys %status), "\n";
