/**
 * What a backend hands the database suite: a factory of fresh backend handles, each opening
 * databases that keep core's async contract, and a manifest of what the backend supports.
 * One line of doc per member; the README says what each `supports` flag turns on.
 */
import type { AsyncScopedDatabase, Codec, Scope, ScopedDatabase, ScopeLike, ScopeStats } from '@scoped-lmdb/core';

/** A database as the suite drives it: core's `AsyncScopedDatabase` (its codecs need not be exposed). */
export type SuiteDatabase<K, V, VIn = V> = Omit<AsyncScopedDatabase<K, V, VIn>, 'keyCodec' | 'valueCodec'> & {
  /** The synchronous database behind this handle, on the same data; required when `supports.sync`. */
  readonly sync?: ScopedDatabase<K, V, VIn> | undefined;
};

/** How the suite asks for a database beyond its codecs. */
export interface SuiteDatabaseOptions {
  /** Keep per-scope stats (LMDB's `.withStats()`, Redis's `{ stats: true }`); asked for only when `supports.stats`. */
  stats?: boolean;
}

/** A quota as the suite sets it: either limit may be left out. */
export interface SuiteQuota {
  /** At most this many entries, summed over the scope's stats-keeping databases. */
  maxEntries?: number;
  /** At most this many stored bytes (encoded keys + values), summed likewise. */
  maxBytes?: number;
}

/** A scope's stats across the stats-keeping databases, as `scopeStats` reports them. */
export interface SuiteScopeStats {
  /** Entries in all the stats-keeping databases together. */
  entries: number;
  /** Stored bytes in all of them together. */
  bytes: number;
  /** Each stats-keeping database's share, by name. */
  databases: Record<string, ScopeStats>;
}

/** A scope and its quota, as `listQuotas` lists them. */
export interface SuiteScopeQuota {
  /** The scope. */
  scope: Scope;
  /** Its quota. */
  quota: SuiteQuota;
}

/**
 * One open backend: an LMDB environment, a Redis store, a connection pool. The lifecycle and
 * quota methods sit on the backend itself (a Redis store has them as they are); a backend that
 * declares `supports.lifecycle` must have them.
 */
export interface SuiteBackend {
  /**
   * A handle on the database `name` with these codecs; the suite never reuses a name. A refused
   * name or codec (or other codecs than the name was first used with, or no stats for a
   * database that keeps them) may throw here, or reject from the handle's first operation.
   */
  database<K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>, options?: SuiteDatabaseOptions): SuiteDatabase<K, V>;
  /** Called once, after the suite's last test. */
  close?(): void | Promise<void>;
  /** `supports.lifecycle`: empties the scope in every database at once. */
  dropScope?(scope: ScopeLike): Promise<void>;
  /** `supports.lifecycle`: gives `from`'s data the name `to`; a taken `to` is SCOPE_EXISTS unless `replace`. */
  renameScope?(from: ScopeLike, to: ScopeLike, options?: { replace?: boolean }): Promise<void>;
  /** `supports.lifecycle`: swaps the data of two scopes. */
  swapScopes?(a: ScopeLike, b: ScopeLike): Promise<void>;
  /** `supports.lifecycle`: copies every database's entries of `from` to `to`; resolves with the entries copied. */
  copyScope?(from: ScopeLike, to: ScopeLike, options?: { replace?: boolean }): Promise<number>;
  /** `stats` and `lifecycle`: the scope's stats summed over the stats-keeping databases, and per database. */
  scopeStats?(scope: ScopeLike): Promise<SuiteScopeStats>;
  /** `stats` and `lifecycle`: sets, or with null removes, the scope's quota. */
  setQuota?(scope: ScopeLike, quota: SuiteQuota | null): Promise<void>;
  /** `stats` and `lifecycle`: the scope's quota, if it has one. */
  getQuota?(scope: ScopeLike): Promise<SuiteQuota | undefined>;
  /** `stats` and `lifecycle`: every quota, by scope. */
  listQuotas?(): Promise<SuiteScopeQuota[]>;
}

/** The lifecycle methods of a backend that declares `supports.lifecycle`. */
export type SuiteLifecycle = Required<Pick<SuiteBackend, 'dropScope' | 'renameScope' | 'swapScopes' | 'copyScope'>>;

/** The quota methods of a backend that declares `supports.stats` and `supports.lifecycle`. */
export type SuiteQuotas = Required<Pick<SuiteBackend, 'scopeStats' | 'setQuota' | 'getQuota' | 'listQuotas'>>;

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
  /** `database(name, k, v, { stats: true })` keeps exact per-scope stats (`getStats`, `recountStats`) on every write path. */
  stats?: boolean | undefined;
  /** The backend has `SuiteLifecycle` (drop, rename, swap, copy); with `stats` too, also `SuiteQuotas`. */
  lifecycle?: boolean | undefined;
}

/** The options of `describeScopedDatabase`. */
export interface ScopedDatabaseSuiteOptions {
  /** Opens a fresh backend; called once, before the first test. */
  open(): SuiteBackend | Promise<SuiteBackend>;
  /** What the backend supports (see `Supports`). */
  supports: Supports;
}
