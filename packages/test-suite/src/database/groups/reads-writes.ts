/** Reads and writes: point reads, overwrites, binary data and the largest key. */
import { codecs, MAX_KEY_BYTES } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, collect, hex, type ScopeRun, type SuiteContext } from '../context.js';

export function readsWritesGroup(ctx: SuiteContext, run: ScopeRun): void {
  const [other] = run.neighbours;
  describe('reads and writes', () => {
    it('getMany answers in the order of the keys', async () => {
      const whole = ctx.stringDb();
      const db = run.at(whole);
      await db.put('a', 1);
      await db.putSync('c', 3);
      expect(await db.getMany(['c', 'missing', 'a', 'c'])).toEqual([3, undefined, 1, 3]);
      expect(await db.getMany([])).toEqual([]);
      expect(await whole.getMany(other, ['a'])).toEqual([undefined]);
    });

    it('doesExist and put overwrite', async () => {
      const whole = ctx.stringDb();
      const db = run.at(whole);
      expect(await db.doesExist('k')).toBe(false);
      expect(await db.put('k', 1)).toBe(true);
      expect(await db.put('k', 2)).toBe(true);
      expect(await db.doesExist('k')).toBe(true);
      expect(await whole.doesExist(other, 'k')).toBe(false);
      expect(await db.get('k')).toBe(2);
      expect(await db.getCount()).toBe(1);
    });

    it('keeps binary keys and values byte for byte', async () => {
      const db = run.at(ctx.database(codecs.bytes(), codecs.bytes()));
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await db.put(bytes(0x00, 0xff, 0x0a, 0x0d), all);
      await db.put(bytes(0x80), new Uint8Array());
      expect(Buffer.from((await db.get(bytes(0x00, 0xff, 0x0a, 0x0d)))!)).toEqual(Buffer.from(all));
      const empty = await db.get(bytes(0x80));
      // A Uint8Array; which subclass (LMDB may hand out a Buffer) is not part of the contract.
      expect(empty).toBeInstanceOf(Uint8Array);
      expect(empty!.length).toBe(0);
      expect((await collect(db.getKeys())).map(hex)).toEqual(['00ff0a0d', '80']);
    });

    it('accepts a key of MAX_KEY_BYTES', async () => {
      const db = run.at(ctx.bytesDb());
      const key = new Uint8Array(MAX_KEY_BYTES).fill(0x61);
      await db.put(key, 'ok');
      expect(await db.get(key)).toBe('ok');
    });
  });
}
