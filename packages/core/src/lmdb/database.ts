/**
 * The one `ScopedDatabase` implementation, over lmdb-js. Every method makes the same calls in
 * the same order: resolve the scope, check and encode (codec.ts, key-format.ts), then one small
 * step against LMDB. The special cases are collaborators, not branches: `#mainDb` exists only
 * with `unnamedForDefault` (main-db.ts), `#registration` is a no-op without a registry
 * (registration.ts), async writes go through the env's write queue (write-queue.ts).
 */
import type { Database, RangeIterable as LmdbIterable, RootDatabase, Transaction } from 'lmdb';
import { type Codec, encodeWith, encodingError, plainBytesCodecs } from '../codec.js';
import { describeValue, printableKey, ScopedDbError, withContext, wrapError } from '../errors.js';
import type {
  ClearRange,
  Entry,
  RangeIterable,
  RangeOptions,
  ScopedDatabase,
  ScopedSnapshot,
  ScopedView,
  ScopedViewSnapshot,
  ScopeRegistrar,
  ScopeStats,
} from '../interfaces.js';
import {
  type DatabaseKind,
  firstScopeStart,
  hasId,
  idBytesOf,
  idRange,
  KeyWriter,
  keyPrefixLength,
  nextScopeStart,
  readScopeHash,
  replaceId,
  SCOPE_ID_BYTES,
} from '../key-format.js';
import { checkClearRange, checkRangeOptions } from '../range-options.js';
import { describeScope, Scope, type ScopeLike } from '../scope.js';
import { bindScope, SYNC_VIEW } from '../view.js';
import {
  bufferRangeReads,
  exactView,
  type HeldReadSnapshot,
  holdReadSnapshot,
  inWriteTransaction,
  isClosing,
  isReadOnly,
  isThenable,
} from './lmdb-internals.js';
import { MainDbScope } from './main-db.js';
import { boundedOffset, countOf, type LmdbRange, lmdbRange, reportStorageErrors } from './ranges.js';
import { type Registration, registrationFor } from './registration.js';
import { type StatsKeeper, statsOf } from './stats.js';
import { type QueuedWrite, trackCallbackErrors, type WriteQueue, writeQueueOf } from './write-queue.js';

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
  /** Keep per-scope stats (`.withStats()`). */
  stats: boolean;
}

/** How many keys a clear removes per cursor pass (keeps memory flat for huge scopes). */
const CLEAR_BATCH = 10_000;

/** Set by `LmdbScopedDatabase`'s static block (it alone reaches private members); declared before the class, which sets it. */
let byteSnapshotOf: (db: LmdbScopedDatabase<unknown, unknown, unknown>, scope: Scope) => (() => ByteSnapshot) | undefined;

/** A table as we read it: lmdb-js's point reads take `{ transaction }` too (missing from its types). */
type Table = Database<Uint8Array, Uint8Array> & {
  getBinary(key: Uint8Array, options?: SnapshotOptions): Uint8Array | undefined;
  getBinaryFast(key: Uint8Array, options?: SnapshotOptions): Uint8Array | undefined;
};
type SnapshotOptions = { transaction: Transaction } | undefined;
type StoredEntry = { key: Uint8Array; value: Uint8Array };

export class LmdbScopedDatabase<K, V, VIn = V> implements ScopedDatabase<K, V, VIn> {
  readonly name: string;
  readonly #env: RootDatabase;
  readonly #keys: KeyWriter<K>;
  readonly #valueCodec: Codec<V, VIn>;
  readonly #registry: ScopeRegistrar | undefined;
  readonly #registration: Registration;
  readonly #defaultTable: Table;
  readonly #scopedTable: Table;
  /** Only with `unnamedForDefault`: the DEFAULT scope shares the main database with table records. */
  readonly #mainDb: MainDbScope | undefined;
  readonly #queue: WriteQueue;
  readonly #readOnly: boolean;
  /** Made once: every queued put carries it. */
  readonly #putContext: string;
  /** Byte values: lmdb-js already hands out a copy, which is ours to return. */
  readonly #plainValues: boolean;
  /** Only with `.withStats()`: the env's stats keeper. */
  readonly #stats: StatsKeeper | undefined;
  /** Only with plain byte keys and values: the scoped table read as Buffers, for `byteSnapshots`. */
  readonly #bufferReads: Database<Buffer, Buffer> | undefined;
  /** Made once: what a queued put that must resolve its id or count its stats runs in the flush. */
  readonly #queuedWriter = (queued: QueuedPut): true => this.#putInTransaction(queued.scope as Scope, queued.key, queued.value);

