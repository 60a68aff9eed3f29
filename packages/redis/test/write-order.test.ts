/**
 * API.md "Write order": writes issued without awaiting apply as if run one after
 * another in call order, whatever mix of plain writes, transactions (sync or
 * async callbacks) and database handles that still check their codecs.
 */
import { codecs } from '@scoped-lmdb/core';
import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { WriteOrder } from '../src/write-order.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WriteOrder', () => {
  it('lets each place go once every earlier place of its lane has left, in order, and drops empty lanes', async () => {
    const order = new WriteOrder();
    const went: string[] = [];
    const a = order.enter('s');
    const b = order.enter('s');
    const c = order.enter('s');
    const other = order.enter('t');
    expect(a.turn).toBeUndefined();
    expect(other.turn).toBeUndefined();
    void b.turn!.then(() => went.push('b'));
    void c.turn!.then(() => went.push('c'));
    // Leaving before one's turn only marks the place: c must still wait for a.
    c.leave();
    other.leave();
    await new Promise((resolve) => setImmediate(resolve));
    expect(went).toEqual([]);
    expect(order.pendingScopes).toBe(1);
    a.leave();
    await b.turn;
    expect(went).toEqual(['b']);
    b.leave();
    await c.turn;
    expect(went).toEqual(['b', 'c']);
    expect(order.pendingScopes).toBe(0);
    expect(order.enter('s').turn).toBeUndefined();
  });
});

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client: () => Redis | Cluster) => {
  let n = 0;
  let store: RedisScopedStore;
  const open = async () => {
    store ??= await openRedisScopedStore(client());
    const name = `order${++n}`;
    const db = store.database(name, codecs.string(), codecs.string());
    // A handle's first write waits for its codec check: warm this one, keep `fresh` cold.
    await db.get('warm', 'up');
    return { db, fresh: () => store.database(name, codecs.string(), codecs.string()), scope: `scope-${n}` };
  };

  it('a write with nothing pending on its scope is sent at once (pipelined, no wait)', async () => {
    const { db, scope } = await open();
    const sent = vi.spyOn(client(), 'call');
    try {
      const puts = Array.from({ length: 5 }, (_, i) => db.put(scope, `k${i}`, 'v'));
      expect(sent).toHaveBeenCalledTimes(5);
      await Promise.all(puts);
    } finally {
      sent.mockRestore();
    }
  });

  it('a put issued right after a transaction applies after it', async () => {
    const { db, scope } = await open();
    const tx = store.transaction(scope, () => {
      void db.put(scope, 'k', 'a');
    });
    const put = db.put(scope, 'k', 'b');
    await Promise.all([tx, put]);
    expect(await db.get(scope, 'k')).toBe('b');
  });

  it('a transaction with an async callback keeps its place for its scope, and only for its scope', async () => {
    const { db, scope } = await open();
    await db.put(scope, 'k', 'before');
    const gate = deferred();
    const tx = store.transaction(scope, async () => {
      const seen = await db.get(scope, 'k');
      await gate.promise;
      void db.put(scope, 'k', `tx saw ${seen}`);
      return seen;
    });
    const later = db.put(scope, 'k', 'after');
    // Another scope does not wait for the open transaction.
    await db.put(`${scope}-other`, 'k', 'free');
    expect(await db.get(`${scope}-other`, 'k')).toBe('free');
    gate.resolve();
    expect(await tx).toBe('before');
    await later;
    expect(await db.get(scope, 'k')).toBe('after');
  });

  it('a write through a handle still checking its codecs keeps its place', async () => {
    const { db, fresh, scope } = await open();
    const first = fresh().put(scope, 'k', 'a');
    const second = db.put(scope, 'k', 'b');
    await Promise.all([first, second]);
    expect(await db.get(scope, 'k')).toBe('b');
    const removed = fresh().remove(scope, 'k');
    const put = db.put(scope, 'k', 'c');
    expect(await removed).toBe(true);
    await put;
    expect(await db.get(scope, 'k')).toBe('c');
  });

  it('removes and clears resolve what held at their place, in a new scope', async () => {
    const { db, fresh, scope } = await open();
    let removedInTx: Promise<boolean> | undefined;
    const results = [
      fresh().put(scope, 'k', 'a'),
      store.transaction(scope, () => {
        removedInTx = db.remove(scope, 'k');
      }),
      db.removeSync(scope, 'k'),
      db.putSync(scope, 'k', 'b'),
      db.put(scope, 'j', 'b'),
      fresh().clearSync(scope),
      db.remove(scope, 'j'),
      store.transaction(scope, async () => {
        await db.get(scope, 'k');
        void db.put(scope, 'k', 'c');
        return 'tx';
      }),
      db.clearAsync(scope),
      db.put(scope, 'k', 'd'),
    ];
    expect(await Promise.all(results)).toEqual([true, undefined, false, true, true, 2, false, 'tx', 1, true]);
    expect(await removedInTx).toBe(true);
    expect(await db.get(scope, 'k')).toBe('d');
    expect(await db.getCount(scope)).toBe(1);
    expect(await store.scopeExists(scope)).toBe(true);
  });

  it('reads inside a transaction see every write issued before it', async () => {
    const { db, fresh, scope } = await open();
    void fresh().put(scope, 'k', 'a');
    const seen = await store.transaction(scope, async () => [await db.get(scope, 'k'), await db.getCount(scope)]);
    expect(seen).toEqual(['a', 1]);
  });
});
