/**
 * API.md v2 "Per-scope stats and quotas" on Redis: the scenarios of packages/registry/test/
 * stats.test.ts (LMDB) with the same expectations, on a 3-master cluster and on a single
 * server, plus what is Redis's own: the option recorded in the meta record, the stats and
 * quota records in the scope's slot (read straight from Redis below), a recount of data
 * written before stats were turned on, and a restart of the server.
 */
import { codecs, Scope } from '@scoped-lmdb/core';
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { countKeys } from '../src/layout.js';
import { startSingle } from '../src/local-servers.js';
import { code, collect, flush } from './support/helpers.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

function databases(store: RedisScopedStore) {
  const db = (name: string, stats = true) => store.database(name, codecs.string(), codecs.string(), stats ? { stats: true } : undefined);
  return { orders: db('orders'), users: db('users'), plain: db('plain', false), db };
}

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client: () => Redis | Cluster) => {
  const setup = async () => {
    await flush(client());
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    return { store, ...databases(store) };
  };

  describe('stats', () => {
    it('are kept per scope and database on every write path; scopeStats sums the stats-keeping databases', async () => {
      const { store, orders, users, plain } = await setup();
      await orders.put('t', 'o1', 'abc'); // 2 + 3 bytes
      await orders.putSync('t', 'o2', 'de'); // 2 + 2
      await users.put('t', 'u', 'x'); // 1 + 1
      await plain.put('t', 'ignored', 'not counted');
      expect(await store.scopeStats('t')).toEqual({
        entries: 3,
        bytes: 11,
        databases: { orders: { entries: 2, bytes: 9 }, users: { entries: 1, bytes: 2 } },
      });
      // An overwrite changes the bytes by the difference, not the count.
      await orders.put('t', 'o1', 'abcdef');
      expect(await orders.getStats('t')).toEqual({ entries: 2, bytes: 12 });
      expect(await orders.remove('t', 'o2')).toBe(true);
      expect(await orders.removeSync('t', 'missing')).toBe(false);
      expect(await orders.getStats('t')).toEqual({ entries: 1, bytes: 8 });
      await store.transaction('t', () => {
        orders.put('t', 'a', '1');
        orders.remove('t', 'o1');
        users.clearAsync('t');
        users.put('t', 'v', 'yy');
      });
      expect(await store.scopeStats('t')).toEqual({
        entries: 2,
        bytes: 5,
        databases: { orders: { entries: 1, bytes: 2 }, users: { entries: 1, bytes: 3 } },
      });
      // A transaction that fails writes nothing, stats included.
      await expect(
        store.transaction('t', () => {
          orders.put('t', 'b', '1');
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(await orders.getStats('t')).toEqual({ entries: 1, bytes: 2 });
      expect(await orders.clearSync('t')).toBe(1);
      expect(await orders.getStats('t')).toEqual({ entries: 0, bytes: 0 });
      // The default scope too.
      await orders.put(null, 'k', 'vv');
      expect(await orders.getStats(null)).toEqual({ entries: 1, bytes: 3 });
      expect(await store.scopeStats(Scope.DEFAULT)).toMatchObject({ entries: 1, bytes: 3 });
      const zero = { entries: 0, bytes: 0 };
      expect(await store.scopeStats('nobody')).toEqual({ entries: 0, bytes: 0, databases: { orders: zero, users: zero } });
      // Through a view, and equal to a recount.
      const view = orders.scope('v');
      await view.put('k', 'value');
      expect(await orders.getStats('v')).toEqual({ entries: 1, bytes: 6 });
      expect(await orders.recountStats('v')).toEqual({ entries: 1, bytes: 6 });
    });

    it('stay exact through range clears (alone, and after other writes of a transaction) and empty keys', async () => {
      const { store, orders } = await setup();
      await orders.put('t', '', 'vv'); // an empty key: its value's bytes only
      for (const k of ['a', 'b', 'c']) await orders.put('t', k, 'x');
      expect(await orders.getStats('t')).toEqual({ entries: 4, bytes: 8 });
      expect(await orders.clearAsync('t', { start: 'a', end: 'c' })).toBe(2);
      expect(await orders.getStats('t')).toEqual({ entries: 2, bytes: 4 });
      const results: Promise<unknown>[] = [];
      await store.transaction('t', () => {
        results.push(orders.put('t', 'd', 'yyy'), orders.put('t', 'b', 'z'));
        results.push(orders.clearSync('t', { reverse: true, limit: 2 })); // d and c
        results.push(orders.put('t', 'e', 'e'));
      });
      expect(await Promise.all(results)).toEqual([true, true, 2, true]);
      expect(await collect(orders.getKeys('t'))).toEqual(['', 'b', 'e']);
      expect(await orders.getStats('t')).toEqual({ entries: 3, bytes: 6 });
      expect(await orders.recountStats('t')).toEqual({ entries: 3, bytes: 6 });
      // A quota counts what a range clear freed, at its place in the batch.
      await store.setQuota('t', { maxEntries: 3 });
      await store.transaction('t', () => {
        orders.clearAsync('t', { end: 'c' });
        orders.put('t', 'f', '1');
        orders.put('t', 'g', '1');
      });
      expect(await collect(orders.getKeys('t'))).toEqual(['e', 'f', 'g']);
      await expect(orders.put(null, '', 'v')).rejects.toEqual(code('INVALID_INPUT'));
    });

    it('live in the scope slot: one hash, its fields gone when the database holds nothing', async () => {
      const { store, orders, plain } = await setup();
      await orders.put('t', 'k', 'v');
      await plain.put('t', 'k', 'v');
      const id = (await store.idOf('t'))!;
      const key = countKeys(id).stats;
      expect(await client().hgetall(key)).toEqual({ 'e:orders': '1', 'b:orders': '2' });
      await orders.remove('t', 'k');
      expect(await client().exists(key)).toBe(0);
    });

    it('B70 getStats and recountStats of a database opened without stats are INVALID_INPUT; so is reopening it without stats (B73: bad options)', async () => {
      const { store, orders, plain } = await setup();
      await expect(plain.getStats('t')).rejects.toEqual(code('INVALID_INPUT'));
      await expect(plain.recountStats()).rejects.toEqual(code('INVALID_INPUT'));
      await orders.put('t', 'k', 'v');
      const without = store.database('orders', codecs.string(), codecs.string());
      await expect(without.put('t', 'k2', 'v')).rejects.toEqual(code('INVALID_INPUT'));
      await expect(without.get('t', 'k')).rejects.toThrow(/keeps per-scope stats/);
      expect(await orders.getCount('t')).toBe(1);
      // Other codecs are still CODEC_MISMATCH, with or without stats.
      const other = store.database('orders', codecs.string(), codecs.json(), { stats: true });
      await expect(other.get('t', 'k')).rejects.toEqual(code('CODEC_MISMATCH'));
      // Bad options are refused at once.
      for (const bad of [5, 'stats', { stats: 'yes' }, { stat: true }, [true]]) {
        expect(() => store.database('x', codecs.string(), codecs.string(), bad as never)).toThrow(code('INVALID_INPUT'));
      }
    });

    it('turned on for a database with data, count it first; recountStats repairs stats gone wrong', async () => {
      const { store } = await setup();
      const before = store.database('late', codecs.string(), codecs.string());
      await before.put('t', 'a', '12');
      await before.put(null, 'b', '1');
      await before.put('u', 'c', '');
      const late = store.database('late', codecs.string(), codecs.string(), { stats: true });
      expect(await late.getStats('t')).toEqual({ entries: 1, bytes: 3 });
      expect(await late.getStats(null)).toEqual({ entries: 1, bytes: 2 });
      expect(await late.getStats('u')).toEqual({ entries: 1, bytes: 1 });
      // Break the records by hand: a recount of one scope, then of all, puts them right.
      const t = countKeys((await store.idOf('t'))!).stats;
      await client().hset(t, 'e:late', '99', 'b:late', '99');
      await client().hset(countKeys(null).stats, 'e:late', '7');
      expect(await late.recountStats('t')).toEqual({ entries: 1, bytes: 3 });
      expect(await late.getStats('t')).toEqual({ entries: 1, bytes: 3 });
      await client().hset(t, 'e:late', '5');
      expect(await late.recountStats()).toEqual({ entries: 3, bytes: 6 });
      expect(await late.getStats(null)).toEqual({ entries: 1, bytes: 2 });
      expect(await late.getStats('t')).toEqual({ entries: 1, bytes: 3 });
    });
  });

  describe('stats through the lifecycle', () => {
    it('a drop zeroes at once; rename and swap move the stats; a copy sets the target', async () => {
      const { store, orders, users } = await setup();
      await orders.put('a', 'k', 'vv');
      await users.put('a', 'k', 'v');
      await orders.put('b', 'k1', 'v');
      await orders.put('b', 'k2', 'v');
      await store.renameScope('a', 'a2');
      expect(await orders.getStats('a2')).toEqual({ entries: 1, bytes: 3 });
      expect(await orders.getStats('a')).toEqual({ entries: 0, bytes: 0 });
      await store.swapScopes('a2', 'b');
      expect((await orders.getStats('a2')).entries).toBe(2);
      expect(await orders.getStats('b')).toEqual({ entries: 1, bytes: 3 });
      expect(await users.getStats('b')).toEqual({ entries: 1, bytes: 2 });
      expect(await store.copyScope('b', 'c')).toBe(2);
      expect(await store.scopeStats('c')).toEqual(await store.scopeStats('b'));
      await store.dropScope('b');
      const zero = { entries: 0, bytes: 0 };
      expect(await store.scopeStats('b')).toEqual({ entries: 0, bytes: 0, databases: { orders: zero, users: zero } });
      const dropped = (await store.idOf('c'))!;
      await store.reclaim();
      // A reused name starts empty, stats included.
      await orders.put('b', 'k', 'v');
      expect(await orders.getStats('b')).toEqual({ entries: 1, bytes: 2 });
      expect(await orders.recountStats('c')).toEqual(await orders.getStats('c'));
      expect(dropped).toBeDefined();
      // rename with replace: the target's stats go with its old data.
      await store.renameScope('c', 'b', { replace: true });
      expect(await store.scopeStats('b')).toMatchObject({ entries: 2, bytes: 5 });
      expect(await store.scopeStats('c')).toMatchObject({ entries: 0, bytes: 0 });
    });

    it('reclaim frees the stats and quota records of a dropped id', async () => {
      const { store, orders } = await setup();
      await orders.put('t', 'k', 'v');
      await store.setQuota('t', { maxEntries: 5 });
      const keys = countKeys((await store.idOf('t'))!);
      await store.dropScope('t');
      await store.reclaim();
      expect(await client().exists(keys.stats)).toBe(0);
      expect(await client().exists(keys.quota)).toBe(0);
      expect(await store.listQuotas()).toEqual([]);
    });
  });

  describe('quotas', () => {
    it('B72 refuse a write that would pass them, writing nothing', async () => {
      const { store, orders, users, plain } = await setup();
      await store.setQuota('t', { maxEntries: 3 });
      await orders.put('t', 'a', '1');
      await orders.putSync('t', 'b', '1');
      await users.put('t', 'c', '1'); // counts across databases
      await expect(orders.put('t', 'd', '1')).rejects.toEqual(code('QUOTA_EXCEEDED'));
      await expect(users.putSync('t', 'd', '1')).rejects.toThrow(/users.*"t".*4 entries \(quota 3\).*nothing was written/);
      expect((await store.scopeStats('t')).entries).toBe(3);
      expect(await orders.get('t', 'd')).toBeUndefined();
      // A database without stats is not counted, nor checked.
      await plain.put('t', 'free', '1');
      // Overwrites and removals are fine at the limit; a removal makes room.
      await orders.put('t', 'a', '2');
      expect(await orders.remove('t', 'a')).toBe(true);
      await orders.put('t', 'd', '1');
      // Other scopes are not affected.
      for (let i = 0; i < 5; i++) await orders.put('other', `k${i}`, 'v');
    });

    it('cap bytes, growing overwrites included', async () => {
      const { store, orders } = await setup();
      await store.setQuota('t', { maxBytes: 10 });
      await orders.put('t', 'k', 'abc'); // 4 bytes
      await expect(orders.put('t', 'k', 'a much longer value')).rejects.toEqual(code('QUOTA_EXCEEDED'));
      expect(await orders.get('t', 'k')).toBe('abc');
      await orders.put('t', 'k', 'abcdefghi'); // 10 bytes: at the limit
      expect((await store.scopeStats('t')).bytes).toBe(10);
    });

    it('B72 fail a whole transaction; un-awaited writes fail only the one over it', async () => {
      const { store, orders } = await setup();
      await store.setQuota('t', { maxEntries: 2 });
      await expect(
        store.transaction('t', () => {
          orders.put('t', 'a', '1');
          orders.put('t', 'b', '1');
          orders.put('t', 'c', '1');
        }),
      ).rejects.toEqual(code('QUOTA_EXCEEDED'));
      expect(await orders.getCount('t')).toBe(0);
      expect((await orders.getStats('t')).entries).toBe(0);
      const results = await Promise.allSettled([orders.put('t', 'a', '1'), orders.put('t', 'b', '1'), orders.put('t', 'c', '1')]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      expect(await collect(orders.getKeys('t'))).toEqual(['a', 'b']);
      // A clear then puts in one transaction: each put checked at its place.
      await store.transaction('t', () => {
        orders.clearAsync('t');
        orders.put('t', 'x', '1');
        orders.put('t', 'y', '1');
      });
      expect(await collect(orders.getKeys('t'))).toEqual(['x', 'y']);
    });

    it('apply to the writes after them, in call order and in the same transaction', async () => {
      const { store, orders } = await setup();
      await orders.put('t', 'a', '1');
      // Un-awaited: the quota lands between the two puts.
      const first = orders.put('t', 'b', '1');
      const quota = store.setQuota('t', { maxEntries: 2 });
      const third = orders.put('t', 'c', '1');
      await expect(Promise.all([first, quota])).resolves.toBeDefined();
      await expect(third).rejects.toEqual(code('QUOTA_EXCEEDED'));
      await store.setQuota('t', { maxEntries: 1 });
      await store.transaction('t', () => {
        store.setQuota('t', null);
        orders.put('t', 'c', '1');
      });
      expect(await orders.getCount('t')).toBe(3);
      await expect(
        store.transaction('t', () => {
          orders.put('t', 'd', '1');
          store.setQuota('t', { maxEntries: 4 });
          orders.put('t', 'e', '1');
        }),
      ).rejects.toEqual(code('QUOTA_EXCEEDED'));
      expect(await orders.getCount('t')).toBe(3);
      expect(await store.getQuota('t')).toBeUndefined();
    });

    it('move with rename and swap, are listed, removed with null, and survive a new store', async () => {
      let { store, orders } = await setup();
      await store.setQuota('a', { maxEntries: 1 });
      await orders.put('a', 'k', 'v');
      await store.renameScope('a', 'b');
      await expect(orders.put('b', 'k2', 'v')).rejects.toEqual(code('QUOTA_EXCEEDED'));
      await orders.put('a', 'fresh', 'v'); // the new 'a' has no quota
      await orders.put('a', 'fresh2', 'v');
      await store.swapScopes('a', 'b');
      expect(await store.getQuota('a')).toEqual({ maxEntries: 1 });
      expect(await store.getQuota('b')).toBeUndefined();
      store = await openRedisScopedStore(client(), { backgroundReclaim: false });
      ({ orders } = databases(store));
      expect((await store.listQuotas()).map(({ scope, quota }) => [String(scope), quota])).toEqual([['a', { maxEntries: 1 }]]);
      await expect(orders.put('a', 'more', 'v')).rejects.toEqual(code('QUOTA_EXCEEDED'));
      await store.setQuota('a', null);
      await orders.put('a', 'more', 'v');
      expect((await orders.getStats('a')).entries).toBe(2);
      expect(await store.listQuotas()).toEqual([]);
    });

    it('keep the totals beside the stats while there is one, summed again after a recount', async () => {
      const { store, orders, users } = await setup();
      await orders.put('t', 'a', '1');
      await store.setQuota('t', { maxEntries: 3 });
      const key = countKeys((await store.idOf('t'))!).stats;
      expect(await client().hmget(key, 't:e', 't:b')).toEqual(['1', '2']);
      await users.put('t', 'b', '22');
      expect(await client().hmget(key, 't:e', 't:b')).toEqual(['2', '5']);
      // A recount drops them; the next write sums them from the fields again, and the quota holds.
      expect(await users.recountStats('t')).toEqual({ entries: 1, bytes: 3 });
      expect(await client().hexists(key, 't:e')).toBe(0);
      await orders.put('t', 'c', '3');
      await expect(users.put('t', 'd', '4')).rejects.toEqual(code('QUOTA_EXCEEDED'));
      expect(await client().hmget(key, 't:e', 't:b')).toEqual(['3', '7']);
      await store.setQuota('t', null);
      expect(await client().hexists(key, 't:e')).toBe(0);
      expect(await store.scopeStats('t')).toMatchObject({ entries: 3, bytes: 7 });
    });

    it('register a scope that has no id yet (a removal does not); a drop takes the quota with the name', async () => {
      const { store, orders } = await setup();
      await store.setQuota('new', { maxBytes: 3 });
      expect(await store.scopeExists('new')).toBe(true);
      await expect(orders.put('new', 'kk', 'vv')).rejects.toEqual(code('QUOTA_EXCEEDED'));
      await store.dropScope('new');
      expect(await store.getQuota('new')).toBeUndefined();
      // Removing a quota registers nothing, also while the dropped home waits for reclaim.
      await store.setQuota('new', null);
      expect(await store.scopeExists('new')).toBe(false);
      await orders.put('new', 'kk', 'vv');
    });

    it('B71 refuse bad quotas and DEFAULT', async () => {
      const { store } = await setup();
      for (const bad of [{}, { maxEntries: -1 }, { maxBytes: 1.5 }, { maxEntries: '5' }, 5, 'x', undefined]) {
        await expect(store.setQuota('t', bad as never)).rejects.toEqual(code('INVALID_INPUT'));
      }
      await expect(store.setQuota(null, { maxEntries: 1 })).rejects.toEqual(code('INVALID_INPUT'));
      await expect(store.setQuota('', { maxEntries: 1 })).rejects.toEqual(code('EMPTY_SCOPE_NAME'));
      // A quota for another scope inside a transaction fails it, as any write to another scope does.
      await expect(store.transaction('t', () => store.setQuota('u', { maxEntries: 1 }))).rejects.toEqual(code('INVALID_INPUT'));
      expect(await store.getQuota('u')).toBeUndefined();
      expect(await store.getQuota(null)).toBeUndefined();
    });
  });
});

describe('a restarted server', () => {
  it('keeps stats and quotas: they are data in Redis', async () => {
    const server = await startSingle();
    let client = new Redis({ port: server.port, host: '127.0.0.1' });
    try {
      let store = await openRedisScopedStore(client, { backgroundReclaim: false });
      let { orders } = databases(store);
      await orders.put('t', 'k', 'v');
      await store.setQuota('t', { maxEntries: 1 });
      await client.save();
      client.disconnect();
      await server.restart();
      client = new Redis({ port: server.port, host: '127.0.0.1' });
      store = await openRedisScopedStore(client, { backgroundReclaim: false });
      ({ orders } = databases(store));
      expect(await orders.getStats('t')).toEqual({ entries: 1, bytes: 2 });
      expect(await store.getQuota('t')).toEqual({ maxEntries: 1 });
      await expect(orders.put('t', 'k2', 'v')).rejects.toEqual(code('QUOTA_EXCEEDED'));
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
