-- The validation set's scans (tools/trace-corpus.py, never tuned on): an
-- in-memory table of 40,000 rows, then aggregates with no index to help,
-- each a full scan of the table.
CREATE TABLE t(a INTEGER, b TEXT, c REAL);
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 40000)
INSERT INTO t SELECT i, printf('row-%08d-%s', i, hex(randomblob(12))), i * 0.37 FROM r;
SELECT sum(length(b)) FROM t WHERE a % 7 = 1;
SELECT avg(c) FROM t WHERE b LIKE '%A1%';
SELECT count(*) FROM t WHERE a % 11 = 3;
SELECT max(c) FROM t WHERE substr(b, 14, 2) = 'FF';
SELECT sum(a) FROM t WHERE c > 5000;
SELECT count(*) FROM t WHERE b GLOB '*7?7*';
SELECT min(length(b)) FROM t;
SELECT sum(c) FROM t WHERE a % 5 = 2;
SELECT count(*) FROM t WHERE b LIKE '%00%';
SELECT avg(a) FROM t;
