// JavaScript engine workload for the trace corpus (tools/trace-corpus.py):
// objects, maps, closures and string work, as a web page's script does.
let seed = 3;
function rnd() { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; }
const m = new Map();
const objs = [];
for (let i = 0; i < 200000; i++) {
  const k = "k" + Math.floor(rnd() * rnd() * 30000);
  m.set(k, (m.get(k) || 0) + 1);
  objs.push({ k, v: rnd(), tag: i % 7 });
}
objs.sort((a, b) => a.v - b.v);
let s = 0;
for (const o of objs) if (o.tag === 3) s += o.k.length;
console.log(m.size, s);