  constructor(config: DatabaseConfig<K, V, VIn>) {
    this.name = config.name;
    this.#env = config.env;
    this.#keys = new KeyWriter(config.keyCodec, plainBytesCodecs.has(config.keyCodec as Codec<Uint8Array>), config.name);
    this.#valueCodec = config.valueCodec;
    this.#registry = config.registry;
    this.#registration = registrationFor(config.env, config.registry);
    this.#defaultTable = config.defaultTable;
    this.#scopedTable = config.scopedTable;
    this.#mainDb = config.defaultInMainDb ? new MainDbScope(config.env, config.defaultTable) : undefined;
    this.#queue = writeQueueOf(config.env);
    this.#readOnly = isReadOnly(config.env);
    this.#putContext = `put in "${config.name}"`;
    this.#plainValues = plainBytesCodecs.has(config.valueCodec as Codec<Uint8Array>);
    this.#stats = config.stats ? statsOf(config.env) : undefined;
    const plainKeys = plainBytesCodecs.has(config.keyCodec as Codec<Uint8Array>);
    this.#bufferReads = plainKeys && this.#plainValues ? bufferRangeReads(config.scopedTable, SCOPE_ID_BYTES) : undefined;
  }

  static {
    byteSnapshotOf = (db, scope) => {
      if (db.#bufferReads === undefined || scope.isDefault) return undefined;
      return () => db.#byteSnapshot(scope);
    };
  }

  // ---- reads ----
  // Each read has one body, shared with snapshots: `at` is a held read snapshot (snapshot()),
  // or undefined for lmdb-js's current one.

  get(scope: ScopeLike, key: K): V | undefined {
    return this.#get(Scope.from(scope), key, undefined);
  }

  async getMany(scope: ScopeLike, keys: readonly K[]): Promise<(V | undefined)[]> {
    const s = Scope.from(scope);
    const encoded = this.#encodeMany(s, keys, undefined);
    const table = this.#tableOf(s);
    this.#checkOpen('getMany');
    if (encoded === undefined) return keys.map(() => undefined);
    try {
      await table.prefetch(encoded);
    } catch (error) {
      throw wrapError(error, 'STORAGE', `getMany in "${this.name}"`);
    }
    return this.#readMany(s, encoded, undefined);
  }

  doesExist(scope: ScopeLike, key: K): boolean {
    return this.#doesExist(Scope.from(scope), key, undefined);
  }

  getRange(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<Entry<K, V>> {
    return this.#getRange(Scope.from(scope), options, undefined);
  }

  getKeys(scope: ScopeLike, options?: RangeOptions<K>): RangeIterable<K> {
    return this.#getKeys(Scope.from(scope), options, undefined);
  }

  getCount(scope: ScopeLike, options?: RangeOptions<K>): number {
    return this.#getCount(Scope.from(scope), options, undefined);
  }

  isScopeEmpty(scope: ScopeLike): boolean {
    return this.#isScopeEmpty(Scope.from(scope), undefined);
  }

  /**
   * Holds lmdb-js's current read snapshot until `done()`: its reads see this moment's data (and,
   * with a registry, this moment's scope ids), whatever commits later. Outside a write
   * transaction only (lmdb-js point reads inside one read the transaction instead).
   */
  snapshot(): ScopedSnapshot<K, V> {
    return this.#snapshot().snapshot;
  }

  #snapshot(): { snapshot: ScopedSnapshot<K, V>; at: ReadAt } {
    this.#checkOpen('snapshot');
    if (inWriteTransaction(this.#env)) {
      throw new ScopedDbError(
        'INVALID_INPUT',
        `snapshot of "${this.name}": not inside a write transaction (reads there see the transaction)`,
      );
    }
    const held = this.#storage('snapshot', () => holdReadSnapshot(this.#env));
    const at: ReadAt = { held, options: { transaction: held.transaction as Transaction }, ids: new Map(), done: false };
    const snapshot: ScopedSnapshot<K, V> = Object.freeze({
      get isDone() {
        return at.done;
      },
      get: (scope: ScopeLike, key: K) => this.#get(Scope.from(scope), key, this.#use(at, 'get')),
      getMany: (scope: ScopeLike, keys: readonly K[]) => {
        const s = Scope.from(scope);
        const encoded = this.#encodeMany(s, keys, this.#use(at, 'getMany'));
        return encoded === undefined ? keys.map(() => undefined) : this.#readMany(s, encoded, at);
      },
      doesExist: (scope: ScopeLike, key: K) => this.#doesExist(Scope.from(scope), key, this.#use(at, 'doesExist')),
      getRange: (scope: ScopeLike, options?: RangeOptions<K>) => this.#getRange(Scope.from(scope), options, this.#use(at, 'getRange')),
      getKeys: (scope: ScopeLike, options?: RangeOptions<K>) => this.#getKeys(Scope.from(scope), options, this.#use(at, 'getKeys')),
      getCount: (scope: ScopeLike, options?: RangeOptions<K>) => this.#getCount(Scope.from(scope), options, this.#use(at, 'getCount')),
      isScopeEmpty: (scope: ScopeLike) => this.#isScopeEmpty(Scope.from(scope), this.#use(at, 'isScopeEmpty')),
      scope: (scope: ScopeLike) => viewOfSnapshot(snapshot, Scope.from(scope)),
      done: () => {
        if (at.done) return;
        at.done = true;
        held.done();
      },
    });
    return { snapshot, at };
  }

  /** A snapshot of named `scope` with range reads of Buffers (`byteSnapshots`). */
  #byteSnapshot(scope: Scope): ByteSnapshot {
    const { snapshot, at } = this.#snapshot();
    return viewOfSnapshot(snapshot as unknown as ScopedSnapshot<Uint8Array, Uint8Array>, scope, {
      bufferEntries: (options?: RangeOptions<Uint8Array>) => this.#bufferRange(scope, options, at, false),
      bufferKeys: (options?: RangeOptions<Uint8Array>) => this.#bufferRange(scope, options, at, true),
    }) as ByteSnapshot;
  }

  /**
   * Raw reads of the scoped table through `#bufferReads`: the keys come back without the id,
   * which lmdb-js never writes back as a position because the range reads a held transaction.
   */
  #bufferRange(s: Scope, options: RangeOptions<Uint8Array> | undefined, at: ReadAt, keysOnly: boolean): RangeIterable<BufferEntry> {
    const action = keysOnly ? 'getKeys' : 'getRange';
    this.#use(at, action);
    const reads = this.#bufferReads as Database<Buffer, Buffer>;
    const range = boundedOffset(this.#scopedTable, this.#range(this.#readId(s, at), options as RangeOptions<K> | undefined, at));
    const items = (keysOnly ? reads.getKeys(range) : reads.getRange(range)) as LmdbIterable<BufferEntry>;
    return reportStorageErrors(items, `${action} in "${this.name}"`, () => this.#use(at, action));
  }

  /** A snapshot's state before each of its reads: usable, and outside a write transaction. */
  #use(at: ReadAt, action: string): ReadAt {
    if (at.done)
      throw new ScopedDbError('INVALID_INPUT', `${action} on a snapshot of "${this.name}": the snapshot is done (done() was called)`);
    if (inWriteTransaction(this.#env)) {
      throw new ScopedDbError(
        'INVALID_INPUT',
        `${action} on a snapshot of "${this.name}": not inside a write transaction (lmdb-js reads the transaction there)`,
      );
    }
    this.#checkOpen(action);
    return at;
  }

  /** The id reads of `scope` use: lmdb-js's current one, or, in a snapshot, the one as of it (asked once per snapshot). */
  #readId(scope: Scope, at: ReadAt | undefined): Uint8Array | null | undefined {
    if (at === undefined || scope.isDefault) return this.#registration.readId(scope);
    const name = scope.name as string;
    if (at.ids.has(name)) return at.ids.get(name);
    const id = this.#storage('snapshot read', () => this.#registration.readIdAt(scope, at.held.transaction));
    at.ids.set(name, id);
    return id;
  }

  #get(s: Scope, key: K, at: ReadAt | undefined): V | undefined {
    const id = this.#readId(s, at);
    const keyBytes = this.#keys.write(orNoId(id), key, 'get', s);
    if (id === undefined || this.#isRecordKey(s, keyBytes)) return undefined;
    let bytes: Uint8Array | undefined;
    const options = at?.options;
    try {
      // Byte values: lmdb-js's getBinary already makes the one copy we need (a Buffer).
      if (this.#plainValues) return this.#tableOf(s).getBinary(keyBytes, options) as V | undefined;
      bytes = this.#tableOf(s).getBinaryFast(keyBytes, options);
    } catch (error) {
      throw wrapError(error, 'STORAGE', `get in "${this.name}"`);
    }
    return bytes === undefined ? undefined : this.#decodeValue(bytes, 'get', s, keyBytes);
  }

  /** The stored keys of `keys` (copies), or undefined when the scope has no id (nothing to read). */
  #encodeMany(s: Scope, keys: readonly K[], at: ReadAt | undefined): Uint8Array[] | undefined {
    if (!Array.isArray(keys)) throw new ScopedDbError('INVALID_INPUT', `getMany needs an array of keys, got ${describeValue(keys)}`);
    const id = this.#readId(s, at);
    const encoded = keys.map((key) => this.#keys.copy(orNoId(id), key, 'getMany', s));
    return id === undefined ? undefined : encoded;
  }

  #readMany(s: Scope, encoded: Uint8Array[], at: ReadAt | undefined): (V | undefined)[] {
    const table = this.#tableOf(s);
    const options = at?.options;
    return encoded.map((keyBytes) => {
      if (this.#isRecordKey(s, keyBytes)) return undefined;
      const bytes = this.#storage('getMany', () => table.getBinaryFast(keyBytes, options));
      return bytes === undefined ? undefined : this.#decodeValue(bytes, 'getMany', s, keyBytes);
    });
  }

  #doesExist(s: Scope, key: K, at: ReadAt | undefined): boolean {
    const id = this.#readId(s, at);
    const keyBytes = this.#keys.write(orNoId(id), key, 'doesExist', s);
    if (id === undefined || this.#isRecordKey(s, keyBytes)) return false;
    const options = at?.options;
    return this.#storage('doesExist', () => this.#tableOf(s).getBinaryFast(keyBytes, options) !== undefined);
  }

  #getRange(s: Scope, options: RangeOptions<K> | undefined, at: ReadAt | undefined): RangeIterable<Entry<K, V>> {
    const skip = keyPrefixLength(s);
    // lmdb-js makes a fresh entry object (with fresh key and value copies) per step:
    // decode into it rather than allocating another.
    const entries = this.#entries(s, this.#readId(s, at), options, at).map((entry) => {
      const stored = entry.key;
      const decoded = entry as unknown as Entry<K, V>;
      decoded.key = this.#decodeKey(stored, skip, 'getRange', s);
      // Byte values: lmdb-js already copied them out (as a Buffer); no second copy.
      decoded.value = this.#plainValues ? (entry.value as V) : this.#decodeValue(entry.value, 'getRange', s, stored);
      return decoded;
    });
    return reportStorageErrors(entries, `getRange in "${this.name}"`, at && (() => this.#use(at, 'getRange')));
  }

  #getKeys(s: Scope, options: RangeOptions<K> | undefined, at: ReadAt | undefined): RangeIterable<K> {
    const skip = keyPrefixLength(s);
    const keys = this.#storedKeys(s, this.#readId(s, at), options, at).map((key) => this.#decodeKey(key, skip, 'getKeys', s));
    return reportStorageErrors(keys, `getKeys in "${this.name}"`, at && (() => this.#use(at, 'getKeys')));
  }

  #getCount(s: Scope, options: RangeOptions<K> | undefined, at: ReadAt | undefined): number {
    const id = this.#readId(s, at);
    const range = this.#range(id, options, at);
    if (id === undefined) return 0;
    if (this.#mainDb && s.isDefault) {
      const mainDb = this.#mainDb;
      return this.#storage('getCount', () => countOf(mainDb.keys(range)));
    }
    const { limit, offset = 0, ...bounds } = range;
    // lmdb-js counts from `offset` but ignores `limit`; we count what getKeys would yield.
    const all = this.#storage('getCount', () => this.#tableOf(s).getCount(bounds));
    const count = Math.max(0, all - offset);
    return limit === undefined ? count : Math.min(count, limit);
  }

  #isScopeEmpty(s: Scope, at: ReadAt | undefined): boolean {
    return this.#storage('isScopeEmpty', () => {
      // One cursor seek: the first key at or after the scope's start tells.
      for (const _ of this.#storedKeys(s, this.#readId(s, at), { limit: 1 }, at)) return false;
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
    const valueBytes = this.#encodeValue(value, 'putSync', s);
    if (this.#stats === undefined && !this.#registration.needed(s)) {
      // The hot path, without a closure per call.
      const keyBytes = this.#keys.write(this.#registration.writeId(s), key, 'putSync', s);
      this.#mainDb?.refuseRecordKey(keyBytes, `putSync in "${this.name}"`);
      this.#checkWritable('putSync');
      try {
        this.#tableOf(s).putSync(keyBytes, valueBytes);
        return true;
      } catch (error) {
        throw wrapError(error, 'STORAGE', `putSync in "${this.name}"`);
      }
    }
    // The key is checked before anything is registered or counted; its id is set in the transaction.
    const keyBytes = this.#keys.write(orNoId(this.#registration.readId(s)), key, 'putSync', s);
    this.#mainDb?.refuseRecordKey(keyBytes, `putSync in "${this.name}"`);
    this.#checkWritable('putSync');
    return this.#storage('putSync', () => this.#inTransaction(() => this.#putInTransaction(s, keyBytes, valueBytes)));
  }

  put(scope: ScopeLike, key: K, value: VIn): Promise<boolean> {
    try {
      const s = Scope.from(scope);
      const valueBytes = this.#encodeValue(value, 'put', s);
      if (this.#stats === undefined && !this.#registration.needed(s)) {
        const keyBytes = this.#keys.write(this.#registration.writeId(s), key, 'put', s);
        this.#mainDb?.refuseRecordKey(keyBytes, `put in "${this.name}"`);
        this.#checkWritable('put');
        const table = this.#tableOf(s);
        if (inWriteTransaction(this.#env)) {
          this.#storage('put', () => table.putSync(keyBytes, valueBytes));
          return Promise.resolve(true);
        }
        // The key is copied (the scratch buffer moves on); the value bytes are the codec's own.
        return this.#queue.addShared(new QueuedPut(this.#putContext, table, new Uint8Array(keyBytes), valueBytes));
      }
      // Encoded under the id reads use now; the transaction that writes decides the id and moves it if needed.
      const keyBytes = this.#keys.copy(orNoId(this.#registration.readId(s)), key, 'put', s);
      this.#mainDb?.refuseRecordKey(keyBytes, `put in "${this.name}"`);
      this.#checkWritable('put');
      if (inWriteTransaction(this.#env))
        return Promise.resolve(this.#storage('put', () => this.#putInTransaction(s, keyBytes, valueBytes)));
      const queued = new QueuedPut(this.#putContext, this.#tableOf(s), keyBytes, valueBytes);
      queued.scope = s;
      queued.writer = this.#queuedWriter;
      // Registration and quota are checked in the flush's transaction and may fail this write alone.
      return this.#queue.add(queued);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  removeSync(scope: ScopeLike, key: K): boolean {
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    const s = Scope.from(scope);
    const keyBytes = this.#keys.write(orNoId(this.#registration.readId(s)), key, 'removeSync', s);
    if (this.#isRecordKey(s, keyBytes)) return false;
    this.#checkWritable('removeSync');
    if (this.#stats === undefined && !this.#registration.needed(s))
      return this.#storage('removeSync', () => this.#tableOf(s).removeSync(keyBytes));
    // The id that counts is the one in the removing transaction (a drop or rename elsewhere may have moved it).
    return this.#storage('removeSync', () => this.#inTransaction(() => this.#removeInTransaction(s, keyBytes)));
  }

  remove(scope: ScopeLike, key: K): Promise<boolean> {
    try {
      const s = Scope.from(scope);
      const keyBytes = this.#keys.copy(orNoId(this.#registration.readId(s)), key, 'remove', s);
      this.#checkWritable('remove');
      if (this.#isRecordKey(s, keyBytes)) return Promise.resolve(false);
      if (inWriteTransaction(this.#env)) return Promise.resolve(this.#storage('remove', () => this.#removeInTransaction(s, keyBytes)));
      // Raw lmdb-js resolves true either way; deleting inside the flush's transaction tells.
      return this.#queue.add({ context: `remove in "${this.name}"`, apply: () => this.#removeInTransaction(s, keyBytes) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  clearSync(scope: ScopeLike, range?: ClearRange<K>): number {
    const s = Scope.from(scope);
    const checked = this.#checkClear('clearSync', s, range);
    this.#checkWritable('clearSync');
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    return this.#storage('clearSync', () => this.#env.transactionSync(() => this.#clearInTransaction(s, checked)));
  }

  clearAsync(scope: ScopeLike, range?: ClearRange<K>): Promise<number> {
    try {
      const s = Scope.from(scope);
      const checked = this.#checkClear('clearAsync', s, range);
      this.#checkWritable('clearAsync');
      if (inWriteTransaction(this.#env)) return Promise.resolve(this.clearSync(s, checked));
      return this.#queue.add({ context: `clearAsync in "${this.name}"`, partial: true, apply: () => this.#clearInTransaction(s, checked) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- scopes ----

  listScopes(): Scope[] {
    const scopes: Scope[] = [];
    if (!this.isScopeEmpty(Scope.DEFAULT)) scopes.push(Scope.DEFAULT);
    this.#requireRegistry('listScopes');
    this.#walkScopeHashes('listScopes', (hash) => {
      const owner = this.#registration.ownerOf(hash);
      // Data under an id the registry does not know cannot be named (listUnnamedIds() finds it);
      // a dropped scope's data waits for reclaim and belongs to nobody.
      if (owner !== undefined && owner !== 'dropped') scopes.push(Scope.named(owner));
    });
    return scopes;
  }

  /**
   * Ids that hold data here but that the registry cannot name (e.g. data written before the
   * database had a registry): register their names (`registerScope`) to make them listable.
   */
  listUnnamedIds(): bigint[] {
    this.#requireRegistry('listUnnamedIds');
    const ids: bigint[] = [];
    this.#walkScopeHashes('listUnnamedIds', (hash) => {
      if (this.#registration.ownerOf(hash) === undefined) ids.push(hash);
    });
    return ids;
  }

  findEmptyScopes(): Scope[] {
    const registry = this.#requireRegistry('findEmptyScopes');
    return registry.listAllScopes().filter((s) => !s.isDefault && this.isScopeEmpty(s));
  }

  registerScope(scope: ScopeLike): void {
    this.#requireRegistry('registerScope').registerScope(scope);
  }

  getStats(scope: ScopeLike): ScopeStats {
    const s = Scope.from(scope);
    const stats = this.#requireStats('getStats');
    const id = this.#registration.readId(s);
    return id === undefined ? { entries: 0, bytes: 0 } : this.#storage('getStats', () => stats.get(this.name, id));
  }

  recountStats(scope?: ScopeLike): ScopeStats {
    const stats = this.#requireStats('recountStats');
    const only = scope === undefined ? undefined : Scope.from(scope);
    this.#checkWritable('recountStats');
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    return this.#storage('recountStats', () =>
      this.#inTransaction(() => {
        const total = { entries: 0, bytes: 0 };
        const count = (id: Uint8Array | null, entries: LmdbIterable<StoredEntry>) => {
          const found = { entries: 0, bytes: 0 };
          const skip = id === null ? 0 : SCOPE_ID_BYTES;
          for (const { key, value } of entries) {
            found.entries++;
            found.bytes += key.length - skip + value.length;
          }
          stats.set(this.name, id, found);
          total.entries += found.entries;
          total.bytes += found.bytes;
        };
        if (only === undefined || only.isDefault) count(null, this.#entries(Scope.DEFAULT, null, undefined));
        if (only !== undefined) {
          const id = this.#registration.readId(only);
          if (!only.isDefault && id) count(id, this.#entries(only, id, undefined));
          return total;
        }
        // Every id holding data in this database (an id's stats count its data, named or not).
        this.#walkScopeHashes('recountStats', (hash) => {
          const id = idBytesOf(hash);
          count(id, this.#scopedTable.getRange(idBounds(id)) as LmdbIterable<StoredEntry>);
        });
        return total;
      }),
    );
  }

  scope(scope: ScopeLike): ScopedView<K, V, VIn> {
    const s = Scope.from(scope);
    return bindScope<ScopedView<K, V, VIn>>(this, s, SYNC_VIEW, { snapshot: () => this.snapshot().scope(s) });
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
      const callback = commitAtFirstAwait(fn);
      const done = inWriteTransaction(this.#env)
        ? Promise.resolve(this.#env.transactionSync(callback.run))
        : this.#queue.add<T>({ context: `transaction on "${this.name}"`, partial: true, apply: callback.run });
      return done.then(callback.result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  transactionSync<T>(fn: () => T): T {
    checkCallback(fn, 'transactionSync');
    this.#checkWritable('transactionSync');
    if (this.#queue.pending && !inWriteTransaction(this.#env)) this.#queue.flush();
    const tracked = trackCallbackErrors(() => {
      const result = fn();
      if (isThenable(result)) {
        // lmdb-js would hold the write transaction open until it settles: roll back instead.
        result.then(undefined, () => {});
        throw new ScopedDbError(
          'INVALID_INPUT',
          `transactionSync on "${this.name}": the callback returned a promise; the transaction rolled back (use transaction(fn) for a callback that awaits)`,
        );
      }
      return result;
    });
    try {
      return this.#env.transactionSync(tracked.run);
    } catch (error) {
      throw tracked.threw(error) ? error : wrapError(error, 'STORAGE', `transactionSync on "${this.name}"`);
    }
  }

  // ---- internals ----

  #tableOf(scope: Scope): Table {
    return scope.isDefault ? this.#defaultTable : this.#scopedTable;
  }

  /** With `unnamedForDefault`, the records of this library's tables are out of reach of point operations. */
  #isRecordKey(scope: Scope, keyBytes: Uint8Array): boolean {
    return this.#mainDb !== undefined && scope.isDefault && this.#mainDb.isRecordKey(keyBytes);
  }

  #decodeKey(stored: Uint8Array, skip: number, action: string, scope: Scope): K {
    try {
      return this.#keys.read(stored, skip);
    } catch (error) {
      throw withContext(error, 'ENCODING', this.#where(action, scope, stored.subarray(skip)));
    }
  }

  /** `stored` is the stored key (id ‖ key for a named scope): only read when decoding fails, for the message. */
  #decodeValue(bytes: Uint8Array, action: string, scope: Scope, stored: Uint8Array): V {
    try {
      return this.#valueCodec.decode(exactView(bytes));
    } catch (error) {
      const key = stored.subarray(keyPrefixLength(scope));
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
  /** The value's bytes; a codec failure names the call, the database and the scope. */
  #encodeValue(value: VIn, action: string, s: Scope): Uint8Array {
    try {
      return encodeWith(this.#valueCodec, value);
    } catch (error) {
      throw withContext(error, 'ENCODING', `${action} in "${this.name}", ${describeScope(s)}`);
    }
  }

  #checkWritable(action: string): void {
    this.#checkOpen(action);
    if (this.#readOnly) throw new ScopedDbError('STORAGE', `${action} in "${this.name}": the environment was opened read-only`);
  }

  #checkOpen(action: string): void {
    if (isClosing(this.#env)) throw new ScopedDbError('STORAGE', `${action} in "${this.name}": the environment is closed`);
  }

  #requireStats(method: string): StatsKeeper {
    if (!this.#stats)
      throw new ScopedDbError('INVALID_INPUT', `${method} needs a database built .withStats(): "${this.name}" keeps no stats`);
    return this.#stats;
  }

  #requireRegistry(method: string): ScopeRegistrar {
    if (!this.#registry) {
      throw new ScopedDbError('INVALID_INPUT', `${method} needs a registry: scopedDatabaseOptions(env, { registry })`);
    }
    return this.#registry;
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

  /**
   * A clear's range, checked at the call (bad options fail before anything is queued): its
   * options, and its bounds encoded once under the id reads use now, so a key the codec
   * refuses fails here too. Undefined for the whole scope.
   */
  #checkClear(action: string, scope: Scope, range: ClearRange<K> | undefined): ClearRange<K> | undefined {
    let checked: ClearRange<K> | undefined;
    try {
      checked = checkClearRange(range);
    } catch (error) {
      throw withContext(error, 'INVALID_INPUT', `${action} in "${this.name}", ${describeScope(scope)}`);
    }
    if (checked === undefined) return undefined;
    this.#range(this.#registration.readId(scope), checked);
    return { ...checked };
  }

  #clearInTransaction(scope: Scope, range: ClearRange<K> | undefined): number {
    const table = this.#tableOf(scope);
    if (range === undefined && scope.isDefault && !this.#mainDb) {
      const count = table.getCount();
      table.clearSync();
      this.#stats?.reset(this.name, null);
      return count;
    }
    const id = this.#registration.readId(scope);
    if (id === undefined) return 0;
    if (range === undefined) {
      this.#stats?.reset(this.name, id);
      return this.#removeInPasses(scope, id, {}, Number.POSITIVE_INFINITY, (key) => table.removeSync(key));
    }
    const { limit = Number.POSITIVE_INFINITY, ...bounds } = range;
    const stats = this.#stats;
    if (stats === undefined) return this.#removeInPasses(scope, id, bounds, limit, (key) => table.removeSync(key));
    // Part of a scope: each removed entry leaves the stats with its key and value bytes.
    const skip = id === null ? 0 : SCOPE_ID_BYTES;
    return this.#removeInPasses(scope, id, bounds, limit, (key) => {
      const old = table.getBinaryFast(key);
      if (old === undefined) return;
      const bytes = key.length - skip + old.length;
      table.removeSync(key);
      stats.add(this.name, id, -1, -bytes);
    });
  }

  /**
   * Removes the keys of `bounds` (at most `limit`) in passes, so a huge scope never needs all
   * its keys in memory at once. Each pass reads again from the same bounds: the keys the last
   * one removed are gone, so it goes on where that one stopped, in either direction.
   */
  #removeInPasses(scope: Scope, id: Uint8Array | null, bounds: RangeOptions<K>, limit: number, remove: (key: Uint8Array) => void): number {
    let removed = 0;
    while (removed < limit) {
      const batch = Math.min(CLEAR_BATCH, limit - removed);
      const keys = Array.from(this.#storedKeys(scope, id, { ...bounds, limit: batch }));
      // In the main database a record of a table opened outside this library cannot be
      // deleted (LMDB refuses); that throws, and the whole clear rolls back.
      for (const key of keys) remove(key);
      removed += keys.length;
      if (keys.length < batch) break;
    }
    return removed;
  }

  /**
   * Inside a write transaction: writes `keyBytes` under the scope's id in it (registering the
   * scope when needed, moving the key there), counting it in the stats and checking the quota
   * first (`QUOTA_EXCEEDED` before anything is written).
   */
  #putInTransaction(scope: Scope, keyBytes: Uint8Array, valueBytes: Uint8Array): true {
    const id = this.#registration.writeId(scope);
    if (id !== null && !hasId(keyBytes, id)) replaceId(keyBytes, id);
    const table = this.#tableOf(scope);
    const stats = this.#stats;
    if (stats === undefined) {
      table.putSync(keyBytes, valueBytes);
      return true;
    }
    const keyLength = keyBytes.length - (id === null ? 0 : SCOPE_ID_BYTES);
    const old = table.getBinaryFast(keyBytes);
    const entries = old === undefined ? 1 : 0;
    const bytes = valueBytes.length - (old === undefined ? -keyLength : old.length);
    stats.check(this.name, scope.name ?? '(default)', id, entries, bytes);
    table.putSync(keyBytes, valueBytes);
    stats.add(this.name, id, entries, bytes);
    return true;
  }

  /** Inside a write transaction: removes the key of `keyBytes` from the scope's id in it (false when it has none), counting it. */
  #removeInTransaction(scope: Scope, keyBytes: Uint8Array): boolean {
    const id = this.#registration.readId(scope);
    if (id === undefined) return false;
    if (id !== null && !hasId(keyBytes, id)) replaceId(keyBytes, id);
    const table = this.#tableOf(scope);
    const stats = this.#stats;
    if (stats === undefined) return table.removeSync(keyBytes);
    const old = table.getBinaryFast(keyBytes);
    if (old === undefined) return false;
    const length = old.length;
    table.removeSync(keyBytes);
    stats.add(this.name, id, -1, -(keyBytes.length - (id === null ? 0 : SCOPE_ID_BYTES) + length));
    return true;
  }

  #inTransaction<T>(run: () => T): T {
    return inWriteTransaction(this.#env) ? run() : this.#env.transactionSync(run);
  }

  /**
   * The checked options as lmdb-js bounds inside the scope stored under `id`. With no id
   * (a scope nothing was ever stored under) the bounds are still encoded, so bad options fail
   * alike, and the range is empty.
   */
  #range(id: Uint8Array | null | undefined, options: RangeOptions<K> | undefined, at?: ReadAt): LmdbRange {
    const checked = checkRangeOptions(options);
    const prefix = id === undefined ? NO_ID : id;
    const bounded = lmdbRange(prefix, checked, (key) => this.#keys.copy(prefix, key));
    const range: LmdbRange = id === undefined ? { start: NO_ID, end: NO_ID } : bounded;
    if (at) range.transaction = at.options.transaction;
    return range;
  }

  /** Raw `{ key, value }` entries of the scope, bounded by its id. */
  #entries(scope: Scope, id: Uint8Array | null | undefined, options: RangeOptions<K> | undefined, at?: ReadAt): LmdbIterable<StoredEntry> {
    const range = this.#range(id, options, at);
    if (this.#mainDb && scope.isDefault) return this.#mainDb.entries(range);
    const table = this.#tableOf(scope);
    return table.getRange(boundedOffset(table, range)) as LmdbIterable<StoredEntry>;
  }

  /** Raw keys of the scope, bounded by its id. */
  #storedKeys(
    scope: Scope,
    id: Uint8Array | null | undefined,
    options: RangeOptions<K> | undefined,
    at?: ReadAt,
  ): LmdbIterable<Uint8Array> {
    const range = this.#range(id, options, at);
    if (this.#mainDb && scope.isDefault) return this.#mainDb.keys(range);
    const table = this.#tableOf(scope);
    return table.getKeys(boundedOffset(table, range)) as unknown as LmdbIterable<Uint8Array>;
  }
}

/** lmdb-js bounds of every key under `id`. */
function idBounds(id: Uint8Array): { start: Uint8Array; end?: Uint8Array } {
  const { low, high } = idRange(id);
  return high ? { start: low as Uint8Array, end: high } : { start: low as Uint8Array };
}

/** A held read snapshot (`snapshot()`): its transaction, as read options, and the scope ids as of it. */
interface ReadAt {
  readonly held: HeldReadSnapshot;
  readonly options: { transaction: Transaction };
  /** Scope name -> id as of the snapshot (undefined: none then). */
  readonly ids: Map<string, Uint8Array | null | undefined>;
  done: boolean;
}

/** A snapshot bound to one scope (with `extra` members the caller makes). */
function viewOfSnapshot<K, V>(snapshot: ScopedSnapshot<K, V>, scope: Scope, extra?: object): ScopedViewSnapshot<K, V> {
  return Object.freeze({
    ...extra,
    scope,
    get isDone() {
      return snapshot.isDone;
    },
    get: (key: K) => snapshot.get(scope, key),
    getMany: (keys: readonly K[]) => snapshot.getMany(scope, keys),
    doesExist: (key: K) => snapshot.doesExist(scope, key),
    getRange: (options?: RangeOptions<K>) => snapshot.getRange(scope, options),
    getKeys: (options?: RangeOptions<K>) => snapshot.getKeys(scope, options),
    getCount: (options?: RangeOptions<K>) => snapshot.getCount(scope, options),
    isEmpty: () => snapshot.isScopeEmpty(scope),
    done: () => snapshot.done(),
  });
}

/** What a byte snapshot's range reads step through: `{ key, value }` Buffers, or a key alone (`bufferKeys`). */
type BufferEntry = { key: Buffer; value: Buffer } | Buffer;

/**
 * A snapshot of one named scope of a database with plain byte keys and values, whose range reads
 * also come as fresh Node Buffers, keys without the scope's id (what abstract-level's `buffer`
 * encoding hands out): for `@scoped-lmdb/level`, whose iterators spend most of their time there.
 */
export interface ByteSnapshot extends ScopedViewSnapshot<Uint8Array, Uint8Array> {
  /** Like `getRange`, as `{ key, value }` Buffers. */
  bufferEntries(options?: RangeOptions<Uint8Array>): RangeIterable<{ key: Buffer; value: Buffer }>;
  /** Like `getKeys`, as Buffers. */
  bufferKeys(options?: RangeOptions<Uint8Array>): RangeIterable<Buffer>;
}

/**
 * What takes `ByteSnapshot`s of named `scope` of `db` (internal.ts), or undefined when `db` is not
 * an LMDB database with plain byte keys and values (`rawBytes()`, `types(codecs.bytes(), codecs.bytes())`)
 * or the scope is DEFAULT.
 */
export function byteSnapshots(db: unknown, scope: Scope): (() => ByteSnapshot) | undefined {
  return db instanceof LmdbScopedDatabase ? byteSnapshotOf(db, scope) : undefined;
}

/** The id placeholder a key is encoded under before its scope's id is known (checked first, set later). */
const NO_ID = new Uint8Array(SCOPE_ID_BYTES);

/** `id`, or the placeholder when the scope has none (undefined); null (DEFAULT) stays null. */
const orNoId = (id: Uint8Array | null | undefined): Uint8Array | null => (id === undefined ? NO_ID : id);

/** A queued `put`: plain, or (with a registry or stats) run through its database's writer in the flush's transaction. */
class QueuedPut implements QueuedWrite {
  settle?: QueuedWrite['settle'];
  scope: Scope | undefined;
  writer: ((queued: QueuedPut) => true) | undefined;
  constructor(
    readonly context: string,
    readonly table: Table,
    readonly key: Uint8Array,
    readonly value: Uint8Array,
  ) {}
  apply(): true {
    if (this.writer) return this.writer(this);
    this.table.putSync(this.key, this.value);
    return true;
  }
}

function checkCallback(fn: unknown, method: string): void {
  if (typeof fn !== 'function') throw new ScopedDbError('INVALID_INPUT', `${method} needs a function, got ${describeValue(fn)}`);
}

/**
 * A transaction callback that never hands lmdb-js a promise: lmdb-js would keep the write
 * transaction open until it settles (the write lock held across turns; a later write of this
 * process then waits on it for ever). The transaction commits when `fn` returns, and `result`
 * gives the promise `fn` returned, if any, in place of what the transaction resolved with.
 */
function commitAtFirstAwait<T>(fn: () => T) {
  let later: T | undefined;
  return {
    run: (): T | undefined => {
      const value = fn();
      if (!isThenable(value)) return value;
      later = value;
      return undefined;
    },
    result: (value: T | undefined): T | PromiseLike<T> => (later === undefined ? (value as T) : later),
  };
}
