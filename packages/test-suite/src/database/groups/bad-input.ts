/**
 * Bad input: the cases of the bad-input catalogue (docs/errors.md, B01-B27) that mean the
 * same on every backend, named by their ids. Each checks the three promises of the error
 * contract: a ScopedDbError with its stable code (a rejection, never a synchronous throw),
 * nothing written, and a database that keeps working. The LMDB-only cases (closed env,
 * reader slots, full disk, stored bytes corrupted by hand) stay in apps/reliability.
 */
import { type AsyncScopedView, type Codec, codecs, MAX_KEY_BYTES, Scope, type ScopedDbErrorCode, type ScopeLike } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import type { SuiteDatabase } from '../backend.js';
import { bindScopeFirst, bytes, collect, rejectsWith, type ScopeRun, type SuiteContext, syncOf } from '../context.js';

type Call = () => Promise<unknown> | AsyncIterable<unknown>;

/** Every call must reject with `code` (a range: from its first `next()`). */
async function refuses(code: ScopedDbErrorCode, ...calls: Call[]): Promise<void> {
  for (const call of calls) await rejectsWith(call, code);
}

/** `run` must throw a ScopedDbError with `code` synchronously (methods that return no Promise). */
function throwsNow(code: ScopedDbErrorCode, run: () => unknown): void {
  expect(run).toThrow(expect.objectContaining({ name: 'ScopedDbError', code }));
}

/**
 * A backend may refuse a database when it is opened or at its first use: either way with
 * `code`, and the first write must not happen.
 */
async function refusesDatabase(code: ScopedDbErrorCode, open: () => SuiteDatabase<string, unknown>): Promise<void> {
  let db: SuiteDatabase<string, unknown>;
  try {
    db = open();
  } catch (error) {
    expect(error).toMatchObject({ name: 'ScopedDbError', code });
    return;
  }
  await rejectsWith(() => db.put('tenant', 'k', 1), code);
}

/** Earlier data in the run's scope and in a neighbour; `intact` checks it survived, `usable` that writes still work. */
async function seed(whole: SuiteDatabase<string, unknown>, at: AsyncScopedView<string, unknown>, neighbour: ScopeLike) {
  await at.put('keep', { kept: 1 });
  await at.put('keep-2', [1, 2, 3]);
  await whole.put(neighbour, 'keep', 'neighbour');
  const intact = async () => {
    expect(await at.get('keep')).toEqual({ kept: 1 });
    expect(await at.get('keep-2')).toEqual([1, 2, 3]);
    expect(await collect(at.getKeys())).toEqual(['keep', 'keep-2']);
    expect(await at.getCount()).toBe(2);
    expect(await whole.get(neighbour, 'keep')).toBe('neighbour');
    expect(await whole.getCount(neighbour)).toBe(1);
  };
  const usable = async () => {
    expect(await at.put('probe', 'async')).toBe(true);
    expect(await at.putSync('probe-2', 'sync')).toBe(true);
    expect(await at.getMany(['probe', 'probe-2'])).toEqual(['async', 'sync']);
    expect(await at.remove('probe')).toBe(true);
    expect(await at.removeSync('probe-2')).toBe(true);
    await intact();
  };
  return { intact, usable };
}

