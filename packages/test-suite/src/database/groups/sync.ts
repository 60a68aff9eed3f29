/**
 * The synchronous API (`supports.sync`): core's `ScopedDatabase` behind each handle, on the
 * same data. Sync writes apply before they return, sync reads answer at once, bad input
 * throws at once with the code the async methods reject with, and `transactionSync` is all
 * or nothing.
 */
import { MAX_KEY_BYTES } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { rejectsWith, type ScopeRun, type SuiteContext, syncOf } from '../context.js';

const refused = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

export function syncGroup(ctx: SuiteContext, run: ScopeRun): void {
  const setup = () => {
    const db = ctx.stringDb();
    return { db, at: run.at(db), sync: run.atSync(db) };
  };

  describe('sync', () => {
    it('every handle carries the sync database of the same name', () => {
      const db = ctx.stringDb();
      expect(syncOf(db).name).toBe(db.name);
    });

    it('sync writes apply before they return; the async handle sees them, and they see its writes', async () => {
      const { at, sync } = setup();
      expect(sync.putSync('a', 1)).toBe(true);
      expect(sync.get('a')).toBe(1);
      expect(sync.doesExist('a')).toBe(true);
      expect(sync.removeSync('a')).toBe(true);
      expect(sync.removeSync('a')).toBe(false);
      sync.putSync('b', 2);
      sync.putSync('c', 3);
      expect(sync.getCount()).toBe(2);
      expect(sync.getKeys().asArray).toEqual(['b', 'c']);
      expect(await at.getMany(['a', 'b', 'c'])).toEqual([undefined, 2, 3]);
      await at.put('d', 4);
      expect(sync.get('d')).toBe(4);
      expect(sync.clearSync()).toBe(3);
      expect(sync.isEmpty()).toBe(true);
      expect(await at.isEmpty()).toBe(true);
    });

    it('a sync range is lazy: each pass reads the data again', () => {
      const { sync } = setup();
      sync.putSync('a', 1);
      const keys = sync.getKeys();
      const doubled = sync.getRange().map(({ key, value }) => `${key}=${(value as number) * 2}`);
      sync.putSync('b', 2);
      expect(keys.asArray).toEqual(['a', 'b']);
      expect([...doubled]).toEqual(['a=2', 'b=4']);
      sync.removeSync('a');
      expect([...keys]).toEqual(['b']);
    });

    it('bad input throws at once, with the code the async methods reject with', async () => {
      const { sync } = setup();
      sync.putSync('keep', 1);
      expect(() => sync.putSync('k'.repeat(MAX_KEY_BYTES + 1), 1)).toThrow(refused('KEY_TOO_LARGE'));
      expect(() => sync.get('k'.repeat(MAX_KEY_BYTES + 1))).toThrow(refused('KEY_TOO_LARGE'));
      expect(() => sync.putSync('k', 10n)).toThrow(refused('ENCODING'));
      expect(() => sync.removeSync(42 as never)).toThrow(refused('ENCODING'));
      expect(() => [...sync.getKeys({ limit: -1 })]).toThrow(refused('INVALID_INPUT'));
      expect(() => sync.getCount({ offset: '2' as never })).toThrow(refused('INVALID_INPUT'));
      // getMany returns a Promise on the sync API too: it rejects.
      await rejectsWith(() => sync.getMany('keep' as never), 'INVALID_INPUT');
      expect(sync.getKeys().asArray).toEqual(['keep']);
    });

    it('transactionSync applies its writes at once, or none of them when its callback throws', () => {
      const { sync } = setup();
      expect(
        sync.transactionSync(() => {
          sync.putSync('a', 1);
          sync.putSync('b', 2);
          return 'done';
        }),
      ).toBe('done');
      expect(sync.getKeys().asArray).toEqual(['a', 'b']);
      const mine = new Error('mine');
      expect(() =>
        sync.transactionSync(() => {
          sync.putSync('c', 3);
          sync.removeSync('a');
          throw mine;
        }),
      ).toThrow(mine);
      expect(() =>
        sync.transactionSync(() => {
          sync.putSync('d', 4);
          sync.putSync('k'.repeat(MAX_KEY_BYTES + 1), 5);
        }),
      ).toThrow(refused('KEY_TOO_LARGE'));
      expect(sync.getKeys().asArray).toEqual(['a', 'b']);
    });
  });
}
