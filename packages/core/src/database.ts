import type { Database, RangeIterable as LmdbIterable, RootDatabase } from 'lmdb';
import { type Codec, encodingError, plainBytesCodecs } from './codec.js';
import { printableKey, ScopedDbError, withContext, wrapError } from './errors.js';
import type { Entry, RangeIterable, RangeOptions, ScopedDatabase, ScopedView } from './interfaces.js';
import {
  checkKeyLength,
  firstScopeStart,
  keyPrefixLength,
  nextScopeStart,
  readScopeHash,
  scopeRange,
  writeKeyPrefix,
} from './key-format.js';
import { type DatabaseKind, libraryTableRecords } from './meta-record.js';
import type { ScopeRegistrar } from './registrar.js';
import { describe, describeScope, Scope, type ScopeLike } from './scope.js';
import { inWriteTransaction, isClosing, isReadOnly } from './transaction.js';
import { LmdbScopedView } from './view.js';
import { type QueuedWrite, type WriteQueue, writeQueueOf } from './write-queue.js';

export interface DatabaseConfig<K, V, VIn = V> {
  env: RootDatabase;
  name: string;
  kind: DatabaseKind;
  keyCodec: Codec<K>;
  valueCodec: Codec<V, VIn>;
  registry: ScopeRegistrar | undefined;
  /** The DEFAULT scope's table: `<name>`, or the env's main database (`unnamedForDefault`). */
  defaultTable: Database<Uint8Array, Uint8Array>;
  scopedTable: Database<Uint8Array, Uint8Array>;
  defaultInMainDb: boolean;
}

/** How many keys a clear removes per cursor pass (keeps memory flat for huge scopes). */
const CLEAR_BATCH = 10_000;

interface LmdbRange {
  start?: Uint8Array;
  end?: Uint8Array;
  inclusiveEnd?: boolean;
  exclusiveStart?: boolean;
  reverse?: boolean;
  limit?: number;
  offset?: number;
}

export class LmdbScopedDatabase<K, V, VIn = V> implements ScopedDatabase<K, V, VIn> {
  readonly name: string;
  readonly #env: RootDatabase;
  readonly #keyCodec: Codec<K>;
  readonly #valueCodec: Codec<V, VIn>;
  readonly #registry: ScopeRegistrar | undefined;
  readonly #defaultTable: Database<Uint8Array, Uint8Array>;
  readonly #scopedTable: Database<Uint8Array, Uint8Array>;
  readonly #defaultInMainDb: boolean;
  readonly #plainKeys: boolean;
  readonly #queue: WriteQueue;
  readonly #readOnly: boolean;
  /** Made once: every queued put carries it. */
  readonly #putContext: string;
  readonly #plainValues: boolean;
  /** Scratch for encoding keys on hot paths: id + key, with room to spot oversize keys (a multiple of 4 for ordered-binary's DataView). A plain Uint8Array: views of a Buffer cost a slow FastBuffer construction each. */
  readonly #keyBuffer = new Uint8Array(4096);
  readonly #keyViews: Uint8Array[] = [];

  constructor(config: DatabaseConfig<K, V, VIn>) {
    this.name = config.name;
    this.#env = config.env;
    this.#keyCodec = config.keyCodec;
    this.#valueCodec = config.valueCodec;
    this.#registry = config.registry;
    this.#defaultTable = config.defaultTable;
    this.#scopedTable = config.scopedTable;
    this.#defaultInMainDb = config.defaultInMainDb;
    this.#plainKeys = plainBytesCodecs.has(config.keyCodec as Codec<Uint8Array>);
    this.#queue = writeQueueOf(config.env);
    this.#readOnly = isReadOnly(config.env);
    this.#putContext = `put in "${config.name}"`;
    this.#plainValues = plainBytesCodecs.has(config.valueCodec as Codec<Uint8Array>);
  }

  // ---- reads ----

