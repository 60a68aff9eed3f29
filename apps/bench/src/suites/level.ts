import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { ScopedLevel } from '@scoped-lmdb/level';
import { ClassicLevel } from 'classic-level';
import { dataSet, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings, type Sizes } from '../harness.js';

/**
 * The Level adapter (`@scoped-lmdb/level`): the same abstract-level calls on a ScopedLevel per
 * tenant and on an abstract-level sublevel per tenant of classic-level (LevelDB). Both sides pay
 * abstract-level's own work (encodings, hooks, deferred open); the difference is the store.
 */
export async function* level(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const tenants = sizes.tenants;
  const perTenant = 10;
  const data = dataSet(tenants * perTenant, tenants, 'tenant');
  const options = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;

  const levelPath = mkdtempSync(join(tmpdir(), 'scoped-lmdb-bench-level-'));
  const classic = new ClassicLevel<Buffer, Buffer>(levelPath, options);
  await classic.open();
  const subs = data.scopes.map((s) => classic.sublevel<Buffer, Buffer>(s.name as string, options));
  // classic-level does not fsync its writes by default; LMDB does at every commit. Compare like
  // with like: this env skips fsync too (both then survive a process crash, not an OS crash).
  /** A ScopedLevel per tenant on an env of its own, loaded with the data through its own batches. */
  const openScoped = async (envOptions: { useWritemap?: boolean } = {}) => {
    const env = tempEnv(64, { noSync: true, ...envOptions });
    const db = scopedDatabaseOptions(env.env).rawBytes().name('level').create();
    const levels = data.scopes.map((s) => new ScopedLevel<Buffer, Buffer>(db, s, options));
    await Promise.all(levels.map((l) => l.open()));
    for (let start = 0; start < data.keys.length; start += 10_000) {
      const byTenant = new Map<number, { type: 'put'; key: Buffer; value: Buffer }[]>();
      for (let i = start; i < Math.min(data.keys.length, start + 10_000); i++) {
        const ops = byTenant.get(i % tenants) ?? [];
        ops.push({ type: 'put', key: data.keys[i] as Buffer, value: data.value });
        byTenant.set(i % tenants, ops);
      }
      await Promise.all([...byTenant].map(([t, ops]) => levels[t]?.batch(ops)));
    }
    return { env, levels };
  };
  const mine = await openScoped();
  const scoped = mine.levels;
  // The same data, loaded through classic-level's own batch.
  for (let start = 0; start < data.keys.length; start += 10_000) {
    const batch = classic.batch();
    for (let i = start; i < Math.min(data.keys.length, start + 10_000); i++)
      batch.put(data.keys[i] as Buffer, data.value, { sublevel: subs[i % tenants] as never });
    await batch.write();
  }
  // One tenant with a thousand entries more, to iterate.
  const scanAt = 5;
  const scanKeys = Array.from({ length: 1_000 }, (_, i) => Buffer.from(`scan-${String(i).padStart(6, '0')}`));
  await subs[scanAt]?.batch(scanKeys.map((key) => ({ type: 'put' as const, key, value: data.value })));
  await scoped[scanAt]?.batch(scanKeys.map((key) => ({ type: 'put' as const, key, value: data.value })));

  const reads = sample(2_000, data.keys.length);
  yield await compare(settings, {
    name: 'level get (ScopedLevel vs abstract-level sublevels on classic-level)',
    ours: async () => {
      for (const i of reads) await scoped[i % tenants]?.get(data.keys[i] as Buffer);
    },
    baseline: async () => {
      for (const i of reads) await subs[i % tenants]?.get(data.keys[i] as Buffer);
    },
    opsPerCall: reads.length,
    target: 3,
  });
  yield await compare(settings, {
    name: 'level put (ScopedLevel vs abstract-level sublevels on classic-level)',
    ours: async () => {
      await Promise.all(reads.map((i) => scoped[i % tenants]?.put(data.keys[i] as Buffer, data.value)));
    },
    baseline: async () => {
      await Promise.all(reads.map((i) => subs[i % tenants]?.put(data.keys[i] as Buffer, data.value)));
    },
    opsPerCall: reads.length,
    target: 3,
  });
  // Random overwrites dirty a page each; with useWritemap LMDB changes the map in place instead
  // of copying and writing the pages at commit (core's queue then commits a failing
  // transaction(fn) on its own, as it has no child transactions there).
  const mapped = await openScoped({ useWritemap: true });
  yield await compare(settings, {
    name: 'level put on a useWritemap env (ScopedLevel vs abstract-level sublevels on classic-level)',
    ours: async () => {
      await Promise.all(reads.map((i) => mapped.levels[i % tenants]?.put(data.keys[i] as Buffer, data.value)));
    },
    baseline: async () => {
      await Promise.all(reads.map((i) => subs[i % tenants]?.put(data.keys[i] as Buffer, data.value)));
    },
    opsPerCall: reads.length,
    target: 3,
  });
  await Promise.all(mapped.levels.map((l) => l.close()));
  await mapped.env.dispose();
  const entries = perTenant + scanKeys.length;
  yield await compare(settings, {
    name: `level for await over one tenant, ${entries} entries (ScopedLevel vs sublevels on classic-level)`,
    ours: async () => {
      for await (const _ of (scoped[scanAt] as ScopedLevel<Buffer, Buffer>).iterator());
    },
    baseline: async () => {
      for await (const _ of (subs[scanAt] as (typeof subs)[number]).iterator());
    },
    opsPerCall: entries,
    target: 3,
  });
  yield await compare(settings, {
    name: `level iterator().all() of one tenant, ${entries} entries (ScopedLevel vs sublevels on classic-level)`,
    ours: () => (scoped[scanAt] as ScopedLevel<Buffer, Buffer>).iterator().all(),
    baseline: () => (subs[scanAt] as (typeof subs)[number]).iterator().all(),
    opsPerCall: entries,
    target: 3,
  });
  await Promise.all(scoped.map((l) => l.close()));
  await classic.close();
  rmSync(levelPath, { recursive: true, force: true });
  await mine.env.dispose();
}
