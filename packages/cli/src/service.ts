/**
 * The store service: one backend-neutral, async view of a scoped-lmdb store (an LMDB env or a
 * Redis store) for tools that show and change it: the `scoped-lmdb` commands and the web studio.
 * Every method returns plain, JSON-ready data (ids as 16-hex strings, keys and values decoded for
 * display), so a caller prints it or sends it as it is. lmdb-service.ts and redis-service.ts
 * implement it; neither is imported by the other.
 *
 * Scopes are named by `ScopeRef`: a scope name, or `null` for the default scope.
 */
import type { Readable, Writable } from 'node:stream';

/** A scope: its name, or `null` for the default scope. */
export type ScopeRef = string | null;

/** Called during long work with the units done so far and the total (the total may be 0 when unknown). */
export type ProgressCallback = (done: number, total: number) => void;

/** Entries and bytes; `bytes` is `null` where the backend keeps no byte counts (no `.withStats()`, Redis). */
export interface Counts {
  /** Entries. */
  entries: number;
  /** Stored bytes (encoded keys + values), or `null` when not kept. */
  bytes: number | null;
}

/** One scoped database of the store, as its stored meta record describes it. */
export interface DatabaseInfo {
  /** Its name. */
  name: string;
  /** `types`, `bytesKeys` or `rawBytes` (LMDB); `null` where the backend does not record it (Redis). */
  kind: string | null;
  /** The key codec's stored name (`string`, `ordered-binary`, `msgpack`, …). */
  keyCodec: string;
  /** The value codec's stored name (`json`, `cbor`, `zod(json)`, …). */
  valueCodec: string;
  /** True when the database keeps per-scope stats (`.withStats()`). */
  stats: boolean;
  /** True when the database was opened with a registry. */
  registry: boolean;
  /** True when its DEFAULT scope lives in the env's main database (`unnamedForDefault`). */
  unnamedForDefault: boolean;
  /** Entries and bytes over all its scopes, when it keeps stats (summed from the stats records). */
  totals?: Counts;
}

/** What a scope row names: the default scope, a registered name, or an id that holds data but that no name maps to. */
export type ScopeKind = 'default' | 'named' | 'unnamed';

/** One scope, with its counts. */
export interface ScopeRow {
  /** default, named or unnamed. */
  kind: ScopeKind;
  /** The name (`null` for the default scope and for unnamed ids). */
  name: string | null;
  /** How to show it: the name, `(default)`, or `(unnamed 0123…)`. */
  label: string;
  /** The id its data is stored under, as 16 hex digits (`null` for the default scope). */
  id: string | null;
  /** Entries in all the listed databases together. */
  entries: number;
  /** Bytes in all of them, or `null` when some of them keep no byte counts. */
  bytes: number | null;
  /** Per database. */
  databases: Record<string, Counts>;
}

/** How `scopes()` orders its rows: by name (default first, unnamed ids last), or by entries or bytes, largest first. */
export type ScopeSort = 'name' | 'entries' | 'bytes';

/** Options of `scopes()`. */
export interface ScopesOptions {
  /** Only named scopes whose name starts with this. */
  prefix?: string;
  /** Row order (default `name`). */
  sort?: ScopeSort;
  /** Rows per page (default 100, at most 10 000). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
  /**
   * How long to wait, in ms, for a walk a page needs (LMDB, once per env version each): the
   * entry counts of a database that keeps no stats (a walk of its keys), and, for the last
   * page by name, the search for unnamed ids. Past it the page comes back with `counting` and
   * no rows while the walk goes on; ask again later. Default: wait until it is made. Redis
   * never answers with `counting`.
   */
  waitMs?: number;
}

/** How far a walk a scope page needs has come (`ScopePage.counting`). */
export interface WalkUnderWay {
  /** `entries`: counting the entries of each scope of a database without stats; `unnamed`: looking for unnamed ids. */
  task: 'entries' | 'unnamed';
  /** Keys (`entries`) or ids (`unnamed`) done so far. */
  done: number;
  /** About how many there are in all. */
  total: number;
}

/** One page of scopes. */
export interface ScopePage {
  /** The rows of this page, in order (none while `counting`). */
  scopes: ScopeRow[];
  /** Pass it as `after` for the next page; absent on the last page. */
  next?: string;
  /**
   * Set when `waitMs` ran out before the walk this page needs was made: `entries`, the entry
   * counts of a database without stats (`done` and `total` count keys), or `unnamed`, the search
   * for ids holding data that no name owns, which end a listing by name (they count ids).
   */
  counting?: WalkUnderWay;
  /**
   * True when, waiting `waitMs`, the page was made from entry counts of an earlier version of the
   * env: it changed while they were being made (under writes that never pause a count of now
   * would never be ready). A count of a later version goes on; ask again for it.
   */
  stale?: boolean;
}

/** `stats()` of one scope. */
export interface ScopeStatsInfo extends ScopeRow {
  /** True for a registered named scope (and for the default scope). */
  registered: boolean;
  /** The scope's quota, if it has one (LMDB with a registry). */
  quota?: {
    /** At most this many entries. */
    maxEntries?: number;
    /** At most this many stored bytes. */
    maxBytes?: number;
  };
}

