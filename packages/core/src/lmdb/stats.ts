/**
 * Per-scope stats (`.withStats()`): each scope's entry count and stored bytes (encoded key +
 * value, the 8-byte id not counted) per database, kept in the same write transaction as every
 * write, and the quotas a registry sets, checked before a write.
 *
 * The records live in one table of the env, `__scoped_lmdb_stats`: key = UTF-8 database name ‖
 * 0x00 ‖ id (no id for DEFAULT), value = entries and bytes as two big-endian float64. Keyed by
 * id, they move with a scope that is renamed or swapped.
 *
 * Writes do not rewrite the record each time: a transaction this library runs (its own, the
 * write queue's flush, and every `env.transactionSync`, see lmdb-internals' transaction hooks)
 * collects the deltas and writes each changed record once, just before it commits; a nested
 * transaction's deltas join its parent's when it commits, and vanish when it rolls back. A
 * write inside a transaction opened some other way (a raw lmdb-js async `transaction`) writes
 * its record at once. Inside the write transaction the record read is the truth, so the stats
 * stay exact across processes, crashes (they commit with the data) and rollbacks.
 */
import type { Database, RootDatabase } from 'lmdb';
import { ScopedDbError } from '../errors.js';
import { IdMap } from '../id-map.js';
import type { ScopeStats } from '../interfaces.js';
import { STATS_TABLE } from '../key-format.js';
import { addTransactionHooks, currentWriteTransaction, openExistingTable } from './lmdb-internals.js';
import { readMetaRecords } from './meta-table.js';
import { perEnv } from './per-env.js';

type Table = Database<Uint8Array, Uint8Array>;

/** A quota as a registry stores it: either limit may be left out. */
export interface Quota {
  /** At most this many entries, summed over the env's stats-keeping databases. */
  maxEntries?: number;
  /** At most this many stored bytes (keys + values), summed likewise. */
  maxBytes?: number;
}

/** Where quotas come from (the registry), read inside the write transaction. */
export type QuotaSource = (id: Uint8Array) => Quota | undefined;

const utf8 = new TextEncoder();

/** The stats record key of `database` and `id` (null: DEFAULT). */
export function statsKey(database: string, id: Uint8Array | null): Uint8Array {
  const name = utf8.encode(database);
  const key = new Uint8Array(name.length + 1 + (id?.length ?? 0));
  key.set(name, 0);
  if (id) key.set(id, name.length + 1);
  return key;
}

function decode(bytes: Uint8Array | undefined): ScopeStats {
  if (bytes === undefined || bytes.length !== 16) return { entries: 0, bytes: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return { entries: view.getFloat64(0), bytes: view.getFloat64(8) };
}

function encode(stats: ScopeStats): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, stats.entries);
  view.setFloat64(8, stats.bytes);
  return bytes;
}

/** A pending change of one record: `reset` when the scope was cleared in this transaction (then the deltas count from 0). */
interface Pending {
  readonly database: string;
  readonly id: Uint8Array | null;
  reset: boolean;
  entries: number;
  bytes: number;
}

/** The deltas of one open transaction of ours, by database, then by id. */
interface Frame {
  readonly token: object | undefined;
  readonly pending: Map<string, IdMap<Pending>>;
}

function* pendingOf(frame: Frame): Generator<Pending> {
  for (const ofDatabase of frame.pending.values()) yield* ofDatabase.values();
}

/** The env's stats keeper (every stats-keeping database of the env shares its table and its transaction frames). */
export const statsOf: (env: RootDatabase) => StatsKeeper = perEnv((env) => new StatsKeeper(env));

export class StatsKeeper {
  readonly #env: RootDatabase;
  #table: Table | undefined;
  readonly #frames: Frame[] = [];
  /** Databases of the env that keep stats (from its meta records), read again at each outermost transaction. */
  #databases: Set<string> | undefined;
  #quotas: QuotaSource | undefined;
  /** A reused key buffer for record reads (lmdb-js copies a key before it returns). */
  #scratch = new Uint8Array(64);

