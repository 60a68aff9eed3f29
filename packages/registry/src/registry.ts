import {
  type DumpSink,
  type DumpSource,
  type DumpSummary,
  type ExportScopeOptions,
  type ImportScopeOptions,
  type NamedScope,
  Scope,
  ScopedDbError,
  type ScopeEmptinessChecker,
  type ScopeLike,
  type ScopeRegistrar,
  type ScopeStats,
} from '@scoped-lmdb/core';
import {
  checkLifecycleOptions,
  checkQuota,
  checkReclaimOptions,
  copyUnderId,
  currentWriteTransaction,
  ensureReadSnapshot,
  IdMap,
  idHoldsData,
  inWriteTransaction,
  isClosing,
  onReadTransaction,
  perEnv,
  type Quota,
  REGISTRY_TABLE,
  recordedDatabases,
  type ScopeIds,
  snapshotPerBlock,
  statsOf,
} from '@scoped-lmdb/core/internal';
import type { Database, RootDatabase, Transaction } from 'lmdb';
import { type DumpHost, exportScope, importScope } from './dump.js';
import {
  decodeName,
  encodeName,
  firstLifeIdOf,
  GENERATION_KEY,
  generationBytes,
  generationValue,
  hashOf,
  ID_BYTES,
  ID_RECORDS_END,
  idOfMetaKey,
  nameKey,
  QUOTAS,
  quotaKey,
  RESERVATIONS,
  reservationKey,
  sameBytes,
  tombstoneKey,
} from './layout.js';
import { Reclaimer } from './reclaim.js';

type Table = Database<Uint8Array, Uint8Array>;

/** Entries a copy moves per write transaction (small transactions: writers elsewhere never wait long). */
const COPY_BATCH = 2_000;

export type { Quota };

/** A scope's stats across the env's stats-keeping databases (`registry.scopeStats`). */
export interface ScopeStatsAcross {
  /** Entries in all the stats-keeping databases together. */
  entries: number;
  /** Stored bytes (encoded keys + values) in all of them together. */
  bytes: number;
  /** Each stats-keeping database's share, by database name. */
  databases: Record<string, ScopeStats>;
}

/** A scope and its quota, as `listQuotas` lists them. */
export interface ScopeQuota {
  /** The scope. */
  scope: Scope;
  /** Its quota. */
  quota: Quota;
}

/** Options of `copyScope`. */
export interface CopyScopeOptions {
  /** Drop a target that is registered or holds data, in the transaction that makes the copy visible. */
  replace?: boolean;
  /** Called after every batch with the entries copied so far and the total. */
  onProgress?: (copied: number, total: number) => void;
}

/**
 * The global scope registry of an env: which scopes exist, under which stored id, and their
 * lifecycle (drop, rename, swap, copy in O(1) of metadata; reclaim in the background). See
 * layout.ts for the table and the README for the cross-process rules.
 *
 * Reads resolve a name's id from a cache that is checked against the mapping generation once
 * per read snapshot (lmdb-js starts at most one per event turn, and one after each commit), so
 * a synchronous block of reads sees one mapping, and another process's drop, rename or swap is
 * seen at the next turn. Writes resolve it inside their own write transaction (core asks
 * `writeId` there), so no write ever commits under an id its name no longer maps to.
 */
export class GlobalScopeRegistry implements ScopeRegistrar, ScopeIds {
  readonly #env: RootDatabase;
  readonly #table: Table;
  /** name -> id for reads, valid for `#generation` (checked at every new read snapshot). */
  readonly #readIds = new Map<string, Uint8Array>();
  #generation: bigint | undefined;
  /** The write transaction `#txnIds` belongs to (lmdb-js makes a new token per transaction). */
  #txn: object | undefined;
  /** name -> id as resolved inside `#txn`. */
  readonly #txnIds = new Map<string, Uint8Array>();
  readonly #reclaimer: Reclaimer;
  /** Quotas as read inside `#quotaTxn`. */
  #quotaTxn: object | undefined;
  readonly #txnQuotas = new IdMap<Quota | null>();
  /** Whether the env holds any quota, as `#quotaTxn` sees it. */
  #anyQuota: boolean | undefined;

  static readonly #of = perEnv((env) => new GlobalScopeRegistry(env));

