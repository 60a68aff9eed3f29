/**
 * `ScopedLevel`: an abstract-level 3 database over one named scope of one scoped database with
 * byte keys and values. abstract-level does encodings, sublevels, deferred open, hooks and
 * events; this file maps its private API (`_get`, `_put`, `_iterator`, …, on encoded bytes) to
 * core's scope methods, one call each. Writes go through core's write queue (call order, one
 * LMDB transaction per event turn); snapshots are core's byte snapshots of the scope (an LMDB
 * read transaction held until closed, whose range reads hand out Buffers: see iterators.ts).
 * `_open`/`_close` never open or close the shared env.
 */
import { Scope, type ScopedBytesDatabase, ScopedDbError, type ScopedView, type ScopeLike } from '@scoped-lmdb/core';
import { type ByteSnapshot, byteSnapshots } from '@scoped-lmdb/core/internal';
import type { AbstractDatabaseOptions, AbstractDelOptions, AbstractPutOptions } from 'abstract-level';
import { AbstractLevel, AbstractSnapshot } from 'abstract-level';
import { EntryIterator, KeyIterator, ValueIterator, type WalkOptions } from './iterators.js';
import { clearRange, type LevelRange, readRange } from './range.js';

/** The formats the private API works in: abstract-level transcodes every other encoding to one of them. */
type Format = 'buffer' | 'view';

/** What the database supports (level-supports manifest): a scope in a shared env is never created or destroyed by opening it. */
const MANIFEST = {
  encodings: { buffer: true, view: true },
  seek: true,
  getSync: true,
  has: true,
  implicitSnapshots: true,
  explicitSnapshots: true,
  permanence: true,
  createIfMissing: false,
  errorIfExists: false,
} as const;

/** Options of `new ScopedLevel(db, scope, options)`: abstract-level's database options (encodings, …). */
export type ScopedLevelOptions<K = string, V = string> = AbstractDatabaseOptions<K, V>;

/** abstract-level's snapshot base class, with the constructor its types leave out (`{ owner }`). */
const SnapshotBase = AbstractSnapshot as unknown as new (options: object) => AbstractSnapshot;

/** An explicit snapshot (`db.snapshot()`): core's byte snapshot, released when abstract-level closes it. */
class ScopedLevelSnapshot extends SnapshotBase {
  readonly reads: ByteSnapshot;
  constructor(options: object, reads: ByteSnapshot) {
    super(options);
    this.reads = reads;
  }
  /** Releases the read transaction. */
  async _close(): Promise<void> {
    this.reads.done();
  }
}

/** The arguments, checked before abstract-level sees them (B69). */
function checkArguments(
  db: unknown,
  scope: unknown,
): { db: ScopedBytesDatabase; view: ScopedView<Uint8Array, Uint8Array>; scope: Scope; snapshots: () => ByteSnapshot } {
  const methods = db as Partial<ScopedBytesDatabase> | null;
  if (methods === null || typeof methods !== 'object' || typeof methods.scope !== 'function' || typeof methods.snapshot !== 'function') {
    throw notBytes();
  }
  const s = Scope.from(scope as ScopeLike);
  if (s.isDefault) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `new ScopedLevel(db, scope) on "${methods.name}": the default scope cannot hold the empty keys abstract-level stores; use a named scope`,
    );
  }
  // Core takes byte snapshots of LMDB databases with plain byte keys and values only.
  const snapshots = byteSnapshots(db, s);
  if (snapshots === undefined) throw notBytes();
  return { db: methods as ScopedBytesDatabase, view: (methods as ScopedBytesDatabase).scope(s), scope: s, snapshots };
}

const notBytes = () =>
  new ScopedDbError(
    'INVALID_INPUT',
    'new ScopedLevel(db, scope): db must be a scoped LMDB database with byte keys and values (scopedDatabaseOptions(env).rawBytes()…create())',
  );

interface FormatOptions {
  keyEncoding?: Format;
  valueEncoding?: Format;
  snapshot?: ScopedLevelSnapshot;
}

/** What abstract-level gives subclasses without typing it: its key and value checks, and whether a hook has functions. */
interface AbstractLevelInternals {
  _assertValidKey(key: unknown): void;
  _assertValidValue(value: unknown): void;
  hooks: { prewrite: { noop: boolean } };
}

/** abstract-level's `put` and `del` resolve to undefined, core's to whether a key was there. */
const toVoid = (): void => undefined;

interface BatchOperation {
  type: 'put' | 'del';
  key: Uint8Array;
  value?: Uint8Array;
}

/**
 * An abstract-level database on one named scope of `db` (a scoped database of byte keys and
 * values, e.g. `scopedDatabaseOptions(env).rawBytes().name('level').create()`). Several
 * `ScopedLevel`s on other scopes of the same database, in this or other processes, never see
 * each other's data.
 */
