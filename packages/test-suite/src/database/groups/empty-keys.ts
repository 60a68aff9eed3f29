/**
 * Empty keys (`Supports.emptyKeys`): inside a named scope an empty encoded key is an ordinary
 * key (its stored key is the scope's prefix alone); the DEFAULT scope still refuses it (B10,
 * B11, in bad-input.ts), since LMDB cannot store a zero-length key.
 */
import { codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, collect, type ScopeRun, type SuiteContext } from '../context.js';

export function emptyKeysGroup(ctx: SuiteContext, run: ScopeRun): void {
  describe('empty keys in a named scope', () => {
    it('an empty string key is written, read, listed first and removed like any other', async () => {
      const whole = ctx.stringDb();
      const at = run.at(whole);
      for (const s of run.neighbours) if (s !== null && s !== undefined) await whole.put(s, '', 'neighbour');
      expect(await at.get('')).toBeUndefined();
      expect(await at.doesExist('')).toBe(false);
      expect(await at.put('', 'empty')).toBe(true);
      await at.put('a', 'A');
      expect(await at.get('')).toBe('empty');
      expect(await at.doesExist('')).toBe(true);
      expect(await at.getMany(['', 'a', 'b'])).toEqual(['empty', 'A', undefined]);
      expect(await collect(at.getKeys())).toEqual(['', 'a']);
      expect(await collect(at.getKeys({ reverse: true }))).toEqual(['a', '']);
      expect(await collect(at.getKeys({ start: '' }))).toEqual(['', 'a']);
      expect(await collect(at.getKeys({ start: '', exclusiveStart: true }))).toEqual(['a']);
      expect(await collect(at.getKeys({ end: 'a' }))).toEqual(['']);
      expect(await at.getCount()).toBe(2);
      expect(await at.putSync('', 'again')).toBe(true);
      expect(await at.get('')).toBe('again');
      expect(await at.remove('')).toBe(true);
      expect(await at.removeSync('')).toBe(false);
      expect(await collect(at.getKeys())).toEqual(['a']);
      // The neighbours' empty keys are theirs.
      for (const s of run.neighbours) if (s !== null && s !== undefined) expect(await whole.get(s, '')).toBe('neighbour');
    });

    it('an empty byte key with an empty value round-trips', async () => {
      const at = run.at(ctx.database(codecs.bytes(), codecs.bytes()));
      await at.put(new Uint8Array(0), new Uint8Array(0));
      await at.put(bytes(0), bytes(1));
      const value = await at.get(new Uint8Array(0));
      expect(value).toBeInstanceOf(Uint8Array);
      expect(value?.length).toBe(0);
      const keys = await collect(at.getKeys());
      expect(keys.map((k) => Buffer.from(k).toString('hex'))).toEqual(['', '00']);
      expect(await at.clearAsync()).toBe(2);
    });

    if (ctx.supports.rangeClear) {
      it('a range clear reaches the empty key, and an empty bound', async () => {
        const at = run.at(ctx.stringDb());
        for (const k of ['', 'a', 'b']) await at.put(k, k);
        expect(await at.clearSync({ end: 'a' })).toBe(1);
        expect(await collect(at.getKeys())).toEqual(['a', 'b']);
        await at.put('', '');
        expect(await at.clearSync({ start: '', limit: 2 })).toBe(2);
        expect(await collect(at.getKeys())).toEqual(['b']);
      });
    }
  });
}
