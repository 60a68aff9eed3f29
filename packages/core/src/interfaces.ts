import type { ScopeEmptinessChecker } from './registrar.js';
import type { Scope, ScopeLike } from './scope.js';

/** lmdb-js range options, applied inside one scope. `undefined` means the option is not set. */
export interface RangeOptions<K> {
  /** Inclusive (the high end when `reverse`). */
  start?: K | undefined;
  /** Exclusive unless `inclusiveEnd`. */
  end?: K | undefined;
  inclusiveEnd?: boolean | undefined;
  exclusiveStart?: boolean | undefined;
  reverse?: boolean | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface Entry<K, V> {
  key: K;
  value: V;
}

/**
 * What `getRange`/`getKeys` return: lmdb-js's lazy range, typed as it behaves. Each pass
 * (`for…of`, `asArray`, `forEach`) reads the data again; `map`/`filter`/`slice` stay lazy.
 */
export interface RangeIterable<T> extends Iterable<T> {
  map<U>(callback: (item: T) => U): RangeIterable<U>;
  filter(callback: (item: T) => unknown): RangeIterable<T>;
  /** Items `start` (inclusive) to `end` (exclusive) of the range. */
  slice(start: number, end?: number): RangeIterable<T>;
  forEach(callback: (item: T) => void): void;
  /** Every item, read now (synchronously) into an array. */
  readonly asArray: T[];
}

/** The operations of a scoped database with the scope already chosen. */
export interface ScopedView<K, V, VIn = V> {
  readonly scope: Scope;
  get(key: K): V | undefined;
  getMany(keys: readonly K[]): Promise<(V | undefined)[]>;
  doesExist(key: K): boolean;
  put(key: K, value: VIn): Promise<boolean>;
  putSync(key: K, value: VIn): boolean;
  remove(key: K): Promise<boolean>;
  removeSync(key: K): boolean;
  clearSync(): number;
  clearAsync(): Promise<number>;
  getRange(options?: RangeOptions<K>): RangeIterable<Entry<K, V>>;
  getKeys(options?: RangeOptions<K>): RangeIterable<K>;
  getCount(options?: RangeOptions<K>): number;
  isEmpty(): boolean;
  transaction<T>(fn: () => T): Promise<T>;
  transactionSync<T>(fn: () => T): T;
}

/** Many isolated keyspaces (scopes) in one pair of LMDB tables. Every method takes the scope first. */
export interface ScopedDatabase<K, V, VIn = V> extends ScopeEmptinessChecker {
  readonly name: string;
  get(scope: ScopeLike, key: K): V | undefined;
  getMany(scope: ScopeLike, keys: readonly K[]): Promise<(V | undefined)[]>;
  doesExist(scope: ScopeLike, key: K): boolean;
  put(scope: ScopeLike, key: K, value: VIn): Promise<boolean>;
  putSync(scope: ScopeLike, key: K, value: VIn): boolean;
  /** Resolves true iff the key existed. */
  remove(scope: ScopeLike, key: K): Promise<boolean>;
  removeSync(scope: ScopeLike, key: K): boolean;
  /** Removes every entry of that scope only; returns how many. */
  clearSync(scope: ScopeLike): number;
  clearAsync(scope: ScopeLike): Promise<number>;
  getRange(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<Entry<K, V>>;
  getKeys(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<K>;
  /** Counts exactly what `getKeys` yields with the same options (`limit` included). */
  getCount(scope: ScopeLike, options?: RangeOptions<K>): number;
  isScopeEmpty(scope: ScopeLike): boolean;
  /** Scopes holding data here, DEFAULT first. Needs a registry. */
  listScopes(): Scope[];
  /** Ids holding data here that the registry cannot name (register their names to list them). Needs a registry. */
  listUnnamedIds(): bigint[];
  /** Registered named scopes with no data here. Needs a registry. */
  findEmptyScopes(): Scope[];
  registerScope(scope: ScopeLike): void;
  scope(scope: ScopeLike): ScopedView<K, V, VIn>;
  transaction<T>(fn: () => T): Promise<T>;
  transactionSync<T>(fn: () => T): T;
}

export type ScopedBytesKeyDatabase<V> = ScopedDatabase<Uint8Array, V>;
export type ScopedBytesDatabase = ScopedDatabase<Uint8Array, Uint8Array>;
