/**
 * The contract, in one file: the synchronous one (LMDB, `ScopedDatabase`) and the async one
 * (Redis and any networked backend, `AsyncScopedDatabase`) side by side, one line of doc per
 * member. The async contract has the same method names, arguments and error codes; a type test
 * (test/contract.test-d.ts) keeps the two in step. API.md is the prose version.
 */
import type { Codec } from './codec.js';
import type { Scope, ScopeLike } from './scope.js';

/** lmdb-js range options, applied inside one scope. `undefined` means the option is not set. */
export interface RangeOptions<K> {
  /** Inclusive (the high end when `reverse`). */
  start?: K | undefined;
  /** Exclusive unless `inclusiveEnd`. */
  end?: K | undefined;
  /** Include `end` itself. */
  inclusiveEnd?: boolean | undefined;
  /** Leave `start` itself out. */
  exclusiveStart?: boolean | undefined;
  /** Walk from the high end down (`start` is then the high end). */
  reverse?: boolean | undefined;
  /** At most this many entries. */
  limit?: number | undefined;
  /** Skip this many entries first. */
  offset?: number | undefined;
}

/**
 * The part of a scope a range-bounded clear removes: exactly the keys `getRange` with the same
 * options would visit (`start` inclusive, `end` exclusive, lmdb-js's `reverse`, where `start`
 * is the high end, and `limit` counting removed entries). Any other option is `INVALID_INPUT`.
 */
export interface ClearRange<K> {
  /** Inclusive (the high end when `reverse`). */
  start?: K | undefined;
  /** Exclusive. */
  end?: K | undefined;
  /** Walk from the high end down (matters with `limit`). */
  reverse?: boolean | undefined;
  /** Remove at most this many entries. */
  limit?: number | undefined;
}

/** One entry of a range. */
export interface Entry<K, V> {
  /** The decoded key. */
  key: K;
  /** The decoded value. */
  value: V;
}

/**
 * What `getRange`/`getKeys` return: lmdb-js's lazy range, typed as it behaves. Each pass
 * (`for…of`, `asArray`, `forEach`) reads the data again; `map`/`filter`/`slice` stay lazy.
 */
export interface RangeIterable<T> extends Iterable<T> {
  /** A lazy range of `callback`'s results. */
  map<U>(callback: (item: T) => U): RangeIterable<U>;
  /** A lazy range of the items `callback` accepts. */
  filter(callback: (item: T) => unknown): RangeIterable<T>;
  /** Items `start` (inclusive) to `end` (exclusive) of the range. */
  slice(start: number, end?: number): RangeIterable<T>;
  /** Calls `callback` on every item, now. */
  forEach(callback: (item: T) => void): void;
  /** Every item, read now (synchronously) into an array. */
  readonly asArray: T[];
}

/** A scope's size in one database (or summed over several): entries, and stored bytes (encoded keys + values). */
export interface ScopeStats {
  /** Entries stored. */
  entries: number;
  /** Bytes of their encoded keys and values (the 8-byte scope id not counted). */
  bytes: number;
}

/** What a scoped database needs from a scope registry (`@scoped-lmdb/registry` implements it; core never imports it). */
export interface ScopeRegistrar {
  /** Inside the caller's write transaction: idempotent; DEFAULT is a no-op; another name under the same id -> `HASH_COLLISION`. */
  registerScope(scope: ScopeLike): void;
  /** The name registered under a 64-bit id, if any. */
  getScopeName(hash: bigint): string | undefined;
  /** DEFAULT first, then every registered named scope in id order. */
  listAllScopes(): Scope[];
}

/** Anything that can say whether it holds data in a scope; every `ScopedDatabase` is one. */
export interface ScopeEmptinessChecker {
  /** True when it holds no data in `scope`. */
  isScopeEmpty(scope: ScopeLike): boolean;
}

/**
 * Reads of one scope at one point in time (`view.snapshot()`, LMDB only): every read sees the
 * data as it was when the snapshot was taken, whatever commits later, until `done()`. It holds
 * an LMDB read transaction, and with it one of the env's reader slots: call `done()`.
 */
