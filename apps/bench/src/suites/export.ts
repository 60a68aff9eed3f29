import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { keyFormat, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { loadInBatches, tempEnv } from '../data.js';
import type { Result, Settings, Sizes } from '../harness.js';

/** Entries the memory rows export and import: the figure, in every run (quick included). */
const RSS_ENTRIES = 1_000_000;
const CHUNK = 64 * 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/**
 * Export / import of a scope (issue 17): export against a raw lmdb-js range read of the same
 * entries into the same sink (64 KiB chunks, as the dump writer hands out), import against raw
 * `putSync` of the same entries in one transaction; and the RSS growth of a 1M-entry export
 * and import, each in a process of its own.
 */
export async function* exportSuite(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const { env, dispose } = tempEnv();
  const registry = GlobalScopeRegistry.open(env);
  const db = scopedDatabaseOptions(env, { registry }).rawBytes().name('dump').create();
  const count = sizes.entries;
  const value = Buffer.alloc(100, 0x5a);
  const keys = Array.from({ length: count }, (_, i) => Buffer.from(`key-${String(i).padStart(8, '0')}`));
  loadInBatches(env, count, (i) => db.putSync('tenant', keys[i] as Buffer, value));
  const scoped = env.openDB('dump_scoped', { keyEncoding: 'binary', encoding: 'binary' });
  const bounds = keyFormat.bounds(Scope.named('tenant'));
  const rounds = Math.max(3, Math.min(settings.rounds, 5));

  // The sink both sides write to: it takes each chunk and counts it.
  let received = 0;
  const sink = (chunk: Uint8Array) => {
    received += chunk.length;
  };
  const rawExport = () => {
    let chunk = new Uint8Array(CHUNK);
    let used = 0;
    for (const { key, value: stored } of scoped.getRange(bounds) as Iterable<{ key: Uint8Array; value: Uint8Array }>) {
      const size = key.length + stored.length;
      if (used + size > CHUNK) {
        sink(chunk.subarray(0, used));
        chunk = new Uint8Array(CHUNK);
        used = 0;
      }
      chunk.set(key, used);
      chunk.set(stored, used + key.length);
      used += size;
    }
    sink(chunk.subarray(0, used));
  };
  const exportRatios: number[] = [];
  const exportTimes = { ours: [] as number[], raw: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const)) {
      const started = performance.now();
      if (which === 'ours') await registry.exportScope('tenant', sink);
      else rawExport();
      exportTimes[which].push(performance.now() - started);
    }
    exportRatios.push((exportTimes.raw.at(-1) as number) / (exportTimes.ours.at(-1) as number));
  }
  const exportRatio = median(exportRatios);
  yield {
    name: `exportScope of ${count.toLocaleString('en')} entries to a sink (vs a raw lmdb-js range read into the same sink)`,
    ours: (count * 1000) / median(exportTimes.ours),
    baseline: (count * 1000) / median(exportTimes.raw),
    ratio: exportRatio,
    target: '>= 0.7',
    pass: exportRatio >= 0.7,
    unit: 'ops/s',
    note: `${(received / 2 ** 20 / (2 * rounds)).toFixed(1)} MiB per run`,
  };

  // The dump, in memory, and the raw baseline's table.
  const parts: Uint8Array[] = [];
  await registry.exportScope('tenant', (chunk) => void parts.push(chunk));
  const dump = Buffer.concat(parts);
  const source = () =>
    Readable.from(
      (function* () {
        for (let at = 0; at < dump.length; at += CHUNK) yield dump.subarray(at, at + CHUNK);
      })(),
    );
  const raw = env.openDB('raw_import', { keyEncoding: 'binary', encoding: 'binary' });
  const target = Scope.named('copy');
  const fullKeys = keys.map((key) => Buffer.from(keyFormat.encode(target, key)));
  const importTimes = { ours: [] as number[], raw: [] as number[] };
  const importRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const)) {
      const started = performance.now();
      if (which === 'ours') {
        await registry.importScope(source(), 'copy');
      } else {
        env.transactionSync(() => {
          for (let i = 0; i < count; i++) raw.putSync(fullKeys[i] as Buffer, value);
        });
      }
      importTimes[which].push(performance.now() - started);
      // Emptied outside the timing.
      if (which === 'ours') {
        registry.dropScope('copy');
        await registry.reclaim();
      } else {
        await raw.clearAsync();
      }
    }
    importRatios.push((importTimes.raw.at(-1) as number) / (importTimes.ours.at(-1) as number));
  }
  const importRatio = median(importRatios);
  yield {
    name: `importScope of ${count.toLocaleString('en')} entries (vs raw putSync of them in one transaction)`,
    ours: (count * 1000) / median(importTimes.ours),
    baseline: (count * 1000) / median(importTimes.raw),
    ratio: importRatio,
    target: '>= 0.5',
    pass: importRatio >= 0.5,
    unit: 'ops/s',
    note: `dump ${(dump.length / 2 ** 20).toFixed(1)} MiB`,
  };
  await dispose();

  // Memory: a 1M-entry scope exported to a file and imported from it, in a fresh process.
  const script = fileURLToPath(new URL('../dump-rss-child.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', script, String(RSS_ENTRIES)], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`dump rss child failed: ${run.stderr}`);
  const growth = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as {
    export: number;
    import: number;
    fill: number;
    dumpMiB: number;
  };
  for (const step of ['export', 'import'] as const) {
    yield {
      name: `RSS (anonymous) growth over a ${RSS_ENTRIES.toLocaleString('en')}-entry ${step}Scope, file ${step === 'export' ? 'sink' : 'source'} (vs filling the scope)`,
      ours: growth[step],
      baseline: growth.fill,
      ratio: growth[step] / Math.max(growth.fill, 1),
      target: '<= 64 MiB',
      pass: growth[step] <= 64,
      unit: 'MiB',
      note: `dump ${growth.dumpMiB.toFixed(0)} MiB`,
    };
  }
}
