/** Reads and writes: point reads, overwrites, binary data and the largest key. */
import { codecs, MAX_KEY_BYTES } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, collect, hex, type SuiteContext } from '../context.js';

export function readsWritesGroup(ctx: SuiteContext): void {
  describe('reads and writes', () => {
    it('getMany answers in the order of the keys', async () => {
      const db = ctx.stringDb();
      await db.put('m', 'a', 1);
      await db.putSync('m', 'c', 3);
      expect(await db.getMany('m', ['c', 'missing', 'a', 'c'])).toEqual([3, undefined, 1, 3]);
      expect(await db.getMany('m', [])).toEqual([]);
      expect(await db.getMany('other', ['a'])).toEqual([undefined]);
    });

    it('doesExist and put overwrite', async () => {
      const db = ctx.stringDb();
      expect(await db.doesExist('e', 'k')).toBe(false);
      expect(await db.put('e', 'k', 1)).toBe(true);
      expect(await db.put('e', 'k', 2)).toBe(true);
      expect(await db.doesExist('e', 'k')).toBe(true);
      expect(await db.doesExist('f', 'k')).toBe(false);
      expect(await db.get('e', 'k')).toBe(2);
      expect(await db.getCount('e')).toBe(1);
    });

    it('keeps binary keys and values byte for byte', async () => {
      const db = ctx.database(codecs.bytes(), codecs.bytes());
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await db.put('bin', bytes(0x00, 0xff, 0x0a, 0x0d), all);
      await db.put('bin', bytes(0x80), new Uint8Array());
      expect(Buffer.from((await db.get('bin', bytes(0x00, 0xff, 0x0a, 0x0d)))!)).toEqual(Buffer.from(all));
      const empty = await db.get('bin', bytes(0x80));
      // A Uint8Array; which subclass (LMDB may hand out a Buffer) is not part of the contract.
      expect(empty).toBeInstanceOf(Uint8Array);
      expect(empty!.length).toBe(0);
      expect((await collect(db.getKeys('bin'))).map(hex)).toEqual(['00ff0a0d', '80']);
    });

    it('accepts a key of MAX_KEY_BYTES', async () => {
      const db = ctx.bytesDb();
      const key = new Uint8Array(MAX_KEY_BYTES).fill(0x61);
      await db.put('big-key', key, 'ok');
      expect(await db.get('big-key', key)).toBe('ok');
    });
  });
}
