/** Bad input: every refusal is a ScopedDbError with a stable code, and a rejection, never a synchronous throw. */
import { MAX_KEY_BYTES } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, rejectsWith, type SuiteContext } from '../context.js';

export function badInputGroup(ctx: SuiteContext): void {
  describe('bad input', () => {
    it('rejects the empty scope name and non-scopes, never throwing synchronously', async () => {
      const db = ctx.stringDb();
      await rejectsWith(() => db.get('', 'k'), 'EMPTY_SCOPE_NAME');
      await rejectsWith(() => db.put('', 'k', 1), 'EMPTY_SCOPE_NAME');
      await rejectsWith(() => db.getRange(''), 'EMPTY_SCOPE_NAME');
      await rejectsWith(() => db.put(42 as never, 'k', 1), 'INVALID_INPUT');
      await rejectsWith(() => db.remove({} as never, 'k'), 'INVALID_INPUT');
      await rejectsWith(() => db.getCount(42 as never), 'INVALID_INPUT');
      await rejectsWith(() => db.clearAsync(42 as never), 'INVALID_INPUT');
      expect(await db.isScopeEmpty(null)).toBe(true);
    });

    it('rejects empty and oversize keys, on reads too', async () => {
      const db = ctx.bytesDb();
      const tooLarge = new Uint8Array(MAX_KEY_BYTES + 1).fill(1);
      await rejectsWith(() => db.put('k', new Uint8Array(), 'v'), 'INVALID_INPUT');
      await rejectsWith(() => db.put('k', tooLarge, 'v'), 'KEY_TOO_LARGE');
      await rejectsWith(() => db.get('k', tooLarge), 'KEY_TOO_LARGE');
      await rejectsWith(() => db.remove('k', tooLarge), 'KEY_TOO_LARGE');
      await rejectsWith(() => db.getMany('k', [bytes(1), tooLarge]), 'KEY_TOO_LARGE');
      await rejectsWith(() => ctx.stringDb().put(null, '', 1), 'INVALID_INPUT');
      expect(await db.isScopeEmpty('k')).toBe(true);
    });

    it('rejects bad range options', async () => {
      const db = ctx.stringDb();
      await rejectsWith(() => db.getKeys(null, { limit: -1 }), 'INVALID_INPUT');
      await rejectsWith(() => db.getKeys(null, { offset: 1.5 }), 'INVALID_INPUT');
      await rejectsWith(() => db.getCount(null, { limit: Number.NaN }), 'INVALID_INPUT');
      await rejectsWith(() => db.getRange(null, 'all' as never), 'INVALID_INPUT');
      await rejectsWith(() => db.getMany(null, 'k' as never), 'INVALID_INPUT');
    });
  });
}
