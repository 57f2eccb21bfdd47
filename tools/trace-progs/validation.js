// The validation set's JavaScript (tools/trace-corpus.py, never tuned on),
// run by node with its JIT (the corpus's work.js runs --jitless): a map
// counting 300,000 keys, an array of objects sorted by a string key and
// walked five times, then 200,000 words joined into one string, split
// again and counted by prefix.
const counts = new Map();
const rows = [];
for (let i = 0; i < 300000; i++) {
    const key = 'k' + ((i * 7919) % 100003);
    counts.set(key, (counts.get(key) || 0) + i);
    if (i % 3 === 0)
        rows.push({ i, s: key + 'x' });
}
rows.sort((a, b) => (a.s < b.s ? -1 : 1));
let total = 0;
for (let round = 0; round < 5; round++)
    for (const row of rows)
        total += row.i % 7;
const words = [];
for (let i = 0; i < 200000; i++)
    words.push(((i * 2654435761) % 1000003).toString(36));
const prefixes = {};
for (const w of words.join(' ').split(' '))
    prefixes[w.slice(0, 2)] = (prefixes[w.slice(0, 2)] || 0) + 1;
console.log(total, Object.keys(prefixes).length, counts.size);