export class ScopedLevel<K = string, V = string> extends AbstractLevel<Buffer | Uint8Array | string, K, V> {
  /** The scope this database reads and writes. */
  readonly scope: Scope;
  readonly #view: ScopedView<Uint8Array, Uint8Array>;
  /** The database itself, for the hot paths (a view call adds a closure and a rest-argument spread). */
  readonly #db: ScopedBytesDatabase;
  /** Takes a byte snapshot of the scope (what iterators and `db.snapshot()` read). */
  readonly #snapshots: () => ByteSnapshot;
  /** The default encodings, looked up once (abstract-level looks them up by name on every call). */
  readonly #keyEncoding: { encode(key: unknown): Uint8Array };
  readonly #valueEncoding: { encode(value: unknown): Uint8Array };

  /** `db`: a scoped LMDB database with byte keys and values; `scope`: a named scope (DEFAULT is `INVALID_INPUT`). */
  constructor(db: ScopedBytesDatabase, scope: ScopeLike, options?: ScopedLevelOptions<K, V>) {
    const checked = checkArguments(db, scope);
    super(MANIFEST, options);
    this.scope = checked.scope;
    this.#view = checked.view;
    this.#db = checked.db;
    this.#snapshots = checked.snapshots;
    this.#keyEncoding = this.keyEncoding() as unknown as { encode(key: unknown): Uint8Array };
    this.#valueEncoding = this.valueEncoding() as unknown as { encode(value: unknown): Uint8Array };
  }

