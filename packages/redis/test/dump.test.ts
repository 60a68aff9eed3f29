/**
 * API.md v2 "Export / import" on Redis, and the migration it is for: a dump made on LMDB
 * loads on Redis and back, entry for entry. Refusals leave nothing behind (counted in keys,
 * after reclaim), as on LMDB (packages/registry/test/dump.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { DumpWriter } from '@scoped-lmdb/core/internal';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import type { Cluster, Redis } from 'ioredis';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { code, collect, keyCount } from './support/helpers.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function lmdbSide() {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-dump-'));
  dirs.push(dir);
  const env = open({ path: dir, maxDbs: 16 });
  const registry = GlobalScopeRegistry.open(env);
  const orders = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<unknown>()).name('orders').create();
  const blobs = scopedDatabaseOptions(env, { registry }).rawBytes().name('blobs').create();
  return { env, registry, orders, blobs };
}

function redisSide(store: RedisScopedStore) {
  return {
    orders: store.database('orders', codecs.string(), codecs.json<unknown>()),
    blobs: store.database('blobs', codecs.bytes(), codecs.bytes()),
  };
}

async function dumpOf(exporter: { exportScope: GlobalScopeRegistry['exportScope'] }, scope: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await exporter.exportScope(scope, (chunk) => void chunks.push(chunk));
  return Buffer.concat(chunks);
}

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client: () => Redis | Cluster) => {
  let round = 0;
  /** A scope name unique to this test run (the servers live for the whole file). */
  const fresh = (base: string) => `${base}-${client().isCluster ? 'c' : 's'}-${round++}`;

  it('moves a scope LMDB -> Redis -> LMDB entry for entry', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const a = lmdbSide();
    a.env.transactionSync(() => {
      for (let i = 0; i < 4000; i++) a.orders.putSync('tenant', `k${String(i).padStart(5, '0')}`, { i, tags: ['x', i % 7] });
      a.blobs.putSync('tenant', new Uint8Array(0), Uint8Array.of(7)); // a named scope's empty key
      a.blobs.putSync('tenant', Uint8Array.of(0), Uint8Array.of(1, 2, 3));
      a.blobs.putSync('tenant', Uint8Array.of(0xff, 0), new Uint8Array(70_000).fill(9));
    });
    const scope = fresh('moved');
    const first = await dumpOf(a.registry, 'tenant');
    const progress: [number, number][] = [];
    const loaded = await store.importScope(Readable.from([first]), scope, { onProgress: (done, total) => progress.push([done, total]) });
    expect(loaded).toEqual({ entries: 4003, databases: { orders: 4000, blobs: 3 } });
    expect(progress.at(-1)).toEqual([4003, 4003]);
    const r = redisSide(store);
    expect(await collect(r.orders.getRange(scope))).toEqual([...a.orders.getRange('tenant')]);
    expect((await collect(r.blobs.getRange(scope))).map(({ key, value }) => [Buffer.from(key), Buffer.from(value)])).toEqual(
      [...a.blobs.getRange('tenant')].map(({ key, value }) => [Buffer.from(key), Buffer.from(value)]),
    );

    const back = await dumpOf(store, scope);
    const b = lmdbSide();
    await b.registry.importScope(Readable.from([back]), 'tenant');
    expect([...b.orders.getRange('tenant')]).toEqual([...a.orders.getRange('tenant')]);
    expect([...b.blobs.getRange('tenant')].map(({ key, value }) => [key.length, value.length])).toEqual([
      [0, 1],
      [1, 3],
      [2, 70_000],
    ]);
    await Promise.all([a.env.close(), b.env.close()]);
  });

  it('keeps the stats of a stats-keeping database exact through an import, replace included', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const a = lmdbSide();
    a.env.transactionSync(() => {
      for (let i = 0; i < 300; i++) a.orders.putSync('tenant', `k${i}`, { i });
    });
    const events = store.database(fresh('events'), codecs.string(), codecs.json<unknown>(), { stats: true });
    const scope = fresh('counted');
    await events.put(scope, 'old', 'x'.repeat(50));
    const dump = await dumpOf(a.registry, 'tenant');
    // The dump holds 'orders' only; replace drops the scope's old id, and with it what events held.
    await store.importScope(Readable.from([dump]), scope, { replace: true });
    const orders = store.database('orders', codecs.string(), codecs.json<unknown>());
    expect(await orders.getCount(scope)).toBe(300);
    // events lost its entry with the replace: its stats say so, and equal a recount.
    expect(await events.getStats(scope)).toEqual({ entries: 0, bytes: 0 });
    const counted = store.database(fresh('counted-db'), codecs.string(), codecs.json<unknown>(), { stats: true });
    const source = fresh('source');
    for (let i = 0; i < 120; i++) await counted.put(source, `k${i}`, { i, pad: 'p'.repeat(i % 9) });
    const target = fresh('target');
    await store.importScope(Readable.from([await dumpOf(store, source)]), target, { databases: [counted.name] });
    expect(await counted.getStats(target)).toEqual(await counted.getStats(source));
    expect(await counted.getStats(target)).toEqual(await counted.recountStats(target));
    await a.env.close();
  });

  it('records a database the store never used with the dump codecs, and refuses other codecs', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const a = lmdbSide();
    a.orders.putSync('t', 'k', 1);
    const bytes = await dumpOf(a.registry, 't');
    const scope = fresh('first-use');
    await store.importScope(Readable.from([bytes]), scope);
    // The handle with the dump's codecs works; one with others is refused as usual.
    expect(await store.database('orders', codecs.string(), codecs.json()).get(scope, 'k')).toBe(1);
    await expect(store.database('orders', codecs.string(), codecs.string()).get(scope, 'k')).rejects.toEqual(code('CODEC_MISMATCH'));
    await a.env.close();
  });

  it('refuses a taken target unless replace, and readers see the old data until the switch', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const r = redisSide(store);
    const source = fresh('src');
    const target = fresh('dst');
    for (let i = 0; i < 6000; i++) void r.orders.put(source, `k${i}`, i);
    await r.orders.put(target, 'old', 'data');
    const bytes = await dumpOf(store, source);
    await expect(store.importScope(Readable.from([bytes]), target)).rejects.toEqual(code('SCOPE_EXISTS'));
    const registered = fresh('registered');
    await store.registerScope(registered);
    await expect(store.importScope(Readable.from([bytes]), registered)).rejects.toEqual(code('SCOPE_EXISTS'));
    const seen: unknown[] = [];
    await store.importScope(Readable.from([bytes]), target, {
      replace: true,
      onProgress: () => void seen.push(r.orders.get(target, 'old')),
    });
    expect(new Set(await Promise.all(seen))).toEqual(new Set(['data']));
    expect(await r.orders.get(target, 'old')).toBeUndefined();
    expect(await r.orders.getCount(target)).toBe(6000);
  });

  it('is atomic: a reader during the import sees none of it', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const r = redisSide(store);
    const source = fresh('big');
    await store.transaction(source, () => {
      for (let i = 0; i < 9000; i++) void r.orders.put(source, `k${i}`, i);
    });
    const bytes = await dumpOf(store, source);
    const target = fresh('atomic');
    const counts: Promise<number>[] = [];
    await store.importScope(Readable.from([bytes]), target, { onProgress: () => void counts.push(r.orders.getCount(target)) });
    expect(counts.length).toBeGreaterThan(2);
    expect(new Set(await Promise.all(counts))).toEqual(new Set([0]));
    expect(await r.orders.getCount(target)).toBe(9000);
  });

  it('refuses damaged dumps, the default scope and unknown databases, leaving no key behind', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const r = redisSide(store);
    const source = fresh('good');
    await store.transaction(source, () => {
      for (let i = 0; i < 5000; i++) void r.orders.put(source, `k${i}`, { i });
    });
    const bytes = await dumpOf(store, source);
    await store.reclaim();
    const before = await keyCount(client());
    const target = fresh('damaged');
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x04;
    for (const bad of [bytes.subarray(0, bytes.length - 1), bytes.subarray(0, 100), flipped]) {
      await expect(store.importScope(Readable.from([bad]), target)).rejects.toEqual(code('STORAGE'));
    }
    await expect(store.importScope(Readable.from([bytes]), null)).rejects.toEqual(code('INVALID_INPUT'));
    await expect(store.exportScope(undefined, () => {})).rejects.toEqual(code('INVALID_INPUT'));
    await expect(store.exportScope(source, () => {}, { databases: ['nope'] })).rejects.toEqual(code('INVALID_INPUT'));
    await expect(store.exportScope(fresh('never'), () => {})).rejects.toEqual(code('INVALID_INPUT'));
    await expect(store.importScope(Readable.from([bytes]), target, { databases: ['nope'] })).rejects.toEqual(code('INVALID_INPUT'));
    await store.reclaim();
    expect(await keyCount(client())).toBe(before);
    expect(await store.scopeExists(target)).toBe(false);
    await r.orders.put(target, 'after', 1);
    expect(await r.orders.get(target, 'after')).toBe(1);
  });

  it('refuses a dump naming a database no store can have (reserved name, empty codec name)', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    for (const [name, keyCodec] of [
      ['__evil', 'string'],
      ['x_scoped', 'string'],
      ['fine', ''],
    ] as const) {
      const chunks: Uint8Array[] = [];
      const writer = new DumpWriter((chunk) => void chunks.push(chunk), {
        scope: 's',
        backend: 'test',
        databases: [{ name, kind: null, keyCodec, valueCodec: 'string', entries: 1 }],
      });
      writer.start();
      writer.database(0);
      writer.entry(Buffer.from('k'), Buffer.from('v'));
      await writer.finish();
      const target = fresh('crafted');
      await expect(store.importScope(Readable.from([Buffer.concat(chunks)]), target)).rejects.toEqual(code('INVALID_INPUT'));
      expect(await store.scopeExists(target)).toBe(false);
    }
  });

  it('refuses a Redis dump for other codecs on LMDB', async () => {
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const scope = fresh('mismatch');
    await store.database('blobs', codecs.bytes(), codecs.bytes()).put(scope, Uint8Array.of(1), Uint8Array.of(2));
    const bytes = await dumpOf(store, scope);
    const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-dump-'));
    dirs.push(dir);
    const env = open({ path: dir, maxDbs: 16 });
    const registry = GlobalScopeRegistry.open(env);
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('blobs').create();
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json()).name('orders').create();
    await expect(registry.importScope(Readable.from([bytes]), scope, { databases: ['blobs'] })).rejects.toEqual(code('CODEC_MISMATCH'));
    await env.close();
  });
});
