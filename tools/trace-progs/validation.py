# Validation workload for tools/trace-corpus.py (not tuned on): a dict of
# lists built from random words, a JSON round trip, a regex scan over the
# text, a sort, and an unbalanced binary tree of 60,000 nodes.
import json, re, random
rnd = random.Random(7)
words = ["".join(rnd.choice("abcdefghijklmnop") for _ in range(rnd.randrange(3, 10))) for _ in range(5000)]
d = {}
for i in range(200000):
    k = rnd.choice(words) + str(i % 977)
    d.setdefault(k, []).append(i)
blob = json.dumps(d)
back = json.loads(blob)
pat = re.compile(r"([a-f]+)(\d+)")
hits = sum(1 for m in pat.finditer(blob[:2000000]))
rows = sorted(((len(v), k) for k, v in back.items()), reverse=True)
class Node:
    __slots__ = ("k", "l", "r")
    def __init__(s, k): s.k, s.l, s.r = k, None, None
root = None
for _, k in rows[:60000]:
    n = Node(k)
    if root is None: root = n; continue
    c = root
    while True:
        if k < c.k:
            if c.l is None: c.l = n; break
            c = c.l
        else:
            if c.r is None: c.r = n; break
            c = c.r
print(hits, len(rows))
