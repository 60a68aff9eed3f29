/**
 * API.md v2 "Scope lifecycle" on Redis: the scenarios and expectations of
 * packages/registry/test/lifecycle.test.ts (LMDB), scenario by scenario, on a 3-master
 * cluster and on a single server. Where Redis differs, the test says how and why.
 */
import { codecs, Scope } from '@scoped-lmdb/core';
import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { openRedisScopedStore, type RedisScopedStoreOptions } from '../src/index.js';
import { code, collect, flush, keyCount } from './support/helpers.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client: () => Redis | Cluster) => {
  // Background reclaim off unless a test is about it: the counts below must not move on their own.
  const setup = async (options: RedisScopedStoreOptions = {}) => {
    await flush(client());
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false, ...options });
    const db = (name: string) => store.database(name, codecs.string(), codecs.json<unknown>());
    return { store, registry: store, orders: db('orders'), users: db('users'), db };
  };

  describe('dropScope', () => {
    it('empties the scope in every database at once, and a reused name starts empty', async () => {
      const { registry, orders, users } = await setup();
      await Promise.all(Array.from({ length: 50 }, (_, i) => orders.put('tenant', `o${i}`, i)));
      await users.put('tenant', 'u', 1);
      await orders.put('other', 'o', 1);
      const before = await registry.idOf('tenant');
      await registry.dropScope('tenant');
      expect(await orders.getCount('tenant')).toBe(0);
      expect(await users.get('tenant', 'u')).toBeUndefined();
      expect(await registry.scopeExists('tenant')).toBe(false);
      expect(await registry.idOf('tenant')).toBeUndefined();
      expect((await orders.listScopes()).map(String)).toEqual(['other']);
      expect(await orders.listUnnamedIds()).toEqual([]); // dropped data belongs to nobody, and is not "unnamed"
      expect(await registry.pendingReclaim()).toBe(51);
      // The name is free again; its new life gets another id and sees none of the old data.
      await orders.put('tenant', 'fresh', 1);
      expect(await registry.idOf('tenant')).not.toBe(before);
      expect(await collect(orders.getKeys('tenant'))).toEqual(['fresh']);
      expect(await orders.get('other', 'o')).toBe(1);
      expect(await registry.reclaim()).toBe(51);
      expect(await registry.pendingReclaim()).toBe(0);
      expect(await collect(orders.getKeys('tenant'))).toEqual(['fresh']);
      expect(await orders.get('other', 'o')).toBe(1);
    });

    it('refuses DEFAULT, and is a no-op for a scope that holds nothing', async () => {
      const { registry } = await setup();
      await expect(registry.dropScope(null)).rejects.toEqual(code('INVALID_INPUT'));
      await expect(registry.dropScope(Scope.DEFAULT)).rejects.toEqual(code('INVALID_INPUT'));
      await registry.dropScope('never-written');
      expect(await registry.pendingReclaim()).toBe(0);
    });

    it('orders with un-awaited writes: put, drop, put leaves only the last put', async () => {
      const { registry, orders } = await setup();
      const first = orders.put('t', 'a', 1);
      const drop = registry.dropScope('t'); // at its place in call order: after the first put, before the second
      const second = orders.put('t', 'b', 2);
      expect(await Promise.all([first, second])).toEqual([true, true]);
      await drop;
      expect(await collect(orders.getKeys('t'))).toEqual(['b']);
    });

    // LMDB: a drop inside a write transaction rolls back with it. A Redis transaction is one
    // scope's batch of writes, so a lifecycle call inside one is refused and nothing changes.
    it('is refused inside a transaction callback, which then writes nothing', async () => {
      const { store, registry, orders } = await setup();
      await orders.put('t', 'k', 1);
      await expect(
        store.transaction('t', async () => {
          void orders.put('t', 'k2', 2);
          await registry.dropScope('t');
        }),
      ).rejects.toEqual(code('INVALID_INPUT'));
      expect(await orders.get('t', 'k')).toBe(1);
      expect(await orders.get('t', 'k2')).toBeUndefined();
      expect(await registry.pendingReclaim()).toBe(0);
    });

    it('drops data written before the registry knew it (unnamed, under the first-life id)', async () => {
      const { registry, orders } = await setup();
      // Data without a name record: what v1 data whose record was removed looks like.
      await orders.put('early', 'k', 1);
      expect(await registry.unregisterScope('early')).toBe(true);
      expect(await orders.get('early', 'k')).toBe(1); // readable before registration: its first-life id is free
      await registry.dropScope('early');
      expect(await orders.get('early', 'k')).toBeUndefined();
      expect(await registry.reclaim()).toBe(1);
    });
  });

  describe('renameScope', () => {
    it('moves the data to the new name in O(1), in every database', async () => {
      const { registry, orders, users } = await setup();
      await orders.put('a', 'k', 1);
      await users.put('a', 'u', 2);
      const id = await registry.idOf('a');
      await registry.renameScope('a', 'b');
      expect(await registry.idOf('b')).toBe(id);
      expect(await registry.scopeExists('a')).toBe(false);
      expect(await orders.get('b', 'k')).toBe(1);
      expect(await users.get('b', 'u')).toBe(2);
      expect(await orders.get('a', 'k')).toBeUndefined();
      expect(await registry.pendingReclaim()).toBe(0);
      // The old name is free: a write there starts a new, empty scope.
      await orders.put('a', 'new', 3);
      expect(await collect(orders.getKeys('a'))).toEqual(['new']);
      expect(await collect(orders.getKeys('b'))).toEqual(['k']);
    });

    it('refuses a taken target with SCOPE_EXISTS, and replaces it when asked', async () => {
      const { registry, orders } = await setup();
      await orders.put('a', 'k', 'from a');
      await orders.put('b', 'k', 'from b');
      await registry.registerScope('registered-only');
      await expect(registry.renameScope('a', 'b')).rejects.toEqual(code('SCOPE_EXISTS'));
      await expect(registry.renameScope('a', 'registered-only')).rejects.toEqual(code('SCOPE_EXISTS'));
      expect(await orders.get('a', 'k')).toBe('from a');
      expect(await orders.get('b', 'k')).toBe('from b');
      await registry.renameScope('a', 'b', { replace: true });
      expect(await orders.get('b', 'k')).toBe('from a');
      expect(await registry.scopeExists('a')).toBe(false);
      expect(await registry.reclaim()).toBe(1); // b's old data
    });

    it('refuses DEFAULT on either side and a scope that does not exist', async () => {
      const { registry, orders } = await setup();
      await orders.put('a', 'k', 1);
      await expect(registry.renameScope(null, 'x')).rejects.toEqual(code('INVALID_INPUT'));
      await expect(registry.renameScope('a', null)).rejects.toEqual(code('INVALID_INPUT'));
      await expect(registry.renameScope('missing', 'x')).rejects.toEqual(code('INVALID_INPUT'));
      await expect(registry.renameScope('', 'x')).rejects.toEqual(code('EMPTY_SCOPE_NAME'));
      await registry.renameScope('a', 'a');
      expect(await orders.get('a', 'k')).toBe(1);
    });
  });

  describe('swapScopes', () => {
    it('swaps two scopes atomically, in every database', async () => {
      const { registry, orders, users } = await setup();
      await orders.put('blue', 'v', 'blue');
      await orders.put('green', 'v', 'green');
      await users.put('green', 'u', 1);
      const [blue, green] = [await registry.idOf('blue'), await registry.idOf('green')];
      await registry.swapScopes('blue', 'green');
      expect([await registry.idOf('blue'), await registry.idOf('green')]).toEqual([green, blue]);
      expect(await orders.get('blue', 'v')).toBe('green');
      expect(await orders.get('green', 'v')).toBe('blue');
      expect(await users.get('blue', 'u')).toBe(1);
      expect(await users.isScopeEmpty('green')).toBe(true);
      await registry.swapScopes('green', 'blue');
      expect(await orders.get('blue', 'v')).toBe('blue');
    });

    it('swaps with a scope that holds nothing yet', async () => {
      const { registry, orders } = await setup();
      await orders.put('full', 'k', 1);
      await registry.swapScopes('full', 'empty');
      expect(await orders.isScopeEmpty('full')).toBe(true);
      expect(await orders.get('empty', 'k')).toBe(1);
      await expect(registry.swapScopes('full', null)).rejects.toEqual(code('INVALID_INPUT'));
    });
  });

  describe('copyScope', () => {
    it('copies every database of a scope, reports progress, and shows the target all at once', async () => {
      const { registry, orders, users } = await setup();
      await Promise.all(Array.from({ length: 5_000 }, (_, i) => orders.put('src', `o${String(i).padStart(5, '0')}`, i)));
      await users.put('src', 'u', 'user');
      const progress: [number, number][] = [];
      const seenDuringCopy: Promise<number>[] = [];
      const copied = await registry.copyScope('src', 'dst', {
        onProgress: (done, total) => {
          progress.push([done, total]);
          seenDuringCopy.push(orders.getCount('dst'));
        },
      });
      expect(copied).toBe(5_001);
      expect(Math.max(...(await Promise.all(seenDuringCopy)))).toBe(0); // readers never see a half-filled target
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toEqual([5_001, 5_001]);
      expect(await orders.getCount('dst')).toBe(5_000);
      expect(await users.get('dst', 'u')).toBe('user');
      expect(await orders.get('dst', 'o04999')).toBe(4999);
      expect(await orders.getCount('src')).toBe(5_000); // the source is untouched
      expect(await registry.idOf('dst')).not.toBe(await registry.idOf('src'));
      // The copy is independent of its source.
      await orders.put('src', 'o00000', 'changed');
      expect(await orders.get('dst', 'o00000')).toBe(0);
    });

    it('refuses a taken target unless replace, and leaves the target as it was', async () => {
      const { registry, orders } = await setup();
      await orders.put('src', 'k', 'src');
      await orders.put('dst', 'k', 'dst');
      await expect(registry.copyScope('src', 'dst')).rejects.toEqual(code('SCOPE_EXISTS'));
      expect(await orders.get('dst', 'k')).toBe('dst');
      expect(await registry.copyScope('src', 'dst', { replace: true })).toBe(1);
      expect(await orders.get('dst', 'k')).toBe('src');
      await expect(registry.copyScope(null, 'x')).rejects.toEqual(code('INVALID_INPUT'));
      await expect(registry.copyScope('src', 'src')).rejects.toEqual(code('INVALID_INPUT'));
      await expect(registry.copyScope('missing', 'x')).rejects.toEqual(code('INVALID_INPUT'));
    });
  });

  describe('reclaim', () => {
    // LMDB checks that freed pages are reused (the file stops growing); on Redis the
    // counterpart is that no key of a dropped id outlives its reclaim.
    it('resumes after a restart, and drop/refill cycles leave no keys behind', async () => {
      const { store, orders } = await setup();
      const fill = (db: typeof orders) =>
        store.transaction('cycle', () => {
          for (let i = 0; i < 5_000; i++) void db.put('cycle', `k${i}`, 'x'.repeat(200));
        });
      await fill(orders);
      await store.dropScope('cycle');
      // Another store on the same servers (a restarted process) finds the work left.
      const restarted = await openRedisScopedStore(client(), { backgroundReclaim: false });
      const again = restarted.database('orders', codecs.string(), codecs.json<unknown>());
      expect(await restarted.pendingReclaim()).toBe(5_000);
      expect(await restarted.reclaim()).toBe(5_000);
      expect(await restarted.pendingReclaim()).toBe(0);
      const counts: number[] = [];
      for (let round = 0; round < 6; round++) {
        await store.transaction('cycle', () => {
          for (let i = 0; i < 5_000; i++) void again.put('cycle', `k${i}`, 'x'.repeat(200));
        });
        await restarted.dropScope('cycle');
        await restarted.reclaim();
        counts.push(await keyCount(client()));
      }
      expect(new Set(counts).size).toBe(1);
    });

    it('runs in the background after a drop', async () => {
      const { registry, orders } = await setup({ backgroundReclaim: true });
      await Promise.all(Array.from({ length: 3_500 }, (_, i) => orders.put('bg', `k${i}`, i)));
      await registry.dropScope('bg');
      await vi.waitFor(async () => expect(await registry.pendingReclaim()).toBe(0), { timeout: 5_000, interval: 20 });
    });

    // LMDB frees an id's entries in small transactions, so one big scope can stop half-way.
    // Redis UNLINKs an id's keys in one step; a budget stops between ids.
    it('honours a time budget (between ids), reclaiming at least one', async () => {
      const { registry, orders } = await setup();
      for (let s = 0; s < 20; s++) {
        await Promise.all(Array.from({ length: 1_000 }, (_, i) => orders.put(`big-${s}`, `k${i}`, i)));
        await registry.dropScope(`big-${s}`);
      }
      const freed = await registry.reclaim({ budgetMs: 1 });
      expect(freed).toBeGreaterThan(0);
      expect(freed).toBeLessThan(20_000);
      expect(await registry.reclaim()).toBe(20_000 - freed);
    });
  });

  describe('the records', () => {
    it('keeps v1 records readable: a first-life name record alone maps its name', async () => {
      const { registry, orders } = await setup();
      const v1 = Scope.named('v1-scope');
      const tag = `{${v1.hash!.toString(16).padStart(16, '0')}}`;
      // What v1 wrote: the name record (no gen), the data, the database set; no home entry.
      const field = Buffer.from(codecs.string().encode('k'));
      await orders.get('warm', 'up'); // records the database's codecs
      await client().set(`scoped:${tag}:name`, 'v1-scope');
      await client().hset(`scoped:${tag}:d:orders:h`, field, Buffer.from(JSON.stringify('v1 data')));
      await client().zadd(`scoped:${tag}:d:orders:z`, 0, field);
      await client().sadd(`scoped:${tag}:dbs`, 'orders');
      expect(await registry.idOf('v1-scope')).toBe(v1.hash);
      expect(await orders.get('v1-scope', 'k')).toBe('v1 data');
      expect((await orders.listScopes()).map(String)).toEqual(['v1-scope']);
      await orders.put('v1-scope', 'k2', 'written by v2');
      expect(await client().exists(`scoped:${tag}:gen`)).toBe(0); // a write leaves a v1 record as it is
      await registry.renameScope('v1-scope', 'renamed');
      expect(await orders.get('renamed', 'k')).toBe('v1 data');
      expect(await orders.get('renamed', 'k2')).toBe('written by v2');
    });
  });
});
