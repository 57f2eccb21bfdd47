[.[] | select(.score > 30) | {n: .name, t: (.tags | length), k: .nested.b}]
| group_by(.t)
| map({t: .[0].t, c: length, first: (sort_by(.k) | .[0].n)})