  private constructor(env: RootDatabase) {
    this.#env = env;
    try {
      this.#table = env.openDB(REGISTRY_TABLE, { keyEncoding: 'binary', encoding: 'binary' }) as Table;
    } catch (error) {
      throw storageError('could not open the scope registry', error);
    }
    this.#reclaimer = new Reclaimer(env, this.#table);
    onReadTransaction(env, () => this.#checkGeneration());
    // A change another process committed is read from the next synchronous block on (API.md).
    snapshotPerBlock(env);
    statsOf(env).useQuotas((id) => this.#quotaOf(id));
    this.#releaseStaleReservations();
    this.#reclaimer.schedule();
  }

  /** The env's registry (one per env: it caches the mapping and runs the env's reclaim). */
  static open(env: RootDatabase): GlobalScopeRegistry {
    if (env === null || typeof env !== 'object' || typeof (env as Partial<RootDatabase>).openDB !== 'function') {
      throw new ScopedDbError('INVALID_INPUT', 'GlobalScopeRegistry.open needs an lmdb-js root database (from open())');
    }
    return GlobalScopeRegistry.#of(env);
  }

  // ---- what core asks (ScopeIds) ----

  readId(scope: NamedScope): Uint8Array | undefined {
    if (inWriteTransaction(this.#env)) return this.#idInTxn(scope.name) ?? this.#unregisteredReadId(scope.name);
    // The cache answers for the snapshot the caller's read will use: start it (and check it) first.
    try {
      ensureReadSnapshot(this.#env);
    } catch (error) {
      throw storageError('registry read', error); // a closed env
    }
    const cached = this.#readIds.get(scope.name);
    if (cached) return cached;
    return this.#storage('registry read', () => {
      const id = this.#lookup(scope.name);
      if (id === undefined) return this.#unregisteredReadId(scope.name); // not cached: a first write elsewhere may claim it
      this.#readIds.set(scope.name, id);
      return id;
    });
  }

  /** The id `scope`'s data was stored under as of a held read snapshot (core's `snapshot()`): its records read in it, never cached. */
  readIdAt(scope: NamedScope, transaction: object): Uint8Array | undefined {
    const at = transaction as Transaction;
    return this.#lookup(scope.name, at) ?? this.#unregisteredReadId(scope.name, at);
  }

  writeId(scope: NamedScope): Uint8Array {
    const id = this.#idInTxn(scope.name);
    if (id) return id;
    const allocated = this.#allocate(scope.name);
    this.#txnIds.set(scope.name, allocated);
    return allocated;
  }

  ownerOf(hash: bigint): string | 'dropped' | undefined {
    const id = idBytes(hash);
    const name = this.#nameAt(id);
    if (name !== undefined) return name;
    return this.#get(tombstoneKey(id)) === undefined ? undefined : 'dropped';
  }

  // ---- the v1 registry API ----

  /** Registers `scope` under its id (a new id if it has none); DEFAULT is a no-op. Inside an open write transaction it writes there. */
  registerScope(scope: ScopeLike): void {
    const s = Scope.from(scope);
    if (!s.isNamed()) return;
    if (inWriteTransaction(this.#env)) {
      this.writeId(s);
      return;
    }
    // Usually registered: a read settles it without a write transaction.
    if (this.#storage('registry read', () => this.#lookup(s.name)) === undefined) this.#write('registerScope', () => this.writeId(s));
  }

  /** The name whose current id is `hash`, if any. */
  getScopeName(hash: bigint): string | undefined {
    return this.#nameAt(idBytes(checkHash(hash)));
  }

  /** The current id of `name` as a bigint (one or two gets, never a scan); undefined if it has none. */
  lookupScopeHash(name: string): bigint | undefined {
    const id = this.#storage('lookupScopeHash', () => this.#lookup(Scope.named(name).name as string));
    return id === undefined ? undefined : hashOf(id);
  }

  /** The id a registered scope's data is stored under now; undefined for an unregistered scope (and for DEFAULT). */
  idOf(scope: ScopeLike): bigint | undefined {
    const s = Scope.from(scope);
    if (!s.isNamed()) return undefined;
    const id = this.#storage('idOf', () => this.#lookup(s.name));
    return id === undefined ? undefined : hashOf(id);
  }

  /** DEFAULT first, then the named scopes in id order. */
  listAllScopes(): Scope[] {
    const scopes = [Scope.DEFAULT];
    this.#storage('listAllScopes', () => {
      for (const { key, value } of this.#table.getRange({ end: ID_RECORDS_END }) as Iterable<{ key: Uint8Array; value: Uint8Array }>) {
        const name = key.length === ID_BYTES ? this.#validOwner(key, value) : undefined;
        if (name !== undefined) scopes.push(Scope.named(name));
      }
    });
    return scopes;
  }

  /** True for a registered scope; DEFAULT always. */
  scopeExists(scope: ScopeLike): boolean {
    const s = Scope.from(scope);
    return !s.isNamed() || this.#storage('scopeExists', () => this.#lookup(s.name)) !== undefined;
  }

  /**
   * Removes `scope`'s registration; its data is not touched. True iff it was registered;
   * DEFAULT -> false. A scope whose id is not its first-life id could not find its data again
   * afterwards: unregistering one that holds data is `INVALID_INPUT` (drop it instead).
   */
  unregisterScope(scope: ScopeLike): boolean {
    const s = Scope.from(scope);
    if (!s.isNamed()) return false;
    return this.#write('unregisterScope', () => {
      const id = this.#lookup(s.name);
      if (id === undefined) return false;
      if (!sameBytes(id, firstLifeIdOf(s.name)) && idHoldsData(this.#env, id)) {
        throw new ScopedDbError(
          'INVALID_INPUT',
          `unregisterScope: ${describe(s)} holds data under an id no one could find again; drop it with dropScope instead`,
        );
      }
      this.#unmap(s.name, id);
      this.#bumpGeneration(); // other processes' caches of the id must go too
      return true;
    });
  }

  /**
   * True when the scope holds no data in any scoped database recorded in the env (opened as
   * needed), nor in any of `checkers` (for data kept elsewhere).
   */
  isScopeEmpty(scope: ScopeLike, checkers?: ScopeEmptinessChecker[]): boolean {
    const s = Scope.from(scope);
    if (checkers !== undefined) checkCheckers(checkers, 'isScopeEmpty');
    return this.#emptyEverywhere(s, checkers ?? [], 'isScopeEmpty');
  }

  /**
   * Unregisters every named scope that holds no data in any database of the env (nor in
   * `checkers`), in one write transaction that re-checks emptiness inside it: a write cannot
   * land in a scope between the check and the removal. Never DEFAULT. Returns the removed scopes.
   */
  pruneGloballyUnusedScopes(checkers?: ScopeEmptinessChecker[]): Scope[] {
    if (checkers !== undefined) checkCheckers(checkers, 'pruneGloballyUnusedScopes');
    return this.#write('pruneGloballyUnusedScopes', () => {
      const gone: Scope[] = [];
      for (const scope of this.listAllScopes()) {
        if (!scope.isNamed() || !this.#emptyEverywhere(scope, checkers ?? [], 'pruneGloballyUnusedScopes')) continue;
        this.#unmap(scope.name, this.#lookup(scope.name) as Uint8Array);
        gone.push(scope);
      }
      if (gone.length > 0) this.#bumpGeneration();
      return gone;
    });
  }

  // ---- stats and quotas (API.md v2) ----

  /** The scope's entries and bytes summed over the env's databases built `.withStats()`, and per database. O(databases). */
  scopeStats(scope: ScopeLike): ScopeStatsAcross {
    const s = Scope.from(scope);
    const id = s.isNamed() ? this.readId(s) : null;
    const stats = statsOf(this.#env);
    const databases = this.#storage('scopeStats', () =>
      id === undefined ? Object.fromEntries(stats.databases().map((name) => [name, { entries: 0, bytes: 0 }])) : stats.across(id),
    );
    let entries = 0;
    let bytes = 0;
    for (const stats of Object.values(databases)) {
      entries += stats.entries;
      bytes += stats.bytes;
    }
    return { entries, bytes, databases };
  }

  /**
   * Sets (or, with null, removes) the scope's quota, checked against its totals across the env's
   * stats-keeping databases before every write to it there: a write that would pass it is
   * `QUOTA_EXCEEDED` and writes nothing. The quota moves with the scope on a rename or swap.
   */
  setQuota(scope: ScopeLike, quota: Quota | null): void {
    const s = named(scope, 'setQuota');
    const limits = checkQuota(quota, s.name);
    this.#write('setQuota', () => {
      // Clearing the quota of a scope with no id has nothing to clear: it does not register it.
      const id = this.#lookup(s.name) ?? (quota === null ? undefined : this.#allocate(s.name));
      if (id === undefined) return;
      if (quota === null) this.#del(quotaKey(id));
      else this.#put(quotaKey(id), encodeName(JSON.stringify(limits)));
      // Writes later in this same transaction see the new quota.
      this.#txnQuotas.clear();
      this.#anyQuota = undefined;
    });
  }

  /** The scope's quota, if it has one. */
  getQuota(scope: ScopeLike): Quota | undefined {
    const s = Scope.from(scope);
    if (!s.isNamed()) return undefined;
    const id = this.#storage('getQuota', () => this.#lookup(s.name));
    return id === undefined ? undefined : this.#storage('getQuota', () => this.#readQuota(id));
  }

  /** Every quota, by scope (named scopes in id order). */
  listQuotas(): ScopeQuota[] {
    return this.#storage('listQuotas', () => {
      const out: ScopeQuota[] = [];
      for (const { key } of this.#table.getRange(QUOTAS) as Iterable<{ key: Uint8Array }>) {
        const id = idOfMetaKey(key);
        const name = this.#nameAt(id);
        const quota = this.#readQuota(id);
        if (name !== undefined && quota) out.push({ scope: Scope.named(name), quota });
      }
      return out;
    });
  }

  // ---- lifecycle (API.md v2) ----

  /**
   * Drops `scope` in O(1): one write transaction that removes its mapping and marks its id
   * for reclaim, so it is empty in every database at once; the entries are freed in the
   * background in small transactions (see reclaim.ts). A name dropped and reused starts empty.
   */
  dropScope(scope: ScopeLike): void {
    const s = named(scope, 'dropScope');
    this.#write('dropScope', () => this.#drop(s.name));
    this.#reclaimer.schedule();
  }

  /** Gives `from`'s data the name `to`, in O(1). A taken `to` is `SCOPE_EXISTS` unless `replace` (then it is dropped first, in the same transaction). */
  renameScope(from: ScopeLike, to: ScopeLike, options: { replace?: boolean } = {}): void {
    const a = named(from, 'renameScope');
    const b = named(to, 'renameScope');
    checkLifecycleOptions(options, 'renameScope');
    if (a.equals(b)) {
      // Like Redis RENAME of a key onto itself: nothing to do, but the scope must exist.
      this.#write('renameScope', () => this.#requireId(a.name, 'renameScope'));
      return;
    }
    this.#write('renameScope', () => {
      const id = this.#requireId(a.name, 'renameScope');
      this.#claimTarget(b.name, options.replace === true, 'renameScope');
      this.#unmap(a.name, id);
      this.#map(b.name, id);
      this.#bumpGeneration();
    });
    this.#reclaimer.schedule();
  }

  /** Swaps the data of `a` and `b` in O(1), atomically (like Redis SWAPDB); a scope with no data yet is swapped as empty. */
  swapScopes(a: ScopeLike, b: ScopeLike): void {
    const x = named(a, 'swapScopes');
    const y = named(b, 'swapScopes');
    if (x.equals(y)) return;
    this.#write('swapScopes', () => {
      const idX = this.#lookup(x.name) ?? this.#allocate(x.name);
      const idY = this.#lookup(y.name) ?? this.#allocate(y.name);
      this.#unmap(x.name, idX);
      this.#unmap(y.name, idY);
      this.#map(x.name, idY);
      this.#map(y.name, idX);
      this.#bumpGeneration();
    });
  }

  /**
   * Copies every database's entries of `from` to `to` (values as stored bytes, no codec work),
   * in batches, reporting progress; readers see `to` all at once when the copy is done, or not
   * at all. Resolves with the entries copied. A taken `to` is `SCOPE_EXISTS` unless `replace`.
   */
  async copyScope(from: ScopeLike, to: ScopeLike, options: CopyScopeOptions = {}): Promise<number> {
    const a = named(from, 'copyScope');
    const b = named(to, 'copyScope');
    checkLifecycleOptions(options, 'copyScope');
    if (a.equals(b)) throw new ScopedDbError('INVALID_INPUT', `copyScope: cannot copy ${describe(a)} onto itself`);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new ScopedDbError('INVALID_INPUT', 'copyScope: onProgress must be a function');
    }
    const replace = options.replace === true;
    // Reserve a fresh id for the target: nobody can take it while the copy fills it.
    const { source, target } = this.#write('copyScope', () => {
      const sourceId = this.#requireId(a.name, 'copyScope');
      if (!replace) this.#refuseTaken(b.name, 'copyScope');
      const targetId = this.#freeId(b.name);
      this.#put(reservationKey(targetId), encodeName(JSON.stringify({ pid: process.pid, to: b.name })));
      return { source: sourceId, target: targetId };
    });
    let copied = 0;
    copying.add(hashOf(target));
    const copy = copyUnderId(this.#env, source, target);
    try {
      for (;;) {
        const step = this.#write('copyScope', () => copy.step(COPY_BATCH));
        if (step === 0) break;
        copied += step;
        options.onProgress?.(copied, copy.total);
        await new Promise<void>((resolve) => setImmediate(resolve)); // let other work (and writers elsewhere) in
      }
      this.#write('copyScope', () => {
        this.#claimTarget(b.name, replace, 'copyScope');
        this.#del(reservationKey(target));
        this.#map(b.name, target);
        // The target's stats are what was copied (from the source's snapshot).
        const stats = statsOf(this.#env);
        for (const [database, copiedStats] of copy.copied) if (database in stats.across(target)) stats.set(database, target, copiedStats);
        this.#bumpGeneration();
      });
    } catch (error) {
      // The half-filled id goes to reclaim; the target's old state is untouched.
      this.#write('copyScope', () => {
        this.#del(reservationKey(target));
        this.#reclaimer.markDropped(target, b.name);
      });
      this.#reclaimer.schedule();
      throw error;
    } finally {
      copy.done();
      copying.delete(hashOf(target));
    }
    this.#reclaimer.schedule();
    return copied;
  }

  // ---- export / import (API.md v2; dump.ts, core's dump-format.ts) ----

  /**
   * Streams one read snapshot of `scope` (every scoped database of the env, or `databases`) to
   * `sink` in the dump format: stored bytes, no codec work, flat memory, the sink's backpressure
   * respected. Resolves with the entries written per database.
   */
  exportScope(scope: ScopeLike, sink: DumpSink, options?: ExportScopeOptions): Promise<DumpSummary> {
    return exportScope(this.#dumpHost(), scope, sink, options);
  }

  /**
   * Loads a dump into `scope`, all or nothing: the entries go under a fresh reserved id in small
   * transactions, and one transaction makes them the scope's once the whole dump checked out.
   * Refused: other codecs than the target database's (`CODEC_MISMATCH`), a database the env
   * does not have (`INVALID_INPUT`), a damaged dump (`STORAGE`), a target that is registered
   * or holds data (`SCOPE_EXISTS`) unless `replace`.
   */
  importScope(source: DumpSource, scope: ScopeLike, options?: ImportScopeOptions): Promise<DumpSummary> {
    return importScope(this.#dumpHost(), source, scope, options);
  }

  #dumpHost(): DumpHost {
    return {
      env: this.#env,
      readId: (scope) => this.readId(scope),
      exists: (scope) => this.scopeExists(scope) || this.#storage('exportScope', () => this.#unnamedData(scope.name)),
      refuseTaken: (name) => this.#storage('importScope', () => this.#refuseTaken(name, 'importScope')),
      reserve: (name) => {
        const id = this.#write('importScope', () => {
          const id = this.#freeId(name);
          this.#put(reservationKey(id), encodeName(JSON.stringify({ pid: process.pid, to: name })));
          return id;
        });
        copying.add(hashOf(id));
        return id;
      },
      write: (run) => this.#write('importScope', run),
      commit: (name, id, replace, counted) => {
        this.#write('importScope', () => {
          this.#claimTarget(name, replace, 'importScope');
          this.#del(reservationKey(id));
          this.#map(name, id);
          const stats = statsOf(this.#env);
          const keeping = stats.across(id);
          for (const [database, entries] of counted) if (database in keeping) stats.set(database, id, entries);
          this.#bumpGeneration();
        });
        copying.delete(hashOf(id));
        this.#reclaimer.schedule();
      },
      abandon: (id, name) => {
        copying.delete(hashOf(id));
        this.#write('importScope', () => {
          this.#del(reservationKey(id));
          this.#reclaimer.markDropped(id, name);
        });
        this.#reclaimer.schedule();
      },
    };
  }

  /** Frees the entries of dropped scopes now (at most `budgetMs` of work when given); resolves with the entries freed. */
  reclaim(options: { budgetMs?: number } = {}): Promise<number> {
    try {
      const budgetMs = checkReclaimOptions(options);
      if (isClosing(this.#env)) throw new ScopedDbError('STORAGE', 'reclaim: the environment is closed');
      return this.#reclaimer.run(budgetMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Dropped entries not yet freed (counted across databases). */
  pendingReclaim(): number {
    return this.#storage('pendingReclaim', () => this.#reclaimer.pending());
  }

  // ---- internals ----

  /**
   * The quota of `id`, read once per write transaction (core asks before every counted write);
   * a transaction that finds no quota in the env at all answers every later ask at once.
   */
  #quotaOf(id: Uint8Array): Quota | undefined {
    const txn = currentWriteTransaction(this.#env);
    if (txn !== this.#quotaTxn) {
      this.#quotaTxn = txn;
      this.#txnQuotas.clear();
      this.#anyQuota = undefined;
    }
    this.#anyQuota ??= this.#table.getKeysCount({ ...QUOTAS, limit: 1 }) > 0;
    if (!this.#anyQuota) return undefined;
    // null remembers "no quota", so a hit is one lookup.
    const cached = this.#txnQuotas.get(id);
    if (cached !== undefined) return cached ?? undefined;
    const quota = this.#readQuota(id);
    this.#txnQuotas.set(id, quota ?? null);
    return quota;
  }

  #readQuota(id: Uint8Array): Quota | undefined {
    const bytes = this.#get(quotaKey(id));
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(decodeName(bytes) ?? 'null') as Quota | undefined;
    } catch {
      return undefined;
    }
  }

  /** Inside a write transaction: `name`'s id in it (authoritative: the transaction holds the write lock). */
  #idInTxn(name: string): Uint8Array | undefined {
    const txn = currentWriteTransaction(this.#env);
    if (txn !== this.#txn) {
      this.#txn = txn;
      this.#txnIds.clear();
    }
    const cached = this.#txnIds.get(name);
    if (cached) return cached;
    const id = this.#lookup(name);
    if (id) this.#txnIds.set(name, id);
    return id;
  }

  /**
   * `name`'s id in the current snapshot: its name -> id record (when the id's record names it
   * back), or, for a v1 scope (no name -> id record), its first-life id when that id's record
   * holds it. Two gets.
   */
  #lookup(name: string, at?: Transaction): Uint8Array | undefined {
    const stored = this.#get(nameKey(name), at);
    if (stored !== undefined) {
      if (stored.length !== ID_BYTES) return undefined;
      const back = this.#get(stored, at);
      return back !== undefined && decodeName(back) === name ? new Uint8Array(stored) : undefined;
    }
    const first = firstLifeIdOf(name);
    const back = this.#get(first, at);
    return back !== undefined && decodeName(back) === name ? first : undefined;
  }

  /**
   * The id reads of an unregistered `name` use: its first-life id while nobody holds, dropped or
   * reserved it, so data written there before the registry (listUnnamedIds) reads as the scope
   * that a first write would register anyway; else none.
   */
  #unregisteredReadId(name: string, at?: Transaction): Uint8Array | undefined {
    const first = firstLifeIdOf(name);
    return this.#isFree(first, at) ? first : undefined;
  }

  #isFree(id: Uint8Array, at?: Transaction): boolean {
    return (
      this.#get(id, at) === undefined && this.#get(tombstoneKey(id), at) === undefined && this.#get(reservationKey(id), at) === undefined
    );
  }

  /** The name whose current id is `id`, when its record is one this library writes (see `#validOwner`). */
  #nameAt(id: Uint8Array): string | undefined {
    const value = this.#get(id);
    return value === undefined ? undefined : this.#validOwner(id, value);
  }

  /**
   * A record counts when its name is non-empty, well-formed UTF-8, and maps back to its id: by
   * a name -> id record, or, for a v1 record (none), by being the name's xxh64. Any other record
   * (other software, damage) is ignored by every listing and by prune; its id stays taken.
   */
  #validOwner(id: Uint8Array, value: Uint8Array): string | undefined {
    const name = decodeName(value);
    if (name === undefined) return undefined;
    const mapped = this.#get(nameKey(name));
    if (mapped !== undefined) return sameBytes(mapped, id) ? name : undefined;
    return sameBytes(firstLifeIdOf(name), id) ? name : undefined;
  }

  /** Inside a write transaction: a free id for `name` (its first-life id when free, else a random one), recorded. */
  #allocate(name: string): Uint8Array {
    const id = this.#freeId(name);
    this.#map(name, id);
    return id;
  }

  /** An id nobody holds, has dropped or reserved: `name`'s xxh64 when free (every v1 id stays valid), else random. */
  #freeId(name: string): Uint8Array {
    let candidate = firstLifeIdOf(name);
    for (let attempt = 0; ; attempt++) {
      if (this.#isFree(candidate)) return candidate;
      if (attempt > 64) throw new ScopedDbError('STORAGE', 'could not find a free scope id (the registry table looks damaged)');
      candidate = crypto.getRandomValues(new Uint8Array(ID_BYTES));
    }
  }

  #map(name: string, id: Uint8Array): void {
    this.#put(id, encodeName(name));
    this.#put(nameKey(name), id);
    this.#txnIds.set(name, id);
    this.#readIds.delete(name);
  }

  #unmap(name: string, id: Uint8Array): void {
    if (this.#nameAt(id) === name) this.#del(id);
    this.#del(nameKey(name));
    this.#txnIds.delete(name);
    this.#readIds.delete(name);
  }

  /** Inside a write transaction: `name`'s id; data written before the registry is registered under its first-life id. */
  #requireId(name: string, method: string): Uint8Array {
    const id = this.#lookup(name);
    if (id !== undefined) return id;
    if (this.#unnamedData(name)) return this.#allocate(name);
    throw new ScopedDbError('INVALID_INPUT', `${method}: scope ${JSON.stringify(name)} does not exist`);
  }

  /** `name` is taken when it is registered, or when data sits under its first-life id that nobody owns (v1 data). */
  #refuseTaken(name: string, method: string): void {
    if (this.#lookup(name) !== undefined || this.#unnamedData(name)) {
      throw new ScopedDbError(
        'SCOPE_EXISTS',
        `${method}: scope ${JSON.stringify(name)} is registered or holds data; pass { replace: true } to replace it`,
      );
    }
  }

  /** Makes `name` free for a rename or copy target: refused when taken, or dropped first with `replace`. */
  #claimTarget(name: string, replace: boolean, method: string): void {
    if (!replace) this.#refuseTaken(name, method);
    else this.#drop(name);
  }

  /** Data under `name`'s first-life id that nobody holds, dropped or reserved (data written before a registry). */
  #unnamedData(name: string): boolean {
    const first = firstLifeIdOf(name);
    return this.#isFree(first) && idHoldsData(this.#env, first);
  }

  /** Inside a write transaction: unmaps `name` and marks its id for reclaim (also unnamed v1 data under its first-life id). */
  #drop(name: string): void {
    let id = this.#lookup(name);
    if (id !== undefined) {
      this.#unmap(name, id);
    } else if (this.#unnamedData(name)) {
      id = firstLifeIdOf(name);
    } else {
      return;
    }
    this.#reclaimer.markDropped(id, name);
    // Empty at once, stats included; the quota went with the name.
    statsOf(this.#env).forget(id);
    this.#del(quotaKey(id));
    this.#txnQuotas.clear();
    this.#anyQuota = undefined;
    this.#bumpGeneration();
  }

  #bumpGeneration(): void {
    this.#put(GENERATION_KEY, generationBytes(generationValue(this.#get(GENERATION_KEY)) + 1n));
    this.#readIds.clear();
  }

  /**
   * At every new read snapshot: forget cached ids if the mapping changed (in any process).
   * lmdb-js emits the same event when a write transaction begins; that one is skipped: the
   * cache serves reads outside write transactions only, and a generation read in a write
   * transaction can be newer than the read snapshot still in use after it (an aborted write
   * does not renew it), which would keep entries of that older snapshot cached as current.
   */
  #checkGeneration(): void {
    if (inWriteTransaction(this.#env)) return;
    let generation: bigint;
    try {
      generation = generationValue(this.#table.getBinary(GENERATION_KEY));
    } catch {
      return; // the env is closing: nothing will read the cache again
    }
    if (generation !== this.#generation) {
      this.#generation = generation;
      this.#readIds.clear();
    }
  }

  /** Reservations of copies whose process is gone (killed mid-copy): their ids go to reclaim. */
  #releaseStaleReservations(): void {
    if (this.#env.transactionSync === undefined) return; // read-only env
    const stale: Uint8Array[] = [];
    for (const { key, value } of this.#table.getRange(RESERVATIONS) as Iterable<{ key: Uint8Array; value: Uint8Array }>) {
      const pid = Number((JSON.parse(decodeName(value) ?? '{}') as { pid?: unknown }).pid);
      if (!processAlive(pid) || (pid === process.pid && !copying.has(hashOf(idOfMetaKey(key))))) stale.push(key);
    }
    if (stale.length === 0) return;
    this.#write('reclaim', () => {
      for (const key of stale) {
        this.#del(key);
        this.#reclaimer.markDropped(idOfMetaKey(key), '');
      }
    });
  }

  #emptyEverywhere(scope: Scope, checkers: ScopeEmptinessChecker[], method: string): boolean {
    return this.#storage(method, () => {
      if (scope.isNamed()) {
        const id = this.readId(scope);
        if (id !== undefined && idHoldsData(this.#env, id)) return false;
      } else if (!recordedDatabases(this.#env).every((db) => db.isScopeEmpty(scope))) {
        return false;
      }
      return checkers.every((checker) => checker.isScopeEmpty(scope));
    });
  }

  /** One record, as of the current snapshot or of `at` (a held one; lmdb-js reads take it as `{ transaction }`). */
  #get(key: Uint8Array, at?: Transaction): Uint8Array | undefined {
    if (at === undefined) return this.#table.getBinary(key) ?? undefined;
    const read = this.#table.getBinary as (key: Uint8Array, options: { transaction: Transaction }) => Uint8Array | undefined;
    return read.call(this.#table, key, { transaction: at }) ?? undefined;
  }

  #put(key: Uint8Array, value: Uint8Array): void {
    this.#table.putSync(key, value);
  }

  #del(key: Uint8Array): void {
    this.#table.removeSync(key);
  }

  /** One write transaction (joining an open one), its failures `STORAGE`; the read cache is dropped after a change. */
  #write<T>(action: string, run: () => T): T {
    return this.#storage(action, () => this.#env.transactionSync(run));
  }

  #storage<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw error instanceof ScopedDbError ? error : storageError(action, error);
    }
  }
}

