/**
 * Range-bounded clear (`Supports.rangeClear`): `clearSync(range)`/`clearAsync(range)` remove
 * exactly the keys `getRange` with the same options visits, count what they removed, keep
 * call order, and refuse any other option with `INVALID_INPUT` (docs/errors.md B66).
 */
import type { AsyncScopedView, ClearRange } from '@scoped-lmdb/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SuiteDatabase } from '../backend.js';
import { collect, rejectsWith, type ScopeRun, type SuiteContext } from '../context.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];

/** A fresh database with KEYS in the run's scope and in every neighbour. */
async function seeded(ctx: SuiteContext, run: ScopeRun) {
  const whole = ctx.stringDb();
  const at = run.at(whole);
  for (const k of KEYS) await at.put(k, k.toUpperCase());
  for (const s of run.neighbours) for (const k of KEYS) await whole.put(s, k, 'neighbour');
  const neighboursIntact = async () => {
    for (const s of run.neighbours) expect(await collect(whole.getKeys(s))).toEqual(KEYS);
  };
  return { whole, at, neighboursIntact };
}

/** What is left after removing what `getKeys(range)` lists. */
async function expectedAfter(at: AsyncScopedView<string, unknown>, range: ClearRange<string>): Promise<string[]> {
  const gone = new Set(await collect(at.getKeys(range)));
  return (await collect(at.getKeys())).filter((k) => !gone.has(k));
}

export function rangeClearGroup(ctx: SuiteContext, run: ScopeRun): void {
  describe('range-bounded clear', () => {
    const cases: ClearRange<string>[] = [
      { start: 'b' },
      { end: 'd' },
      { start: 'b', end: 'd' },
      { start: 'bb', end: 'dd' },
      { reverse: true, start: 'd' },
      { reverse: true, start: 'd', end: 'b' },
      { reverse: true, end: 'c' },
      { limit: 2 },
      { reverse: true, limit: 2 },
      { start: 'b', limit: 1 },
      { reverse: true, start: 'd', end: 'a', limit: 2 },
      { limit: 0 },
      { start: 'z' },
      { start: 'd', end: 'b' },
      {},
    ];

    it('removes exactly what getRange with the same options visits, and counts it (clearSync)', async () => {
      for (const range of cases) {
        const { at, neighboursIntact } = await seeded(ctx, run);
        const gone = await collect(at.getKeys(range));
        const left = await expectedAfter(at, range);
        expect(await at.clearSync(range)).toBe(gone.length);
        expect(await collect(at.getKeys())).toEqual(left);
        for (const k of left) expect(await at.get(k)).toBe(k.toUpperCase());
        await neighboursIntact();
      }
    });

    it('does the same in the next batch (clearAsync)', async () => {
      for (const range of cases) {
        const { at, neighboursIntact } = await seeded(ctx, run);
        const left = await expectedAfter(at, range);
        const gone = (await collect(at.getKeys(range))).length;
        expect(await at.clearAsync(range)).toBe(gone);
        expect(await collect(at.getKeys())).toEqual(left);
        await neighboursIntact();
      }
    });

    it('agrees with getKeys on random data and random bounds', async () => {
      const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u00ff'), minLength: 1, maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(key, { maxLength: 12 }),
          fc.option(key, { nil: undefined }),
          fc.option(key, { nil: undefined }),
          fc.boolean(),
          fc.option(fc.nat(6), { nil: undefined }),
          async (keys, start, end, reverse, limit) => {
            const at = run.at(ctx.stringDb());
            for (const k of keys) await at.put(k, 1);
            const range: ClearRange<string> = { start, end, reverse, limit };
            const left = await expectedAfter(at, range);
            const gone = (await collect(at.getKeys(range))).length;
            expect(await at.clearSync(range)).toBe(gone);
            expect(await collect(at.getKeys())).toEqual(left);
          },
        ),
        { numRuns: 15 },
      );
    });

    it('keeps call order: put, clearAsync(range), put', async () => {
      const { at } = await seeded(ctx, run);
      const [, cleared, put] = await Promise.all([at.put('bb', 1), at.clearAsync({ start: 'b', end: 'd' }), at.put('bc', 2)]);
      expect(cleared).toBe(3); // b, bb, c
      expect(put).toBe(true);
      expect(await collect(at.getKeys())).toEqual(['a', 'bc', 'd', 'e']);
    });

    it('B66 an option other than start, end, reverse and limit, or a bad limit or reverse, is INVALID_INPUT; nothing is removed', async () => {
      const { at, neighboursIntact } = await seeded(ctx, run);
      const bad = [
        { offset: 1 },
        { inclusiveEnd: true },
        { exclusiveStart: true },
        { start: 'b', gt: 'a' },
        { limit: -1 },
        { limit: 1.5 },
        { limit: '2' },
        { reverse: 'yes' },
        { reverse: 1 },
        42,
        'b',
        null,
        [],
      ] as never[];
      for (const range of bad) {
        await rejectsWith(() => at.clearSync(range), 'INVALID_INPUT');
        await rejectsWith(() => at.clearAsync(range), 'INVALID_INPUT');
      }
      await rejectsWith(() => at.clearAsync({ start: 5 } as never), 'ENCODING');
      expect(await collect(at.getKeys())).toEqual(KEYS);
      await neighboursIntact();
      // And the clear still works afterwards.
      expect(await at.clearSync({ start: 'e' })).toBe(1);
    });

    it('counts nothing in a scope nothing was written to', async () => {
      const whole: SuiteDatabase<string, unknown> = ctx.stringDb();
      expect(await run.at(whole).clearSync({ start: 'a' })).toBe(0);
      expect(await run.at(whole).clearAsync({ reverse: true, limit: 3 })).toBe(0);
    });
  });
}
