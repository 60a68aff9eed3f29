/**
 * The LMDB backend of the database suite: `asyncFromSync`, core's async contract over its
 * synchronous `ScopedDatabase`, and `openLmdbSuiteBackend`, an environment in a temp dir.
 * Sync methods become Promises (rejecting, never throwing); ranges become async iterables
 * that report errors from `next()`; views are core's own `db.scope(s)`, made async.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AsyncScopedView,
  type ClearRange,
  type Codec,
  type RangeOptions,
  Scope,
  type ScopedDatabase,
  ScopedDbError,
  type ScopedView,
  type ScopeLike,
  type ScopeRegistrar,
  scopedDatabaseOptions,
} from '@scoped-lmdb/core';
import type { RootDatabase, RootDatabaseOptionsWithPath } from 'lmdb';
import type { SuiteBackend, SuiteDatabase, SuiteDatabaseOptions, SuiteQuota, SuiteScopeQuota, SuiteScopeStats } from './backend.js';

/** `SuiteDatabase` with the sync database it adapts. */
export type AsyncFromSync<K, V, VIn = V> = SuiteDatabase<K, V, VIn> & {
  /** The synchronous database underneath (the suite's `sync` group uses it). */
  readonly sync: ScopedDatabase<K, V, VIn>;
};

/** A sync call as a Promise: its throw becomes the rejection. */
function attempt<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

function lazy<T>(make: () => Iterable<T>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* make();
    },
  };
}

/** Either a database with the scope argument or a view without it: the methods an async write needs. */
type Writes = { async: () => Promise<unknown>; sync: () => unknown };

/**
 * Core's async contract (`AsyncScopedDatabase`, less its codec properties) over a synchronous
 * `ScopedDatabase`. `transaction(scope, fn)` runs `fn` in core's `transaction`: its writes to
 * any scope commit together, and a write that fails inside it fails it (the async contract's
 * "apply together"; core alone would let `fn` go on with a rejected promise). `fn` runs
 * synchronously, as in core: writes after its first `await` are outside the transaction.
 */
export function asyncFromSync<K, V, VIn = V>(db: ScopedDatabase<K, V, VIn>): AsyncFromSync<K, V, VIn> {
  /** The adapter's transaction whose callback is running, if any. */
  let open: { failure?: { error: unknown } } | undefined;

  /** Outside a transaction: core's own async write. Inside: the sync one, joining it; a failure fails the transaction. */
  function write<T>(writes: Writes): Promise<T> {
    if (!open) return attempt(writes.async) as Promise<T>;
    const inside = open;
    try {
      return Promise.resolve(writes.sync() as T);
    } catch (error) {
      inside.failure ??= { error };
      const failed = Promise.reject(error);
      // The transaction reports the failure; this write's own promise may go unawaited.
      failed.catch(() => {});
      return failed;
    }
  }

  function transaction<T>(scope: ScopeLike, fn: () => T | Promise<T>): Promise<T> {
    return attempt(() => {
      Scope.from(scope);
      if (typeof fn !== 'function') throw new ScopedDbError('INVALID_INPUT', 'transaction needs a callback');
      return db.transaction(() => {
        const outer = open;
        const state: { failure?: { error: unknown } } = {};
        open = state;
        try {
          const result = fn();
          if (state.failure) throw state.failure.error;
          return result;
        } finally {
          open = outer;
        }
      });
    }) as Promise<T>;
  }

  function asyncView(view: ScopedView<K, V, VIn>): AsyncScopedView<K, V, VIn> {
    return Object.freeze({
      scope: view.scope,
      get: (key: K) => attempt(() => view.get(key)),
      getMany: (keys: readonly K[]) => attempt(() => view.getMany(keys)),
      doesExist: (key: K) => attempt(() => view.doesExist(key)),
      put: (key: K, value: VIn) => write<boolean>({ async: () => view.put(key, value), sync: () => view.putSync(key, value) }),
      putSync: (key: K, value: VIn) =>
        write<boolean>({ async: async () => view.putSync(key, value), sync: () => view.putSync(key, value) }),
      remove: (key: K) => write<boolean>({ async: () => view.remove(key), sync: () => view.removeSync(key) }),
      removeSync: (key: K) => write<boolean>({ async: async () => view.removeSync(key), sync: () => view.removeSync(key) }),
      clearSync: (range?: ClearRange<K>) => write<number>({ async: async () => view.clearSync(range), sync: () => view.clearSync(range) }),
      clearAsync: (range?: ClearRange<K>) => write<number>({ async: () => view.clearAsync(range), sync: () => view.clearSync(range) }),
      getRange: (options?: RangeOptions<K>) => lazy(() => view.getRange(options)),
      getKeys: (options?: RangeOptions<K>) => lazy(() => view.getKeys(options)),
      getCount: (options?: RangeOptions<K>) => attempt(() => view.getCount(options)),
      isEmpty: () => attempt(() => view.isEmpty()),
      transaction: <T>(fn: () => T | Promise<T>) => transaction(view.scope, fn),
    });
  }

  return {
    name: db.name,
    sync: db,
    get: (s, key) => attempt(() => db.get(s, key)),
    getMany: (s, keys) => attempt(() => db.getMany(s, keys)),
    doesExist: (s, key) => attempt(() => db.doesExist(s, key)),
    put: (s, key, value) => write({ async: () => db.put(s, key, value), sync: () => db.putSync(s, key, value) }),
    putSync: (s, key, value) => write({ async: async () => db.putSync(s, key, value), sync: () => db.putSync(s, key, value) }),
    remove: (s, key) => write({ async: () => db.remove(s, key), sync: () => db.removeSync(s, key) }),
    removeSync: (s, key) => write({ async: async () => db.removeSync(s, key), sync: () => db.removeSync(s, key) }),
    clearSync: (s, range) => write({ async: async () => db.clearSync(s, range), sync: () => db.clearSync(s, range) }),
    clearAsync: (s, range) => write({ async: () => db.clearAsync(s, range), sync: () => db.clearSync(s, range) }),
    getRange: (s, options) => lazy(() => db.getRange(s, options)),
    getKeys: (s, options) => lazy(() => db.getKeys(s, options)),
    getCount: (s, options) => attempt(() => db.getCount(s, options)),
    isScopeEmpty: (s) => attempt(() => db.isScopeEmpty(s)),
    listScopes: () => attempt(() => db.listScopes()),
    listUnnamedIds: () => attempt(() => db.listUnnamedIds()),
    findEmptyScopes: () => attempt(() => db.findEmptyScopes()),
    registerScope: (s) => attempt(() => db.registerScope(s)),
    getStats: (s) => attempt(() => db.getStats(s)),
    recountStats: (s) => attempt(() => db.recountStats(s)),
    scope: (s) => asyncView(db.scope(s)),
    transaction,
  };
}