  /**
   * Whether a `put` or `del` may go straight to core: called without options on an open
   * database that no prewrite hook or 'write' listener watches. Then abstract-level's own
   * method would only check the key (and value), encode with the default encodings and await
   * the private method; skipping its option handling and async wrapper takes about a quarter
   * off a put (apps/bench README, "Level adapter"). Every other call takes abstract-level's path.
   */
  #direct(options: unknown): boolean {
    return (
      options === undefined &&
      this.status === 'open' &&
      (this as unknown as AbstractLevelInternals).hooks.prewrite.noop &&
      this.listenerCount('write') === 0
    );
  }

  /** Writes `value` under `key` in this scope (abstract-level's `put`). */
  override put(key: K, value: V): Promise<void>;
  /** Writes `value` under `key` with per-call options (abstract-level's `put`). */
  override put<KK = K, VV = V>(key: KK, value: VV, options: AbstractPutOptions<KK, VV>): Promise<void>;
  override put(key: unknown, value: unknown, options?: AbstractPutOptions<unknown, unknown>): Promise<void> {
    if (!this.#direct(options)) return super.put(key as K, value as V, options as AbstractPutOptions<K, V>);
    try {
      const internals = this as unknown as AbstractLevelInternals;
      internals._assertValidKey(key);
      internals._assertValidValue(value);
      return this.#db.put(this.scope, this.#keyEncoding.encode(key), this.#valueEncoding.encode(value)).then(toVoid);
    } catch (error) {
      // As abstract-level's async put: every failure is a rejection.
      return Promise.reject(error);
    }
  }

  /** Removes `key` from this scope (abstract-level's `del`). */
  override del(key: K): Promise<void>;
  /** Removes `key` with per-call options (abstract-level's `del`). */
  override del<KK = K>(key: KK, options: AbstractDelOptions<KK>): Promise<void>;
  override del(key: unknown, options?: AbstractDelOptions<unknown>): Promise<void> {
    if (!this.#direct(options)) return super.del(key as K, options as AbstractDelOptions<K>);
    try {
      (this as unknown as AbstractLevelInternals)._assertValidKey(key);
      return this.#db.remove(this.scope, this.#keyEncoding.encode(key)).then(toVoid);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reads of `options.snapshot` when given, else of the scope now. */
  #reads(options: FormatOptions | undefined): Reads {
    return options?.snapshot ? options.snapshot.reads : this.#view;
  }

  /** abstract-level's private open: checks the env is usable (never opens or creates anything). */
  async _open(): Promise<void> {
    // One cursor seek: a closed or unusable env fails the open, not a later read.
    this.#view.isEmpty();
  }

  /** abstract-level's private close: leaves the shared env open. */
  async _close(): Promise<void> {
    // The env is shared: closing a scope's handle leaves it open (abstract-level closes our iterators and snapshots).
  }

  /** abstract-level's private `get`: the value's bytes, or undefined. */
  async _get(key: Uint8Array, options: FormatOptions): Promise<Uint8Array | undefined> {
    return this._getSync(key, options);
  }

  /** abstract-level's private `getSync`. */
  _getSync(key: Uint8Array, options: FormatOptions): Uint8Array | undefined {
    const value = options.snapshot ? options.snapshot.reads.get(key) : this.#db.get(this.scope, key);
    return value === undefined ? undefined : inFormat(value, options.valueEncoding);
  }

  /** abstract-level's private `getMany`, prefetched (or from the snapshot). */
  async _getMany(keys: Uint8Array[], options: FormatOptions): Promise<(Uint8Array | undefined)[]> {
    const values = await this.#reads(options).getMany(keys);
    return values.map((value) => (value === undefined ? undefined : inFormat(value, options.valueEncoding)));
  }

  /** abstract-level's private `has`. */
  async _has(key: Uint8Array, options: FormatOptions): Promise<boolean> {
    return this.#reads(options).doesExist(key);
  }

  /** abstract-level's private `hasMany`. */
  async _hasMany(keys: Uint8Array[], options: FormatOptions): Promise<boolean[]> {
    const reads = this.#reads(options);
    return keys.map((key) => reads.doesExist(key));
  }

  /** abstract-level's private `put`: core's batched write, in call order. */
  _put(key: Uint8Array, value: Uint8Array): Promise<unknown> {
    // abstract-level awaits it and ignores what it resolves to: no async wrapper of our own.
    return this.#db.put(this.scope, key, value);
  }

  /** abstract-level's private `del`. */
  _del(key: Uint8Array): Promise<unknown> {
    return this.#db.remove(this.scope, key);
  }

  /** abstract-level's private `batch`: one transaction, all or nothing. */
  async _batch(operations: BatchOperation[]): Promise<void> {
    // One transaction at its place in call order: all of the batch or none of it.
    const view = this.#view;
    await view.transaction(() => {
      for (const op of operations) {
        if (op.type === 'put') view.putSync(op.key, op.value as Uint8Array);
        else view.removeSync(op.key);
      }
    });
  }

  /** abstract-level's private `clear` of a range (or of what a snapshot holds in it). */
  async _clear(options: LevelRange & FormatOptions): Promise<void> {
    const view = this.#view;
    if (options.snapshot) {
      // Only what the snapshot holds: keys written after it stay.
      const keys = options.snapshot.reads.getKeys({ ...readRange(options), ...limitOf(options) }).asArray;
      await view.transaction(() => {
        for (const key of keys) view.removeSync(key);
      });
      return;
    }
    const range = clearRange(options);
    if (range) {
      await view.clearAsync(range);
      return;
    }
    // A reverse clear with a limit and bounds a ClearRange cannot say: find the keys where the clear runs, in call order.
    await view.transaction(() => {
      for (const key of view.getKeys({ ...readRange(options), ...limitOf(options) }).asArray) view.removeSync(key);
    });
  }

  /** abstract-level's private `snapshot`: core's `view.snapshot()`. */
  _snapshot(options: object): ScopedLevelSnapshot {
    return new ScopedLevelSnapshot(options, this.#snapshots());
  }

  /** abstract-level's private `iterator`: entries in an implicit (or the given) snapshot. */
  _iterator(options: WalkOptions): EntryIterator {
    return new EntryIterator(this, options, this.#snapshots);
  }

  /** abstract-level's private `keys`: keys only. */
  _keys(options: WalkOptions): KeyIterator {
    return new KeyIterator(this, options, this.#snapshots);
  }

  /** abstract-level's private `values`: values only. */
  _values(options: WalkOptions): ValueIterator {
    return new ValueIterator(this, options, this.#snapshots);
  }
}

/** The point reads of the scope now or of a snapshot (getMany is prefetched now, synchronous in a snapshot). */
type Reads = Pick<ByteSnapshot, 'get' | 'doesExist' | 'getKeys'> & {
  getMany(keys: readonly Uint8Array[]): (Uint8Array | undefined)[] | Promise<(Uint8Array | undefined)[]>;
};

/**
 * A byte array in the format abstract-level asked for. A Buffer is made as a copy from Node's
 * pool: wrapping the small on-heap array core hands out (`Buffer.from(bytes.buffer, …)`) would
 * make V8 move it off-heap first, several times slower for keys of a few bytes.
 */
function inFormat(bytes: Uint8Array, format: Format | undefined): Uint8Array {
  if (format !== 'buffer' || Buffer.isBuffer(bytes)) return bytes;
  const buffer = Buffer.allocUnsafe(bytes.length);
  buffer.set(bytes);
  return buffer;
}

/** abstract-level's `limit` (-1: none) as an lmdb-js one. */
function limitOf(options: LevelRange): { limit?: number } {
  return options.limit !== undefined && options.limit >= 0 ? { limit: options.limit } : {};
}
