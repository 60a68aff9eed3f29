import type { RootDatabase } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { codecs, type RangeOptions, Scope, type ScopedDatabase, scopedDatabaseOptions } from '../src/index.js';
import { bytes, edgeScopeNames, tempEnv } from './helpers.js';

const rawDb = (name = 'raw') => scopedDatabaseOptions(tempEnv()).rawBytes().name(name).create();

describe('isolation', () => {
  it('keeps the same key apart in every scope, DEFAULT included', async () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.string()).name('iso').create();
    const scopes = [null, 'a', 'b', edgeScopeNames.startsWith00, edgeScopeNames.startsWithFF];
    for (const s of scopes) db.putSync(s, 'k', `v-${s}`);
    for (const s of scopes) {
      expect(db.get(s, 'k')).toBe(`v-${s}`);
      expect(db.getCount(s)).toBe(1);
      expect([...db.getKeys(s)]).toEqual(['k']);
    }
    expect(db.get('never-written', 'k')).toBeUndefined();
    expect(db.doesExist('a', 'k')).toBe(true);
    expect(db.doesExist('never-written', 'k')).toBe(false);
    expect(await db.getMany('a', ['k', 'missing', 'k'])).toEqual(['v-a', undefined, 'v-a']);
  });

  it('clears one scope only and reports how many entries it removed', async () => {
    const db = rawDb();
    const names = [edgeScopeNames.endsWithFF, edgeScopeNames.endsWithFFFF, 'x', null];
    for (const s of names) for (let i = 0; i < 30; i++) db.putSync(s, bytes(i), bytes(i));
    expect(db.clearSync(edgeScopeNames.endsWithFF)).toBe(30);
    expect(db.isScopeEmpty(edgeScopeNames.endsWithFF)).toBe(true);
    expect(await db.clearAsync(edgeScopeNames.endsWithFFFF)).toBe(30);
    expect(db.clearSync(edgeScopeNames.endsWithFFFF)).toBe(0);
    expect(db.getCount('x')).toBe(30);
    expect(db.getCount(null)).toBe(30);
    expect(db.clearSync(null)).toBe(30);
    expect(db.getCount('x')).toBe(30);
  });

  it('gives views that cannot reach another scope', async () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.json<number>()).name('views').create();
    const a = db.scope('a');
    const b = db.scope('b');
    a.putSync('k', 1);
    await b.put('k', 2);
    expect(a.scope.name).toBe('a');
    expect(a.get('k')).toBe(1);
    expect(b.get('k')).toBe(2);
    expect(a.clearSync()).toBe(1);
    expect(a.isEmpty()).toBe(true);
    expect(b.isEmpty()).toBe(false);
    expect(await b.remove('k')).toBe(true);
    expect(b.getCount()).toBe(0);
  });
});

describe('key order inside a scope', () => {
  it('orders byte keys lexicographically, including keys that start with 0x00', () => {
    const db = rawDb();
    const keys = [bytes(0xff), bytes(0), bytes(0, 0), bytes(1), bytes(0, 1), bytes(0x80, 0), bytes(2, 0xff, 0xff)];
    for (const s of [null, 'tenant', edgeScopeNames.endsWithFFFF]) {
      for (const key of keys) db.putSync(s, key, key);
      const sorted = [...keys].sort(Buffer.compare);
      expect([...db.getKeys(s)]).toEqual(sorted);
      expect([...db.getKeys(s, { reverse: true })]).toEqual([...sorted].reverse());
      expect(db.getCount(s)).toBe(keys.length);
    }
  });

  it('orders string keys by text, not by length', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.string()).name('strings').create();
    for (const key of ['b', 'ab', 'aa', 'a']) db.putSync('s', key, key);
    expect([...db.getKeys('s')]).toEqual(['a', 'aa', 'ab', 'b']);
  });

  it('orders numbers numerically with codecs.key()', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.key(), codecs.json()).name('numbers').create();
    const numbers = [10, -5, 2.5, 0, 100, -100, 3];
    for (const n of numbers) db.putSync('s', n, n);
    expect([...db.getKeys('s')]).toEqual([...numbers].sort((x, y) => x - y));
    db.putSync('s', ['user', 2], 'x');
    db.putSync('s', ['user', 10], 'y');
    expect([...db.getKeys('s', { start: ['user'] })]).toEqual([
      ['user', 2],
      ['user', 10],
    ]);
  });
});