  get(scope: ScopeLike, key: K): V | undefined {
    const s = Scope.from(scope);
    const keyBytes = this.#encodeKey(s, key);
    if (this.#isTableRecordKey(s, keyBytes)) return undefined;
    let bytes: Uint8Array | undefined;
    try {
      // Byte values: lmdb-js's getBinary already makes the one copy we need (a Buffer).
      if (this.#plainValues) return this.#tableOf(s).getBinary(keyBytes) as V | undefined;
      bytes = this.#tableOf(s).getBinaryFast(keyBytes);
    } catch (error) {
      throw wrapError(error, 'STORAGE', `get in "${this.name}"`);
    }
    return bytes === undefined ? undefined : this.#decodeValue(bytes, 'get', s, keyBytes);
  }

  async getMany(scope: ScopeLike, keys: readonly K[]): Promise<(V | undefined)[]> {
    const s = Scope.from(scope);
    if (!Array.isArray(keys)) throw new ScopedDbError('INVALID_INPUT', `getMany needs an array of keys, got ${describe(keys)}`);
    const encoded = keys.map((key) => new Uint8Array(this.#encodeKey(s, key)));
    const table = this.#tableOf(s);
    this.#checkOpen('getMany');
    try {
      await table.prefetch(encoded);
    } catch (error) {
      throw wrapError(error, 'STORAGE', `getMany in "${this.name}"`);
    }
    return encoded.map((keyBytes) => {
      if (this.#isTableRecordKey(s, keyBytes)) return undefined;
      const bytes = this.#storage('getMany', () => table.getBinaryFast(keyBytes));
      return bytes === undefined ? undefined : this.#decodeValue(bytes, 'getMany', s, keyBytes);
    });
  }

  doesExist(scope: ScopeLike, key: K): boolean {
    const s = Scope.from(scope);
    const keyBytes = this.#encodeKey(s, key);
    if (this.#isTableRecordKey(s, keyBytes)) return false;
    return this.#storage('doesExist', () => this.#tableOf(s).getBinaryFast(keyBytes) !== undefined);
  }

  getRange(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<Entry<K, V>> {
    const s = Scope.from(scope);
    const skip = keyPrefixLength(s);
    // lmdb-js makes a fresh entry object (with fresh key and value copies) per step:
    // decode into it rather than allocating another.
    const entries = this.#entries(s, options).map((entry) => {
      const storedKey = entry.key;
      const decoded = entry as unknown as Entry<K, V>;
      decoded.key = this.#decodeFreshKey(storedKey, skip, 'getRange', s);
      // Byte values: lmdb-js already copied them out (as a Buffer); no second copy.
      decoded.value = this.#plainValues ? (entry.value as V) : this.#decodeValue(entry.value, 'getRange', s, storedKey);
      return decoded;
    });
    return reportStorageErrors(entries, `getRange in "${this.name}"`);
  }

  getKeys(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<K> {
    const s = Scope.from(scope);
    const skip = keyPrefixLength(s);
    const keys = this.#keys(s, options).map((key) => this.#decodeFreshKey(key, skip, 'getKeys', s));
    return reportStorageErrors(keys, `getKeys in "${this.name}"`);
  }

  getCount(scope: ScopeLike, options?: RangeOptions<K>): number {
    const s = Scope.from(scope);
    const range = this.#rangeOptions(s, options);
    if (this.#filtersTableRecords(s)) return this.#storage('getCount', () => countOf(this.#filteredKeys(range)));
    const { limit, offset = 0, ...bounds } = range;
    // lmdb-js counts from `offset` but ignores `limit`; we count what getKeys would yield.
    const all = this.#storage('getCount', () => this.#tableOf(s).getCount(bounds));
    const count = Math.max(0, all - offset);
    return limit === undefined ? count : Math.min(count, limit);
  }

  isScopeEmpty(scope: ScopeLike): boolean {
    const s = Scope.from(scope);
    return this.#storage('isScopeEmpty', () => {
      // One cursor seek: the first key at or after the scope's start tells.
      for (const _ of this.#keys(s, { limit: 1 })) return false;
      return true;
    });
  }

  // ---- writes ----
  // Async writes join the env's write queue (write-queue.ts) so that every mix of writes
  // applies in call order; a sync write outside a transaction flushes the queue first.

  putSync(scope: ScopeLike, key: K, value: VIn): boolean {
    // Flush first: the queued writes encode keys into the same scratch buffer this write uses.
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    const s = Scope.from(scope);
    const valueBytes = this.#encodeValue(value);
    const keyBytes = this.#encodeKey(s, key);
    this.#refuseTableRecordKey(s, keyBytes, 'putSync');
    this.#checkWritable('putSync');
    const table = this.#tableOf(s);
    if (!this.#needsRegistration(s)) {
      // The hot path, without a closure per call.
      try {
        table.putSync(keyBytes, valueBytes);
        return true;
      } catch (error) {
        throw wrapError(error, 'STORAGE', `putSync in "${this.name}"`);
      }
    }
    return this.#writeSync(s, 'putSync', () => {
      table.putSync(keyBytes, valueBytes);
      return true;
    });
  }

  put(scope: ScopeLike, key: K, value: VIn): Promise<boolean> {
    try {
      const s = Scope.from(scope);
      const valueBytes = this.#encodeValue(value);
      const keyBytes = this.#encodeKey(s, key);
      this.#refuseTableRecordKey(s, keyBytes, 'put');
      const table = this.#tableOf(s);
      this.#checkWritable('put');
      if (inWriteTransaction(this.#env)) {
        return Promise.resolve(
          this.#writeSync(s, 'put', () => {
            table.putSync(keyBytes, valueBytes);
            return true;
          }),
        );
      }
      // The key is copied (the scratch buffer moves on); the value bytes are the codec's own.
      const ownKey = new Uint8Array(keyBytes);
      if (!this.#needsRegistration(s)) return this.#queue.addShared(new QueuedPut(this.#putContext, table, ownKey, valueBytes));
      // Registration is checked in the flush's transaction and may fail for this write alone.
      return this.#queue.add(new QueuedPut(this.#putContext, table, ownKey, valueBytes, this.#registry, s));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  removeSync(scope: ScopeLike, key: K): boolean {
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    const s = Scope.from(scope);
    const keyBytes = this.#encodeKey(s, key);
    if (this.#isTableRecordKey(s, keyBytes)) return false;
    this.#checkWritable('removeSync');
    return this.#storage('removeSync', () => this.#tableOf(s).removeSync(keyBytes));
  }

  remove(scope: ScopeLike, key: K): Promise<boolean> {
    try {
      const s = Scope.from(scope);
      const keyBytes = this.#encodeKey(s, key);
      this.#checkWritable('remove');
      if (this.#isTableRecordKey(s, keyBytes)) return Promise.resolve(false);
      const table = this.#tableOf(s);
      if (inWriteTransaction(this.#env)) return Promise.resolve(this.#storage('remove', () => table.removeSync(keyBytes)));
      // Raw lmdb-js resolves true either way; deleting inside the flush's transaction tells.
      const ownKey = new Uint8Array(keyBytes);
      return this.#queue.add({ context: `remove in "${this.name}"`, apply: () => table.removeSync(ownKey) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  clearSync(scope: ScopeLike): number {
    const s = Scope.from(scope);
    this.#checkWritable('clearSync');
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    return this.#storage('clearSync', () => this.#env.transactionSync(() => this.#clearInTransaction(s)));
  }

  clearAsync(scope: ScopeLike): Promise<number> {
    try {
      const s = Scope.from(scope);
      this.#checkWritable('clearAsync');
      if (inWriteTransaction(this.#env)) return Promise.resolve(this.clearSync(s));
      return this.#queue.add({ context: `clearAsync in "${this.name}"`, partial: true, apply: () => this.#clearInTransaction(s) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- scopes ----

  listScopes(): Scope[] {
    const registry = this.#requireRegistry('listScopes');
    const scopes: Scope[] = [];
    if (!this.isScopeEmpty(Scope.DEFAULT)) scopes.push(Scope.DEFAULT);
    this.#walkScopeHashes('listScopes', (hash) => {
      const name = registry.getScopeName(hash);
      // Data under an id the registry does not know cannot be named: listUnnamedIds() finds it.
      if (name !== undefined) scopes.push(Scope.named(name));
    });
    return scopes;
  }

  /**
   * Ids that hold data here but that the registry cannot name (e.g. data written before the
   * database had a registry): register their names (`registerScope`) to make them listable.
   */
  listUnnamedIds(): bigint[] {
    const registry = this.#requireRegistry('listUnnamedIds');
    const ids: bigint[] = [];
    this.#walkScopeHashes('listUnnamedIds', (hash) => {
      if (registry.getScopeName(hash) === undefined) ids.push(hash);
    });
    return ids;
  }

  /** Hops from one scope's first key to the next id: O(scopes × log n), not a full scan. */
  #walkScopeHashes(action: string, visit: (hash: bigint) => void): void {
    let from: Uint8Array | undefined = firstScopeStart();
    while (from) {
      let first: Uint8Array | undefined;
      const start: Uint8Array = from;
      this.#storage(action, () => {
        for (const key of this.#scopedTable.getKeys({ start, limit: 1 })) first = key;
      });
      if (!first) return;
      visit(readScopeHash(first));
      from = nextScopeStart(first);
    }
  }

  findEmptyScopes(): Scope[] {
    const registry = this.#requireRegistry('findEmptyScopes');
    return registry.listAllScopes().filter((s) => !s.isDefault && this.isScopeEmpty(s));
  }

  registerScope(scope: ScopeLike): void {
    this.#requireRegistry('registerScope').registerScope(scope);
  }

  scope(scope: ScopeLike): ScopedView<K, V, VIn> {
    return new LmdbScopedView<K, V, VIn>(this, Scope.from(scope));
  }

  /**
   * Runs `fn` in a write transaction at its place in call order (after every async write
   * issued before it). If `fn` throws, its own writes roll back (a child transaction) and the
   * promise rejects with its error. `fn` runs synchronously: when it returns a promise, the
   * writes it made before its first `await` commit, and the result is that promise's value.
   * Inside an open write transaction it runs at once, joining it.
   */
  transaction<T>(fn: () => T): Promise<T> {
    try {
      checkCallback(fn, 'transaction');
      this.#checkWritable('transaction');
      if (inWriteTransaction(this.#env)) return Promise.resolve(this.#env.transactionSync(fn));
      return this.#queue.add({ context: `transaction on "${this.name}"`, partial: true, apply: fn });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  transactionSync<T>(fn: () => T): T {
    checkCallback(fn, 'transactionSync');
    this.#checkWritable('transactionSync');
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    const tracked = trackCallbackErrors(fn);
    try {
      return this.#env.transactionSync(tracked.run);
    } catch (error) {
      throw tracked.threw(error) ? error : wrapError(error, 'STORAGE', `transactionSync on "${this.name}"`);
    }
  }

  // ---- internals ----

  #tableOf(scope: Scope): Database<Uint8Array, Uint8Array> {
    return scope.isDefault ? this.#defaultTable : this.#scopedTable;
  }

  /**
   * With `unnamedForDefault`, LMDB keeps each named table's record (its name and a NUL)
   * in the same keyspace as the DEFAULT scope. Point operations must not reach the
   * records of this library's tables: reads miss, writes are refused.
   */
  #isTableRecordKey(scope: Scope, keyBytes: Uint8Array): boolean {
    // Only keys ending in NUL can be records, so ordinary keys cost one comparison.
    if (!this.#filtersTableRecords(scope) || keyBytes[keyBytes.length - 1] !== 0) return false;
    return libraryTableRecords(this.#env).has(latin1(keyBytes));
  }

  #refuseTableRecordKey(scope: Scope, keyBytes: Uint8Array, action: string): void {
    if (this.#isTableRecordKey(scope, keyBytes)) {
      throw new ScopedDbError('INVALID_INPUT', `${action} in "${this.name}": that key is the record of a table in the main database`);
    }
  }

  /** Encodes `id ‖ key` into the shared scratch buffer; valid until the next call. */
  #encodeKey(scope: Scope, key: K): Uint8Array {
    const target = this.#keyBuffer;
    const offset = writeKeyPrefix(scope, target);
    const codec = this.#keyCodec;
    let end: number;
    try {
      end = codec.encodeInto ? codec.encodeInto(key, target, offset) : Number.POSITIVE_INFINITY;
      // Anything but a whole end offset at or after the start would cut the id or write garbage.
      if (!(end >= offset && (Number.isInteger(end) || end === Number.POSITIVE_INFINITY))) {
        throw new RangeError(`encodeInto returned ${typeof end === 'number' ? end : describe(end)}, not an end offset >= ${offset}`);
      }
      // No fast path, or it did not fit: encode on its own (and learn the real length).
      if (end > target.length) {
        const bytes = codec.encode(key);
        if (!(bytes instanceof Uint8Array)) throw new TypeError(`encode returned ${describe(bytes)}, not a Uint8Array`);
        end = offset + bytes.length;
        if (end <= target.length) target.set(bytes, offset);
      }
    } catch (error) {
      throw encodingError(codec.name, 'encode', error);
    }
    checkKeyLength(end - offset);
    // One cached view per length: the hot path allocates nothing.
    let view = this.#keyViews[end];
    if (view === undefined) view = this.#keyViews[end] = target.subarray(0, end);
    return view;
  }

  /** Decodes a key lmdb-js copied out for a range step: the bytes codec can take a view of it. */
  #decodeFreshKey(bytes: Uint8Array, skip: number, action: string, scope: Scope): K {
    if (this.#plainKeys) return copyPlain(bytes, skip) as K;
    const key = new Uint8Array(bytes.buffer, bytes.byteOffset + skip, bytes.length - skip);
    try {
      return this.#keyCodec.decode(key);
    } catch (error) {
      throw withContext(encodingError(this.#keyCodec.name, 'decode', error), 'ENCODING', this.#where(action, scope, key));
    }
  }

  #encodeValue(value: VIn): Uint8Array {
    let bytes: Uint8Array;
    try {
      bytes = this.#valueCodec.encode(value);
    } catch (error) {
      throw encodingError(this.#valueCodec.name, 'encode', error);
    }
    if (!(bytes instanceof Uint8Array)) {
      throw encodingError(this.#valueCodec.name, 'encode', new TypeError(`encode returned ${describe(bytes)}, not a Uint8Array`));
    }
    return bytes;
  }

  /** `scopedKey` is the stored key (id ‖ key for a named scope): only read when decoding fails, for the message. */
  #decodeValue(bytes: Uint8Array, action: string, scope: Scope, scopedKey: Uint8Array): V {
    try {
      // lmdb-js's fast get buffer fakes `length` over a larger allocation: hand codecs an exact
      // view. A plain Uint8Array view, because views of a Buffer pay a slow FastBuffer constructor.
      return this.#valueCodec.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    } catch (error) {
      const key = scopedKey.subarray(keyPrefixLength(scope));
      throw withContext(encodingError(this.#valueCodec.name, 'decode', error), 'ENCODING', this.#where(action, scope, key));
    }
  }

  /** Which database, scope and key a failure is about. */
  #where(action: string, scope: Scope, key: Uint8Array): string {
    return `${action} in "${this.name}", ${describeScope(scope)}, key ${printableKey(key)}`;
  }

  #storage<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw wrapError(error, 'STORAGE', `${action} in "${this.name}"`);
    }
  }

  /** Writes need an open env opened for writing (lmdb-js has no write methods on a read-only env). */
  #checkWritable(action: string): void {
    this.#checkOpen(action);
    if (this.#readOnly) throw new ScopedDbError('STORAGE', `${action} in "${this.name}": the environment was opened read-only`);
  }

  #checkOpen(action: string): void {
    if (isClosing(this.#env)) throw new ScopedDbError('STORAGE', `${action} in "${this.name}": the environment is closed`);
  }

  #requireRegistry(method: string): ScopeRegistrar {
    if (!this.#registry) {
      throw new ScopedDbError('INVALID_INPUT', `${method} needs a registry: scopedDatabaseOptions(env, { registry })`);
    }
    return this.#registry;
  }

  #needsRegistration(scope: Scope): boolean {
    return this.#registry !== undefined && !scope.isDefault;
  }

  /**
   * A synchronous write to a named scope with a registry: the scope is (re)registered in the
   * same transaction, so data never commits to a scope the registry lost meanwhile (another
   * process may have pruned it). The registry keeps that to one read per scope and transaction.
   */
  #writeSync(scope: Scope, action: string, write: () => boolean): boolean {
    if (!this.#needsRegistration(scope)) return this.#storage(action, write);
    const registry = this.#registry as ScopeRegistrar;
    if (inWriteTransaction(this.#env)) {
      registry.registerScope(scope);
      return this.#storage(action, write);
    }
    return this.#storage(action, () =>
      this.#env.transactionSync(() => {
        registry.registerScope(scope);
        return write();
      }),
    );
  }

  #clearInTransaction(scope: Scope): number {
    const table = this.#tableOf(scope);
    if (scope.isDefault && !this.#defaultInMainDb) {
      const count = table.getCount();
      table.clearSync();
      return count;
    }
    // Delete in passes so a huge scope never needs all its keys in memory at once.
    let removed = 0;
    for (;;) {
      const keys = Array.from(this.#keys(scope, { limit: CLEAR_BATCH }));
      for (const key of keys) {
        // In the main database a record of a table opened outside this library cannot be
        // deleted (LMDB refuses); that throws, and the whole clear rolls back.
        table.removeSync(key);
      }
      removed += keys.length;
      if (keys.length < CLEAR_BATCH) return removed;
    }
  }

  /** Raw `{ key, value }` entries of the scope, bounded by its id. */
  #entries(scope: Scope, options: RangeOptions<K> | undefined): LmdbIterable<{ key: Uint8Array; value: Uint8Array }> {
    const range = this.#rangeOptions(scope, options);
    if (this.#filtersTableRecords(scope)) {
      const { limit, offset, ...bounds } = range;
      const skip = libraryTableRecords(this.#env);
      return sliceRange(
        this.#defaultTable.getRange(bounds).filter(({ key }) => !skip.has(latin1(key))),
        offset,
        limit,
      ) as LmdbIterable<{ key: Uint8Array; value: Uint8Array }>;
    }
    const table = this.#tableOf(scope);
    return table.getRange(boundedOffset(table, range)) as LmdbIterable<{ key: Uint8Array; value: Uint8Array }>;
  }

  /** Raw keys of the scope, bounded by its id. */
  #keys(scope: Scope, options: RangeOptions<K> | undefined): LmdbIterable<Uint8Array> {
    const range = this.#rangeOptions(scope, options);
    if (this.#filtersTableRecords(scope)) return this.#filteredKeys(range);
    const table = this.#tableOf(scope);
    return table.getKeys(boundedOffset(table, range)) as unknown as LmdbIterable<Uint8Array>;
  }

  /**
   * Translates range options to byte bounds inside the scope. Every bound carries the
   * scope's id, so no option can reach a neighbouring scope.
   */
  #rangeOptions(scope: Scope, options: RangeOptions<K> | undefined): LmdbRange {
    const o = checkRangeOptions(options);
    const bound = (key: K) => new Uint8Array(this.#encodeKey(scope, key));
    const reverse = o.reverse === true;
    const range: LmdbRange = { reverse };
    if (o.limit !== undefined) range.limit = o.limit;
    if (o.offset !== undefined) range.offset = o.offset;
    const { low, high } = scopeRange(scope);
    // In a forward scan `start` is the low end; in a reverse scan it is the high end.
    const [outerStart, outerEnd] = reverse ? [high, low] : [low, high];
    if (o.start !== undefined) {
      range.start = bound(o.start);
      if (o.exclusiveStart) range.exclusiveStart = true;
    } else if (outerStart !== undefined) {
      range.start = outerStart;
      // The scope's upper bound (id + 1) belongs to the next scope.
      if (reverse) range.exclusiveStart = true;
    }
    if (o.end !== undefined) {
      range.end = bound(o.end);
      if (o.inclusiveEnd) range.inclusiveEnd = true;
    } else if (outerEnd !== undefined) {
      range.end = outerEnd;
    } else if (reverse) {
      // lmdb-js stops a reverse scan without `end` before [0x00]; an explicit
      // undefined end means "to the first key", so keys starting with 0x00 are kept.
      // (lmdb-js's types have no explicit undefined for it.)
      (range as { end?: Uint8Array | undefined }).end = undefined;
    }
    return range;
  }

  #filtersTableRecords(scope: Scope): boolean {
    return scope.isDefault && this.#defaultInMainDb;
  }

  /**
   * The main database also holds one record per named table. Skip those of the
   * tables this library created; `limit`/`offset` then apply after skipping.
   */
  #filteredKeys(range: LmdbRange): LmdbIterable<Uint8Array> {
    const { limit, offset, ...bounds } = range;
    const skip = libraryTableRecords(this.#env);
    const keys = this.#defaultTable.getKeys(bounds) as unknown as LmdbIterable<Uint8Array>;
    return sliceRange(
      keys.filter((key) => !skip.has(latin1(key))),
      offset,
      limit,
    );
  }
}

/**
 * lmdb-js raises its errors (closed env, reader slots full, …) from inside a lazy
 * iteration; report those as STORAGE like every other failure.
 */
function reportStorageErrors<T>(range: LmdbIterable<T>, context: string): RangeIterable<T> {
  // `range` is always a fresh iterable of ours (from `.map`), so patching it in place is safe.
  const wrapped = range as LmdbIterable<T> & { iterate(options?: unknown): Iterator<T> };
  const iterate = wrapped.iterate;
  const guard = <R>(run: () => R): R => {
    try {
      return run();
    } catch (error) {
      throw wrapError(error, 'STORAGE', context);
    }
  };
  wrapped.iterate = (options) => {
    const iterator = guard(() => iterate.call(wrapped, options));
    return {
      // The hot path: no closure per step.
      next: (value?: unknown) => {
        try {
          return iterator.next(value);
        } catch (error) {
          throw wrapError(error, 'STORAGE', context);
        }
      },
      return: (value?: unknown) => guard(() => iterator.return?.(value) ?? { done: true, value: value as T }),
      throw: (error?: unknown) =>
        guard(() => {
          if (iterator.throw) return iterator.throw(error);
          throw error;
        }),
    };
  };
  // lmdb-js types `asArray` as a Promise; it is the array itself (interfaces.ts types it so).
  return wrapped as unknown as RangeIterable<T>;
}

/** A queued `put`: registers its scope (with a registry) and writes, inside the flush's transaction. */
class QueuedPut implements QueuedWrite {
  settle?: QueuedWrite['settle'];
  constructor(
    readonly context: string,
    readonly table: Database<Uint8Array, Uint8Array>,
    readonly key: Uint8Array,
    readonly value: Uint8Array,
    readonly registry?: ScopeRegistrar,
    readonly scope?: Scope,
  ) {}
  apply(): true {
    this.registry?.registerScope(this.scope);
    this.table.putSync(this.key, this.value);
    return true;
  }
}

function checkCallback(fn: unknown, method: string): void {
  if (typeof fn !== 'function') throw new ScopedDbError('INVALID_INPUT', `${method} needs a function, got ${describe(fn)}`);
}

/** Tells the callback's own errors (passed through) from the transaction's (commit failures). */
function trackCallbackErrors<T>(fn: () => T) {
  let thrown: unknown;
  let didThrow = false;
  return {
    run: () => {
      try {
        return fn();
      } catch (error) {
        didThrow = true;
        thrown = error;
        throw error;
      }
    },
    threw: (error: unknown) => didThrow && error === thrown,
  };
}

/**
 * lmdb-js skips `offset` entries natively without looking at `end` (and as a uint32: 2^32
 * wraps to 0), so an offset past the range would walk the following scopes' entries. Count
 * the range first (natively, bounded by `end`, so the cost stays within the scope): an
 * offset at or past it means nothing to return; a smaller one stays inside the range.
 */
function boundedOffset(table: Database<Uint8Array, Uint8Array>, range: LmdbRange): LmdbRange {
  const { offset, limit, ...bounds } = range;
  if (offset === undefined || offset === 0 || offset < table.getCount(bounds)) return range;
  // Nothing to return: a range that holds nothing (lmdb-js's limit 0 returns no iterable).
  const at = range.start ?? EMPTY_RANGE_KEY;
  return { start: at, end: at, reverse: range.reverse === true };
}

const EMPTY_RANGE_KEY = new Uint8Array([0]);

function sliceRange<T>(range: LmdbIterable<T>, offset = 0, limit?: number): LmdbIterable<T> {
  return offset === 0 && limit === undefined ? range : range.slice(offset, limit === undefined ? Number.POSITIVE_INFINITY : offset + limit);
}

function countOf(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}

/**
 * A plain Uint8Array copy of `bytes` from `skip` on. Deliberately not a view: reading
 * `.buffer` of a small (on-heap) typed array makes V8 move it off-heap, and a Buffer
 * subarray goes through Buffer's slow species constructor; a fresh small array is cheap.
 */
function copyPlain(bytes: Uint8Array, skip: number): Uint8Array {
  const length = bytes.length - skip;
  const out = new Uint8Array(length);
  if (skip === 0) out.set(bytes);
  else for (let i = 0; i < length; i++) out[i] = bytes[i + skip] as number;
  return out;
}

const latin1 = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');

function checkRangeOptions<K>(options: RangeOptions<K> | undefined): RangeOptions<K> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new ScopedDbError('INVALID_INPUT', `range options must be an object, got ${describe(options)}`);
  }
  for (const name of ['limit', 'offset'] as const) {
    const n = options[name];
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) {
      throw new ScopedDbError(
        'INVALID_INPUT',
        `range option ${name} must be a whole number >= 0, got ${typeof n === 'string' ? JSON.stringify(n) : String(n)}`,
      );
    }
  }
  return options;
}
