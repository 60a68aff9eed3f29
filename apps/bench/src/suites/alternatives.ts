import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { ClassicLevel } from 'classic-level';
import { dataSet, loadInBatches, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings, type Sizes } from '../harness.js';

/** Other ways to keep tenants apart: a table per tenant, and abstract-level sublevels. */
export async function* alternatives(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const tenants = sizes.tenants;
  const perTenant = 10;
  const data = dataSet(tenants * perTenant, tenants, 'tenant');

  // One lmdb-js named database per tenant (needs maxDbs >= tenants).
  const separate = tempEnv(tenants + 16);
  let started = performance.now();
  const tables = data.scopes.map((s) => separate.env.openDB(s.name as string, { keyEncoding: 'binary', encoding: 'binary' }));
  const openMs = performance.now() - started;
  const ours = tempEnv();
  const db = scopedDatabaseOptions(ours.env).rawBytes().name('tenants').create();
  loadInBatches(separate.env, data.keys.length, (i) => tables[i % tenants]?.putSync(data.keys[i] as Buffer, data.value));
  loadInBatches(ours.env, data.keys.length, (i) => db.putSync(data.scopeOf(i), data.keys[i] as Buffer, data.value));
  const reads = sample(10_000, data.keys.length);
  const perTable = await compare(settings, {
    name: `get, ${tenants.toLocaleString('en')} tenants: scopes (vs one lmdb-js table per tenant)`,
    ours: () => {
      for (const i of reads) db.get(data.scopeOf(i), data.keys[i] as Buffer);
    },
    baseline: () => {
      for (const i of reads) tables[i % tenants]?.getBinary(data.keys[i] as Buffer);
    },
    opsPerCall: reads.length,
    target: 0,
  });
  yield { ...perTable, target: 'report', pass: true, note: `opening ${tenants} tables took ${openMs.toFixed(0)} ms; ours needs 2` };
  started = performance.now();
  await separate.dispose();
  await ours.dispose();

  // abstract-level sublevels on classic-level (LevelDB), one per tenant.
  const levelPath = mkdtempSync(join(tmpdir(), 'scoped-lmdb-bench-level-'));
  const level = new ClassicLevel<Buffer, Buffer>(levelPath, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await level.open();
  const subs = data.scopes.map((s) => level.sublevel<Buffer, Buffer>(s.name as string, { keyEncoding: 'buffer', valueEncoding: 'buffer' }));
  // classic-level does not fsync its writes by default; LMDB does at every commit. Compare like
  // with like: this env skips fsync too (both then survive a process crash, not an OS crash).
  const mine = tempEnv(64, { noSync: true });
  const scoped = scopedDatabaseOptions(mine.env).rawBytes().name('tenants').create();
  for (let start = 0; start < data.keys.length; start += 10_000) {
    const batch = level.batch();
    for (let i = start; i < Math.min(data.keys.length, start + 10_000); i++) {
      batch.put(data.keys[i] as Buffer, data.value, { sublevel: subs[i % tenants] as never });
    }
    await batch.write();
  }
  loadInBatches(mine.env, data.keys.length, (i) => scoped.putSync(data.scopeOf(i), data.keys[i] as Buffer, data.value));
  const levelReads = reads.slice(0, 2_000);
  yield await compare(settings, {
    name: 'get (vs abstract-level sublevels on classic-level)',
    ours: () => {
      for (const i of levelReads) scoped.get(data.scopeOf(i), data.keys[i] as Buffer);
    },
    baseline: async () => {
      for (const i of levelReads) await subs[i % tenants]?.get(data.keys[i] as Buffer);
    },
    opsPerCall: levelReads.length,
    target: 3,
  });
  yield await compare(settings, {
    name: 'put (vs abstract-level sublevels on classic-level)',
    ours: async () => {
      let last: Promise<boolean> | undefined;
      for (const i of levelReads) last = scoped.put(data.scopeOf(i), data.keys[i] as Buffer, data.value);
      await last;
    },
    baseline: async () => {
      await Promise.all(levelReads.map((i) => subs[i % tenants]?.put(data.keys[i] as Buffer, data.value)));
    },
    opsPerCall: levelReads.length,
    target: 3,
  });
  const scanScope = data.scopes[5] as (typeof data.scopes)[number];
  const scanSub = subs[5] as (typeof subs)[number];
  yield await compare(settings, {
    name: `scan one tenant (vs abstract-level sublevels on classic-level)`,
    ours: () => {
      for (const _ of scoped.getRange(scanScope));
    },
    baseline: async () => {
      for await (const _ of scanSub.iterator());
    },
    opsPerCall: perTenant,
    target: 3,
  });
  await level.close();
  rmSync(levelPath, { recursive: true, force: true });
  await mine.dispose();
}
