import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { dataSet, loadInBatches, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings } from '../harness.js';
import type { Sizes } from '../index.js';

/** Costs that must not grow with the number of scopes, and memory over many puts. */
export async function* scaling(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const { env, dispose } = tempEnv();
  const entries = sizes.manyScopes;
  const many = dataSet(entries, sizes.manyScopes, 'many');
  const few = dataSet(entries, 10, 'few');
  const manyDb = scopedDatabaseOptions(env).rawBytes().name('many').create();
  const fewDb = scopedDatabaseOptions(env).rawBytes().name('few').create();
  loadInBatches(env, entries, (i) => {
    manyDb.putSync(many.scopeOf(i), many.keys[i] as Buffer, many.value);
    fewDb.putSync(few.scopeOf(i), few.keys[i] as Buffer, few.value);
  });
  const reads = sample(10_000, entries);
  yield await compare(settings, {
    name: `get at ${sizes.manyScopes.toLocaleString('en')} scopes (vs at 10 scopes)`,
    ours: () => {
      for (const i of reads) manyDb.get(many.scopeOf(i), many.keys[i] as Buffer);
    },
    baseline: () => {
      for (const i of reads) fewDb.get(few.scopeOf(i), few.keys[i] as Buffer);
    },
    kind: 'time',
    target: 1.2,
  });

  const manyRegistry = GlobalScopeRegistry.open(env);
  env.transactionSync(() => {
    for (const scope of many.scopes) manyRegistry.registerScope(scope);
  });
  const small = tempEnv();
  const fewRegistry = GlobalScopeRegistry.open(small.env);
  for (const scope of few.scopes) fewRegistry.registerScope(scope);
  const manyNames = sample(1_000, many.scopes.length).map((i) => many.scopes[i]?.name as string);
  const fewNames = sample(1_000, few.scopes.length).map((i) => few.scopes[i]?.name as string);
  yield await compare(settings, {
    name: `lookupScopeHash at ${sizes.manyScopes.toLocaleString('en')} scopes (vs at 10)`,
    ours: () => {
      for (const name of manyNames) manyRegistry.lookupScopeHash(name);
    },
    baseline: () => {
      for (const name of fewNames) fewRegistry.lookupScopeHash(name);
    },
    kind: 'time',
    target: 2,
  });
  await small.dispose();

  // Memory: RSS before and after many puts into a fresh database (LMDB's map is file-backed;
  // what matters is that the process does not keep what it wrote).
  const fresh = scopedDatabaseOptions(env).rawBytes().name('rss').create();
  const rssData = dataSet(Math.min(sizes.rssPuts, 100_000), sizes.scopes, 'rss');
  globalThis.gc?.();
  const before = process.memoryUsage();
  for (let start = 0; start < sizes.rssPuts; start += 50_000) {
    env.transactionSync(() => {
      for (let i = start; i < Math.min(sizes.rssPuts, start + 50_000); i++) {
        const k = i % rssData.keys.length;
        fresh.putSync(
          rssData.scopeOf(i),
          Buffer.concat([rssData.keys[k] as Buffer, Buffer.of(i >> 16, (i >> 8) & 255, i & 255)]),
          rssData.value,
        );
      }
    });
  }
  globalThis.gc?.();
  const after = process.memoryUsage();
  const mib = (bytes: number) => bytes / 2 ** 20;
  const rssGrowth = mib(after.rss - before.rss);
  const heapGrowth = mib(after.heapUsed + after.external - before.heapUsed - before.external);
  yield {
    name: `RSS growth over ${sizes.rssPuts.toLocaleString('en')} puts`,
    ours: rssGrowth,
    baseline: 64,
    ratio: rssGrowth / 64,
    target: '<= 64 MiB',
    pass: rssGrowth <= 64,
    unit: 'MiB',
    note: `JS heap + external grew ${heapGrowth.toFixed(1)} MiB`,
  };
  await dispose();
}
