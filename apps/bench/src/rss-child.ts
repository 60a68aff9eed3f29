// Measures memory growth over many puts in a process of its own (so runs cannot share
// warmed-up allocator arenas). Prints one JSON line: { anon, file } in MiB.
import { readFileSync } from 'node:fs';
import { keyFormat, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { dataSet, tempEnv } from './data.js';

const [mode, putsArg, scopesArg] = process.argv.slice(2);
const puts = Number(putsArg);
const data = dataSet(Math.min(puts, 100_000), Number(scopesArg), 'rss');
const keyOf = (i: number) => Buffer.concat([data.keys[i % data.keys.length] as Buffer, Buffer.of(i >> 16, (i >> 8) & 255, i & 255)]);

/** RSS split as Linux reports it (MiB); elsewhere all of it counts as anonymous. */
function memory(): { anon: number; file: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string) => Number(/^\s*(\d+)/.exec(status.split(`${name}:`)[1] ?? '')?.[1] ?? Number.NaN) / 1024;
    return { anon: field('RssAnon'), file: field('RssFile') };
  } catch {
    return { anon: process.memoryUsage().rss / 2 ** 20, file: 0 };
  }
}

const { env, dispose } = tempEnv();
let put: (i: number) => void;
if (mode === 'raw') {
  const table = env.openDB('raw', { keyEncoding: 'binary', encoding: 'binary' });
  put = (i) => table.putSync(Buffer.from(keyFormat.encode(data.scopeOf(i), keyOf(i))), data.value);
} else {
  const table = scopedDatabaseOptions(env).rawBytes().name('rss').create();
  put = (i) => table.putSync(data.scopeOf(i), keyOf(i), data.value);
}
const before = memory();
for (let start = 0; start < puts; start += 10_000) {
  env.transactionSync(() => {
    for (let i = start; i < Math.min(puts, start + 10_000); i++) put(i);
  });
}
const after = memory();
await dispose();
console.log(JSON.stringify({ anon: after.anon - before.anon, file: after.file - before.file }));
