import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { dataSet, loadInBatches, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings, type Sizes } from '../harness.js';

/**
 * Per-scope stats and quotas (issue 15): what `.withStats()` costs writes and reads against the
 * same database without it, that `getStats` is one record read whatever the scope's size, and
 * what a quota adds on top of stats. Every database here has a registry, as quotas need one.
 */
export async function* stats(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const { env, dispose } = tempEnv();
  const registry = GlobalScopeRegistry.open(env);
  const options = (name: string) => scopedDatabaseOptions(env, { registry }).rawBytes().name(name);
  const plain = options('plain').create();
  const counted = options('counted').withStats().create();
  // The scopes with a quota live in a database of their own, so both tables hold as many entries.
  const quoted = options('quoted').withStats().create();
  const data = dataSet(sizes.entries, sizes.scopes);
  const capped = dataSet(sizes.entries, sizes.scopes, 'capped');
  for (const scope of capped.scopes) registry.setQuota(scope, { maxEntries: 1e12, maxBytes: 1e15 });
  loadInBatches(env, sizes.entries, (i) => {
    plain.putSync(data.scopeOf(i), data.keys[i] as Buffer, data.value);
    counted.putSync(data.scopeOf(i), data.keys[i] as Buffer, data.value);
    quoted.putSync(capped.scopeOf(i), capped.keys[i] as Buffer, data.value);
  });

  const writes = Array.from({ length: sizes.writes }, (_, i) => i);
  const putAll =
    (db: typeof plain, set = data) =>
    () =>
      env.transactionSync(() => {
        for (const i of writes) db.putSync(set.scopeOf(i), set.keys[i] as Buffer, set.value);
      });
  yield await compare(settings, {
    name: `putSync ${sizes.writes.toLocaleString('en')} in one transactionSync, with stats (vs without)`,
    ours: putAll(counted),
    baseline: putAll(plain),
    opsPerCall: writes.length,
    target: 0.7,
  });

  const putAsync = (db: typeof plain) => async () => {
    let last: Promise<boolean> | undefined;
    for (const i of writes) last = db.put(data.scopeOf(i), data.keys[i] as Buffer, data.value);
    await last;
  };
  yield await compare(settings, {
    name: `async put ${sizes.writes.toLocaleString('en')}, with stats (vs without)`,
    ours: putAsync(counted),
    baseline: putAsync(plain),
    opsPerCall: writes.length,
    target: 0.7,
  });

  const reads = sample(10_000, sizes.entries);
  const getAll = (db: typeof plain) => () => {
    for (const i of reads) db.get(data.scopeOf(i), data.keys[i] as Buffer);
  };
  yield await compare(settings, {
    name: 'get, with stats (vs without)',
    ours: getAll(counted),
    baseline: getAll(plain),
    opsPerCall: reads.length,
    target: 0.95,
  });

  yield await compare(settings, {
    name: `putSync ${sizes.writes.toLocaleString('en')} to scopes with a quota (vs stats alone)`,
    ours: putAll(quoted, capped),
    baseline: putAll(counted),
    opsPerCall: writes.length,
    target: 0.9,
  });

  // getStats reads one record: the same at 10 entries as at the whole data set in one scope.
  const big = options('big').withStats().create();
  loadInBatches(env, sizes.entries, (i) => big.putSync('huge', data.keys[i] as Buffer, data.value));
  for (let i = 0; i < 10; i++) big.putSync('ten', data.keys[i] as Buffer, data.value);
  const statsCalls = 10_000;
  const statsOf = (scope: string) => () => {
    for (let i = 0; i < statsCalls; i++) big.getStats(scope);
  };
  yield await compare(settings, {
    name: `getStats of a ${sizes.entries.toLocaleString('en')}-entry scope (vs a 10-entry scope)`,
    ours: statsOf('huge'),
    baseline: statsOf('ten'),
    opsPerCall: statsCalls,
    target: 0.5,
  });
  const raw = env.openDB('raw', { keyEncoding: 'binary', encoding: 'binary' });
  loadInBatches(env, 10_000, (i) => raw.putSync(data.fullKeys[i] as Buffer, data.value));
  yield await compare(settings, {
    name: 'getStats (vs one raw getBinary)',
    ours: statsOf('huge'),
    baseline: () => {
      for (let i = 0; i < statsCalls; i++) raw.getBinary(data.fullKeys[i] as Buffer);
    },
    opsPerCall: statsCalls,
    target: 1 / 3,
  });
  await dispose();
}