/** B01-B05: scopes that are empty, of the wrong type or not well-formed, on the database itself. */
export function badScopesGroup(ctx: SuiteContext): void {
  describe('bad input: scopes', () => {
    const setup = async () => {
      const db = ctx.stringDb();
      const checks = await seed(db, bindScopeFirst(db, Scope.named('tenant')), null);
      return { db, ...checks };
    };

    it('B01 an empty scope name is EMPTY_SCOPE_NAME on every method', async () => {
      const { db, usable } = await setup();
      let ran = false;
      await refuses(
        'EMPTY_SCOPE_NAME',
        () => db.get('', 'keep'),
        () => db.getMany('', ['keep']),
        () => db.doesExist('', 'keep'),
        () => db.put('', 'k', 1),
        () => db.putSync('', 'k', 1),
        () => db.remove('', 'keep'),
        () => db.removeSync('', 'keep'),
        () => db.clearAsync(''),
        () => db.clearSync(''),
        () => db.getRange(''),
        () => db.getKeys(''),
        () => db.getCount(''),
        () => db.isScopeEmpty(''),
        () =>
          db.transaction('', () => {
            ran = true;
          }),
      );
      expect(ran).toBe(false);
      if (ctx.supports.sync) {
        // Core's sync methods throw it at once.
        const sync = syncOf(db);
        for (const call of [
          () => sync.get('', 'keep'),
          () => sync.doesExist('', 'keep'),
          () => sync.putSync('', 'k', 1),
          () => sync.removeSync('', 'keep'),
          () => sync.clearSync(''),
          () => sync.getRange(''),
          () => sync.getKeys(''),
          () => sync.getCount(''),
          () => sync.isScopeEmpty(''),
        ]) {
          throwsNow('EMPTY_SCOPE_NAME', call);
        }
      }
      await usable();
    });

    if (ctx.supports.views) {
      it('B02 db.scope("") is EMPTY_SCOPE_NAME, at once', async () => {
        const { db, usable } = await setup();
        throwsNow('EMPTY_SCOPE_NAME', () => db.scope(''));
        await usable();
      });
    }

    it('B03 B04 a number, object, array, boolean or bigint as the scope is INVALID_INPUT', async () => {
      const { db, usable } = await setup();
      for (const bad of [42, 0, {}, [], ['tenant'], true, 10n, { name: 'tenant' }] as never[]) {
        await refuses(
          'INVALID_INPUT',
          () => db.put(bad, 'k', 1),
          () => db.get(bad, 'keep'),
          () => db.remove(bad, 'keep'),
          () => db.getMany(bad, ['keep']),
          () => db.getRange(bad),
          () => db.getCount(bad),
          () => db.isScopeEmpty(bad),
          () => db.clearAsync(bad),
        );
        if (ctx.supports.views) throwsNow('INVALID_INPUT', () => db.scope(bad));
      }
      await usable();
    });

    it('B05 a scope name that is not well-formed UTF-16 (a lone or reversed surrogate) is INVALID_INPUT', async () => {
      const { db, usable } = await setup();
      for (const bad of ['\uD800', '\uDC00', 'a\uDC00\uD800b', `tenant${'\uD83D'}`]) {
        await refuses(
          'INVALID_INPUT',
          () => db.put(bad, 'k', 1),
          () => db.remove(bad, 'keep'),
          () => db.get(bad, 'keep'),
        );
        if (ctx.supports.views) throwsNow('INVALID_INPUT', () => db.scope(bad));
      }
      // A well-formed pair is a fine name.
      expect(await db.put('tenant-😀', 'k', 1)).toBe(true);
      expect(await db.get('tenant-😀', 'k')).toBe(1);
      await usable();
    });
  });
}

