// Measures memory growth of a scope export to a file and an import from it, in a process of
// its own (so runs cannot share warmed-up allocator arenas). Prints one JSON line, in MiB:
// { fill, export, import, dumpMiB } — fill is the growth while the scope was written (for scale).
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { loadInBatches, tempEnv } from './data.js';

const entries = Number(process.argv[2]);

/** Anonymous RSS (MiB) as Linux reports it: LMDB's file-backed map pages are not the process's own memory. */
function anon(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(/^\s*(\d+)/.exec(status.split('RssAnon:')[1] ?? '')?.[1] ?? Number.NaN) / 1024;
  } catch {
    return process.memoryUsage().rss / 2 ** 20;
  }
}

const { env, path, dispose } = tempEnv();
const registry = GlobalScopeRegistry.open(env);
const db = scopedDatabaseOptions(env, { registry }).rawBytes().name('dump').create();
const value = Buffer.alloc(100, 0x5a);
const start = anon();
loadInBatches(env, entries, (i) => db.putSync('tenant', Buffer.from(`key-${String(i).padStart(8, '0')}`), value));
const filled = anon();

const file = join(path, 'tenant.dump');
const out = createWriteStream(file);
await registry.exportScope('tenant', out);
out.end();
await finished(out);
const exported = anon();

await registry.importScope(createReadStream(file), 'copy');
const imported = anon();
const dumpMiB = statSync(file).size / 2 ** 20;
await dispose();
console.log(JSON.stringify({ fill: filled - start, export: exported - filled, import: imported - exported, dumpMiB }));
