/**
 * The LMDB backend behind the conformance suite's async surface: a thin adapter
 * over core's ScopedDatabase. Sync methods become Promises (rejecting, never
 * throwing), ranges become async iterables that report errors from `next()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Codec, type Entry, type RangeOptions, type ScopedDatabase, type ScopeLike, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { open, type RootDatabase } from 'lmdb';
import type { ConformanceBackend, ConformanceDatabase, ConformanceView } from './backend.js';

const later = async <T>(run: () => T | Promise<T>): Promise<T> => run();

function lazy<T>(make: () => Iterable<T>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* make();
    },
  };
}

export function asyncAdapter<K, V>(db: ScopedDatabase<K, V>): ConformanceDatabase<K, V> {
  const adapter: ConformanceDatabase<K, V> = {
    get: (s, k) => later(() => db.get(s, k)),
    getMany: (s, keys) => later(() => db.getMany(s, keys)),
    doesExist: (s, k) => later(() => db.doesExist(s, k)),
    put: (s, k, v) => later(() => db.put(s, k, v)),
    putSync: (s, k, v) => later(() => db.putSync(s, k, v)),
    remove: (s, k) => later(() => db.remove(s, k)),
    removeSync: (s, k) => later(() => db.removeSync(s, k)),
    clearAsync: (s) => later(() => db.clearAsync(s)),
    clearSync: (s) => later(() => db.clearSync(s)),
    getRange: (s, o) => lazy<Entry<K, V>>(() => db.getRange(s, o)),
    getKeys: (s, o) => lazy<K>(() => db.getKeys(s, o)),
    getCount: (s, o) => later(() => db.getCount(s, o)),
    isScopeEmpty: (s) => later(() => db.isScopeEmpty(s)),
    scope(scope: ScopeLike): ConformanceView<K, V> {
      const view = db.scope(scope);
      return {
        scope: view.scope,
        get: (k) => adapter.get(view.scope, k),
        put: (k, v) => adapter.put(view.scope, k, v),
        remove: (k) => adapter.remove(view.scope, k),
        getKeys: (o?: RangeOptions<K>) => adapter.getKeys(view.scope, o),
        getCount: (o?: RangeOptions<K>) => adapter.getCount(view.scope, o),
        clearAsync: () => adapter.clearAsync(view.scope),
        isEmpty: () => later(() => view.isEmpty()),
      };
    },
  };
  return adapter;
}

/** One LMDB environment in a temp dir; `close()` removes it. */
export function openLmdbBackend(): ConformanceBackend & { close(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-conformance-'));
  const env: RootDatabase = open({ path: dir, maxDbs: 256 });
  return {
    database: <K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>) =>
      asyncAdapter(scopedDatabaseOptions(env).types(keyCodec, valueCodec).name(name).create()),
    async close() {
      await env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
