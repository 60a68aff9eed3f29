// The three database kinds on one workload, with a small ops/s table.
// (apps/bench measures against raw lmdb-js properly; this is a quick look.)

import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { codecs, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { heading, openExampleEnv } from './shared.js';

const { env, quick, close } = openExampleEnv('performance');
const entries = quick ? 5_000 : 100_000;
const scopes = Array.from({ length: 100 }, (_, i) => Scope.named(`tenant-${i}`));
const names = Array.from({ length: entries }, (_, i) => `key-${String(i).padStart(7, '0')}`);
const keyBytes = names.map((name) => Buffer.from(name));
const record = (i: number) => ({ id: i, name: `user ${i}`, active: i % 2 === 0 });
const valueBytes = Buffer.alloc(100, 1);

const options = scopedDatabaseOptions(env);
const typed = options.types(codecs.string(), msgpack<ReturnType<typeof record>>()).name('typed').create();
const bytesKeys = options.bytesKeys(msgpack<ReturnType<typeof record>>()).name('bytes-keys').create();
const raw = options.rawBytes().name('raw').create();

function opsPerSecond(run: () => void): number {
  const started = performance.now();
  run();
  return Math.round(entries / ((performance.now() - started) / 1000));
}

const rows: [string, number, number, number][] = [];
const scopeOf = (i: number) => scopes[i % scopes.length] as Scope;
// Each figure times one pass over the workload: puts in one transaction, then gets, then a range per scope.
rows.push([
  'types(string, msgpack)',
  opsPerSecond(() =>
    typed.transactionSync(() => {
      for (const [i, k] of names.entries()) typed.putSync(scopeOf(i), k, record(i));
    }),
  ),
  opsPerSecond(() => {
    for (const [i, k] of names.entries()) typed.get(scopeOf(i), k);
  }),
  opsPerSecond(() => {
    for (const s of scopes) for (const _ of typed.getRange(s));
  }),
]);
rows.push([
  'bytesKeys(msgpack)',
  opsPerSecond(() =>
    bytesKeys.transactionSync(() => {
      for (const [i, k] of keyBytes.entries()) bytesKeys.putSync(scopeOf(i), k, record(i));
    }),
  ),
  opsPerSecond(() => {
    for (const [i, k] of keyBytes.entries()) bytesKeys.get(scopeOf(i), k);
  }),
  opsPerSecond(() => {
    for (const s of scopes) for (const _ of bytesKeys.getRange(s));
  }),
]);
rows.push([
  'rawBytes()',
  opsPerSecond(() =>
    raw.transactionSync(() => {
      for (const [i, k] of keyBytes.entries()) raw.putSync(scopeOf(i), k, valueBytes);
    }),
  ),
  opsPerSecond(() => {
    for (const [i, k] of keyBytes.entries()) raw.get(scopeOf(i), k);
  }),
  opsPerSecond(() => {
    for (const s of scopes) for (const _ of raw.getRange(s));
  }),
]);

heading(`${entries} entries over ${scopes.length} scopes (ops/s; one run, so noisy)`);
console.log('| kind | putSync (one transaction) | get | range scan |');
console.log('|---|---:|---:|---:|');
for (const [kind, put, get, scan] of rows)
  console.log(`| ${kind} | ${put.toLocaleString('en')} | ${get.toLocaleString('en')} | ${scan.toLocaleString('en')} |`);
for (const db of [typed, bytesKeys, raw]) {
  const total = scopes.reduce((n, s) => n + db.getCount(s), 0);
  if (total !== entries) throw new Error(`${db.name}: expected ${entries} entries, counted ${total}`);
}
await close();
console.log('\ndone');