  constructor(env: RootDatabase) {
    this.#env = env;
    addTransactionHooks(env, {
      enter: () => {
        if (this.#frames.length === 0) this.#databases = undefined; // another process may have added one
        this.#frames.push({ token: currentWriteTransaction(env), pending: new Map() });
      },
      exit: (committing) => {
        const frame = this.#frames.pop();
        if (!frame || !committing || frame.pending.size === 0) return;
        const parent = this.#frames.at(-1);
        if (parent) this.#merge(parent, frame);
        else this.#write(frame);
      },
    });
  }

  /** Opens (creating it on a writable env) the stats table; a database that keeps stats calls it at create(). */
  open(database: string): void {
    this.#table ??= this.#env.openDB(STATS_TABLE, { keyEncoding: 'binary', encoding: 'binary' }) as Table;
    this.#databases?.add(database);
  }

  /** Every database of the env that keeps stats, whether this process opened it or not. */
  #statsDatabases(): Set<string> {
    if (!this.#databases || this.#frames.length === 0) {
      this.#databases = new Set([...readMetaRecords(this.#env)].filter(([, record]) => record?.stats).map(([name]) => name));
    }
    return this.#databases;
  }

  /** The registry tells where quotas come from. */
  useQuotas(source: QuotaSource): void {
    this.#quotas = source;
  }

  /** The stats of `database` under `id`, as the current transaction (or snapshot) sees them, pending deltas included. */
  get(database: string, id: Uint8Array | null): ScopeStats {
    const stored = this.#storedStats(database, id);
    const pending = this.#pendingFor(database, id);
    if (!pending) return stored;
    return pending.reset
      ? { entries: pending.entries, bytes: pending.bytes }
      : { entries: stored.entries + pending.entries, bytes: stored.bytes + pending.bytes };
  }

