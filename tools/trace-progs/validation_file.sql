-- The validation set's file-backed database (tools/trace-corpus.py, never
-- tuned on): sqlite3 on a new file with a 20 MB page cache: 150,000 rows,
-- two indexes built, a grouped aggregate, a self-join through the primary
-- key, an update, a scan and a delete of a third of the rows.
PRAGMA cache_size = -20000;
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c INTEGER, d REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO t SELECT i, hex(randomblob(12)), abs(random()) % 1000, random() / 1e12 FROM n;
CREATE INDEX tc ON t(c);
CREATE INDEX tb ON t(b);
SELECT c, count(*), avg(d) FROM t GROUP BY c ORDER BY 2 DESC LIMIT 5;
SELECT count(*) FROM t x JOIN t y ON x.c = y.a WHERE x.a % 7 = 0;
UPDATE t SET d = d * 2 WHERE c < 300;
SELECT sum(length(b)) FROM t WHERE b > 'A';
DELETE FROM t WHERE a % 3 = 0;
SELECT count(*) FROM t;
