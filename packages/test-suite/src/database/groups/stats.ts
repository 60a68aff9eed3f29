/**
 * Per-scope stats (`supports.stats`, API.md v2 "Per-scope stats and quotas"): a database opened
 * with stats keeps each scope's entries and stored bytes (encoded keys + values: string keys and
 * values here, so one byte per ASCII character) exact on every write path, and `recountStats`
 * finds the same from the data. Runs once, in a named scope and in the default one.
 */
import { codecs, type ScopeLike } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { collect, rejectsWith, type SuiteContext } from '../context.js';

const stats = (entries: number, bytes: number) => ({ entries, bytes });

export function statsGroup(ctx: SuiteContext): void {
  const open = (name = ctx.freshName()) => ctx.backend.database(name, codecs.string(), codecs.string(), { stats: true });

  describe('stats', () => {
    for (const scope of ['tenant', null] as const satisfies readonly ScopeLike[]) {
      const where = scope === null ? 'the default scope' : 'a named scope';

      it(`count every write path in ${where}, and a recount finds the same`, async () => {
        const db = open();
        expect(await db.getStats(scope)).toEqual(stats(0, 0));
        await db.put(scope, 'a', 'xyz'); // 1 + 3
        await db.putSync(scope, 'bb', 'v'); // 2 + 1
        expect(await db.getStats(scope)).toEqual(stats(2, 7));
        await db.put(scope, 'a', 'x'); // an overwrite: the size difference, no new entry
        expect(await db.getStats(scope)).toEqual(stats(2, 5));
        expect(await db.remove(scope, 'bb')).toBe(true);
        expect(await db.removeSync(scope, 'missing')).toBe(false);
        expect(await db.getStats(scope)).toEqual(stats(1, 2));
        await db.transaction(scope, () => {
          db.put(scope, 'c', 'cc');
          db.remove(scope, 'a');
          db.put(scope, 'd', '');
        });
        expect(await db.getStats(scope)).toEqual(stats(2, 4));
        expect(await db.recountStats(scope)).toEqual(stats(2, 4));
        expect(await db.clearAsync(scope)).toBe(2);
        expect(await db.getStats(scope)).toEqual(stats(0, 0));
        await db.put(scope, 'e', 'e');
        expect(await db.clearSync(scope)).toBe(1);
        expect(await db.getStats(scope)).toEqual(stats(0, 0));
        expect(await db.recountStats(scope)).toEqual(stats(0, 0));
      });
    }

    it('a transaction that fails leaves them as they were', async () => {
      const db = open();
      await db.put('tenant', 'keep', 'kept');
      await expect(
        db.transaction('tenant', () => {
          db.put('tenant', 'a', 'value');
          db.clearAsync('tenant');
          throw new Error('mine');
        }),
      ).rejects.toThrow('mine');
      expect(await db.getStats('tenant')).toEqual(stats(1, 8));
    });

    it('keep scopes and databases apart; un-awaited writes are counted in call order', async () => {
      const first = open();
      const second = open();
      const writes = [
        first.put('tenant', 'a', '1'),
        first.put('other', 'a', '22'),
        second.put('tenant', 'a', '333'),
        first.clearAsync('tenant'),
        first.put('tenant', 'b', '4444'),
        first.remove('other', 'a'),
        first.put('other', 'c', '1'),
      ];
      await Promise.all(writes);
      expect(await first.getStats('tenant')).toEqual(stats(1, 5));
      expect(await first.getStats('other')).toEqual(stats(1, 2));
      expect(await second.getStats('tenant')).toEqual(stats(1, 4));
      expect(await first.getStats(null)).toEqual(stats(0, 0));
      // A recount of every scope returns the sum of what it found.
      expect(await first.recountStats()).toEqual(stats(2, 7));
      expect(await collect(first.getKeys('tenant'))).toEqual(['b']);
    });

    it('B63/B70 getStats and recountStats need a database opened with stats; reopening one without stats is INVALID_INPUT', async () => {
      const name = ctx.freshName();
      const plain = ctx.backend.database(ctx.freshName(), codecs.string(), codecs.string());
      await plain.put('tenant', 'k', 'v');
      await rejectsWith(() => plain.getStats('tenant'), 'INVALID_INPUT');
      await rejectsWith(() => plain.recountStats(), 'INVALID_INPUT');
      const counted = open(name);
      await counted.put('tenant', 'k', 'v');
      let again: ReturnType<typeof open> | undefined;
      try {
        again = ctx.backend.database(name, codecs.string(), codecs.string());
      } catch (error) {
        expect(error).toMatchObject({ name: 'ScopedDbError', code: 'INVALID_INPUT' });
      }
      if (again) await rejectsWith(() => again.put('tenant', 'k2', 'v'), 'INVALID_INPUT');
      expect(await counted.getStats('tenant')).toEqual(stats(1, 2));
      expect(await counted.getCount('tenant')).toBe(1);
    });
  });
}
