import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { codecs, keyFormat, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { dataSet, loadInBatches, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings, type Sizes, timeRuns } from '../harness.js';

/** Ours against raw lmdb-js on the same bytes: get, writes, typed kind, scan, clear, emptiness. */
export async function* core(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const { env, dispose } = tempEnv();
  const data = dataSet(sizes.entries, sizes.scopes);
  const raw = env.openDB('raw', { keyEncoding: 'binary', encoding: 'binary' });
  const db = scopedDatabaseOptions(env).rawBytes().name('scoped').create();
  loadInBatches(env, sizes.entries, (i) => {
    raw.putSync(data.fullKeys[i] as Buffer, data.value);
    db.putSync(data.scopeOf(i), data.keys[i] as Buffer, data.value);
  });

  const reads = sample(10_000, sizes.entries);
  yield await compare(settings, {
    name: 'get, named scope, raw-bytes kind (vs getBinary)',
    ours: () => {
      for (const i of reads) db.get(data.scopeOf(i), data.keys[i] as Buffer);
    },
    baseline: () => {
      for (const i of reads) raw.getBinary(data.fullKeys[i] as Buffer);
    },
    opsPerCall: reads.length,
    target: 0.85,
  });

  const writes = Array.from({ length: sizes.writes }, (_, i) => i);
  yield await compare(settings, {
    name: `putSync ${sizes.writes.toLocaleString('en')} over ${sizes.scopes.toLocaleString('en')} scopes in one transactionSync`,
    ours: () =>
      env.transactionSync(() => {
        for (const i of writes) db.putSync(data.scopeOf(i), data.keys[i] as Buffer, data.value);
      }),
    baseline: () =>
      env.transactionSync(() => {
        for (const i of writes) raw.putSync(data.fullKeys[i] as Buffer, data.value);
      }),
    opsPerCall: writes.length,
    target: 0.9,
  });

  yield await compare(settings, {
    name: `async put ${sizes.writes.toLocaleString('en')}`,
    ours: async () => {
      let last: Promise<boolean> | undefined;
      for (const i of writes) last = db.put(data.scopeOf(i), data.keys[i] as Buffer, data.value);
      await last;
    },
    baseline: async () => {
      let last: Promise<boolean> | undefined;
      for (const i of writes) last = raw.put(data.fullKeys[i] as Buffer, data.value);
      await last;
    },
    opsPerCall: writes.length,
    target: 0.8,
  });

  // Typed: ordered-binary keys + msgpack values, against lmdb-js's default encodings.
  const typedCount = Math.min(sizes.entries, 100_000);
  const record = (i: number) => ({ id: i, name: `user ${i}`, email: `user${i}@example.com`, score: i * 1.5, active: i % 2 === 0 });
  const plain = env.openDB('plain', {});
  const typed = scopedDatabaseOptions(env).types(codecs.key(), msgpack()).name('typed').create();
  const typedKeys = Array.from({ length: typedCount }, (_, i) => `key-${i}`);
  loadInBatches(env, typedCount, (i) => {
    plain.putSync(typedKeys[i] as string, record(i));
    typed.putSync(data.scopeOf(i), typedKeys[i] as string, record(i));
  });
  const typedReads = sample(10_000, typedCount);
  yield await compare(settings, {
    name: 'typed kind get (key() + msgpack() vs lmdb-js defaults)',
    ours: () => {
      for (const i of typedReads) typed.get(data.scopeOf(i), typedKeys[i] as string);
    },
    baseline: () => {
      for (const i of typedReads) plain.get(typedKeys[i] as string);
    },
    opsPerCall: typedReads.length,
    target: 0.8,
  });
  const typedWrites = typedReads.slice(0, 10_000);
  yield await compare(settings, {
    name: 'typed kind putSync (key() + msgpack() vs lmdb-js defaults)',
    ours: () =>
      env.transactionSync(() => {
        for (const i of typedWrites) typed.putSync(data.scopeOf(i), typedKeys[i] as string, record(i));
      }),
    baseline: () =>
      env.transactionSync(() => {
        for (const i of typedWrites) plain.putSync(typedKeys[i] as string, record(i));
      }),
    opsPerCall: typedWrites.length,
    target: 0.8,
  });

  // One scope among all: ~entries/scopes entries (1 000 in the full run).
  const scanScope = data.scopes[7] as (typeof data.scopes)[number];
  const { start, end } = keyFormat.bounds(scanScope);
  const perScope = db.getCount(scanScope);
  yield await compare(settings, {
    name: `scan ${perScope.toLocaleString('en')} entries of one scope (vs raw getRange)`,
    ours: () => {
      for (const _ of db.getRange(scanScope));
    },
    baseline: () => {
      for (const _ of raw.getRange(end ? { start, end } : { start }));
    },
    opsPerCall: perScope,
    target: 0.8,
  });

  // Clear a 10 000-entry scope among all the others; refill before every run.
  const victim = data.scopes[3] as (typeof data.scopes)[number];
  const victimKeys = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`victim-${String(i).padStart(6, '0')}`));
  const victimFull = victimKeys.map((k) => Buffer.from(keyFormat.encode(victim, k)));
  const victimBounds = keyFormat.bounds(victim);
  const neighbour = data.scopes[4] as (typeof data.scopes)[number];
  const neighbourCount = db.getCount(neighbour);
  const oursClear: number[] = [];
  const rawClear: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    oursClear.push(
      await timeRuns(
        1,
        () =>
          env.transactionSync(() => {
            for (const k of victimKeys) db.putSync(victim, k, data.value);
          }),
        () => db.clearSync(victim),
      ),
    );
    rawClear.push(
      await timeRuns(
        1,
        () =>
          env.transactionSync(() => {
            for (const k of victimFull) raw.putSync(k, data.value);
          }),
        () =>
          env.transactionSync(() => {
            for (const key of raw.getKeys(victimBounds)) raw.removeSync(key);
          }),
      ),
    );
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  const clearRatio = med(oursClear) / med(rawClear);
  const intact = db.getCount(neighbour) === neighbourCount;
  yield {
    name: 'clearSync of a 10 000-entry scope (vs raw range removal)',
    ours: med(oursClear),
    baseline: med(rawClear),
    ratio: clearRatio,
    target: '<= 1.5',
    pass: clearRatio <= 1.5 && intact,
    unit: 'ms',
    note: intact ? 'neighbours intact' : 'NEIGHBOURS CHANGED',
  };

  const probes = sample(1_000, sizes.scopes).map((i) => data.scopes[i] as (typeof data.scopes)[number]);
  const probeKeys = sample(1_000, sizes.entries).map((i) => data.fullKeys[i] as Buffer);
  yield await compare(settings, {
    name: 'isScopeEmpty (vs one raw get)',
    ours: () => {
      for (const s of probes) db.isScopeEmpty(s);
    },
    baseline: () => {
      for (const k of probeKeys) raw.getBinary(k);
    },
    kind: 'time',
    target: 3,
  });

  await dispose();
}