  /** The names of the env's databases that keep stats. */
  databases(): string[] {
    return [...this.#statsDatabases()];
  }

  /** The scope's stats in every stats-keeping database of the env, by database. */
  across(id: Uint8Array | null): Record<string, ScopeStats> {
    const out: Record<string, ScopeStats> = {};
    for (const database of this.#statsDatabases()) out[database] = this.get(database, id);
    return out;
  }

  /**
   * Inside a write transaction, before a write to `database` under `id` changes the scope by
   * `entries` and `bytes`: refuses it with `QUOTA_EXCEEDED` when the scope's totals across the
   * env's stats-keeping databases would pass its quota; nothing has been written yet.
   */
  check(database: string, scopeName: string, id: Uint8Array | null, entries: number, bytes: number): void {
    if (id === null || !this.#quotas || (entries <= 0 && bytes <= 0)) return;
    const quota = this.#quotas(id);
    if (!quota) return;
    let total = { entries: 0, bytes: 0 };
    for (const stats of Object.values(this.across(id)))
      total = { entries: total.entries + stats.entries, bytes: total.bytes + stats.bytes };
    const over =
      quota.maxEntries !== undefined && entries > 0 && total.entries + entries > quota.maxEntries
        ? `${total.entries + entries} entries (quota ${quota.maxEntries})`
        : quota.maxBytes !== undefined && bytes > 0 && total.bytes + bytes > quota.maxBytes
          ? `${total.bytes + bytes} bytes (quota ${quota.maxBytes})`
          : undefined;
    if (over) {
      throw new ScopedDbError(
        'QUOTA_EXCEEDED',
        `write to "${database}" refused: scope ${JSON.stringify(scopeName)} would hold ${over} across the env's stats-keeping databases; nothing was written`,
      );
    }
  }

  /** Inside a write transaction: `database`'s scope under `id` changed by `entries` and `bytes`. */
  add(database: string, id: Uint8Array | null, entries: number, bytes: number): void {
    const frame = this.#frame();
    if (!frame) {
      // Not a transaction of ours: write the record now, in whatever transaction this is.
      const stored = this.#storedStats(database, id);
      this.#put(statsKey(database, id), { entries: stored.entries + entries, bytes: stored.bytes + bytes });
      return;
    }
    const pending = this.#pendingIn(frame, database, id);
    pending.entries += entries;
    pending.bytes += bytes;
  }

  /** Inside a write transaction: the scope was emptied (a clear); the stats start from zero again. */
  reset(database: string, id: Uint8Array | null): void {
    const frame = this.#frame();
    if (!frame) {
      this.#put(statsKey(database, id), { entries: 0, bytes: 0 });
      return;
    }
    const pending = this.#pendingIn(frame, database, id);
    pending.reset = true;
    pending.entries = 0;
    pending.bytes = 0;
  }

  /** Inside a write transaction: sets the record (a recount, a finished copy). */
  set(database: string, id: Uint8Array | null, stats: ScopeStats): void {
    this.reset(database, id);
    this.add(database, id, stats.entries, stats.bytes);
  }

  /** Inside a write transaction: removes every record of `id` (a drop: the scope is empty at once). */
  forget(id: Uint8Array): void {
    for (const database of this.#statsDatabases()) this.reset(database, id);
  }

  #frame(): Frame | undefined {
    const frame = this.#frames.at(-1);
    return frame && frame.token === currentWriteTransaction(this.#env) ? frame : undefined;
  }

  #pendingIn(frame: Frame, database: string, id: Uint8Array | null): Pending {
    let ofDatabase = frame.pending.get(database);
    if (!ofDatabase) {
      ofDatabase = new IdMap();
      frame.pending.set(database, ofDatabase);
    }
    let pending = ofDatabase.get(id);
    if (!pending) {
      pending = { database, id: id && new Uint8Array(id), reset: false, entries: 0, bytes: 0 };
      ofDatabase.set(id, pending);
    }
    return pending;
  }

  /** The pending change of the record across the open frames (outermost first). */
  #pendingFor(database: string, id: Uint8Array | null): Pending | undefined {
    let merged: Pending | undefined;
    for (const frame of this.#frames) {
      const pending = frame.pending.get(database)?.get(id);
      if (!pending) continue;
      if (!merged || pending.reset) merged = { ...pending };
      else {
        merged.entries += pending.entries;
        merged.bytes += pending.bytes;
      }
    }
    return merged;
  }

  #merge(parent: Frame, child: Frame): void {
    for (const pending of pendingOf(child)) {
      const into = this.#pendingIn(parent, pending.database, pending.id);
      if (pending.reset) {
        into.reset = true;
        into.entries = pending.entries;
        into.bytes = pending.bytes;
      } else {
        into.entries += pending.entries;
        into.bytes += pending.bytes;
      }
    }
  }

  /** Just before the outermost transaction commits: each changed record once. */
  #write(frame: Frame): void {
    for (const pending of pendingOf(frame)) {
      const base = pending.reset ? { entries: 0, bytes: 0 } : this.#storedStats(pending.database, pending.id);
      this.#put(statsKey(pending.database, pending.id), { entries: base.entries + pending.entries, bytes: base.bytes + pending.bytes });
    }
  }

  /** The stored record, read through a reused key buffer and lmdb-js's reused value buffer (decoded at once). */
  #storedStats(database: string, id: Uint8Array | null): ScopeStats {
    const table = this.#tableIfAny();
    if (!table) return { entries: 0, bytes: 0 };
    const length = database.length * 3 + 1 + (id?.length ?? 0);
    if (this.#scratch.length < length) this.#scratch = new Uint8Array(length * 2);
    const { written } = utf8.encodeInto(database, this.#scratch);
    this.#scratch[written] = 0;
    let end = written + 1;
    if (id) {
      this.#scratch.set(id, end);
      end += id.length;
    }
    return decode(table.getBinaryFast(this.#scratch.subarray(0, end)) ?? undefined);
  }

  /** The stats table, opened on first use (it exists once a database built `.withStats()` was created). */
  #tableIfAny(): Table | undefined {
    if (!this.#table) {
      try {
        this.#table = openExistingTable(this.#env, STATS_TABLE);
      } catch {
        return undefined;
      }
    }
    return this.#table;
  }

  #put(key: Uint8Array, stats: ScopeStats): void {
    const table = this.#tableIfAny();
    if (!table) return; // no database keeps stats: nothing to record
    if (stats.entries === 0 && stats.bytes === 0) table.removeSync(key);
    else table.putSync(key, encode(stats));
  }
}
