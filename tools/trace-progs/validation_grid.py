# The validation set's second Python program (tools/trace-corpus.py, never
# tuned on): 120,000 points hashed into a 100 x 100 grid of lists, a
# neighbour search over the first 4,000 cells (each point's neighbours kept
# in its own list), then every point sorted by its coordinates.
import random

rnd = random.Random(3)


class Point:
    __slots__ = ("x", "y", "near")

    def __init__(self, x, y):
        self.x, self.y, self.near = x, y, []


points = [Point(rnd.random(), rnd.random()) for _ in range(120000)]
grid = {}
for p in points:
    grid.setdefault((int(p.x * 100), int(p.y * 100)), []).append(p)
for (gx, gy), cell in list(grid.items())[:4000]:
    for p in cell:
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in grid.get((gx + dx, gy + dy), ()):
                    if q is not p and (p.x - q.x) ** 2 + (p.y - q.y) ** 2 < 1e-4:
                        p.near.append(q)
print(sum(len(p.near) for p in points))
print(sorted(points, key=lambda p: (p.y, p.x))[0].x)
