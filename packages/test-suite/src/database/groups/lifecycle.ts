/**
 * The scope lifecycle (`supports.lifecycle`, API.md v2 "Scope lifecycle"): drop, rename, swap and
 * copy on the backend, across two databases; with `supports.stats` too, the stats follow the
 * scope through each of them, and quotas ("Per-scope stats and quotas") are enforced, move with
 * the scope and are listed. Scopes are global to a backend, so every test uses scope names no
 * other test uses.
 */
import { codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import type { SuiteBackend, SuiteLifecycle, SuiteQuotas } from '../backend.js';
import { collect, rejectsWith, type SuiteContext } from '../context.js';

const stats = (entries: number, bytes: number) => ({ entries, bytes });

/** The backend's lifecycle (and quota) methods; a backend that declares them and lacks one fails here. */
function registryOf(backend: SuiteBackend, quotas: boolean): SuiteLifecycle & Partial<SuiteQuotas> {
  const needed = [
    'dropScope',
    'renameScope',
    'swapScopes',
    'copyScope',
    ...(quotas ? ['scopeStats', 'setQuota', 'getQuota', 'listQuotas'] : []),
  ];
  const missing = needed.filter((method) => typeof (backend as unknown as Record<string, unknown>)[method] !== 'function');
  if (missing.length > 0) throw new Error(`the backend declares supports.lifecycle but has no ${missing.join(', ')}`);
  return backend as SuiteLifecycle & Partial<SuiteQuotas>;
}

export function lifecycleGroup(ctx: SuiteContext): void {
  const counted = ctx.supports.stats === true;
  const setup = () => {
    const prefix = ctx.freshName();
    const names = { a: `${prefix}-a`, b: `${prefix}-b`, c: `${prefix}-c` };
    const db = () => ctx.backend.database(ctx.freshName(), codecs.string(), codecs.string(), counted ? { stats: true } : undefined);
    return { ...names, registry: registryOf(ctx.backend, counted), orders: db(), users: db() };
  };
  const keys = async (db: ReturnType<typeof setup>['orders'], scope: string) => collect(db.getKeys(scope));

  describe('lifecycle', () => {
    it('dropScope empties the scope in every database at once; a reused name starts empty', async () => {
      const { a, b, registry, orders, users } = setup();
      await orders.put(a, 'o1', 'x');
      await users.put(a, 'u1', 'x');
      await orders.put(b, 'o1', 'kept');
      await registry.dropScope(a);
      expect(await keys(orders, a)).toEqual([]);
      expect(await users.isScopeEmpty(a)).toBe(true);
      expect(await orders.get(b, 'o1')).toBe('kept');
      await orders.put(a, 'o2', 'y');
      expect(await keys(orders, a)).toEqual(['o2']);
      expect(await keys(users, a)).toEqual([]);
    });

    it('renameScope moves the data; a taken target is SCOPE_EXISTS unless replace', async () => {
      const { a, b, c, registry, orders, users } = setup();
      await orders.put(a, 'o1', 'from a');
      await users.put(a, 'u1', 'from a');
      await registry.renameScope(a, b);
      expect(await orders.get(b, 'o1')).toBe('from a');
      expect(await users.get(b, 'u1')).toBe('from a');
      expect(await orders.isScopeEmpty(a)).toBe(true);
      await orders.put(c, 'o9', 'from c');
      await rejectsWith(() => registry.renameScope(b, c), 'SCOPE_EXISTS');
      expect(await keys(orders, c)).toEqual(['o9']);
      await registry.renameScope(b, c, { replace: true });
      expect(await keys(orders, c)).toEqual(['o1']);
      expect(await keys(users, c)).toEqual(['u1']);
      await rejectsWith(() => registry.renameScope(`${a}-missing`, `${a}-elsewhere`), 'INVALID_INPUT');
      await rejectsWith(() => registry.renameScope(null, a), 'INVALID_INPUT');
      await rejectsWith(() => registry.dropScope(null), 'INVALID_INPUT');
    });

    it('swapScopes swaps the data of two scopes in every database', async () => {
      const { a, b, registry, orders, users } = setup();
      await orders.put(a, 'k', 'a');
      await users.put(b, 'k', 'b');
      await registry.swapScopes(a, b);
      expect(await orders.get(b, 'k')).toBe('a');
      expect(await orders.get(a, 'k')).toBeUndefined();
      expect(await users.get(a, 'k')).toBe('b');
      await rejectsWith(() => registry.swapScopes(a, null), 'INVALID_INPUT');
    });

    it('copyScope copies every database and resolves with the count; the source stays', async () => {
      const { a, b, c, registry, orders, users } = setup();
      await Promise.all([orders.put(a, 'o1', '1'), orders.put(a, 'o2', '2'), users.put(a, 'u', '3')]);
      expect(await registry.copyScope(a, b)).toBe(3);
      expect(await keys(orders, b)).toEqual(['o1', 'o2']);
      expect(await users.get(b, 'u')).toBe('3');
      expect(await keys(orders, a)).toEqual(['o1', 'o2']);
      await orders.put(c, 'x', 'x');
      await rejectsWith(() => registry.copyScope(a, c), 'SCOPE_EXISTS');
      expect(await registry.copyScope(a, c, { replace: true })).toBe(3);
      expect(await keys(orders, c)).toEqual(['o1', 'o2']);
      await rejectsWith(() => registry.copyScope(a, a), 'INVALID_INPUT');
    });

    if (!counted) return;

    it('stats follow: a drop zeroes them, rename and swap move them, a copy sets the target', async () => {
      const { a, b, c, registry, orders, users } = setup();
      await orders.put(a, 'k', 'vv'); // 3 bytes
      await users.put(a, 'k', 'v'); // 2
      await orders.put(b, 'k1', 'v');
      await orders.put(b, 'k2', 'v');
      await registry.renameScope(a, c);
      expect(await orders.getStats(c)).toEqual(stats(1, 3));
      expect(await orders.getStats(a)).toEqual(stats(0, 0));
      await registry.swapScopes(c, b);
      expect(await orders.getStats(c)).toEqual(stats(2, 6));
      expect(await orders.getStats(b)).toEqual(stats(1, 3));
      expect(await users.getStats(b)).toEqual(stats(1, 2));
      expect(await registry.copyScope(b, a)).toBe(2);
      expect(await orders.getStats(a)).toEqual(stats(1, 3));
      expect(await users.getStats(a)).toEqual(stats(1, 2));
      const across = await registry.scopeStats!(a);
      expect({ entries: across.entries, bytes: across.bytes }).toEqual(stats(2, 5));
      expect(across.databases[orders.name]).toEqual(stats(1, 3));
      expect(across.databases[users.name]).toEqual(stats(1, 2));
      await registry.dropScope(b);
      expect(await orders.getStats(b)).toEqual(stats(0, 0));
      expect(await registry.scopeStats!(b)).toMatchObject(stats(0, 0));
      expect(await orders.recountStats(a)).toEqual(stats(1, 3));
    });

    describe('quotas', () => {
      it('refuse a write over them, across databases, writing nothing; overwrites and removals stay fine', async () => {
        const { a, b, registry, orders, users } = setup();
        const plain = ctx.backend.database(ctx.freshName(), codecs.string(), codecs.string());
        await registry.setQuota!(a, { maxEntries: 2 });
        await orders.put(a, 'k1', 'v');
        await users.putSync(a, 'k2', 'v');
        await rejectsWith(() => orders.put(a, 'k3', 'v'), 'QUOTA_EXCEEDED');
        await rejectsWith(() => users.putSync(a, 'k3', 'v'), 'QUOTA_EXCEEDED');
        expect(await orders.get(a, 'k3')).toBeUndefined();
        expect((await registry.scopeStats!(a)).entries).toBe(2);
        await plain.put(a, 'not counted', 'v');
        await orders.put(a, 'k1', 'overwritten');
        expect(await orders.remove(a, 'k1')).toBe(true);
        await orders.put(a, 'k3', 'v');
        // Other scopes are free.
        for (const key of ['x', 'y', 'z']) await orders.put(b, key, 'v');
        await registry.setQuota!(a, { maxBytes: 7 }); // holds 6: k2 and k3, 3 bytes each
        await rejectsWith(() => orders.put(a, 'k3', 'longer'), 'QUOTA_EXCEEDED');
        await orders.put(a, 'k3', 'vv');
        expect((await registry.scopeStats!(a)).bytes).toBe(7);
      });

      it('a transaction holding a write over its quota writes nothing', async () => {
        const { a, registry, orders } = setup();
        await registry.setQuota!(a, { maxEntries: 1 });
        await rejectsWith(
          () =>
            orders.transaction(a, () => {
              orders.put(a, 'k1', 'v');
              orders.put(a, 'k2', 'v');
            }),
          'QUOTA_EXCEEDED',
        );
        expect(await orders.getCount(a)).toBe(0);
        expect(await orders.getStats(a)).toEqual(stats(0, 0));
      });

      it('move with rename and swap, are listed, and are removed with null', async () => {
        const { a, b, c, registry, orders } = setup();
        await registry.setQuota!(a, { maxEntries: 1 });
        await orders.put(a, 'k', 'v');
        await registry.renameScope(a, b);
        await rejectsWith(() => orders.put(b, 'k2', 'v'), 'QUOTA_EXCEEDED');
        await orders.put(a, 'fresh', 'v');
        await orders.put(a, 'fresh2', 'v');
        expect(await registry.getQuota!(a)).toBeUndefined();
        await registry.swapScopes(a, b);
        expect(await registry.getQuota!(a)).toEqual({ maxEntries: 1 });
        expect(await registry.getQuota!(b)).toBeUndefined();
        await registry.setQuota!(c, { maxBytes: 100 });
        const mine = (await registry.listQuotas!()).filter(({ scope }) => [a, b, c].includes(String(scope)));
        expect(mine.map(({ scope, quota }) => [String(scope), quota]).sort()).toEqual([
          [a, { maxEntries: 1 }],
          [c, { maxBytes: 100 }],
        ]);
        await registry.setQuota!(a, null);
        await orders.put(a, 'more', 'v');
        expect(await registry.getQuota!(a)).toBeUndefined();
      });

      it('B64/B71 a quota with no limit, a negative or fractional one, a non-number, or on DEFAULT is INVALID_INPUT', async () => {
        const { a, registry } = setup();
        for (const bad of [{}, { maxEntries: -1 }, { maxBytes: 1.5 }, { maxEntries: '5' }, 5, 'x']) {
          await rejectsWith(() => registry.setQuota!(a, bad as never), 'INVALID_INPUT');
        }
        await rejectsWith(() => registry.setQuota!(null, { maxEntries: 1 }), 'INVALID_INPUT');
        expect(await registry.getQuota!(a)).toBeUndefined();
      });
    });
  });
}
