// Another process's writer, timing each putSync (its own transaction) while the parent reclaims.
// Prints one JSON line: { p99, max, writes } in ms.
import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';

const [path, msArg] = process.argv.slice(2) as [string, string];
const env = open({ path, maxDbs: 64 });
const db = scopedDatabaseOptions(env, { registry: GlobalScopeRegistry.open(env) })
  .rawBytes()
  .name('life')
  .create();
const value = Buffer.alloc(100, 1);
const times: number[] = [];
console.log('ready');
const until = performance.now() + Number(msArg);
let i = 0;
while (performance.now() < until) {
  const started = performance.now();
  db.putSync('other-writer', Buffer.from(`k${i++ % 1000}`), value);
  times.push(performance.now() - started);
  if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
}
times.sort((a, b) => a - b);
await env.close();
console.log(JSON.stringify({ p99: times[Math.floor(times.length * 0.99)] ?? 0, max: times.at(-1) ?? 0, writes: times.length }));