export interface ScopedViewSnapshot<K, V> {
  /** The scope it reads. */
  readonly scope: Scope;
  /** True once `done()` ran: every read then throws `INVALID_INPUT`. */
  readonly isDone: boolean;
  /** The value under `key` then, or undefined. */
  get(key: K): V | undefined;
  /** The values under `keys` then, in their order. */
  getMany(keys: readonly K[]): (V | undefined)[];
  /** True when `key` held a value then. */
  doesExist(key: K): boolean;
  /** The scope's entries then, in key order, lazily (walked before `done()`). */
  getRange(options?: RangeOptions<K>): RangeIterable<Entry<K, V>>;
  /** The scope's keys then, lazily. */
  getKeys(options?: RangeOptions<K>): RangeIterable<K>;
  /** Counts what `getKeys` yields with the same options. */
  getCount(options?: RangeOptions<K>): number;
  /** True when the scope held nothing then. */
  isEmpty(): boolean;
  /** Releases the read transaction (idempotent). */
  done(): void;
}

/**
 * Reads of every scope of one database at one point in time (`db.snapshot()`, LMDB only); with
 * a registry, each scope's id as of that point too. Holds a reader slot until `done()`.
 */
export interface ScopedSnapshot<K, V> {
  /** True once `done()` ran: every read then throws `INVALID_INPUT`. */
  readonly isDone: boolean;
  /** The value under `key` in `scope` then, or undefined. */
  get(scope: ScopeLike, key: K): V | undefined;
  /** The values under `keys` then, in their order. */
  getMany(scope: ScopeLike, keys: readonly K[]): (V | undefined)[];
  /** True when `key` held a value in `scope` then. */
  doesExist(scope: ScopeLike, key: K): boolean;
  /** The scope's entries then, in key order, lazily (walked before `done()`). */
  getRange(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<Entry<K, V>>;
  /** The scope's keys then, lazily. */
  getKeys(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<K>;
  /** Counts what `getKeys` yields with the same options. */
  getCount(scope: ScopeLike, options?: RangeOptions<K>): number;
  /** True when the scope held nothing then. */
  isScopeEmpty(scope: ScopeLike): boolean;
  /** The same snapshot, bound to `scope` (`done()` on either releases it). */
  scope(scope: ScopeLike): ScopedViewSnapshot<K, V>;
  /** Releases the read transaction (idempotent). */
  done(): void;
}

/** The operations of a scoped database with the scope already chosen; it has no way to reach another scope. */
export interface ScopedView<K, V, VIn = V> {
  /** The scope this view is bound to. */
  readonly scope: Scope;
  /** The value under `key`, or undefined. */
  get(key: K): V | undefined;
  /** The values under `keys`, in their order (prefetched asynchronously). */
  getMany(keys: readonly K[]): Promise<(V | undefined)[]>;
  /** True when `key` holds a value. */
  doesExist(key: K): boolean;
  /** Writes `value` under `key` in the next batch; resolves true once committed. */
  put(key: K, value: VIn): Promise<boolean>;
  /** Writes `value` under `key` now (joining an open transaction). */
  putSync(key: K, value: VIn): boolean;
  /** Removes `key` in the next batch; resolves true iff it existed at its place in call order. */
  remove(key: K): Promise<boolean>;
  /** Removes `key` now; true iff it existed. */
  removeSync(key: K): boolean;
  /** Removes every entry of the scope (or of `range` in it) now; returns how many. */
  clearSync(range?: ClearRange<K>): number;
  /** Removes every entry of the scope (or of `range` in it) in the next batch; resolves how many. */
  clearAsync(range?: ClearRange<K>): Promise<number>;
  /** The scope's entries in key order, lazily. */
  getRange(options?: RangeOptions<K>): RangeIterable<Entry<K, V>>;
  /** The scope's keys in order, lazily. */
  getKeys(options?: RangeOptions<K>): RangeIterable<K>;
  /** Counts exactly what `getKeys` yields with the same options (`limit` included). */
  getCount(options?: RangeOptions<K>): number;
  /** True when the scope holds nothing here (one cursor seek). */
  isEmpty(): boolean;
  /** Holds a read snapshot of the scope across calls, until its `done()`. */
  snapshot(): ScopedViewSnapshot<K, V>;
  /** Runs `fn` in a write transaction at its place in call order. */
  transaction<T>(fn: () => T): Promise<T>;
  /** Runs `fn` in a write transaction now; a throw rolls every write of it back, and so does returning a promise (`INVALID_INPUT`). */
  transactionSync<T>(fn: () => T): T;
}

/** Many isolated keyspaces (scopes) in one pair of LMDB tables. Every method takes the scope first. */
export interface ScopedDatabase<K, V, VIn = V> extends ScopeEmptinessChecker {
  /** The database's name (its LMDB tables are `name` and `name_scoped`). */
  readonly name: string;
  /** The value under `key` in `scope`, or undefined. */
  get(scope: ScopeLike, key: K): V | undefined;
  /** The values under `keys`, in their order (prefetched asynchronously). */
  getMany(scope: ScopeLike, keys: readonly K[]): Promise<(V | undefined)[]>;
  /** True when `key` holds a value in `scope`. */
  doesExist(scope: ScopeLike, key: K): boolean;
  /** Writes in the next batch (registering the scope with it); resolves true once committed. */
  put(scope: ScopeLike, key: K, value: VIn): Promise<boolean>;
  /** Writes now, joining an open transaction. */
  putSync(scope: ScopeLike, key: K, value: VIn): boolean;
  /** Removes in the next batch; resolves true iff the key existed at its place in call order. */
  remove(scope: ScopeLike, key: K): Promise<boolean>;
  /** Removes now; true iff the key existed. */
  removeSync(scope: ScopeLike, key: K): boolean;
  /** Removes every entry of that scope only (or of `range` in it), now; returns how many. */
  clearSync(scope: ScopeLike, range?: ClearRange<K>): number;
  /** Removes every entry of that scope only (or of `range` in it), in the next batch; resolves how many. */
  clearAsync(scope: ScopeLike, range?: ClearRange<K>): Promise<number>;
  /** The scope's entries in key order, lazily; options apply inside the scope. */
  getRange(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<Entry<K, V>>;
  /** The scope's keys in order, lazily. */
  getKeys(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<K>;
  /** Counts exactly what `getKeys` yields with the same options (`limit` included). */
  getCount(scope: ScopeLike, options?: RangeOptions<K>): number;
  /** True when the scope holds nothing here (one cursor seek). */
  isScopeEmpty(scope: ScopeLike): boolean;
  /** Scopes holding data here, DEFAULT first. Needs a registry. */
  listScopes(): Scope[];
  /** Ids holding data here that the registry cannot name (register their names to list them). Needs a registry. */
  listUnnamedIds(): bigint[];
  /** Registered named scopes with no data here. Needs a registry. */
  findEmptyScopes(): Scope[];
  /** Registers `scope` without writing to it. Needs a registry. */
  registerScope(scope: ScopeLike): void;
  /** The scope's entries and bytes here, in O(1). Needs `.withStats()`. */
  getStats(scope: ScopeLike): ScopeStats;
  /** Recomputes the stats of `scope` (of every scope when left out) from the data; returns what it found in all. Needs `.withStats()`. */
  recountStats(scope?: ScopeLike): ScopeStats;
  /** A view bound to `scope`. */
  scope(scope: ScopeLike): ScopedView<K, V, VIn>;
  /** Holds a read snapshot of every scope across calls, until its `done()` (holds a reader slot). */
  snapshot(): ScopedSnapshot<K, V>;
  /** Runs `fn` in a write transaction at its place in call order; writes to any database and scope of the env commit together. */
  transaction<T>(fn: () => T): Promise<T>;
  /** Runs `fn` in a write transaction now; a throw rolls every write of it back, and so does returning a promise (`INVALID_INPUT`). */
  transactionSync<T>(fn: () => T): T;
}

/** A scoped database with byte keys. */
export type ScopedBytesKeyDatabase<V> = ScopedDatabase<Uint8Array, V>;
/** A scoped database with byte keys and values. */
export type ScopedBytesDatabase = ScopedDatabase<Uint8Array, Uint8Array>;

/** `ScopedView` of an `AsyncScopedDatabase`: the same methods, each returning a Promise. */
export interface AsyncScopedView<K, V, VIn = V> {
  /** The scope this view is bound to. */
  readonly scope: Scope;
  /** The value under `key`, or undefined. */
  get(key: K): Promise<V | undefined>;
  /** The values under `keys`, in their order. */
  getMany(keys: readonly K[]): Promise<(V | undefined)[]>;
  /** True when `key` holds a value. */
  doesExist(key: K): Promise<boolean>;
  /** Writes `value` under `key`; resolves true once applied. */
  put(key: K, value: VIn): Promise<boolean>;
  /** The same as `put` (so code written against `ScopedView` ports by adding `await`). */
  putSync(key: K, value: VIn): Promise<boolean>;
  /** Removes `key`; resolves true iff it existed at its place in call order. */
  remove(key: K): Promise<boolean>;
  /** The same as `remove`. */
  removeSync(key: K): Promise<boolean>;
  /** The same as `clearAsync`. */
  clearSync(range?: ClearRange<K>): Promise<number>;
  /** Removes every entry of the scope (or of `range` in it); resolves how many. */
  clearAsync(range?: ClearRange<K>): Promise<number>;
  /** The scope's entries in key order, streamed in pages. */
  getRange(options?: RangeOptions<K>): AsyncIterable<Entry<K, V>>;
  /** The scope's keys in order, streamed in pages. */
  getKeys(options?: RangeOptions<K>): AsyncIterable<K>;
  /** Counts exactly what `getKeys` yields with the same options. */
  getCount(options?: RangeOptions<K>): Promise<number>;
  /** True when the scope holds nothing in this database. */
  isEmpty(): Promise<boolean>;
  /** Runs `fn`; its writes to this scope (in any database of the store) apply together. */
  transaction<T>(fn: () => T | Promise<T>): Promise<T>;
}

/**
 * `ScopedDatabase` with every method returning a Promise (ranges: async iterables). Same names,
 * arguments and error codes; errors are reported by rejecting, never by throwing synchronously
 * (a range reports them from its first `next()`). `transaction` takes the scope: a networked
 * backend writes atomically to one scope only.
 */
export interface AsyncScopedDatabase<K, V, VIn = V> {
  /** The database's name. */
  readonly name: string;
  /** The codec of its keys. */
  readonly keyCodec: Codec<K>;
  /** The codec of its values. */
  readonly valueCodec: Codec<V, VIn>;
  /** The value under `key` in `scope`, or undefined. */
  get(scope: ScopeLike, key: K): Promise<V | undefined>;
  /** The values under `keys`, in their order. */
  getMany(scope: ScopeLike, keys: readonly K[]): Promise<(V | undefined)[]>;
  /** True when `key` holds a value in `scope`. */
  doesExist(scope: ScopeLike, key: K): Promise<boolean>;
  /** Writes (registering the scope with it); resolves true once applied. */
  put(scope: ScopeLike, key: K, value: VIn): Promise<boolean>;
  /** The same as `put`: kept so code written against `ScopedDatabase` ports by adding `await`. */
  putSync(scope: ScopeLike, key: K, value: VIn): Promise<boolean>;
  /** Removes; resolves true iff the key existed at its place in call order. */
  remove(scope: ScopeLike, key: K): Promise<boolean>;
  /** The same as `remove`. */
  removeSync(scope: ScopeLike, key: K): Promise<boolean>;
  /** The same as `clearAsync`. */
  clearSync(scope: ScopeLike, range?: ClearRange<K>): Promise<number>;
  /** Removes every entry of that scope only (or of `range` in it); resolves how many. */
  clearAsync(scope: ScopeLike, range?: ClearRange<K>): Promise<number>;
  /** Streamed in pages; not a snapshot: a write between two pages may or may not be seen. */
  getRange(scope: ScopeLike, options?: RangeOptions<K>): AsyncIterable<Entry<K, V>>;
  /** The scope's keys in order, streamed in pages. */
  getKeys(scope: ScopeLike, options?: RangeOptions<K>): AsyncIterable<K>;
  /** Counts exactly what `getKeys` with the same options yields. */
  getCount(scope: ScopeLike, options?: RangeOptions<K>): Promise<number>;
  /** True when the scope holds nothing in this database. */
  isScopeEmpty(scope: ScopeLike): Promise<boolean>;
  /** Scopes holding data here, DEFAULT first; a scope whose name record is gone is left out. */
  listScopes(): Promise<Scope[]>;
  /** Ids holding data here that the registry cannot name. */
  listUnnamedIds(): Promise<bigint[]>;
  /** Registered named scopes with no data here. */
  findEmptyScopes(): Promise<Scope[]>;
  /** Registers `scope` without writing to it. */
  registerScope(scope: ScopeLike): Promise<void>;
  /** The scope's entries and bytes here, in O(1). Needs stats. */
  getStats(scope: ScopeLike): Promise<ScopeStats>;
  /** Recomputes the stats of `scope` (of every scope when left out) from the data. Needs stats. */
  recountStats(scope?: ScopeLike): Promise<ScopeStats>;
  /** A view bound to `scope`. */
  scope(scope: ScopeLike): AsyncScopedView<K, V, VIn>;
  /** Runs `fn`; the writes it makes to `scope` (in any database of the store) apply together. */
  transaction<T>(scope: ScopeLike, fn: () => T | Promise<T>): Promise<T>;
}
