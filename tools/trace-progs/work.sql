-- In-memory database workload for the trace corpus (tools/trace-corpus.py):
-- bulk insert, an index, point lookups, a join and an aggregate.
PRAGMA cache_size = -65536;
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, item INTEGER, qty INTEGER, note TEXT);
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, region INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO customers SELECT i, 'customer' || i, i % 17 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO orders SELECT i, (i * 7919) % 20000 + 1, (i * 104729) % 5000, i % 9 + 1,
       hex(randomblob(24)) FROM n;
CREATE INDEX orders_customer ON orders(customer);
SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer WHERE c.region = 3;
SELECT region, sum(qty) FROM orders o JOIN customers c ON c.id = o.customer GROUP BY region;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
SELECT sum(qty) FROM n JOIN orders ON orders.customer = (n.i * 31) % 20000 + 1;
SELECT item, count(*) FROM orders GROUP BY item ORDER BY 2 DESC LIMIT 5;