/** Tables per environment: two per scoped database, and the suite opens one database per test. */
const MAX_DBS = 2_000;

/**
 * What the LMDB backend needs of a registry (`GlobalScopeRegistry` from @scoped-lmdb/registry,
 * taken by shape so this package does not depend on it): core's registrar, and the lifecycle
 * and quota methods, synchronous as the registry has them.
 */
export interface LmdbSuiteRegistry extends ScopeRegistrar {
  /** Empties the scope in every database at once. */
  dropScope(scope: ScopeLike): void;
  /** Gives `from`'s data the name `to`. */
  renameScope(from: ScopeLike, to: ScopeLike, options?: { replace?: boolean }): void;
  /** Swaps the data of two scopes. */
  swapScopes(a: ScopeLike, b: ScopeLike): void;
  /** Copies every database's entries of `from` to `to`. */
  copyScope(from: ScopeLike, to: ScopeLike, options?: { replace?: boolean }): Promise<number>;
  /** The scope's stats across the env's stats-keeping databases. */
  scopeStats(scope: ScopeLike): SuiteScopeStats;
  /** Sets, or with null removes, the scope's quota. */
  setQuota(scope: ScopeLike, quota: SuiteQuota | null): void;
  /** The scope's quota, if any. */
  getQuota(scope: ScopeLike): SuiteQuota | undefined;
  /** Every quota, by scope. */
  listQuotas(): SuiteScopeQuota[];
}

/** Options of `openLmdbSuiteBackend`. */
export interface LmdbSuiteBackendOptions {
  /**
   * Opens the env's registry (`(env) => GlobalScopeRegistry.open(env)`): every database is then
   * created with it, and the backend has its lifecycle and quota methods, made async (declare
   * `supports.lifecycle`). Without it, databases have no registry.
   */
  registry?: (env: RootDatabase) => LmdbSuiteRegistry;
  /** More options for lmdb-js's `open` (`{ useWritemap: true }`, say); the path and `maxDbs` are the suite's. */
  env?: Omit<RootDatabaseOptionsWithPath, 'path' | 'maxDbs'>;
}

/**
 * A fresh LMDB environment in a temp dir, whose databases are `asyncFromSync` over core's
 * `ScopedDatabase` (built `.withStats()` when the suite asks for stats); `close()` closes it and
 * removes the dir. lmdb is an optional peer of this package, loaded here, so a backend that does
 * not use LMDB need not install it.
 */
export async function openLmdbSuiteBackend(options: LmdbSuiteBackendOptions = {}): Promise<
  SuiteBackend & {
    /** Closes the env and removes its directory. */
    close(): Promise<void>;
  }
> {
  const { open } = await import('lmdb');
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-suite-'));
  const env = open({ ...options.env, path: dir, maxDbs: MAX_DBS });
  const registry = options.registry?.(env);
  const lifecycle = registry && {
    dropScope: (scope: ScopeLike) => attempt(() => registry.dropScope(scope)),
    renameScope: (from: ScopeLike, to: ScopeLike, o?: { replace?: boolean }) => attempt(() => registry.renameScope(from, to, o)),
    swapScopes: (a: ScopeLike, b: ScopeLike) => attempt(() => registry.swapScopes(a, b)),
    copyScope: (from: ScopeLike, to: ScopeLike, o?: { replace?: boolean }) => attempt(() => registry.copyScope(from, to, o)),
    scopeStats: (scope: ScopeLike) => attempt(() => registry.scopeStats(scope)),
    setQuota: (scope: ScopeLike, quota: SuiteQuota | null) => attempt(() => registry.setQuota(scope, quota)),
    getQuota: (scope: ScopeLike) => attempt(() => registry.getQuota(scope)),
    listQuotas: () => attempt(() => registry.listQuotas()),
  };
  return {
    ...lifecycle,
    database: <K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>, databaseOptions?: SuiteDatabaseOptions) => {
      const builder = scopedDatabaseOptions(env, registry ? { registry } : {})
        .types(keyCodec, valueCodec)
        .name(name);
      return asyncFromSync(databaseOptions?.stats ? builder.withStats().create() : builder.create());
    },
    async close() {
      await env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
