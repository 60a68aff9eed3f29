import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { GlobalScopeRegistry } from '../src/index.js';
import { tempDir, tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

function setup(env = tempEnv()) {
  const registry = GlobalScopeRegistry.open(env);
  const db = (name: string, stats = true) => {
    const options = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name(name);
    return stats ? options.withStats().create() : options.create();
  };
  return { env, registry, orders: db('orders'), users: db('users'), plain: db('plain', false), db };
}

describe('registry.scopeStats', () => {
  it('sums the stats-keeping databases of the env, and lists each', () => {
    const { registry, orders, users, plain } = setup();
    orders.putSync('t', 'o1', 'abc'); // 2 + 3 bytes
    orders.putSync('t', 'o2', 'de'); // 2 + 2
    users.putSync('t', 'u', 'x'); // 1 + 1
    plain.putSync('t', 'ignored', 'not counted');
    expect(registry.scopeStats('t')).toEqual({
      entries: 3,
      bytes: 11,
      databases: { orders: { entries: 2, bytes: 9 }, users: { entries: 1, bytes: 2 } },
    });
    const zero = { entries: 0, bytes: 0 };
    expect(registry.scopeStats('nobody')).toEqual({ entries: 0, bytes: 0, databases: { orders: zero, users: zero } });
  });
});

describe('stats through the lifecycle', () => {
  it('a drop zeroes at once; rename and swap move the stats; a copy sets the target', async () => {
    const { registry, orders, users } = setup();
    orders.putSync('a', 'k', 'vv');
    users.putSync('a', 'k', 'v');
    orders.putSync('b', 'k1', 'v');
    orders.putSync('b', 'k2', 'v');
    registry.renameScope('a', 'a2');
    expect(orders.getStats('a2')).toEqual({ entries: 1, bytes: 3 });
    expect(orders.getStats('a')).toEqual({ entries: 0, bytes: 0 });
    registry.swapScopes('a2', 'b');
    expect(orders.getStats('a2').entries).toBe(2);
    expect(orders.getStats('b')).toEqual({ entries: 1, bytes: 3 });
    expect(users.getStats('b')).toEqual({ entries: 1, bytes: 2 });
    expect(await registry.copyScope('b', 'c')).toBe(2);
    expect(registry.scopeStats('c')).toEqual(registry.scopeStats('b'));
    registry.dropScope('b');
    const zero = { entries: 0, bytes: 0 };
    expect(registry.scopeStats('b')).toEqual({ entries: 0, bytes: 0, databases: { orders: zero, users: zero } });
    await registry.reclaim();
    // A reused name starts empty, stats included.
    orders.putSync('b', 'k', 'v');
    expect(orders.getStats('b')).toEqual({ entries: 1, bytes: 2 });
    expect(orders.recountStats('c')).toEqual(orders.getStats('c'));
  });
});

describe('quotas', () => {
  it('a range-bounded clear makes exactly the room it freed, under a call-ordered put', async () => {
    const { registry, orders } = setup();
    registry.setQuota('t', { maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) orders.putSync('t', k, '1');
    expect(orders.clearSync('t', { start: 'c' })).toBe(1);
    // The clear runs first in the batch, so the put after it fits; the next one does not.
    const [cleared, put] = await Promise.all([orders.clearAsync('t', { end: 'b' }), orders.put('t', 'x', '1')]);
    expect([cleared, put]).toEqual([1, true]);
    orders.putSync('t', 'y', '1');
    expect(() => orders.putSync('t', 'z', '1')).toThrow(code('QUOTA_EXCEEDED'));
    expect(registry.scopeStats('t').entries).toBe(3);
    expect(orders.getKeys('t').asArray).toEqual(['b', 'x', 'y']);
  });

  it('refuse a write that would pass them, sync and async, writing nothing', async () => {
    const { registry, orders, users } = setup();
    registry.setQuota('t', { maxEntries: 3 });
    orders.putSync('t', 'a', '1');
    await orders.put('t', 'b', '1');
    users.putSync('t', 'c', '1'); // counts across databases
    expect(() => orders.putSync('t', 'd', '1')).toThrow(code('QUOTA_EXCEEDED'));
    await expect(users.put('t', 'd', '1')).rejects.toEqual(code('QUOTA_EXCEEDED'));
    expect(registry.scopeStats('t').entries).toBe(3);
    expect(orders.get('t', 'd')).toBeUndefined();
    // Overwrites and removals are fine at the limit; a removal makes room.
    orders.putSync('t', 'a', '2');
    expect(await orders.remove('t', 'a')).toBe(true);
    orders.putSync('t', 'd', '1');
    // Other scopes are not affected.
    for (let i = 0; i < 5; i++) orders.putSync('other', `k${i}`, 'v');
  });

  it('cap bytes, growing overwrites included', () => {
    const { registry, orders } = setup();
    registry.setQuota('t', { maxBytes: 10 });
    orders.putSync('t', 'k', 'abc'); // 4 bytes
    expect(() => orders.putSync('t', 'k', 'a much longer value')).toThrow(code('QUOTA_EXCEEDED'));
    expect(orders.get('t', 'k')).toBe('abc');
    orders.putSync('t', 'k', 'abcdefghi'); // 10 bytes: at the limit
    expect(registry.scopeStats('t').bytes).toBe(10);
  });

  it('roll a transactionSync back entirely; an async batch fails only the write over it', async () => {
    const { registry, orders } = setup();
    registry.setQuota('t', { maxEntries: 2 });
    expect(() =>
      orders.transactionSync(() => {
        orders.putSync('t', 'a', '1');
        orders.putSync('t', 'b', '1');
        orders.putSync('t', 'c', '1');
      }),
    ).toThrow(code('QUOTA_EXCEEDED'));
    expect(orders.getCount('t')).toBe(0);
    expect(orders.getStats('t').entries).toBe(0);
    const results = await Promise.allSettled([orders.put('t', 'a', '1'), orders.put('t', 'b', '1'), orders.put('t', 'c', '1')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect([...orders.getKeys('t')]).toEqual(['a', 'b']);
  });

  it('move with rename and swap, are listed, removed with null, and survive a restart', async () => {
    const path = tempDir();
    let env = open({ path, maxDbs: 16 });
    let { registry, orders } = setup(env);
    registry.setQuota('a', { maxEntries: 1 });
    orders.putSync('a', 'k', 'v');
    registry.renameScope('a', 'b');
    expect(() => orders.putSync('b', 'k2', 'v')).toThrow(code('QUOTA_EXCEEDED'));
    orders.putSync('a', 'fresh', 'v'); // the new 'a' has no quota
    orders.putSync('a', 'fresh2', 'v');
    registry.swapScopes('a', 'b');
    expect(registry.getQuota('a')).toEqual({ maxEntries: 1 });
    expect(registry.getQuota('b')).toBeUndefined();
    await env.close();
    env = open({ path, maxDbs: 16 });
    ({ registry, orders } = setup(env));
    expect(registry.listQuotas().map(({ scope, quota }) => [String(scope), quota])).toEqual([['a', { maxEntries: 1 }]]);
    expect(() => orders.putSync('a', 'more', 'v')).toThrow(code('QUOTA_EXCEEDED'));
    registry.setQuota('a', null);
    orders.putSync('a', 'more', 'v');
    expect(orders.getStats('a').entries).toBe(2);
    await env.close();
  });

  it('apply to the writes after them in the same transaction, set or removed there', () => {
    const { registry, orders, env } = setup();
    orders.putSync('t', 'a', '1'); // this transaction reads "no quota anywhere"
    expect(() =>
      env.transactionSync(() => {
        orders.putSync('t', 'b', '1');
        registry.setQuota('t', { maxEntries: 2 });
        orders.putSync('t', 'c', '1');
      }),
    ).toThrow(code('QUOTA_EXCEEDED'));
    expect(orders.getCount('t')).toBe(1);
    registry.setQuota('t', { maxEntries: 1 });
    env.transactionSync(() => {
      expect(() => orders.putSync('t', 'b', '1')).toThrow(code('QUOTA_EXCEEDED'));
      registry.setQuota('t', null);
      orders.putSync('t', 'b', '1');
    });
    expect(orders.getCount('t')).toBe(2);
  });

  it('refuse bad quotas and DEFAULT', () => {
    const { registry } = setup();
    for (const bad of [{}, { maxEntries: -1 }, { maxBytes: 1.5 }, { maxEntries: '5' }, { maxEntries: 2 ** 60 }, 5, 'x']) {
      expect(() => registry.setQuota('t', bad as never)).toThrow(code('INVALID_INPUT'));
    }
    // The message names the scope and what it got.
    expect(() => registry.setQuota('t', { maxEntries: -1 })).toThrow(/scope "t".*-1/);
    expect(() => registry.setQuota(null, { maxEntries: 1 })).toThrow(code('INVALID_INPUT'));
    expect(registry.scopeExists('t')).toBe(false);
  });

  it('clearing the quota of a scope with no id does not register it (as on Redis)', () => {
    const { registry } = setup();
    registry.setQuota('nothing-here', null);
    expect(registry.scopeExists('nothing-here')).toBe(false);
    registry.setQuota('limited', { maxEntries: 1 });
    expect(registry.scopeExists('limited')).toBe(true);
    registry.setQuota('limited', null);
    expect(registry.getQuota('limited')).toBeUndefined();
    expect(registry.scopeExists('limited')).toBe(true);
  });
});