describe('range options follow lmdb-js inside the scope', () => {
  const keys = [0, 1, 2, 5, 9, 10, 11, 200, 255].map((n) => bytes(n));
  const optionSets: RangeOptions<Uint8Array>[] = [
    {},
    { start: bytes(2) },
    { end: bytes(10) },
    { start: bytes(2), end: bytes(10) },
    { start: bytes(2), end: bytes(10), inclusiveEnd: true },
    { start: bytes(2), end: bytes(10), exclusiveStart: true },
    { start: bytes(3), end: bytes(10) },
    { reverse: true },
    { reverse: true, start: bytes(10) },
    { reverse: true, start: bytes(10), end: bytes(1) },
    { reverse: true, start: bytes(10), end: bytes(1), inclusiveEnd: true, exclusiveStart: true },
    { reverse: true, end: bytes(5) },
    { limit: 3 },
    { offset: 2 },
    { offset: 2, limit: 3 },
    { reverse: true, offset: 1, limit: 2 },
    { start: bytes(9), limit: 0 },
    { offset: 100 },
  ];

  it.each(optionSets.map((o) => [JSON.stringify(o, (_, v) => (v instanceof Uint8Array ? [...v] : v)), o] as const))(
    'matches a plain lmdb-js table for %s',
    (_label, options) => {
      const env = tempEnv();
      const plain = env.openDB('plain', { keyEncoding: 'binary', encoding: 'binary' });
      const db = scopedDatabaseOptions(env).rawBytes().name('scoped').create();
      for (const key of keys) {
        plain.putSync(key, key);
        for (const s of ['neighbour-1', edgeScopeNames.endsWithFF, 'neighbour-2', null]) db.putSync(s, key, key);
      }
      // Raw lmdb-js drops [0x00] from a reverse scan without `end`; we do not, so compare to the full answer.
      const expected = [...plain.getKeys({ ...options, ...(options.reverse && !options.end ? { end: undefined } : {}) } as never)].map(
        (k) => [...(k as Uint8Array)],
      );
      for (const s of [edgeScopeNames.endsWithFF, null]) {
        expect([...db.getKeys(s, options)].map((k) => [...k])).toEqual(expected);
        expect([...db.getRange(s, options)].map(({ value }) => [...value])).toEqual(expected);
        expect(db.getCount(s, options)).toBe(expected.length);
      }
    },
  );

  it('rejects bad range options with INVALID_INPUT', () => {
    const db = rawDb();
    for (const bad of [{ limit: -1 }, { offset: 1.5 }, { limit: Number.NaN }, 'nope']) {
      expect(() => db.getKeys('s', bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      expect(() => db.getCount('s', bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('writes', () => {
  it('reports whether remove found the key (raw lmdb-js resolves true either way)', async () => {
    const db = rawDb();
    await db.put('s', bytes(1), bytes(1));
    expect(await db.remove('s', bytes(1))).toBe(true);
    expect(await db.remove('s', bytes(1))).toBe(false);
    expect(db.putSync('s', bytes(2), bytes(2))).toBe(true);
    expect(db.removeSync('s', bytes(2))).toBe(true);
    expect(db.removeSync('s', bytes(2))).toBe(false);
  });

  it('joins transactionSync and rolls back every scope when it throws', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.string()).name('tx').create();
    db.putSync('a', 'kept', 'yes');
    expect(() =>
      db.transactionSync(() => {
        db.putSync('a', 'k', '1');
        db.putSync('b', 'k', '2');
        db.removeSync('a', 'kept');
        expect(db.get('b', 'k')).toBe('2'); // reads inside see the transaction's writes
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(db.get('a', 'k')).toBeUndefined();
    expect(db.get('b', 'k')).toBeUndefined();
    expect(db.get('a', 'kept')).toBe('yes');
  });

  it('commits async transactions across scopes together', async () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.string()).name('tx').create();
    const result = await db.transaction(() => {
      db.putSync('a', 'k', '1');
      void db.put('b', 'k', '2');
      return 'done';
    });
    expect(result).toBe('done');
    expect(db.get('a', 'k')).toBe('1');
    expect(db.get('b', 'k')).toBe('2');
  });

  // lmdb-js would keep the write transaction open until a returned promise settles (the write
  // lock held across turns, and env.close() never settling when it rejects).
  describe.each([{ useWritemap: false }, { useWritemap: true }])('an async callback (useWritemap: $useWritemap)', (options) => {
    const closes = (env: RootDatabase) =>
      Promise.race([env.close().then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 2000, 'still open'))]);

    it('commits the writes made before its first await at its place; the result is its value', async () => {
      const env = tempEnv(options);
      const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('tx').create();
      let resume!: () => void;
      const gate = new Promise<void>((resolve) => (resume = resolve));
      const result = db.transaction(async () => {
        db.putSync('a', 'before', '1');
        await gate;
        return 'done';
      });
      const next = db.put('a', 'next', '2');
      expect(await next).toBe(true);
      // Committed while the callback still waits: the transaction did not stay open.
      expect(db.get('a', 'before')).toBe('1');
      db.putSync('a', 'sync', '3');
      resume();
      expect(await result).toBe('done');
      expect(await closes(env)).toBe('closed');
    });

    it('rejects with what its promise rejects with; the writes before the await stay; the env closes', async () => {
      const env = tempEnv(options);
      const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('tx').create();
      const result = db.transaction(async () => {
        db.putSync('a', 'before', '1');
        await null;
        throw new Error('late');
      });
      await expect(result).rejects.toThrow('late');
      expect(db.get('a', 'before')).toBe('1');
      expect(await db.put('a', 'after', '2')).toBe(true);
      expect(await closes(env)).toBe('closed');
    });
  });

  it('never hands out LMDB’s reused buffer', () => {
    const db = rawDb();
    db.putSync('s', bytes(1), bytes(1, 1, 1));
    db.putSync('s', bytes(2), bytes(2, 2));
    const first = db.get('s', bytes(1)) as Uint8Array;
    const second = db.get('s', bytes(2)) as Uint8Array;
    expect([...first]).toEqual([1, 1, 1]);
    expect([...second]).toEqual([2, 2]);
    const [entry] = [...db.getRange('s', { limit: 1 })];
    expect(entry && [...entry.value]).toEqual([1, 1, 1]);
  });
});

describe('registry-dependent methods', () => {
  it('need a registry', () => {
    const db: ScopedDatabase<Uint8Array, Uint8Array> = rawDb();
    for (const call of [() => db.listScopes(), () => db.findEmptyScopes(), () => db.registerScope('a')]) {
      expect(call).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('every ScopedDatabase is a ScopeEmptinessChecker', () => {
  it('answers isScopeEmpty for DEFAULT and named scopes', () => {
    const db = rawDb();
    expect(db.isScopeEmpty(null)).toBe(true);
    expect(db.isScopeEmpty(Scope.named('a'))).toBe(true);
    db.putSync(null, bytes(0), bytes(0));
    db.putSync(edgeScopeNames.endsWithFF, bytes(0), bytes(0));
    expect(db.isScopeEmpty(null)).toBe(false);
    expect(db.isScopeEmpty(edgeScopeNames.endsWithFF)).toBe(false);
    expect(db.isScopeEmpty('a')).toBe(true);
  });
});
