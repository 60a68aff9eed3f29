/**
 * `KeyvScopedStore`: a keyv 5 store (`KeyvStoreAdapter`) over one scoped database, where keyv's
 * namespace is the scope. One class serves both backends: it only calls methods that core's
 * synchronous `ScopedDatabase` (LMDB) and its `AsyncScopedDatabase` (Redis) share by name, and it
 * awaits every result, so a sync answer and a Promise read the same.
 */
import { EventEmitter } from 'node:events';
import { type AsyncScopedDatabase, Scope, type ScopedDatabase, ScopedDbError } from '@scoped-lmdb/core';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/**
 * A database the store can use: string keys (`codecs.string()` or `codecs.key()`), and values of
 * whatever keyv's serializer hands over (`codecs.string()` for keyv's default JSON strings).
 */
export type KeyvScopedDatabase<V = string, VIn = V> = ScopedDatabase<string, V, VIn> | AsyncScopedDatabase<string, V, VIn>;

/** The store's `opts` (keyv's adapters carry one; keyv reads `dialect` from it). */
export interface KeyvScopedStoreOpts {
  /**
   * `'redis'`: keyv 5 only generates `keyv.iterator()` for a store whose `opts.dialect` (or
   * `opts.url`) names one of its known adapters (`_checkIterableAdapter`), and reads the dialect
   * for nothing else. Scopes are Redis-like databases, so the store claims that one.
   */
  dialect: string;
  /** keyv's test suite, for one, sets its own options here. */
  [option: string]: unknown;
}

/** The methods the store calls; both kinds of database have them, with these names and arguments. */
const REQUIRED_METHODS = ['get', 'getMany', 'put', 'remove', 'clearAsync', 'getRange'] as const;

/**
 * A keyv store on one scoped database. keyv sets `namespace` on its store (its default is
 * `'keyv'`), and that namespace is the scope every call works in: `clear()` clears that scope
 * only, `iterator(namespace)` walks that scope only. No namespace (keyv's `namespace: undefined`
 * or `''`) is the DEFAULT scope.
 *
 * Keys are stored exactly as keyv hands them (`namespace:key`): keyv's `iterator()` expects them
 * back in that form, and with `useKeyPrefix: false` they are the caller's own keys. Values are
 * stored as keyv hands them too: with keyv's default serializer, a JSON string that holds the
 * value and its expiry. TTL follows keyv's rules: keyv writes the expiry into the value and drops
 * an expired entry when it reads it; the store ignores `set`'s `ttl`. For that reason the store
 * has no `has()`: keyv's own `has()` reads the value and checks its expiry.
 *
 * The database stays the caller's: the store never closes it, its environment or its client.
 * Give each keyv instance its own store (they are cheap): keyv sets the namespace on the store it
 * is given, so two keyv instances with different namespaces must not share one.
 */
export class KeyvScopedStore<V = string, VIn = V> extends EventEmitter implements KeyvStoreAdapter {
  /** The database every call goes to. */
  readonly database: KeyvScopedDatabase<V, VIn>;
  /** keyv's namespace, set by keyv: the scope of every call. */
  namespace: string | undefined;
  /** keyv reads its `dialect` (see `KeyvScopedStoreOpts`). */
  readonly opts: KeyvScopedStoreOpts = { dialect: 'redis' };

  constructor(database: KeyvScopedDatabase<V, VIn>) {
    super();
    const missing =
      database === null || typeof database !== 'object'
        ? REQUIRED_METHODS
        : REQUIRED_METHODS.filter((method) => typeof (database as unknown as Record<string, unknown>)[method] !== 'function');
    if (missing.length > 0) {
      throw new ScopedDbError(
        'INVALID_INPUT',
        `KeyvScopedStore needs a scoped database (core's ScopedDatabase or AsyncScopedDatabase); it has no ${missing.join(', ')}`,
      );
    }
    this.database = database;
  }

  /** The value stored under `key` in the namespace's scope, or undefined. */
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return (await this.database.get(this.#scope(), key)) as StoredData<Value> | undefined;
  }

  /** The values under `keys`, in their order (one round trip on Redis). */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return (await this.database.getMany(this.#scope(), keys)) as Array<StoredData<Value | undefined>>;
  }

  /** Stores `value` (what keyv's serializer made, expiry included); `ttl` is keyv's business, not the store's. */
  async set(key: string, value: VIn, _ttl?: number): Promise<boolean> {
    return this.database.put(this.#scope(), key, value);
  }

  /** True iff `key` held a value at its place in call order. */
  async delete(key: string): Promise<boolean> {
    return this.database.remove(this.#scope(), key);
  }

  /** Removes every entry of the namespace's scope, and nothing else. */
  async clear(): Promise<void> {
    await this.database.clearAsync(this.#scope());
  }

  /**
   * Every `[key, value]` of one scope, in key order: `namespace`'s (keyv passes its own), or the
   * store's when it is left out. On LMDB one read snapshot; on Redis pages, as `getRange` reads them.
   */
  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const range: AsyncIterable<{ key: string; value: V }> | Iterable<{ key: string; value: V }> = this.database.getRange(
      scopeOf(namespace ?? this.namespace),
    );
    for await (const { key, value } of range) yield [key, value as Awaited<Value>];
  }

  /** The namespace as a scope, read at each call (keyv may change it). */
  #scope(): Scope {
    return scopeOf(this.namespace);
  }
}

/** keyv treats `''` as no namespace, as it does undefined: both are the DEFAULT scope. */
function scopeOf(namespace: string | undefined): Scope {
  return namespace === '' ? Scope.DEFAULT : Scope.from(namespace);
}