/** B07-B24: keys, values and options, in one scope (run through views too). */
export function badKeysAndValuesGroup(ctx: SuiteContext, run: ScopeRun): void {
  const [neighbour] = run.neighbours;
  const setup = async () => {
    const db = ctx.stringDb();
    const at = run.at(db);
    const checks = await seed(db, at, neighbour);
    return { db, at, ...checks };
  };

  describe('bad input: keys', () => {
    it('B07 an oversize key is KEY_TOO_LARGE for reads and writes; the limit itself works', async () => {
      const { at, usable } = await setup();
      const over = 'k'.repeat(MAX_KEY_BYTES + 1);
      await refuses(
        'KEY_TOO_LARGE',
        () => at.put(over, 1),
        () => at.putSync(over, 1),
        () => at.get(over),
        () => at.doesExist(over),
        () => at.remove(over),
        () => at.removeSync(over),
        () => at.getMany(['keep', over]),
        () => at.put('x'.repeat(100_000), 1),
      );
      const raw = run.at(ctx.bytesDb());
      await refuses(
        'KEY_TOO_LARGE',
        () => raw.put(new Uint8Array(MAX_KEY_BYTES + 1), 'v'),
        () => raw.get(new Uint8Array(MAX_KEY_BYTES + 1)),
      );
      expect(await raw.isEmpty()).toBe(true);
      const max = 'k'.repeat(MAX_KEY_BYTES);
      expect(await at.put(max, 'max')).toBe(true);
      expect(await at.get(max)).toBe('max');
      expect(await at.remove(max)).toBe(true);
      await usable();
    });

    it('B08 an oversize key as a range bound is KEY_TOO_LARGE', async () => {
      const { at, usable } = await setup();
      const over = 'z'.repeat(MAX_KEY_BYTES + 1);
      await refuses(
        'KEY_TOO_LARGE',
        () => at.getRange({ start: over }),
        () => at.getKeys({ end: over, reverse: true }),
        () => at.getCount({ start: 'a', end: over }),
      );
      await usable();
    });

    it('B09 a key under the limit in characters but over it in UTF-8 bytes is KEY_TOO_LARGE', async () => {
      const { at, usable } = await setup();
      const key = 'é'.repeat(MAX_KEY_BYTES / 2 + 1); // 986 characters, 1972 bytes
      expect(key.length).toBeLessThan(MAX_KEY_BYTES);
      await refuses(
        'KEY_TOO_LARGE',
        () => at.put(key, 1),
        () => at.putSync(key, 1),
        () => at.put('租'.repeat(700), 1),
      );
      await usable();
    });

    // With Supports.emptyKeys a named scope takes empty keys (groups/empty-keys.ts); the default scope never does.
    const emptyKeysRefused = !ctx.supports.emptyKeys || run.scope.isDefault;
    if (emptyKeysRefused)
      it('B10 an empty string key is INVALID_INPUT', async () => {
        const { at, usable } = await setup();
        await refuses(
          'INVALID_INPUT',
          () => at.put('', 1),
          () => at.putSync('', 1),
          () => at.get(''),
          () => at.doesExist(''),
          () => at.remove(''),
          () => at.getKeys({ start: '' }),
        );
        await usable();
      });

    if (emptyKeysRefused)
      it('B11 an empty byte key is INVALID_INPUT', async () => {
        const { usable } = await setup();
        const raw = run.at(ctx.database(codecs.bytes(), codecs.bytes()));
        await raw.put(bytes(1), bytes(1));
        await refuses(
          'INVALID_INPUT',
          () => raw.put(new Uint8Array(0), bytes(1)),
          () => raw.remove(new Uint8Array(0)),
          () => raw.get(new Uint8Array(0)),
        );
        expect(await raw.getCount()).toBe(1);
        expect(Buffer.from((await raw.get(bytes(1)))!)).toEqual(Buffer.from([1]));
        await usable();
      });

    it('B12 a key of the wrong type for its codec is ENCODING', async () => {
      const { at, usable } = await setup();
      for (const bad of [42, undefined, null, { k: 1 }, Uint8Array.of(1)] as never[]) {
        await refuses(
          'ENCODING',
          () => at.put(bad, 1),
          () => at.putSync(bad, 1),
          () => at.get(bad),
          () => at.remove(bad),
        );
      }
      await refuses('ENCODING', () => at.getRange({ start: 5 as never }));
      await usable();
    });

    it('B13 a key the ordered-binary codec cannot order (NaN, a nested array, an object, a symbol) is ENCODING', async () => {
      const { usable } = await setup();
      const keyed = run.at(ctx.database(codecs.key(), codecs.json<unknown>()));
      await keyed.put(['a', 1], 'kept');
      for (const bad of [Number.NaN, [['nested']], { a: 1 }, Symbol.for('x')] as never[]) {
        await refuses(
          'ENCODING',
          () => keyed.put(bad, 1),
          () => keyed.get(bad),
        );
      }
      expect(await keyed.get(['a', 1])).toBe('kept');
      expect(await keyed.getCount()).toBe(1);
      await usable();
    });
  });

  describe('bad input: values and codecs', () => {
    it('B14 a value JSON cannot encode (undefined, bigint, function, symbol) is ENCODING; nothing is written', async () => {
      const { at, usable } = await setup();
      for (const bad of [undefined, 10n, () => 1, Symbol.for('v'), { big: 1n }]) {
        await refuses(
          'ENCODING',
          () => at.put('keep', bad),
          () => at.put('new', bad),
          () => at.putSync('new', bad),
        );
      }
      expect(await at.doesExist('new')).toBe(false);
      await usable();
    });

    it('B15 a cyclic value is ENCODING, and the previous value under that key is kept', async () => {
      const { at, usable } = await setup();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await refuses(
        'ENCODING',
        () => at.put('keep', cyclic),
        () => at.putSync('keep', cyclic),
      );
      await usable();
    });

    it('B16 a value or key that is not bytes in a bytes database is ENCODING', async () => {
      const { usable } = await setup();
      const raw = run.at(ctx.database(codecs.bytes(), codecs.bytes()));
      await raw.put(bytes(1), bytes(9));
      for (const bad of ['text', 1, [1, 2], new ArrayBuffer(2), null] as never[]) {
        await refuses(
          'ENCODING',
          () => raw.put(bytes(2), bad),
          () => raw.put(bad, bytes(2)),
        );
      }
      expect(await raw.getCount()).toBe(1);
      expect(Buffer.from((await raw.get(bytes(1)))!)).toEqual(Buffer.from([9]));
      await usable();
    });

    it('B17 a custom codec that throws, or returns something other than bytes, is ENCODING with the cause kept', async () => {
      const { usable } = await setup();
      const boom = new Error('boom');
      const fragile: Codec<string> = {
        name: 'fragile',
        encode: (value) => {
          if (value === 'bad') throw boom;
          if (value === 'liar') return 'not bytes' as never;
          return Buffer.from(value);
        },
        decode: (data) => Buffer.from(data).toString(),
      };
      const custom = run.at(ctx.database(codecs.string(), fragile));
      await custom.put('k', 'fine');
      await expect(custom.put('k', 'bad')).rejects.toMatchObject({ name: 'ScopedDbError', code: 'ENCODING', cause: boom });
      await refuses(
        'ENCODING',
        () => custom.put('k', 'liar'),
        () => custom.putSync('k', 'liar'),
      );
      expect(await custom.get('k')).toBe('fine');
      expect(await custom.getCount()).toBe(1);
      await usable();
    });
  });

  describe('bad input: options and arguments', () => {
    it('B22 range options that are not an object are INVALID_INPUT', async () => {
      const { at, usable } = await setup();
      for (const bad of [5, 'start', null, true] as never[]) {
        await refuses(
          'INVALID_INPUT',
          () => at.getRange(bad),
          () => at.getKeys(bad),
          () => at.getCount(bad),
        );
      }
      await usable();
    });

    it('B23 a limit or offset that is negative, fractional, NaN, infinite or a string is INVALID_INPUT', async () => {
      const { at, usable } = await setup();
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2'] as never[]) {
        await refuses(
          'INVALID_INPUT',
          () => at.getKeys({ limit: bad }),
          () => at.getRange({ offset: bad }),
          () => at.getCount({ offset: bad }),
          () => at.getCount({ limit: bad }),
        );
      }
      // The message shows a string as a string.
      await expect(collect(at.getKeys({ limit: '5' as never }))).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('"5"'),
      });
      expect(await collect(at.getKeys({ limit: 0 }))).toEqual([]);
      await usable();
    });

    it('B88 a reverse, inclusiveEnd or exclusiveStart that is not a boolean is INVALID_INPUT', async () => {
      const { at, usable } = await setup();
      for (const bad of [1, 'yes', null, {}] as never[]) {
        await refuses(
          'INVALID_INPUT',
          () => at.getRange({ reverse: bad }),
          () => at.getKeys({ inclusiveEnd: bad }),
          () => at.getCount({ exclusiveStart: bad }),
        );
      }
      expect(await collect(at.getKeys({ reverse: false, limit: 0 }))).toEqual([]);
      await usable();
    });

    it('B24 getMany with something other than an array is INVALID_INPUT', async () => {
      const { at, usable } = await setup();
      for (const bad of ['keep', undefined, { 0: 'keep', length: 1 }, new Set(['keep'])] as never[]) {
        await refuses('INVALID_INPUT', () => at.getMany(bad));
      }
      await usable();
    });
  });
}

