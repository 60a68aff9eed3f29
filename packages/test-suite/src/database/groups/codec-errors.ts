/** Codec errors: what a codec refuses or cannot read is ENCODING, named alike on every backend. */
import { type Codec, codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { collect, rejectsWith, type ScopeRun, type SuiteContext } from '../context.js';

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

/** What a codec refuses or cannot read, in one scope (run through views too). */
export function codecErrorsGroup(ctx: SuiteContext, run: ScopeRun): void {
  describe('codec errors', () => {
    it('a value the codec cannot encode is ENCODING, and nothing is written', async () => {
      const db = run.at(ctx.stringDb());
      await rejectsWith(() => db.put('k', { n: 1n }), 'ENCODING');
      await rejectsWith(() => db.put('k', undefined), 'ENCODING');
      expect(await db.isEmpty()).toBe(true);
      expect(await db.doesExist('k')).toBe(false);
      await db.put('k', 'fine');
      expect(await db.get('k')).toBe('fine');
    });

    it('a key the codec cannot encode is ENCODING', async () => {
      const db = run.at(ctx.stringDb());
      await rejectsWith(() => db.put(42 as never, 1), 'ENCODING');
      await rejectsWith(() => db.get('\ud800'), 'ENCODING');
      await rejectsWith(() => db.getKeys({ start: 7 as never }), 'ENCODING');
      const keyDb = run.at(ctx.database(codecs.key(), codecs.json<number>()));
      await rejectsWith(() => keyDb.put({ no: 'objects' } as never, 1), 'ENCODING');
      await rejectsWith(() => keyDb.put(Number.NaN, 1), 'ENCODING');
    });

    it('a value that fails to decode is ENCODING, and the database keeps working', async () => {
      const db = run.at(ctx.database(codecs.string(), fragileJson));
      await db.put('bad', '!boom');
      await db.put('good', 'fine');
      await rejectsWith(() => db.get('bad'), 'ENCODING');
      await rejectsWith(() => db.getMany(['good', 'bad']), 'ENCODING');
      await rejectsWith(() => db.getRange(), 'ENCODING');
      expect(await db.get('good')).toBe('fine');
      expect(await collect(db.getKeys())).toEqual(['bad', 'good']);
    });
  });
}

/** The order of a write's checks and the wording of a decode failure, which name scopes: on the database itself. */
export function codecMessagesGroup(ctx: SuiteContext): void {
  describe('codec errors, worded alike on every backend', () => {
    it('checks a write in one order on every backend: scope, value, key', async () => {
      const db = ctx.stringDb();
      const badValue = { n: 1n };
      await rejectsWith(() => db.put('', 42 as never, badValue), 'EMPTY_SCOPE_NAME');
      // The value fails first: an empty (in the default scope) or unencodable key is reported only for a value that encodes.
      await expect(db.put(null, '', badValue)).rejects.toMatchObject({ code: 'ENCODING', message: expect.stringContaining('"json"') });
      await expect(db.put('c', 42 as never, badValue)).rejects.toMatchObject({
        code: 'ENCODING',
        message: expect.stringContaining('"json"'),
      });
      await rejectsWith(() => db.put(null, '', 1), 'INVALID_INPUT');
      expect(await db.isScopeEmpty('c')).toBe(true);
      expect(await db.isScopeEmpty(null)).toBe(true);
    });

    it('a key or value that cannot be stored names the call, the database and the scope, alike on every backend', async () => {
      const name = ctx.freshName();
      const db = ctx.backend.database(name, codecs.string(), codecs.json<unknown>());
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const big = 'x'.repeat(3000);
      const at = (where: string, code: string) => ({ code, message: expect.stringMatching(new RegExp(`^${where}: `)) });
      await expect(db.put('t', big, 1)).rejects.toMatchObject(at(`put in "${name}", scope "t"`, 'KEY_TOO_LARGE'));
      await expect(db.get('t', big)).rejects.toMatchObject(at(`get in "${name}", scope "t"`, 'KEY_TOO_LARGE'));
      await expect(db.remove('t', big)).rejects.toMatchObject(at(`remove in "${name}", scope "t"`, 'KEY_TOO_LARGE'));
      await expect(db.put(null, '', 1)).rejects.toMatchObject(at(`put in "${name}", the default scope`, 'INVALID_INPUT'));
      await expect(db.put('t', 'k', circular)).rejects.toMatchObject(at(`put in "${name}", scope "t"`, 'ENCODING'));
      expect(await db.getCount('t')).toBe(0);
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
