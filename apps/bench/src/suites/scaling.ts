import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { dataSet, loadInBatches, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings, type Sizes } from '../harness.js';

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

  // listScopes hops from one scope's first key to the next id: O(scopes × log n), where a
  // scan would read every key. 10 000 scopes of 20 entries each, against a full key scan.
  const listScopes = Math.min(10_000, sizes.manyScopes);
  const perScope = 20;
  const listData = dataSet(listScopes * perScope, listScopes, 'listed');
  const listed = scopedDatabaseOptions(env, { registry: manyRegistry }).rawBytes().name('listed').create();
  loadInBatches(env, listData.keys.length, (i) => listed.putSync(listData.scopeOf(i), listData.keys[i] as Buffer, listData.value));
  const scoped = env.openDB('listed_scoped', { keyEncoding: 'binary', encoding: 'binary' });
  let count = 0;
  const listing = await compare(settings, {
    name: `listScopes at ${listScopes.toLocaleString('en')} scopes × ${perScope} entries (vs a full key scan)`,
    ours: () => {
      count = listed.listScopes().length;
    },
    baseline: () => {
      for (const _ of scoped.getKeys({}));
    },
    kind: 'time',
    target: 0,
  });
  yield { ...listing, target: 'report', pass: count === listScopes, note: `${count.toLocaleString('en')} scopes listed` };

  // Memory over many puts, ours and raw lmdb-js, each in a fresh process and env. LMDB's
  // map is file-backed: its pages show in RSS as RssFile (page cache, reclaimable); what
  // the process itself holds is RssAnon, and that is the figure with the target.
  const child = (mode: string) => {
    const script = fileURLToPath(new URL('../rss-child.ts', import.meta.url));
    const run = spawnSync(
      process.execPath,
      ['--conditions=@scoped-lmdb/source', '--import', 'tsx', script, mode, String(sizes.rssPuts), String(sizes.scopes)],
      {
        encoding: 'utf8',
      },
    );
    if (run.status !== 0) throw new Error(`rss child failed: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as { anon: number; file: number };
  };
  const rawGrowth = child('raw');
  const oursGrowth = child('ours');
  yield {
    name: `RSS (anonymous) growth over ${sizes.rssPuts.toLocaleString('en')} puts, 10k per transaction (vs raw lmdb-js)`,
    ours: oursGrowth.anon,
    baseline: rawGrowth.anon,
    ratio: oursGrowth.anon / Math.max(rawGrowth.anon, 1),
    target: '<= 64 MiB',
    pass: oursGrowth.anon <= 64,
    unit: 'MiB',
    note: `file-backed map pages grew ${oursGrowth.file.toFixed(0)} MiB (raw: ${rawGrowth.file.toFixed(0)} MiB)`,
  };
  await dispose();
}
