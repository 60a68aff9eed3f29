/**
 * Read snapshots held across calls (`Supports.snapshots`, LMDB: core's `snapshot()` on the sync
 * database): every read of a snapshot sees the data as it was when it was taken, across event
 * turns and later commits, until `done()`; after that every read is `INVALID_INPUT` (B67), and
 * so is a snapshot taken or read inside a write transaction (B68).
 */
import { describe, expect, it } from 'vitest';
import { type ScopeRun, type SuiteContext, syncOf } from '../context.js';

const refused = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

export function snapshotsGroup(ctx: SuiteContext, run: ScopeRun): void {
  const setup = async () => {
    const db = ctx.stringDb();
    const at = run.at(db);
    const sync = run.atSync(db);
    for (const k of ['a', 'b', 'c']) await at.put(k, k.toUpperCase());
    for (const s of run.neighbours) await db.put(s, 'a', 'neighbour');
    return { db, at, sync };
  };

  describe('snapshots', () => {
    it('reads the data as it was, across turns and later commits, in every read', async () => {
      const { at, sync } = await setup();
      const snapshot = sync.snapshot();
      expect(snapshot.scope.equals(run.scope)).toBe(true);
      const lazy = snapshot.getKeys({ reverse: true });
      await at.put('d', 'D');
      await at.remove('a');
      sync.putSync('b', 'changed');
      await at.clearAsync({ start: 'c' });
      await nextTurn();
      expect(sync.getRange().asArray).toEqual([{ key: 'b', value: 'changed' }]);
      expect(snapshot.get('a')).toBe('A');
      expect(snapshot.get('b')).toBe('B');
      expect(snapshot.get('d')).toBeUndefined();
      expect(snapshot.doesExist('a')).toBe(true);
      expect(snapshot.doesExist('d')).toBe(false);
      expect(snapshot.getMany(['c', 'd', 'a'])).toEqual(['C', undefined, 'A']);
      expect(snapshot.getRange({ start: 'b' }).asArray).toEqual([
        { key: 'b', value: 'B' },
        { key: 'c', value: 'C' },
      ]);
      expect([...lazy]).toEqual(['c', 'b', 'a']);
      expect(snapshot.getKeys({ limit: 2, offset: 1 }).asArray).toEqual(['b', 'c']);
      expect(snapshot.getCount()).toBe(3);
      expect(snapshot.getCount({ end: 'c' })).toBe(2);
      expect(snapshot.isEmpty()).toBe(false);
      expect(snapshot.isDone).toBe(false);
      snapshot.done();
      expect(snapshot.isDone).toBe(true);
    });

    it('sees an emptied scope whole, and a scope written later as empty', async () => {
      const { at, sync } = await setup();
      const full = sync.snapshot();
      await at.clearAsync();
      const empty = sync.snapshot();
      await at.put('z', 'Z');
      await nextTurn();
      expect(full.getKeys().asArray).toEqual(['a', 'b', 'c']);
      expect(empty.isEmpty()).toBe(true);
      expect(empty.get('z')).toBeUndefined();
      expect(empty.getCount()).toBe(0);
      full.done();
      empty.done();
      expect(sync.getKeys().asArray).toEqual(['z']);
    });

    it('one database snapshot reads every scope at the same moment', async () => {
      const { db, sync } = await setup();
      const whole = syncOf(db).snapshot();
      const other = run.neighbours[0] ?? null;
      sync.putSync('a', 'new');
      syncOf(db).putSync(other, 'a', 'new');
      await nextTurn();
      expect(whole.get(run.scope, 'a')).toBe('A');
      expect(whole.get(other, 'a')).toBe('neighbour');
      expect(whole.scope(run.scope).getKeys().asArray).toEqual(['a', 'b', 'c']);
      whole.scope(other).done(); // releases the one snapshot
      expect(whole.isDone).toBe(true);
    });

    it('B67 after done() every read is INVALID_INPUT, a range made before it too; done() twice is fine', async () => {
      const { sync } = await setup();
      const snapshot = sync.snapshot();
      const range = snapshot.getRange();
      snapshot.done();
      snapshot.done();
      for (const read of [
        () => snapshot.get('a'),
        () => snapshot.getMany(['a']),
        () => snapshot.doesExist('a'),
        () => snapshot.getRange(),
        () => snapshot.getKeys(),
        () => snapshot.getCount(),
        () => snapshot.isEmpty(),
        () => [...range],
      ]) {
        expect(read).toThrow(refused('INVALID_INPUT'));
      }
      expect(() => snapshot.get('a')).toThrow(/snapshot is done/);
      // The database reads on.
      expect(sync.get('a')).toBe('A');
    });

    it('B68 a snapshot is not taken or read inside a write transaction', async () => {
      const { sync } = await setup();
      const snapshot = sync.snapshot();
      sync.transactionSync(() => {
        expect(() => sync.snapshot()).toThrow(refused('INVALID_INPUT'));
        expect(() => snapshot.get('a')).toThrow(refused('INVALID_INPUT'));
      });
      expect(snapshot.get('a')).toBe('A');
      snapshot.done();
    });
  });
}
