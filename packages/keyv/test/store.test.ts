// What the store promises beyond keyv's own suite, on both backends: the namespace is the scope,
// clear() and iterator() stay inside it, keyv's TTL rules hold, and bad input is a ScopedDbError.
import { codecs, isScopedDbError, ScopedDbError } from '@scoped-lmdb/core';
import Keyv, { type KeyvOptions } from 'keyv';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KeyvScopedDatabase, KeyvScopedStore } from '../src/index.js';
import { type Backend, useBackends } from './support/backends.js';

const backends = useBackends();

/** Everything a scope holds, in key order. */
async function entriesOf<V>(db: KeyvScopedDatabase<V>, scope: string | null): Promise<Array<[string, V]>> {
  const entries: Array<[string, V]> = [];
  for await (const { key, value } of db.getRange(scope)) entries.push([key, value]);
  return entries;
}

/** keyv's iterator(): keyv generates it for the store (its type takes an argument the function ignores). */
function iterate(keyv: Keyv): AsyncIterable<unknown> {
  if (!keyv.iterator) throw new Error('keyv generated no iterator() for the store');
  return keyv.iterator(undefined);
}

/** Collects an async iterable. */
async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

for (const backend of [backends.lmdb, backends.redis] satisfies Backend[]) {
  describe(`KeyvScopedStore on ${backend.name}`, () => {
    let db: KeyvScopedDatabase<string>;
    let run = 0;
    /** A namespace no other test uses (the database is shared by the file's tests). */
    const ns = (name: string) => `${name}-${run}`;
    /** A keyv on its own store; `serialized: false` turns keyv's serializer off (its setters take undefined, its options do not). */
    const keyvIn = (namespace: string | undefined, options: KeyvOptions & { serialized?: false } = {}) => {
      const { serialized, ...rest } = options;
      const keyv = new Keyv({ ...rest, store: new KeyvScopedStore(db), ...(namespace === undefined ? {} : { namespace }) });
      if (namespace === undefined) keyv.namespace = undefined;
      if (serialized === false) {
        keyv.serialize = undefined;
        keyv.deserialize = undefined;
      }
      return keyv;
    };

    beforeAll(() => {
      db = backend.database('keyv-store', codecs.string());
    });
    afterEach(async () => {
      run++;
      vi.useRealTimers();
      await db.clearAsync(null);
    });

    it("stores keyv's namespace as a scope: the key as keyv hands it, the value as keyv serialized it", async () => {
      const a = keyvIn(ns('tenant-a'));
      expect(await a.set('foo', { n: 1 })).toBe(true);
      expect(await entriesOf(db, ns('tenant-a'))).toEqual([[`${ns('tenant-a')}:foo`, '{"value":{"n":1}}']]);
      expect(await db.getCount(ns('tenant-b'))).toBe(0);
      expect(await db.isScopeEmpty(null)).toBe(true);
      expect(await a.get('foo')).toEqual({ n: 1 });
    });

    it('the same key in two namespaces is two entries, one per scope', async () => {
      const a = keyvIn(ns('tenant-a'));
      const b = keyvIn(ns('tenant-b'));
      await Promise.all([a.set('k', 'from a'), b.set('k', 'from b')]);
      expect([await a.get('k'), await b.get('k')]).toEqual(['from a', 'from b']);
      expect(await a.delete('k')).toBe(true);
      expect(await a.delete('k')).toBe(false);
      expect(await b.get('k')).toBe('from b');
    });

    it('clear() clears its own scope only: other namespaces, the DEFAULT scope and direct writes stay', async () => {
      const a = keyvIn(ns('tenant-a'));
      const b = keyvIn(ns('tenant-b'));
      const unnamed = keyvIn(undefined);
      await Promise.all([a.set('x', 1), a.set('y', 2), b.set('x', 3), unnamed.set('x', 4)]);
      await db.put(ns('tenant-c'), 'raw', 'written without keyv');
      await a.clear();
      expect(await db.getCount(ns('tenant-a'))).toBe(0);
      expect([await b.get('x'), await unnamed.get('x')]).toEqual([3, 4]);
      expect(await db.get(ns('tenant-c'), 'raw')).toBe('written without keyv');
    });

    it('without a namespace (undefined or empty) keyv works in the DEFAULT scope, with its keys unprefixed', async () => {
      const unnamed = keyvIn(undefined);
      await unnamed.set('plain', 'v');
      expect(await entriesOf(db, null)).toEqual([['plain', '{"value":"v"}']]);
      const emptied = keyvIn(ns('named'));
      emptied.namespace = '';
      expect(await emptied.get('plain')).toBe('v');
    });

    it('iterator(namespace) walks that one scope, in key order; without an argument, the store’s namespace', async () => {
      const store = new KeyvScopedStore(db);
      const a = new Keyv({ store, namespace: ns('tenant-a') });
      const b = keyvIn(ns('tenant-b'));
      await Promise.all(['c', 'a', 'b'].map((k) => a.set(k, k.toUpperCase())));
      await b.set('a', 'not this one');
      const expected = ['a', 'b', 'c'].map((k) => [`${ns('tenant-a')}:${k}`, `{"value":"${k.toUpperCase()}"}`]);
      expect(await collect(store.iterator(ns('tenant-a')))).toEqual(expected);
      expect(await collect(store.iterator())).toEqual(expected);
      expect(await collect(iterate(a))).toEqual([
        ['a', 'A'],
        ['b', 'B'],
        ['c', 'C'],
      ]);
    });

    it('useKeyPrefix: false stores and iterates the caller’s own keys', async () => {
      const own = keyvIn(ns('own'), { useKeyPrefix: false });
      await own.set('a:b', 1);
      expect(await entriesOf(db, ns('own'))).toEqual([['a:b', '{"value":1}']]);
      expect(await collect(iterate(own))).toEqual([['a:b', 1]]);
    });

    it("TTL is keyv's: the expiry travels in the value, has() and get() honour it, and keyv deletes the expired entry", async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const cache = keyvIn(ns('ttl'));
      const store = cache.store as KeyvScopedStore;
      await cache.set('short', 'lived', 1_000);
      expect(JSON.parse((await db.get(ns('ttl'), `${ns('ttl')}:short`)) ?? 'null')).toEqual({
        value: 'lived',
        expires: Date.now() + 1_000,
      });
      expect(await cache.has('short')).toBe(true);
      vi.setSystemTime(Date.now() + 1_001);
      // The store itself keeps the entry: expiry is keyv's rule, applied when keyv reads it.
      expect(await store.get(`${ns('ttl')}:short`)).toBeTypeOf('string');
      expect(await cache.has('short')).toBe(false);
      expect(await cache.get('short')).toBeUndefined();
      expect(await db.getCount(ns('ttl'))).toBe(0);
    });

    it('getMany reads the values in the order of the keys', async () => {
      const store = new KeyvScopedStore(db);
      store.namespace = ns('many');
      await Promise.all([store.set('b', '"B"'), store.set('a', '"A"')]);
      expect(await store.getMany(['b', 'missing', 'a'])).toEqual(['"B"', undefined, '"A"']);
    });

    it('with serialization off, a value codec that holds objects stores what keyv hands over', async () => {
      const objects = backend.database('keyv-objects', codecs.json<{ value: unknown; expires?: number }>());
      const raw = new Keyv({ store: new KeyvScopedStore(objects), namespace: ns('raw') });
      raw.serialize = undefined;
      raw.deserialize = undefined;
      await raw.set('k', { nested: [1, 'two'] });
      expect(await raw.get('k')).toEqual({ nested: [1, 'two'] });
      expect(await objects.get(ns('raw'), `${ns('raw')}:k`)).toEqual({ value: { nested: [1, 'two'] } });
    });

    it("a value the codec cannot encode: keyv's set() resolves false and emits the ENCODING error (or rejects with throwOnErrors)", async () => {
      const raw = keyvIn(ns('raw'), { serialized: false });
      const errors: unknown[] = [];
      raw.on('error', (error: unknown) => errors.push(error));
      expect(await raw.set('k', { not: 'a string' })).toBe(false);
      expect(errors).toHaveLength(1);
      expect(isScopedDbError(errors[0], 'ENCODING')).toBe(true);
      const throwing = keyvIn(ns('raw'), { serialized: false, throwOnErrors: true });
      await expect(throwing.set('k', { not: 'a string' })).rejects.toMatchObject({ code: 'ENCODING' });
      expect(await db.getCount(ns('raw'))).toBe(0);
    });

    it('bad input rejects with a ScopedDbError: a namespace that is no scope name, an empty key in the DEFAULT scope', async () => {
      const store = new KeyvScopedStore(db);
      (store as { namespace: unknown }).namespace = 42;
      const pending = store.get('k');
      expect(pending).toBeInstanceOf(Promise);
      await expect(pending).rejects.toMatchObject({ name: 'ScopedDbError', code: 'INVALID_INPUT' });
      await expect(collect(store.iterator())).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      store.namespace = undefined;
      await expect(store.set('', '"v"')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });
}

describe('new KeyvScopedStore(database)', () => {
  it('refuses anything but a scoped database, naming what it lacks (INVALID_INPUT)', () => {
    for (const bad of [undefined, null, 'db', {}, { get() {}, put() {} }, new Map()]) {
      let caught: unknown;
      try {
        new KeyvScopedStore(bad as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ScopedDbError);
      expect(caught).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('clearAsync') });
    }
  });

  it("claims keyv's 'redis' dialect, so keyv generates its iterator()", () => {
    const store = new KeyvScopedStore(backends.lmdb.database('keyv-dialect', codecs.string()));
    expect(store.opts.dialect).toBe('redis');
    expect(typeof new Keyv({ store }).iterator).toBe('function');
  });
});
