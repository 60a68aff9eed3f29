/**
 * Behaviour every backend shares, written once against core's async contract:
 * isolation, order, ranges, clear, count, bad input and codec errors.
 * Each test opens its own database name, so no test depends on another's data.
 */
import { type Codec, codecs, MAX_KEY_BYTES, Scope, type ScopedDbErrorCode, type ScopeLike } from '@scoped-lmdb/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopedDatabaseSuiteOptions, SuiteBackend, SuiteDatabase } from './backend.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejectsWith(run: () => Promise<unknown> | AsyncIterable<unknown>, code: ScopedDbErrorCode): Promise<void> {
  let result: Promise<unknown> | AsyncIterable<unknown>;
  try {
    result = run();
  } catch (error) {
    throw new Error(`expected a rejection with ${code}, but the call threw synchronously: ${String(error)}`);
  }
  const settled = Symbol.asyncIterator in result ? collect(result) : result;
  await expect(settled).rejects.toMatchObject({ name: 'ScopedDbError', code });
}

/** Scope names whose ids sit at the edges of the 64-bit space (where a wrong bound bleeds into a neighbour). */
function edgeScope(prefix: string, test: (id: Uint8Array) => boolean): string {
  for (let i = 0; ; i++) {
    if (test(Scope.named(`${prefix}${i}`).id!)) return `${prefix}${i}`;
  }
}

const byteOrder = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
const bytes = (...values: number[]) => new Uint8Array(values);
const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');

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

/**
 * Registers the behaviour every scoped-database backend shares as vitest tests, under
 * `describe(label)`. Call it at the top level of a test file, once per backend:
 *
 *   describeScopedDatabase('my backend', { open: () => openMine(), supports: { ... } });
 */