/** Ids copies in this process are filling (so a reservation of ours is not taken for a crashed one). */
const copying = new Set<bigint>();

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function named(scope: ScopeLike, method: string): NamedScope {
  const s = Scope.from(scope);
  if (!s.isNamed())
    throw new ScopedDbError(
      'INVALID_INPUT',
      `${method}: the default scope cannot be dropped, renamed, swapped or copied (clear it with clearSync)`,
    );
  return s;
}

function describe(scope: Scope): string {
  return scope.isDefault ? 'the default scope' : `scope ${JSON.stringify(scope.name)}`;
}

function checkHash(hash: unknown): bigint {
  if (typeof hash !== 'bigint' || hash < 0n || hash > 0xffff_ffff_ffff_ffffn) {
    throw new ScopedDbError('INVALID_INPUT', 'a scope hash is an unsigned 64-bit bigint');
  }
  return hash;
}

function idBytes(hash: bigint): Uint8Array {
  const id = new Uint8Array(ID_BYTES);
  new DataView(id.buffer).setBigUint64(0, hash, false);
  return id;
}

function checkCheckers(checkers: ScopeEmptinessChecker[], method: string): void {
  if (!Array.isArray(checkers) || checkers.some((c) => typeof c?.isScopeEmpty !== 'function')) {
    throw new ScopedDbError('INVALID_INPUT', `${method} needs an array of ScopeEmptinessChecker (e.g. your scoped databases)`);
  }
  // An explicit empty list is a mistake (scoped-heed deleted every scope on it); leave it out
  // to check the env's databases only.
  if (checkers.length === 0) {
    throw new ScopedDbError('INVALID_INPUT', `${method} got an empty checker list; leave the argument out to check the env's databases`);
  }
}

function storageError(action: string, cause: unknown): ScopedDbError {
  return new ScopedDbError('STORAGE', `${action}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