/** B20, B25, B27: database names and codecs, refused when the database is opened or first used. */
export function badDatabasesGroup(ctx: SuiteContext): void {
  describe('bad input: databases', () => {
    const usable = async () => {
      const db = ctx.stringDb();
      expect(await db.put('tenant', 'k', 1)).toBe(true);
      expect(await db.get('tenant', 'k')).toBe(1);
    };

    it('B25 a database name that is empty, reserved, not a string or malformed is INVALID_INPUT', async () => {
      for (const bad of ['', '__mine', 'orders_scoped', 42, null, '\uD800'] as never[]) {
        await refusesDatabase('INVALID_INPUT', () => ctx.backend.database(bad, codecs.string(), codecs.json<unknown>()));
      }
      await usable();
    });

    it('B27 a codec that is not { name, encode, decode } is INVALID_INPUT', async () => {
      const bads = [null, {}, { name: '', encode: () => 0, decode: () => 0 }, { name: 'x', encode: 1, decode: () => 0 }, 'json'] as never[];
      for (const bad of bads) {
        await refusesDatabase('INVALID_INPUT', () => ctx.backend.database(ctx.freshName(), codecs.string(), bad));
        await refusesDatabase('INVALID_INPUT', () => ctx.backend.database(ctx.freshName(), bad, codecs.json<unknown>()));
      }
      await usable();
    });

    it('B20 reopening with another value or key codec is CODEC_MISMATCH; the data still reads with the right ones', async () => {
      const name = ctx.freshName();
      const first = ctx.backend.database(name, codecs.string(), codecs.json<unknown>());
      await first.put('tenant', 'keep', { kept: 1 });
      const other: Codec<unknown> = { name: 'other', encode: (v) => Buffer.from(String(v)), decode: (b) => Buffer.from(b).toString() };
      await refusesDatabase('CODEC_MISMATCH', () => ctx.backend.database(name, codecs.string(), other));
      await refusesDatabase('CODEC_MISMATCH', () =>
        ctx.backend.database(name, codecs.key() as unknown as Codec<string>, codecs.json<unknown>()),
      );
      const again = ctx.backend.database(name, codecs.string(), codecs.json<unknown>());
      expect(await again.get('tenant', 'keep')).toEqual({ kept: 1 });
      expect(await again.getCount('tenant')).toBe(1);
      expect(await first.get('tenant', 'keep')).toEqual({ kept: 1 });
      await usable();
    });
  });
}
