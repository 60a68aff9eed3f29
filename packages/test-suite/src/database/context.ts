/**
 * What every behaviour group gets: the backend (opened before the first test), fresh
 * databases, the `supports` manifest, and the helpers the groups share.
 */
import {
  type AsyncScopedView,
  type Codec,
  codecs,
  Scope,
  type ScopedDatabase,
  type ScopedDbErrorCode,
  type ScopedView,
  type ScopeLike,
} from '@scoped-lmdb/core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { SuiteBackend, SuiteDatabase, Supports } from './backend.js';

export interface SuiteContext {
  /** What the backend supports. */
  readonly supports: Supports;
  /** The open backend (inside tests and hooks only). */
  readonly backend: SuiteBackend;
  /** A database name no other test of this run uses. */
  freshName(): string;
  /** A database under a fresh name. */
  database<K, V>(keyCodec: Codec<K>, valueCodec: Codec<V>): SuiteDatabase<K, V>;
  /** String keys, JSON values. */
  stringDb(): SuiteDatabase<string, unknown>;
  /** Byte keys, string values. */
  bytesDb(): SuiteDatabase<Uint8Array, string>;
}

/** Opens the backend in `beforeAll` and closes it in `afterAll` of the enclosing `describe`. */
export function suiteContext(open: () => SuiteBackend | Promise<SuiteBackend>, supports: Supports): SuiteContext {
  let backend: SuiteBackend | undefined;
  let counter = 0;
  // A run prefix: a backend that keeps data between runs (a shared server) never sees an old database.
  const run = Math.random().toString(36).slice(2, 8);
  beforeAll(async () => {
    backend = await open();
  });
  afterAll(async () => {
    await backend?.close?.();
  });
  const context: SuiteContext = {
    supports,
    get backend() {
      if (!backend) throw new Error('the backend is open only inside tests and hooks');
      return backend;
    },
    freshName: () => `t${run}-${++counter}`,
    database: (keyCodec, valueCodec) => context.backend.database(context.freshName(), keyCodec, valueCodec),
    stringDb: () => context.database(codecs.string(), codecs.json<unknown>()),
    bytesDb: () => context.database(codecs.bytes(), codecs.string()),
  };
  return context;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** `run` must reject (a range: fail from its first `next()`) with a ScopedDbError of `code`, never throw synchronously. */
export async function rejectsWith(run: () => Promise<unknown> | AsyncIterable<unknown>, code: ScopedDbErrorCode): Promise<void> {
  let result: Promise<unknown> | AsyncIterable<unknown>;
  try {
    result = run();
  } catch (error) {
    throw new Error(`expected a rejection with ${code}, but the call threw synchronously: ${String(error)}`);
  }
  const settled = Symbol.asyncIterator in result ? collect(result) : result;
  await expect(settled).rejects.toMatchObject({ name: 'ScopedDbError', code });
}

/** Finds, by brute force, a scope name whose 8-byte id passes `test` (ids at the edges of the 64-bit space). */
function findScopeName(prefix: string, test: (id: Uint8Array) => boolean): string {
  for (let i = 0; i < 10_000_000; i++) {
    const name = `${prefix}${i}`;
    if (test(Scope.named(name).id as Uint8Array)) return name;
  }
  throw new Error(`no scope name found for ${prefix}`);
}

let edges: { startsWith00: string; startsWithFF: string; endsWithFF: string; endsWithFFFF: string } | undefined;

/**
 * Scope names at the edges of the id space, where a wrong bound bleeds into a neighbour or
 * misses the scope: ids starting with 00 or ff, and ids ending in ff and ffff, whose upper bound
 * (id + 1) carries into one and two more bytes. Found by brute force, once per process.
 */
export function edgeScopes(): NonNullable<typeof edges> {
  edges ??= {
    startsWith00: findScopeName('lo-', (id) => id[0] === 0x00),
    startsWithFF: findScopeName('hi-', (id) => id[0] === 0xff),
    endsWithFF: findScopeName('carry-', (id) => id[7] === 0xff && id[6] !== 0xff),
    endsWithFFFF: findScopeName('carry2-', (id) => id[6] === 0xff && id[7] === 0xff),
  };
  return edges;
}

/**
 * Where a single-scope group sends its operations. The groups run once on the database's own
 * scope-first methods (`db.get(scope, key)`, bound by `bindScopeFirst`), then again through
 * `db.scope(s)` views on the default scope and on the edge scopes, as abstract-level runs its
 * suite again on a sublevel.
 */
export interface ScopeRun {
  /** The scope every operation of the group goes to. */
  readonly scope: Scope;
  /** `db` bound to `scope`. */
  at<K, V>(db: SuiteDatabase<K, V>): AsyncScopedView<K, V>;
  /** The sync database behind a handle (`supports.sync`), bound to `scope` the same way. */
  atSync<K, V>(db: SuiteDatabase<K, V>): ScopedView<K, V>;
  /** Other scopes, at the edges too, where a group puts data that a loose bound would pick up. */
  readonly neighbours: readonly ScopeLike[];
}

export function scopeRun(scope: ScopeLike, throughViews: boolean): ScopeRun {
  const s = Scope.from(scope);
  const edge = edgeScopes();
  const others: ScopeLike[] = [null, 'q', 's', edge.startsWith00, edge.startsWithFF, edge.endsWithFF, edge.endsWithFFFF];
  return {
    scope: s,
    at: (db) => (throughViews ? db.scope(s) : bindScopeFirst(db, s)),
    atSync: (db) => (throughViews ? syncOf(db).scope(s) : bindScopeFirstSync(syncOf(db), s)),
    neighbours: others.filter((other) => !s.equals(other)),
  };
}

/** The sync database behind `db`; the backend declared `supports.sync`, so a handle without one fails the test. */
export function syncOf<K, V>(db: SuiteDatabase<K, V>): ScopedDatabase<K, V> {
  if (!db.sync) throw new Error('the backend declares supports.sync, but its database handles have no `sync` database');
  return db.sync;
}

/** The suite's own view: each method calls the database's scope-first one with `scope`. */
export function bindScopeFirst<K, V>(db: SuiteDatabase<K, V>, scope: Scope): AsyncScopedView<K, V> {
  return {
    scope,
    get: (key) => db.get(scope, key),
    getMany: (keys) => db.getMany(scope, keys),
    doesExist: (key) => db.doesExist(scope, key),
    put: (key, value) => db.put(scope, key, value),
    putSync: (key, value) => db.putSync(scope, key, value),
    remove: (key) => db.remove(scope, key),
    removeSync: (key) => db.removeSync(scope, key),
    clearSync: (range) => db.clearSync(scope, range),
    clearAsync: (range) => db.clearAsync(scope, range),
    getRange: (options) => db.getRange(scope, options),
    getKeys: (options) => db.getKeys(scope, options),
    getCount: (options) => db.getCount(scope, options),
    isEmpty: () => db.isScopeEmpty(scope),
    transaction: (fn) => db.transaction(scope, fn),
  };
}

export const byteOrder = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
export const bytes = (...values: number[]) => new Uint8Array(values);
export const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');

/** `bindScopeFirst` for core's sync `ScopedDatabase`. */
export function bindScopeFirstSync<K, V>(db: ScopedDatabase<K, V>, scope: Scope): ScopedView<K, V> {
  return {
    scope,
    get: (key) => db.get(scope, key),
    getMany: (keys) => db.getMany(scope, keys),
    doesExist: (key) => db.doesExist(scope, key),
    put: (key, value) => db.put(scope, key, value),
    putSync: (key, value) => db.putSync(scope, key, value),
    remove: (key) => db.remove(scope, key),
    removeSync: (key) => db.removeSync(scope, key),
    clearSync: (range) => db.clearSync(scope, range),
    clearAsync: (range) => db.clearAsync(scope, range),
    getRange: (options) => db.getRange(scope, options),
    getKeys: (options) => db.getKeys(scope, options),
    getCount: (options) => db.getCount(scope, options),
    isEmpty: () => db.isScopeEmpty(scope),
    transaction: (fn) => db.transaction(fn),
    transactionSync: (fn) => db.transactionSync(fn),
  };
}
