/** Codec errors: what a codec refuses or cannot read is ENCODING, named alike on every backend. */
import { type Codec, codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { collect, rejectsWith, type SuiteContext } from '../context.js';

/** A value codec that fails to decode values starting with "!" (as JSON: a string "!..."). */
const fragileJson: Codec<unknown> = {
  name: 'fragile-json',
  encode: (value) => codecs.json().encode(value),
  decode(data) {
    const value = codecs.json().decode(data);
    if (typeof value === 'string' && value.startsWith('!')) throw new Error('refusing to decode');
    return value;
  },
};

/** A key codec (UTF-8 strings) that fails to decode keys starting with "!". */
const fragileKeys: Codec<string> = {
  name: 'fragile-keys',
  encode: (key) => codecs.string().encode(key),
  decode(data) {
    const key = codecs.string().decode(data);
    if (key.startsWith('!')) throw new Error('refusing to decode');
    return key;
  },
};

export function codecErrorsGroup(ctx: SuiteContext): void {
  describe('codec errors', () => {
    it('a value the codec cannot encode is ENCODING, and nothing is written', async () => {
      const db = ctx.stringDb();
      await rejectsWith(() => db.put('c', 'k', { n: 1n }), 'ENCODING');
      await rejectsWith(() => db.put('c', 'k', undefined), 'ENCODING');
      expect(await db.isScopeEmpty('c')).toBe(true);
      expect(await db.doesExist('c', 'k')).toBe(false);
      await db.put('c', 'k', 'fine');
      expect(await db.get('c', 'k')).toBe('fine');
    });

    it('checks a write in one order on every backend: scope, value, key', async () => {
      const db = ctx.stringDb();
      const badValue = { n: 1n };
      await rejectsWith(() => db.put('', 42 as never, badValue), 'EMPTY_SCOPE_NAME');
      // The value fails first: an empty or unencodable key is reported only for a value that encodes.
      await expect(db.put('c', '', badValue)).rejects.toMatchObject({ code: 'ENCODING', message: expect.stringContaining('"json"') });
      await expect(db.put('c', 42 as never, badValue)).rejects.toMatchObject({
        code: 'ENCODING',
        message: expect.stringContaining('"json"'),
      });
      await rejectsWith(() => db.put('c', '', 1), 'INVALID_INPUT');
      expect(await db.isScopeEmpty('c')).toBe(true);
    });

    it('a key the codec cannot encode is ENCODING', async () => {
      const db = ctx.stringDb();
      await rejectsWith(() => db.put('c', 42 as never, 1), 'ENCODING');
      await rejectsWith(() => db.get('c', '\ud800'), 'ENCODING');
      await rejectsWith(() => db.getKeys('c', { start: 7 as never }), 'ENCODING');
      const keyDb = ctx.database(codecs.key(), codecs.json<number>());
      await rejectsWith(() => keyDb.put('c', { no: 'objects' } as never, 1), 'ENCODING');
      await rejectsWith(() => keyDb.put('c', Number.NaN, 1), 'ENCODING');
    });

    it('a value that fails to decode is ENCODING, and the database keeps working', async () => {
      const db = ctx.database(codecs.string(), fragileJson);
      await db.put('d', 'bad', '!boom');
      await db.put('d', 'good', 'fine');
      await rejectsWith(() => db.get('d', 'bad'), 'ENCODING');
      await rejectsWith(() => db.getMany('d', ['good', 'bad']), 'ENCODING');
      await rejectsWith(() => db.getRange('d'), 'ENCODING');
      expect(await db.get('d', 'good')).toBe('fine');
      expect(await collect(db.getKeys('d'))).toEqual(['bad', 'good']);
    });

    it('a decode failure names the call, the database, the scope and the key, alike on every backend', async () => {
      const name = ctx.freshName();
      const db = ctx.backend.database(name, fragileKeys, fragileJson);
      await db.put('d', 'bad', '!boom');
      await db.put(null, '!key', 'fine');
      const failure = (where: string) => ({ code: 'ENCODING', message: expect.stringMatching(new RegExp(`^${where}: codec "fragile-`)) });
      await expect(db.get('d', 'bad')).rejects.toMatchObject(failure(`get in "${name}", scope "d", key "bad"`));
      await expect(db.getMany('d', ['bad'])).rejects.toMatchObject(failure(`getMany in "${name}", scope "d", key "bad"`));
      await expect(collect(db.getRange('d'))).rejects.toMatchObject(failure(`getRange in "${name}", scope "d", key "bad"`));
      await expect(collect(db.getKeys(null))).rejects.toMatchObject(failure(`getKeys in "${name}", the default scope, key "!key"`));
    });
  });
}
