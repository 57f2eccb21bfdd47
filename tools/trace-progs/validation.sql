-- Validation workload for tools/trace-corpus.py (not tuned on): a
-- generated table, an index, grouping, a window function, a join, an
-- update and a distinct count.
CREATE TABLE t(id INTEGER PRIMARY KEY, g TEXT, v REAL, s TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 150000)
INSERT INTO t SELECT x, printf('g%03d', (x*7919) % 512), (x*31 % 1000)/7.0, hex(randomblob(24)) FROM c;
CREATE INDEX ig ON t(g, v);
SELECT g, count(*), avg(v), max(s) FROM t GROUP BY g ORDER BY 2 DESC LIMIT 5;
SELECT id, v, sum(v) OVER (PARTITION BY g ORDER BY id ROWS 20 PRECEDING) FROM t WHERE id % 97 = 0 LIMIT 5;
CREATE TABLE u AS SELECT g, s FROM t WHERE v > 50;
SELECT count(*) FROM t JOIN u USING (g) WHERE t.id % 1000 = 1;
UPDATE t SET s = lower(s) WHERE id % 3 = 0;
SELECT count(DISTINCT substr(s,1,4)) FROM t;
