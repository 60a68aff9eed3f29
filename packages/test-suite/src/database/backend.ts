/**
 * What a backend hands the database suite: a factory of fresh backend handles, each opening
 * databases that keep core's async contract, and a manifest of what the backend supports.
 * One line of doc per member; the README says what each `supports` flag turns on.
 */
import type { AsyncScopedDatabase, Codec, ScopedDatabase } from '@scoped-lmdb/core';

/** A database as the suite drives it: core's `AsyncScopedDatabase` (its codecs need not be exposed). */
export type SuiteDatabase<K, V, VIn = V> = Omit<AsyncScopedDatabase<K, V, VIn>, 'keyCodec' | 'valueCodec'> & {
  /** The synchronous database behind this handle, on the same data; required when `supports.sync`. */
  readonly sync?: ScopedDatabase<K, V, VIn> | undefined;
};

/** One open backend: an LMDB environment, a Redis store, a connection pool. */
export interface SuiteBackend {
  /**
   * A handle on the database `name` with these codecs; the suite never reuses a name. A refused
   * name or codec (or other codecs than the name was first used with) may throw here, or reject
   * from the handle's first operation.
   */
  database<K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>): SuiteDatabase<K, V>;
  /** Called once, after the suite's last test. */
  close?(): void | Promise<void>;
}

/** What the backend does beyond what every backend must; each flag adds tests, none removes a required one. */
export interface Supports {
  /** The handles carry `sync`, core's synchronous `ScopedDatabase` on the same data (LMDB). */
  sync: boolean;
  /** `db.scope(s)` returns a view; the single-scope groups then run again through views. */
  views: boolean;
  /** A range reads one snapshot: writes made while it is walked are never seen by it (LMDB). */
  snapshotRanges: boolean;
  /** `transaction(scope, fn)` commits writes to other scopes with it (LMDB); otherwise they fail it with INVALID_INPUT (Redis Cluster). */
  crossScopeTransactions: boolean;
  /** An empty key is an ordinary key inside a named scope (still `INVALID_INPUT` in DEFAULT); off: refused everywhere. */
  emptyKeys?: boolean | undefined;
  /** `clearSync`/`clearAsync` take a `ClearRange` and remove exactly that part of the scope; off: no range-clear test runs. */
  rangeClear?: boolean | undefined;
  /** `sync.snapshot()` holds a read snapshot across calls (LMDB; needs `sync`); off: no snapshot test runs. */
  snapshots?: boolean | undefined;
}

/** The options of `describeScopedDatabase`. */
export interface ScopedDatabaseSuiteOptions {
  /** Opens a fresh backend; called once, before the first test. */
  open(): SuiteBackend | Promise<SuiteBackend>;
  /** What the backend supports (see `Supports`). */
  supports: Supports;
}
