# Interpreter workload for the trace corpus (tools/trace-corpus.py): builds
# and rebuilds dictionaries and lists of objects, tokenizes generated text,
# and sorts records, as a scripting job does.
import random

random.seed(7)
words = ["".join(random.choice("abcdefghijklmnop") for _ in range(random.randint(2, 9)))
         for _ in range(5000)]
text = " ".join(random.choice(words) for _ in range(300000))
counts = {}
for w in text.split():
    counts[w] = counts.get(w, 0) + 1
records = [{"id": i, "name": random.choice(words), "score": random.random()} for i in range(120000)]
records.sort(key=lambda r: (r["name"], r["score"]))
index = {}
for r in records:
    index.setdefault(r["name"], []).append(r["id"])
total = 0
for rnd in range(20):
    for w in random.sample(words, 1000):
        total += len(index.get(w, ()))
print(len(counts), total)
