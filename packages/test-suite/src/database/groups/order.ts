/** Order: keys come back in the byte order of their encoding, whatever the order of the writes. */
import { codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { byteOrder, bytes, collect, type ScopeRun, type SuiteContext } from '../context.js';

export function orderGroup(ctx: SuiteContext, run: ScopeRun): void {
  describe('order', () => {
    it('walks string keys in UTF-8 byte order, not by length', async () => {
      const db = run.at(ctx.stringDb());
      const keys = ['b', 'a', 'aa', 'ab', 'B', 'é', 'z', 'a\u0000', '租'];
      for (const k of keys) await db.put(k, k);
      const expected = [...keys].sort((x, y) => byteOrder(Buffer.from(x), Buffer.from(y)));
      expect(expected.slice(0, 3)).toEqual(['B', 'a', 'a\u0000']);
      expect(await collect(db.getKeys())).toEqual(expected);
      expect(await collect(db.getKeys({ reverse: true }))).toEqual([...expected].reverse());
    });

    it('walks ordered-binary keys in value order', async () => {
      const db = run.at(ctx.database(codecs.key(), codecs.json<number>()));
      const keys = [100, -5, 2, 10, 1.5, 0, -0.25, 'b', 'a'];
      for (const [i, k] of keys.entries()) await db.put(k, i);
      expect(await collect(db.getKeys())).toEqual([-5, -0.25, 0, 1.5, 2, 10, 100, 'a', 'b']);
      expect(await collect(db.getKeys({ start: 1, end: 100 }))).toEqual([1.5, 2, 10]);
    });

    it('streams a large scope in order and counts it', async () => {
      const view = run.at(ctx.bytesDb());
      const n = 1_200;
      // Writes in parallel: order must come from the keys, not from the writes.
      await Promise.all(Array.from({ length: n }, (_, i) => view.put(bytes(i >> 8, i & 0xff), String(i))));
      const keys = await collect(view.getKeys());
      expect(keys.length).toBe(n);
      expect(keys.every((k, i) => k[0] === i >> 8 && k[1] === (i & 0xff))).toBe(true);
      expect(await view.getCount()).toBe(n);
      expect(await view.getCount({ offset: 1_000 })).toBe(200);
      const tail = await collect(view.getRange({ reverse: true, limit: 3 }));
      expect(tail.map((e) => e.value)).toEqual(['1199', '1198', '1197']);
    });
  });
}
