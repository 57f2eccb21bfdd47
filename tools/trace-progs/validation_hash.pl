# The validation set's second Perl program (tools/trace-corpus.py, never
# tuned on): a hash of 300,000 hex keys, a fifth of them sorted by value
# and matched against a pattern three times, then the keys counted by
# their first three digits.
use strict;
use warnings;

my (%value, @some);
for my $i (1 .. 300000) {
    my $k = sprintf("%x", ($i * 2654435761) % 4294967296);
    $value{$k} = $i;
    push @some, $k if $i % 5 == 0;
}
my @sorted = sort { $value{$a} <=> $value{$b} } @some;
my $total = 0;
for my $round (1 .. 3) {
    for my $k (@sorted) {
        $total += length($k) if $k =~ /^[0-9a-f]{3}[a-c]/;
    }
}
my %prefix;
$prefix{substr($_, 0, 3)}++ for keys %value;
print "$total ", scalar(keys %prefix), "\n";