/** A stored key or value, decoded for display. */
export interface Shown {
  /** One line of text: a string as it is, anything else as `util.inspect` shows it; bytes as hex. */
  text: string;
  /**
   * A JSON-ready form: JSON values as they are; other types tagged, `{ $bytes: hex }`,
   * `{ $bigint: '12' }`, `{ $date: iso }`, `{ $map: [[k, v]] }`, `{ $set: [...] }`, `{ $undefined: true }`.
   */
  json: unknown;
  /** The stored size in bytes. */
  size: number;
  /** The stored bytes as hex: always for keys (the paging cursor), for values only when not decoded. */
  hex?: string;
  /** False when the codec is unknown here (or its decode failed): `text` and `json` are then the hex. */
  decoded: boolean;
}

/** One entry of a scan. */
export interface ScanEntry {
  /** The key. */
  key: Shown;
  /** The value. */
  value: Shown;
}

/** Options of `scan()`. Bounds are key arguments, parsed as `parseKeyArgument` says. */
export interface ScanOptions {
  /** The first key (inclusive; with `reverse`, the high end). */
  start?: string;
  /** The last key (exclusive; with `reverse`, the low end). */
  end?: string;
  /** Only keys whose stored bytes start with this key's stored bytes. */
  prefix?: string;
  /** Highest key first. */
  reverse?: boolean;
  /** Entries per page (default 100, at most 10 000). */
  limit?: number;
  /** The `next` cursor of the previous page (the hex of its last key). */
  after?: string;
}

/** One page of a scan. */
export interface ScanPage {
  /** The entries, in key order (reversed with `reverse`). */
  entries: ScanEntry[];
  /** Pass it as `after` for the next page; absent on the last page. */
  next?: string;
}

/** What `prune()` removed, or (with `dryRun`) would remove. */
export interface PruneResult {
  /** The scopes' names. */
  scopes: string[];
  /** True when nothing was removed. */
  dryRun: boolean;
}

/** What an export or import moved. */
export interface TransferResult {
  /** Entries. */
  entries: number;
  /** The databases it covered. */
  databases: string[];
  /** Entries per database name. */
  perDatabase: Record<string, number>;
}

/** Options of `exportScope()`. */
export interface ExportOptions {
  /** Only these databases (default: every one). */
  databases?: string[];
  /** Progress, in entries. */
  onProgress?: ProgressCallback;
}

/** Options of `importScope()`. */
export interface ImportOptions extends ExportOptions {
  /** Replace a target scope that holds data (otherwise `SCOPE_EXISTS`). */
  replace?: boolean;
}

/** One backend-neutral view of a store; see the module comment. Every method may reject with a `ScopedDbError`. */
export interface StoreService {
  /** `lmdb` or `redis`. */
  readonly backend: 'lmdb' | 'redis';
  /** The env path or the Redis URL (password removed). */
  readonly location: string;
  /** True when opened for reading only: every write method rejects with `INVALID_INPUT`. */
  readonly readOnly: boolean;
  /** The scoped databases, by name. */
  databases(): Promise<DatabaseInfo[]>;
  /** Scopes holding data (in `db`, or in any database) and, without `db`, registered empty ones; paged. */
  scopes(db?: string, options?: ScopesOptions): Promise<ScopePage>;
  /** One scope's counts in every database; an unknown scope is `INVALID_INPUT`. */
  stats(scope: ScopeRef): Promise<ScopeStatsInfo>;
  /**
   * The counts of an id that holds data but that no name maps to (a `scopes()` row of kind
   * `unnamed`), by its 16-hex id; an id holding nothing is `INVALID_INPUT`.
   */
  unnamedStats(id: string): Promise<ScopeStatsInfo>;
  /** A page of an unnamed id's entries in one database (options and cursor as `scan()`). */
  unnamedScan(db: string, id: string, options?: ScanOptions): Promise<ScanPage>;
  /** One entry, or undefined when the key holds nothing. */
  get(db: string, scope: ScopeRef, key: string): Promise<ScanEntry | undefined>;
  /** A page of one scope's entries in one database. */
  scan(db: string, scope: ScopeRef, options?: ScanOptions): Promise<ScanPage>;
  /** Removes one key; true iff it existed. */
  deleteKey(db: string, scope: ScopeRef, key: string): Promise<boolean>;
  /** Removes every entry of the scope in `db` (in every database when left out); resolves how many. */
  clearScope(scope: ScopeRef, db?: string): Promise<number>;
  /** Drops a named scope in every database at once (its entries are reclaimed after). */
  dropScope(scope: string): Promise<void>;
  /** Copies a scope's entries in every database; resolves how many. */
  copyScope(from: string, to: string, options?: { replace?: boolean; onProgress?: ProgressCallback }): Promise<number>;
  /** Renames a scope. */
  renameScope(from: string, to: string, options?: { replace?: boolean }): Promise<void>;
  /** Swaps two scopes' data. */
  swapScopes(a: string, b: string): Promise<void>;
  /**
   * Unregisters every named scope that holds no data anywhere (`dryRun`: only lists them).
   * `onProgress` follows the check of each registered scope (a dry run's whole work).
   */
  prune(options?: { dryRun?: boolean; onProgress?: ProgressCallback }): Promise<PruneResult>;
  /** Frees the entries of dropped scopes now; resolves how many. */
  reclaim(options?: { onProgress?: ProgressCallback }): Promise<number>;
  /** Writes one scope (of every database, or of `databases`) to `sink` in the dump format. */
  exportScope(scope: ScopeRef, sink: Writable, options?: ExportOptions): Promise<TransferResult>;
  /** Loads a dump from `source` into `scope`, atomically. */
  importScope(source: Readable, scope: ScopeRef, options?: ImportOptions): Promise<TransferResult>;
  /** Closes the env or the Redis connection. */
  close(): Promise<void>;
}