export function describeScopedDatabase(label: string, options: ScopedDatabaseSuiteOptions): void {
  describe(`scoped database: ${label}`, () => {
    let backend: SuiteBackend;
    let counter = 0;
    beforeAll(async () => {
      backend = await options.open();
    });
    afterAll(async () => {
      await backend?.close?.();
    });
    const stringDb = () => backend.database(`t${++counter}`, codecs.string(), codecs.json<unknown>());
    const bytesDb = () => backend.database(`t${++counter}`, codecs.bytes(), codecs.string());

    const named = ['a', 'b', '租户', 'user:12345', 'x'.repeat(1000)];
    const edges = [
      edgeScope('lo-', (id) => id[0] === 0x00),
      edgeScope('hi-', (id) => id[0] === 0xff),
      edgeScope('carry-', (id) => id[7] === 0xff),
    ];
    const allScopes: ScopeLike[] = [null, ...named, ...edges];

    describe('isolation', () => {
      it('keeps the same key apart in every scope', async () => {
        const db = stringDb();
        for (const [i, s] of allScopes.entries()) await db.put(s, 'k', { i });
        for (const [i, s] of allScopes.entries()) expect(await db.get(s, 'k')).toEqual({ i });
        expect(await db.get('never-written', 'k')).toBeUndefined();
      });

      it('removes in one scope only, reporting whether the key existed', async () => {
        const db = stringDb();
        for (const s of allScopes) await db.put(s, 'k', 1);
        expect(await db.remove('a', 'k')).toBe(true);
        expect(await db.remove('a', 'k')).toBe(false);
        expect(await db.removeSync('b', 'missing')).toBe(false);
        expect(await db.get('a', 'k')).toBeUndefined();
        for (const s of allScopes.filter((s) => s !== 'a')) expect(await db.get(s, 'k')).toBe(1);
      });

      it('clears one scope of one database and nothing else', async () => {
        const db = stringDb();
        const other = stringDb();
        for (const s of allScopes) {
          for (const k of ['x', 'y', 'z']) await db.put(s, k, k);
          await other.put(s, 'x', 'other');
        }
        for (const s of edges) {
          expect(await db.clearAsync(s)).toBe(3);
          expect(await db.getCount(s)).toBe(0);
        }
        expect(await db.clearSync(null)).toBe(3);
        expect(await db.clearAsync('never-written')).toBe(0);
        for (const s of ['a', 'b', '租户']) expect(await collect(db.getKeys(s))).toEqual(['x', 'y', 'z']);
        for (const s of allScopes) expect(await other.get(s, 'x')).toBe('other');
      });

      it('ranges and counts stay inside the scope at the edges of the id space', async () => {
        const db = bytesDb();
        const keys = [bytes(0x00), bytes(0x00, 0x00), bytes(0x7f), bytes(0xff), bytes(0xff, 0xff)];
        for (const s of allScopes) for (const k of keys) await db.put(s, k, String(s));
        for (const s of allScopes) {
          const forward = await collect(db.getRange(s));
          expect(forward.map((e) => hex(e.key))).toEqual(keys.map(hex));
          expect(forward.every((e) => e.value === String(s))).toBe(true);
          expect((await collect(db.getKeys(s, { reverse: true }))).map(hex)).toEqual(keys.map(hex).reverse());
          expect(await db.getCount(s)).toBe(keys.length);
        }
      });

      it('tells whether a scope is empty', async () => {
        const db = stringDb();
        expect(await db.isScopeEmpty('a')).toBe(true);
        await db.put('a', 'k', 1);
        expect(await db.isScopeEmpty('a')).toBe(false);
        expect(await db.isScopeEmpty('b')).toBe(true);
        expect(await db.isScopeEmpty(null)).toBe(true);
        await db.remove('a', 'k');
        expect(await db.isScopeEmpty('a')).toBe(true);
      });

      // A backend without views gets no test that needs one (Supports.views).
      if (options.supports.views)
        it('views are confined to their scope', async () => {
          const db = stringDb();
          const view = db.scope('tenant-1');
          expect(view.scope.equals('tenant-1')).toBe(true);
          expect(await view.isEmpty()).toBe(true);
          await view.put('k', 'mine');
          await db.put('tenant-2', 'k', 'theirs');
          expect(await view.get('k')).toBe('mine');
          expect(await collect(view.getKeys())).toEqual(['k']);
          expect(await view.getCount()).toBe(1);
          expect(await db.get(null, 'k')).toBeUndefined();
          expect(await view.clearAsync()).toBe(1);
          expect(await view.isEmpty()).toBe(true);
          expect(await db.get('tenant-2', 'k')).toBe('theirs');
          expect(db.scope(null).scope.isDefault).toBe(true);
        });
    });

    describe('order', () => {
      it('walks string keys in UTF-8 byte order, not by length', async () => {
        const db = stringDb();
        const keys = ['b', 'a', 'aa', 'ab', 'B', 'é', 'z', 'a\u0000', '租'];
        for (const k of keys) await db.put('s', k, k);
        const expected = [...keys].sort((x, y) => byteOrder(Buffer.from(x), Buffer.from(y)));
        expect(expected.slice(0, 3)).toEqual(['B', 'a', 'a\u0000']);
        expect(await collect(db.getKeys('s'))).toEqual(expected);
        expect(await collect(db.getKeys('s', { reverse: true }))).toEqual([...expected].reverse());
      });

      it('walks ordered-binary keys in value order', async () => {
        const db = backend.database(`t${++counter}`, codecs.key(), codecs.json<number>());
        const keys = [100, -5, 2, 10, 1.5, 0, -0.25, 'b', 'a'];
        for (const [i, k] of keys.entries()) await db.put('n', k, i);
        expect(await collect(db.getKeys('n'))).toEqual([-5, -0.25, 0, 1.5, 2, 10, 100, 'a', 'b']);
        expect(await collect(db.getKeys('n', { start: 1, end: 100 }))).toEqual([1.5, 2, 10]);
      });

      it('streams a large scope in order and counts it', async () => {
        const db = bytesDb();
        const n = 1_200;
        const view = db.scope('big');
        // Writes in parallel: order must come from the keys, not from the writes.
        await Promise.all(Array.from({ length: n }, (_, i) => view.put(bytes(i >> 8, i & 0xff), String(i))));
        const keys = await collect(view.getKeys());
        expect(keys.length).toBe(n);
        expect(keys.every((k, i) => k[0] === i >> 8 && k[1] === (i & 0xff))).toBe(true);
        expect(await view.getCount()).toBe(n);
        expect(await view.getCount({ offset: 1_000 })).toBe(200);
        const tail = await collect(db.getRange('big', { reverse: true, limit: 3 }));
        expect(tail.map((e) => e.value)).toEqual(['1199', '1198', '1197']);
      });
    });

    describe('ranges', () => {
      let db: SuiteDatabase<string, unknown>;
      beforeAll(async () => {
        db = stringDb();
        for (const k of ['a', 'b', 'c', 'd', 'e']) await db.put('r', k, k.toUpperCase());
        // Neighbours that a loose bound would pick up.
        for (const s of [null, 'q', 's']) for (const k of ['a', 'c', 'f']) await db.put(s, k, 'neighbour');
      });
      const keysOf = (options: object) => collect(db.getKeys('r', options));

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
        expect(await db.getCount('r', { offset: 1, limit: 2 })).toBe(2);
        expect(await db.getCount('r', { offset: 4, limit: 2 })).toBe(1);
        expect(await db.getCount('r', { limit: 0 })).toBe(0);
      });

      it('yields values with their keys, and a range can be walked twice', async () => {
        const range = db.getRange('r', { start: 'c' });
        const first = await collect(range);
        expect(first).toEqual([
          { key: 'c', value: 'C' },
          { key: 'd', value: 'D' },
          { key: 'e', value: 'E' },
        ]);
        expect(await collect(range)).toEqual(first);
      });

      it('getCount counts what getKeys yields, for any options', async () => {
        const data = bytesDb();
        const stored = new Map<string, Uint8Array>();
        const key = fc.uint8Array({ minLength: 1, maxLength: 3, max: 4 }).map((k) => k.map((b) => [0x00, 0x01, 0x7f, 0xfe, 0xff][b]!));
        for (const k of fc.sample(key, { numRuns: 60, seed: 7 })) stored.set(hex(k), k);
        for (const k of stored.values()) await data.put('p', k, hex(k));
        for (const s of [null, edges[0], edges[1]]) await data.put(s, bytes(0x01), 'neighbour');
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
            expect((await collect(data.getKeys('p', o))).map(hex)).toEqual(expected);
            expect(await data.getCount('p', o)).toBe(expected.length);
          }),
          { numRuns: 150, seed: 42 },
        );
      });
    });

    describe('reads and writes', () => {
      it('getMany answers in the order of the keys', async () => {
        const db = stringDb();
        await db.put('m', 'a', 1);
        await db.putSync('m', 'c', 3);
        expect(await db.getMany('m', ['c', 'missing', 'a', 'c'])).toEqual([3, undefined, 1, 3]);
        expect(await db.getMany('m', [])).toEqual([]);
        expect(await db.getMany('other', ['a'])).toEqual([undefined]);
      });

      it('doesExist and put overwrite', async () => {
        const db = stringDb();
        expect(await db.doesExist('e', 'k')).toBe(false);
        expect(await db.put('e', 'k', 1)).toBe(true);
        expect(await db.put('e', 'k', 2)).toBe(true);
        expect(await db.doesExist('e', 'k')).toBe(true);
        expect(await db.doesExist('f', 'k')).toBe(false);
        expect(await db.get('e', 'k')).toBe(2);
        expect(await db.getCount('e')).toBe(1);
      });

      it('keeps binary keys and values byte for byte', async () => {
        const db = backend.database(`t${++counter}`, codecs.bytes(), codecs.bytes());
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
        const db = bytesDb();
        const key = new Uint8Array(MAX_KEY_BYTES).fill(0x61);
        await db.put('big-key', key, 'ok');
        expect(await db.get('big-key', key)).toBe('ok');
      });
    });

    describe('bad input', () => {
      it('rejects the empty scope name and non-scopes, never throwing synchronously', async () => {
        const db = stringDb();
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
        const db = bytesDb();
        const tooLarge = new Uint8Array(MAX_KEY_BYTES + 1).fill(1);
        await rejectsWith(() => db.put('k', new Uint8Array(), 'v'), 'INVALID_INPUT');
        await rejectsWith(() => db.put('k', tooLarge, 'v'), 'KEY_TOO_LARGE');
        await rejectsWith(() => db.get('k', tooLarge), 'KEY_TOO_LARGE');
        await rejectsWith(() => db.remove('k', tooLarge), 'KEY_TOO_LARGE');
        await rejectsWith(() => db.getMany('k', [bytes(1), tooLarge]), 'KEY_TOO_LARGE');
        await rejectsWith(() => stringDb().put(null, '', 1), 'INVALID_INPUT');
        expect(await db.isScopeEmpty('k')).toBe(true);
      });

      it('rejects bad range options', async () => {
        const db = stringDb();
        await rejectsWith(() => db.getKeys(null, { limit: -1 }), 'INVALID_INPUT');
        await rejectsWith(() => db.getKeys(null, { offset: 1.5 }), 'INVALID_INPUT');
        await rejectsWith(() => db.getCount(null, { limit: Number.NaN }), 'INVALID_INPUT');
        await rejectsWith(() => db.getRange(null, 'all' as never), 'INVALID_INPUT');
        await rejectsWith(() => db.getMany(null, 'k' as never), 'INVALID_INPUT');
      });
    });

    describe('codec errors', () => {
      it('a value the codec cannot encode is ENCODING, and nothing is written', async () => {
        const db = stringDb();
        await rejectsWith(() => db.put('c', 'k', { n: 1n }), 'ENCODING');
        await rejectsWith(() => db.put('c', 'k', undefined), 'ENCODING');
        expect(await db.isScopeEmpty('c')).toBe(true);
        expect(await db.doesExist('c', 'k')).toBe(false);
        await db.put('c', 'k', 'fine');
        expect(await db.get('c', 'k')).toBe('fine');
      });

      it('checks a write in one order on every backend: scope, value, key', async () => {
        const db = stringDb();
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
        const db = stringDb();
        await rejectsWith(() => db.put('c', 42 as never, 1), 'ENCODING');
        await rejectsWith(() => db.get('c', '\ud800'), 'ENCODING');
        await rejectsWith(() => db.getKeys('c', { start: 7 as never }), 'ENCODING');
        const keyDb = backend.database(`t${++counter}`, codecs.key(), codecs.json<number>());
        await rejectsWith(() => keyDb.put('c', { no: 'objects' } as never, 1), 'ENCODING');
        await rejectsWith(() => keyDb.put('c', Number.NaN, 1), 'ENCODING');
      });

      it('a value that fails to decode is ENCODING, and the database keeps working', async () => {
        const db = backend.database(`t${++counter}`, codecs.string(), fragileJson);
        await db.put('d', 'bad', '!boom');
        await db.put('d', 'good', 'fine');
        await rejectsWith(() => db.get('d', 'bad'), 'ENCODING');
        await rejectsWith(() => db.getMany('d', ['good', 'bad']), 'ENCODING');
        await rejectsWith(() => db.getRange('d'), 'ENCODING');
        expect(await db.get('d', 'good')).toBe('fine');
        expect(await collect(db.getKeys('d'))).toEqual(['bad', 'good']);
      });

      it('a decode failure names the call, the database, the scope and the key, alike on every backend', async () => {
        const name = `t${++counter}`;
        const db = backend.database(name, fragileKeys, fragileJson);
        await db.put('d', 'bad', '!boom');
        await db.put(null, '!key', 'fine');
        const failure = (where: string) => ({ code: 'ENCODING', message: expect.stringMatching(new RegExp(`^${where}: codec "fragile-`)) });
        await expect(db.get('d', 'bad')).rejects.toMatchObject(failure(`get in "${name}", scope "d", key "bad"`));
        await expect(db.getMany('d', ['bad'])).rejects.toMatchObject(failure(`getMany in "${name}", scope "d", key "bad"`));
        await expect(collect(db.getRange('d'))).rejects.toMatchObject(failure(`getRange in "${name}", scope "d", key "bad"`));
        await expect(collect(db.getKeys(null))).rejects.toMatchObject(failure(`getKeys in "${name}", the default scope, key "!key"`));
      });
    });
  });
}
