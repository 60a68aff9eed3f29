/** Ranges: lmdb-js's range options, applied inside one scope; getCount counts what getKeys yields. */

import type { AsyncScopedView } from '@scoped-lmdb/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { byteOrder, bytes, collect, hex, type ScopeRun, type SuiteContext } from '../context.js';

export function rangesGroup(ctx: SuiteContext, run: ScopeRun): void {
  describe('ranges', () => {
    let db: AsyncScopedView<string, unknown>;
    beforeAll(async () => {
      const whole = ctx.stringDb();
      db = run.at(whole);
      for (const k of ['a', 'b', 'c', 'd', 'e']) await db.put(k, k.toUpperCase());
      // Neighbours that a loose bound would pick up.
      for (const s of run.neighbours) for (const k of ['a', 'c', 'f']) await whole.put(s, k, 'neighbour');
    });
    const keysOf = (options: object) => collect(db.getKeys(options));

    it('applies start, end, inclusiveEnd and exclusiveStart as lmdb-js does', async () => {
      expect(await keysOf({ start: 'b', end: 'd' })).toEqual(['b', 'c']);
      expect(await keysOf({ start: 'b', end: 'd', inclusiveEnd: true })).toEqual(['b', 'c', 'd']);
      expect(await keysOf({ start: 'b', end: 'd', exclusiveStart: true })).toEqual(['c']);
      expect(await keysOf({ start: 'bb' })).toEqual(['c', 'd', 'e']);
      expect(await keysOf({ end: 'c' })).toEqual(['a', 'b']);
      expect(await keysOf({ start: 'd', end: 'b' })).toEqual([]);
    });

    it('walks backwards from start (the high end) with reverse', async () => {
      expect(await keysOf({ reverse: true })).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(await keysOf({ reverse: true, start: 'd', end: 'b' })).toEqual(['d', 'c']);
      expect(await keysOf({ reverse: true, start: 'd', end: 'b', inclusiveEnd: true, exclusiveStart: true })).toEqual(['c', 'b']);
      expect(await keysOf({ reverse: true, start: 'cc' })).toEqual(['c', 'b', 'a']);
    });

    it('applies offset, then limit', async () => {
      expect(await keysOf({ offset: 1, limit: 2 })).toEqual(['b', 'c']);
      expect(await keysOf({ reverse: true, offset: 1, limit: 2 })).toEqual(['d', 'c']);
      expect(await keysOf({ offset: 9 })).toEqual([]);
      expect(await keysOf({ limit: 0 })).toEqual([]);
      expect(await db.getCount({ offset: 1, limit: 2 })).toBe(2);
      expect(await db.getCount({ offset: 4, limit: 2 })).toBe(1);
      expect(await db.getCount({ limit: 0 })).toBe(0);
    });

    it('yields values with their keys, and a range can be walked twice', async () => {
      const range = db.getRange({ start: 'c' });
      const first = await collect(range);
      expect(first).toEqual([
        { key: 'c', value: 'C' },
        { key: 'd', value: 'D' },
        { key: 'e', value: 'E' },
      ]);
      expect(await collect(range)).toEqual(first);
    });

    it('getCount counts what getKeys yields, for any options', async () => {
      const whole = ctx.bytesDb();
      const data = run.at(whole);
      const stored = new Map<string, Uint8Array>();
      const key = fc.uint8Array({ minLength: 1, maxLength: 3, max: 4 }).map((k) => k.map((b) => [0x00, 0x01, 0x7f, 0xfe, 0xff][b]!));
      for (const k of fc.sample(key, { numRuns: 60, seed: 7 })) stored.set(hex(k), k);
      for (const k of stored.values()) await data.put(k, hex(k));
      for (const s of run.neighbours) await whole.put(s, bytes(0x01), 'neighbour');
      const model = [...stored.values()].sort(byteOrder);
      const options = fc.record(
        {
          start: key,
          end: key,
          inclusiveEnd: fc.boolean(),
          exclusiveStart: fc.boolean(),
          reverse: fc.boolean(),
          limit: fc.nat(12),
          offset: fc.nat(12),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(options, async (o) => {
          const inRange = (k: Uint8Array) => {
            const [low, high] = o.reverse ? [o.end, o.start] : [o.start, o.end];
            const lowInclusive = o.reverse ? o.inclusiveEnd : !o.exclusiveStart;
            const highInclusive = o.reverse ? !o.exclusiveStart : o.inclusiveEnd;
            if (low && (lowInclusive ? byteOrder(k, low) < 0 : byteOrder(k, low) <= 0)) return false;
            if (high && (highInclusive ? byteOrder(k, high) > 0 : byteOrder(k, high) >= 0)) return false;
            return true;
          };
          const ordered = o.reverse ? [...model].reverse() : model;
          const offset = o.offset ?? 0;
          const expected = ordered
            .filter(inRange)
            .slice(offset, o.limit === undefined ? undefined : offset + o.limit)
            .map(hex);
          expect((await collect(data.getKeys(o))).map(hex)).toEqual(expected);
          expect(await data.getCount(o)).toBe(expected.length);
        }),
        { numRuns: 150, seed: 42 },
      );
    });
  });
}
