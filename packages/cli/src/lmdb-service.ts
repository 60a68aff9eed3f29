/**
 * `StoreService` on an LMDB env. Databases and their codecs come from the env's meta table
 * (`__scoped_lmdb_meta`); each is opened through core's builder with pass-through codecs that
 * carry the stored names (so the stored-name check passes and reads return stored bytes, decoded
 * here for display), with the registry and `.withStats()` exactly when its record says so, so
 * opening changes nothing. Read-only by default: the env is opened `readOnly` and every write
 * method refuses.
 *
 * Scope listings never hold every scope. A page by name reads the registry's name records (an
 * index by name since v2) from the cursor on, so it costs its own rows. A count order reads
 * each database's counts: its stats records, or for a database without stats its census (one
 * walk of its keys per env version, census.ts), then either groups one database's ids by count
 * or merges every database's ids with the registry's id records in id order, keeping one page
 * (paging.ts). The README gives the figures for 100 000 scopes.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type Codec, type ScopedDatabase, ScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import {
  lastCommittedTxnId,
  type MetaRecord,
  REGISTRY_TABLE,
  rangeReadsWith,
  readMetaRecords,
  recordedTables,
  STATS_TABLE,
  statsOf,
} from '@scoped-lmdb/core/internal';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { type Database, open, type RootDatabase } from 'lmdb';
import { Census, SEEK_AFTER } from './census.js';
import { parseKeyArgument, passThrough } from './codecs.js';
import {
  idBounds,
  idBytesOf,
  idHex,
  idOf,
  makeRow,
  noDataUnder,
  parseIdHex,
  rangeUnderId,
  readOnlyRefusal,
  scanPage,
  scanRange,
  successor,
  transferResult,
  unknownDatabase,
  unknownScope,
} from './common.js';
import { checkLimit, checkSort, checkWait, compareKeys, decodeCursor, encodeCursor, type SortKey, sortKey, TopRows } from './paging.js';
import type {
  Counts,
  DatabaseInfo,
  ExportOptions,
  ImportOptions,
  ProgressCallback,
  PruneResult,
  ScanEntry,
  ScanOptions,
  ScanPage,
  ScopePage,
  ScopeRef,
  ScopeRow,
  ScopeSort,
  ScopeStatsInfo,
  ScopesOptions,
  StoreService,
  TransferResult,
} from './service.js';
import type { WalkProgress } from './sliced-walk.js';
import { type IdCandidate, UnnamedSearch } from './unnamed-ids.js';

type Bytes = Uint8Array;
type Table = Database<Bytes, Bytes>;
const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;
const utf8 = new TextEncoder();

/** Options of `openLmdbService`. */
export interface LmdbServiceOptions {
  /** Open for writing (default false: the env is opened `readOnly`, and write methods refuse). */
  write?: boolean;
  /** lmdb-js `maxDbs` (default 1 000: enough for any env of this library's tables). */
  maxDbs?: number;
}

/** A row being selected: what it is, and its counts when the order needed them. */
interface RowItem {
  kind: ScopeRow['kind'];
  name: string | null;
  id: bigint | null;
  row?: ScopeRow;
}

/** What a scope listing asks for, as `scopes()` checked it. */
interface Listing {
  listed: Opened[];
  /** Listing one database: only the scopes with data there. */
  oneDatabase: boolean;
  sort: ScopeSort;
  prefix: string | undefined;
  limit: number;
  after: SortKey | undefined;
}

/** A database's censuses: the last one made (maybe of an earlier env version), and the one being made. */
interface CensusSlot {
  made?: Census | undefined;
  making?: Census | undefined;
}

/** A selected page: its rows with their sort keys, and the key to continue after when more follow. */
interface Page {
  items: { key: SortKey; item: RowItem }[];
  nextKey: SortKey | undefined;
  /** Set (with no items) when the page needs a count that was not made within `waitMs`. */
  counting?: WalkProgress;
}

/** Scopes a dry-run prune checks between two progress reports. */
const PRUNE_STEP = 1_000;

/**
 * The registry table's layout (packages/registry/src/layout.ts), read here without a registry
 * method for it: id -> name records are the 8-byte keys, below FF×8 00; name -> id records are
 * FF×8 'n' ‖ UTF-8 name -> id; a copy's reservation is FF×8 'r' ‖ id.
 */
const REGISTRY_META = new Uint8Array(8).fill(0xff);
const ID_RECORDS_END = Uint8Array.of(...REGISTRY_META, 0);
const NAME_RECORDS = { start: Uint8Array.of(...REGISTRY_META, 0x6e), end: Uint8Array.of(...REGISTRY_META, 0x6f) };
const RESERVATIONS = Uint8Array.of(...REGISTRY_META, 0x72);
const nameRecordKey = (name: string): Bytes => Uint8Array.of(...NAME_RECORDS.start, ...utf8.encode(name));

interface Opened {
  info: DatabaseInfo;
  db: ScopedDatabase<Bytes, Bytes>;
  scoped: Table | undefined;
}

/** Opens the LMDB env at `path` (a directory holding `data.mdb`, or the file itself) as a `StoreService`. */
export async function openLmdbService(path: string, options: LmdbServiceOptions = {}): Promise<StoreService> {
  if (!existsSync(path)) throw new ScopedDbError('INVALID_INPUT', `no LMDB environment at ${path}: it does not exist`);
  if (statSync(path).isDirectory() && !existsSync(join(path, 'data.mdb'))) {
    throw new ScopedDbError('INVALID_INPUT', `no LMDB environment at ${path}: the directory holds no data.mdb`);
  }
  // An env's data file given for its directory: open the directory, so LMDB uses the env's own
  // lock file (opened as a file, it would make a `data.mdb-lock` beside it).
  if (!statSync(path).isDirectory() && basename(path) === 'data.mdb') path = dirname(path);
  const write = options.write === true;
  let env: RootDatabase;
  try {
    env = open({ path, maxDbs: options.maxDbs ?? 1_000, ...(write ? {} : { readOnly: true }) });
  } catch (error) {
    throw new ScopedDbError('STORAGE', `could not open the LMDB environment at ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return new LmdbService(env, path, write);
  } catch (error) {
    await env.close();
    throw error;
  }
}

/** The raw table `name`, or undefined when it does not exist (a read-only env cannot create it). */
function existingTable(env: RootDatabase, name: string): Table | undefined {
  // lmdb-js answers a missing table with undefined on a writable env, and throws on a read-only one.
  try {
    return (env.openDB({ name, create: false, ...binary } as unknown as { name: string }) as Table | undefined) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ids holding data in a database that keeps stats, in order, from its stats records
 * (`<db> 0 <id>`, core's stats.ts): one range read of small records instead of a walk of the
 * data, with each id's exact counts. Stats are kept in the transaction of every write, so an id
 * with entries here holds exactly that data; a dropped id is zeroed at its drop (and not listed).
 */
function* idsWithStats(stats: Table, database: string): Generator<{ id: bigint; count: number; counts: Counts }> {
  for (const { key: id, value: counts } of statsRecords(stats, database)) {
    if (typeof id === 'bigint' && counts.entries > 0) yield { id, count: counts.entries, counts };
  }
}

/**
 * A database's stats records: each key as its id (null: DEFAULT's record, undefined: a record
 * this library did not write) and each value as counts, parsed straight from lmdb-js's reused
 * buffers, so a walk over 100 000 records copies none of them.
 */
function statsRecords(stats: Table, database: string): Iterable<{ key: bigint | null | undefined; value: Counts }> {
  const name = utf8.encode(database);
  const records = rangeReadsWith(
    stats,
    (key, from, to) =>
      to - from === name.length + 9 ? idOf(key, from + name.length + 1) : to - from === name.length + 1 ? null : undefined,
    (bytes, size) => (size === 16 ? statsFromBytes(bytes) : NO_COUNTS),
  );
  return records.getRange({ start: new Uint8Array([...name, 0]), end: new Uint8Array([...name, 1]) });
}

/** Where a count order over one database reads its counts (see `#byCounts`). */
interface CountSource {
  /** Every id holding data there, ascending, with its counts. */
  rows(): Iterable<{ id: bigint; counts: Counts }>;
  /** The counts of one id, or undefined when it holds nothing there. */
  countsOf(id: bigint): Counts | undefined;
}

/** A stats-keeping database's counts: its stats records, one get per lookup. */
function statsSource(stats: Table, database: string): CountSource {
  const prefix = [...utf8.encode(database), 0];
  return {
    rows: () => idsWithStats(stats, database),
    countsOf(id) {
      const record = stats.getBinary(Uint8Array.of(...prefix, ...idBytesOf(id)));
      const counts = record?.length === 16 ? statsFromBytes(record) : undefined;
      return counts && counts.entries > 0 ? counts : undefined;
    },
  };
}

/** The ids of a census with their entry counts (bytes are not counted). */
function* censusRows(census: Census): Generator<{ id: bigint; count: number }> {
  for (let i = 0; i < census.ids.length; i++) yield { id: census.ids[i] as bigint, count: census.counts[i] as number };
}

/** A database without stats by its census's entry counts. */
function censusSource(census: Census): CountSource {
  return {
    *rows() {
      for (const { id, count } of censusRows(census)) yield { id, counts: { entries: count, bytes: null } };
    },
    countsOf(id) {
      const entries = census.countOf(id);
      return entries > 0 ? { entries, bytes: null } : undefined;
    },
  };
}

/** What the walks read of a row's counts, by database: counts from stats, or an entry count. */
type Known = Map<string, number | Counts | undefined>;

/**
 * A row's entries or bytes summed from what the stats walk read for every listed database, or
 * undefined when one of them was not read from stats (the row is then built to count it).
 */
function summedCounts(listed: readonly Opened[], known: Known, sort: 'entries' | 'bytes'): number | null | undefined {
  let total: number | null = 0;
  for (const opened of listed) {
    const counts = known.get(opened.info.name);
    if (typeof counts !== 'object') return undefined;
    const part = sort === 'entries' ? counts.entries : counts.bytes;
    total = total === null || part === null ? null : total + part;
  }
  return total;
}

/** How long a page with earlier counts to show waits for a census of now, in ms (a small database's takes less). */
const STALE_WAIT_MS = 10;

/** Pages of whole-store passes kept for an unchanged env (the oldest goes first). */
const KEPT_PAGES = 32;

/** What a stats-keeping database holds under an id its stats records do not list. */
const NO_COUNTS: Counts = Object.freeze({ entries: 0, bytes: 0 });

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text, or undefined when they are not (a record this library did not write). */
function decodeStrict(bytes: Bytes): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when `table` holds an entry under `id` (one seek). */
function holdsData(table: Table | undefined, id: bigint): boolean {
  if (!table) return false;
  for (const key of table.getKeys({ start: idBytesOf(id), limit: 1 }) as Iterable<Bytes>) return key.length >= 8 && idOf(key) === id;
  return false;
}

/**
 * The registry's id -> name records (its 8-byte keys, which sort before its other records), with
 * the name each one holds. A name is only a candidate: the registry says whether the record is
 * valid (`getScopeName`), which is asked for the rows that could make the page only.
 */
function* registeredIds(table: Table): Generator<{ id: bigint; name: string | undefined }> {
  for (const { key, value } of table.getRange({ end: ID_RECORDS_END }) as Iterable<{ key: Bytes; value: Bytes }>) {
    if (key.length === 8) yield { id: idOf(key), name: decodeStrict(value) };
  }
}

/** What an id stream of a listing gives per id: the registry's records a name, the databases' a count (or counts). */
type IdStreamItem = { id: bigint; name?: string | undefined; count?: number | undefined; counts?: Counts };

/** Merges streams sorted by id: each id once, with what each stream that had it said (by stream index). */
function* mergeIds<T extends { id: bigint }>(streams: Iterator<T>[]): Generator<{ id: bigint; from: Map<number, T> }> {
  const heads = streams.map((s) => s.next());
  for (;;) {
    let min: bigint | undefined;
    for (const head of heads) if (!head.done && (min === undefined || head.value.id < min)) min = head.value.id;
    if (min === undefined) return;
    const from = new Map<number, T>();
    heads.forEach((head, i) => {
      if (!head.done && head.value.id === min) {
        from.set(i, head.value);
        heads[i] = (streams[i] as Iterator<T>).next();
      }
    });
    yield { id: min, from };
  }
}

/** A stats record (two big-endian float64, core's stats.ts), read through a small buffer of our own (see `idOf`). */
const scratch = new Uint8Array(16);
const scratchView = new DataView(scratch.buffer);
function statsFromBytes(bytes: Bytes): Counts {
  for (let i = 0; i < 16; i++) scratch[i] = bytes[i] as number; // `bytes` may be a reused, longer buffer
  return { entries: scratchView.getFloat64(0), bytes: scratchView.getFloat64(8) };
}

class LmdbService implements StoreService {
  readonly backend = 'lmdb' as const;
  readonly location: string;
  readonly readOnly: boolean;
  readonly #env: RootDatabase;
  readonly #registry: GlobalScopeRegistry | undefined;
  readonly #registryTable: Table | undefined;
  #statsTableRead = false;
  /** Pages of whole-store passes, valid while the env's last commit is `#passVersion`. */
  readonly #passPages = new Map<string, ScopePage>();
  #passVersion: number | undefined;
  #statsTableOpened: Table | undefined;
  readonly #databases = new Map<string, Opened>();
  /** Whether the registry's name records index every scope (see `#nameIndexComplete`). */
  #indexComplete: boolean | undefined;
  /** The entry counts of each database without stats, by name (census.ts): the latest made or being made. */
  readonly #censuses = new Map<string, CensusSlot>();
  /** The census each database's counts come from in the pass being made (set by `#counted`). */
  readonly #passCensuses = new Map<string, Census>();
  /** The unnamed-id searches, by listing (a database's name, or '' for all): the latest made or being made. */
  readonly #unnamedSearches = new Map<string, UnnamedSearch>();

  constructor(env: RootDatabase, path: string, write: boolean) {
    this.#env = env;
    this.location = path;
    this.readOnly = !write;
    this.#registryTable = existingTable(env, REGISTRY_TABLE);
    // On a writable env the registry is opened even before it has a table (lifecycle calls make it).
    this.#registry = this.#registryTable || write ? GlobalScopeRegistry.open(env) : undefined;
    this.#registryTable ??= this.#registry ? existingTable(env, REGISTRY_TABLE) : undefined;
    const tables = new Map(recordedTables(env).map((t) => [t.name, t.scoped as Table]));
    for (const [name, record] of readMetaRecords(env)) {
      if (!record) continue;
      this.#databases.set(name, { info: this.#infoOf(name, record), db: this.#openDatabase(name, record), scoped: tables.get(name) });
    }
  }

  #infoOf(name: string, record: MetaRecord): DatabaseInfo {
    return {
      name,
      kind: record.kind,
      keyCodec: record.keyCodec,
      valueCodec: record.valueCodec,
      stats: record.stats === true,
      registry: record.registry === true,
      unnamedForDefault: record.unnamedForDefault === true,
    };
  }

  #openDatabase(name: string, record: MetaRecord): ScopedDatabase<Bytes, Bytes> {
    if (record.registry && !this.#registry) {
      throw new ScopedDbError('STORAGE', `database "${name}" was opened with a registry, but the env has no registry table`);
    }
    let builder = scopedDatabaseOptions(this.#env, record.registry && this.#registry ? { registry: this.#registry } : {});
    if (record.stats) builder = builder.withStats();
    if (record.kind === 'rawBytes') {
      const raw = builder.rawBytes().name(name);
      return record.unnamedForDefault ? raw.unnamedForDefault().create() : raw.create();
    }
    const value = passThrough(record.valueCodec) as Codec<Bytes>;
    if (record.kind === 'bytesKeys') return builder.bytesKeys(value).name(name).create();
    return builder.types(passThrough(record.keyCodec), value).name(name).create();
  }

  #database(name: string): Opened {
    const opened = this.#databases.get(name);
    if (!opened) throw unknownDatabase(name, [...this.#databases.keys()]);
    return opened;
  }

  #writable(method: string): void {
    if (this.readOnly) throw readOnlyRefusal(method);
  }

  /** The env's stats table, if any database keeps stats (opened once). */
  get #statsTable(): Table | undefined {
    if (!this.#statsTableRead) {
      this.#statsTableOpened = existingTable(this.#env, STATS_TABLE);
      this.#statsTableRead = true;
    }
    return this.#statsTableOpened;
  }

  #requireRegistry(method: string): GlobalScopeRegistry {
    this.#writable(method);
    return this.#registry as GlobalScopeRegistry;
  }

  /** True when the named scope is registered or holds data in `only` (every database when left out). */
  #exists(name: string, only?: Opened): boolean {
    if (this.#registry?.scopeExists(name)) return true;
    return (only ? [only] : [...this.#databases.values()]).some((d) => !d.db.isScopeEmpty(name));
  }

  #requireScope(scope: ScopeRef, only?: Opened): void {
    if (scope !== null && !this.#exists(scope, only)) throw unknownScope(scope, only?.info.name);
  }

  async databases(): Promise<DatabaseInfo[]> {
    const stats = this.#statsTable;
    return [...this.#databases.values()].map(({ info }) => {
      if (!info.stats || !stats) return { ...info };
      const totals = { entries: 0, bytes: 0 };
      for (const { value: counts } of statsRecords(stats, info.name)) {
        totals.entries += counts.entries;
        totals.bytes += counts.bytes as number;
      }
      return { ...info, totals };
    });
  }

  /** Entries and bytes under `id` (null: DEFAULT) in one database: from its stats when kept, else counted (bytes then null). */
  #countsAt(opened: Opened, id: bigint | null, known?: number | Counts): Counts {
    if (typeof known === 'object') return known; // the stats walk read them
    const idBytes = id === null ? null : idBytesOf(id);
    if (opened.info.stats) {
      const stats = statsOf(this.#env).get(opened.info.name, idBytes);
      return { entries: stats.entries, bytes: stats.bytes };
    }
    if (idBytes === null) return { entries: opened.db.getCount(null), bytes: null };
    if (known !== undefined) return { entries: known, bytes: null };
    if (!opened.scoped) return { entries: 0, bytes: null };
    return { entries: opened.scoped.getCount(idBounds(id as bigint)), bytes: null };
  }

  /** A row's counts in the `listed` databases; `known`: counts a walk already made (by database name; absent: none there). */
  #rowAt(kind: ScopeRow['kind'], name: string | null, id: bigint | null, listed: Opened[], known?: Known): ScopeRow {
    const databases: Record<string, Counts> = {};
    for (const opened of listed) {
      const walked = known?.has(opened.info.name) ? known.get(opened.info.name) : known && opened.scoped ? 0 : undefined;
      databases[opened.info.name] = this.#countsAt(opened, id, walked);
    }
    return makeRow(kind, name, id === null ? null : idHex(id), databases);
  }

  /** An id that holds data but that no live name owns: dropped (waiting for reclaim) or reserved by a copy is not listed. */
  #unlisted(id: bigint): boolean {
    if (this.#registry?.ownerOf(id) === 'dropped') return true;
    return this.#registryTable?.getBinary(Uint8Array.of(...RESERVATIONS, ...idBytesOf(id))) !== undefined;
  }

  async scopes(db?: string, options: ScopesOptions = {}): Promise<ScopePage> {
    const sort = checkSort(options.sort);
    const limit = checkLimit(options.limit, 'scopes');
    const waitMs = checkWait(options.waitMs, 'scopes: waitMs');
    const deadline = waitMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + waitMs;
    this.#passCensuses.clear();
    const after = decodeCursor(sort, options.after);
    const listed = db === undefined ? [...this.#databases.values()] : [this.#database(db)];
    const prefix = options.prefix;
    // Where a listed database keeps no byte counts every row's bytes is null, so the bytes order is the name order.
    const byName = sort === 'name' || (sort === 'bytes' && listed.some((d) => !d.info.stats));
    if (byName && this.#nameIndexComplete()) {
      return this.#page(sort, listed, this.#byNameIndex({ listed, oneDatabase: db !== undefined, sort, prefix, limit, after }, deadline));
    }
    // A pass over every scope: its page is kept until the env's next commit (by any process).
    const version = lastCommittedTxnId(this.#env);
    if (version !== this.#passVersion) {
      this.#passPages.clear();
      this.#passVersion = version;
    }
    const cacheKey = JSON.stringify([db ?? null, sort, prefix ?? null, limit, options.after ?? null]);
    const kept = version === undefined ? undefined : this.#passPages.get(cacheKey);
    if (kept) return kept;
    // Waiting a while (waitMs), a page may read counts of an earlier version: it is then not kept.
    const { progress, stale } = this.#counted(listed, deadline, waitMs !== undefined);
    if (progress) return { scopes: [], counting: progress };
    const page = this.#page(sort, listed, this.#inOnePass({ listed, oneDatabase: db !== undefined, sort, prefix, limit, after }));
    if (stale) return { ...page, stale: true };
    if (version !== undefined) {
      if (this.#passPages.size >= KEPT_PAGES) this.#passPages.delete(this.#passPages.keys().next().value as string);
      this.#passPages.set(cacheKey, page);
    }
    return page;
  }

  /**
   * Makes the entry counts of the listed databases that keep no stats for the env as it is now
   * (census.ts), until `deadline` (a `performance.now()` time), and picks the census each pass
   * reads. `progress` is set when some are not made yet (they go on in the background). With
   * `stale` allowed, a database whose fresh count is not made in time is read from its last
   * census made, of an earlier version (`stale` is then true): under writes that never pause, a
   * fresh census would never be ready, so one walk goes on at a time and its counts are shown.
   */
  #counted(listed: Opened[], deadline: number, allowStale: boolean): { progress?: WalkProgress; stale: boolean } {
    const version = lastCommittedTxnId(this.#env);
    let pending = false;
    let stale = false;
    const progress: WalkProgress = { task: 'entries', done: 0, total: 0 };
    for (const opened of listed) {
      if (!this.#needsCensus(opened) || this.#passCensuses.has(opened.info.name)) continue;
      const name = opened.info.name;
      const slot = this.#censuses.get(name) ?? {};
      this.#censuses.set(name, slot);
      if (slot.making?.ready) [slot.made, slot.making] = [slot.making, undefined];
      if (!slot.made?.validAt(version)) {
        // Waiting as long as it takes, the walk must be of now; else a walk of an earlier version goes on.
        if (slot.making && (slot.making.broken || (!allowStale && slot.making.version !== version))) {
          slot.making.close();
          slot.making = undefined;
        }
        const making = slot.making ?? new Census(this.#env, opened.scoped as Table, version);
        slot.making = making;
        // With earlier counts to show, a page waits only for a count as quick as a small database's.
        const until = slot.made && allowStale ? Math.min(deadline, performance.now() + STALE_WAIT_MS) : deadline;
        if (making.run(until)) [slot.made, slot.making] = [making, undefined];
        else making.continueInBackground();
      }
      const made = slot.made;
      if (made && (made.validAt(version) || allowStale)) {
        stale ||= !made.validAt(version);
        this.#passCensuses.set(name, made);
        continue;
      }
      pending = true;
      progress.done += slot.making?.progress.done ?? 0;
      progress.total += slot.making?.progress.total ?? 0;
    }
    return pending ? { progress, stale } : { stale };
  }

  /** True for a database whose scopes' counts only a walk of its keys can tell. */
  #needsCensus(opened: Opened): boolean {
    return opened.scoped !== undefined && !(opened.info.stats && this.#statsTable);
  }

  /** The census a pass reads for `opened`: the one `#counted` picked, or one of now, made at once. */
  #madeCensus(opened: Opened): Census {
    const picked = this.#passCensuses.get(opened.info.name);
    if (picked) return picked;
    this.#counted([opened], Number.POSITIVE_INFINITY, false);
    return this.#passCensuses.get(opened.info.name) as Census;
  }

  /** A page's rows (made now for those the listing did not build) and its cursor. */
  #page(sort: ScopeSort, listed: Opened[], { items, nextKey, counting }: Page): ScopePage {
    if (counting) return { scopes: [], counting };
    const scopes = items.map(({ item }) => item.row ?? this.#rowAt(item.kind, item.name, item.id, listed));
    return nextKey ? { scopes, next: encodeCursor(sort, nextKey) } : { scopes };
  }

  /**
   * True when every id record of the registry has its name -> id record (every scope registered
   * since v2; a v1 file's scopes have none until they change): the name records are then an index
   * by name, and a page by name reads only its own rows. Two native counts, once per service.
   */
  #nameIndexComplete(): boolean {
    if (this.#indexComplete !== undefined) return this.#indexComplete;
    const table = this.#registryTable;
    this.#indexComplete =
      table !== undefined && this.#registry !== undefined && table.getCount({ end: ID_RECORDS_END }) === table.getCount(NAME_RECORDS);
    return this.#indexComplete;
  }

  /**
   * A page by name from the registry's name records: the default scope, then named scopes from
   * the cursor on, then unnamed ids. `sort` is `name`, or `bytes` where every row's bytes is null
   * (the same order, with the bytes order's cursors).
   */
  #byNameIndex({ listed, oneDatabase, sort, prefix, limit, after }: Listing, deadline: number): Page {
    const items: Page['items'] = [];
    const want = limit + 1;
    const group = after?.[1] ?? -1;
    const push = (kind: ScopeRow['kind'], name: string | null, id: bigint | null) =>
      items.push({ key: sortKey(sort, kind, kind === 'named' ? (name as string) : '', null), item: { kind, name, id } });
    if (group < 0 && prefix === undefined && listed.some((d) => !d.db.isScopeEmpty(null))) push('default', null, null);
    if (group <= 1) {
      const table = this.#registryTable as Table;
      const from = group === 1 ? (after as SortKey)[2] : (prefix ?? '');
      const start = nameRecordKey(from);
      const end = prefix === undefined ? NAME_RECORDS.end : (successor(nameRecordKey(prefix)) ?? NAME_RECORDS.end);
      for (const { key, value } of table.getRange({ start, end, ...(group === 1 ? { exclusiveStart: true } : {}) }) as Iterable<{
        key: Bytes;
        value: Bytes;
      }>) {
        if (items.length === want) break;
        if (value.length !== 8) continue;
        const name = decodeStrict(key.subarray(NAME_RECORDS.start.length));
        const id = idOf(value);
        if (name === undefined || this.#registry?.getScopeName(id) !== name) continue; // a record this library did not write
        if (oneDatabase && !holdsData((listed[0] as Opened).scoped, id)) continue;
        push('named', name, id);
      }
    }
    if (items.length < want && prefix === undefined) {
      // The named scopes are all listed: the unnamed ids follow, found once per env version.
      // The search keeps its ids for this version: it reads counts of this version only.
      const { progress } = this.#counted(listed, deadline, false);
      if (progress) return { items: [], nextKey: undefined, counting: progress };
      const search = this.#unnamedSearch(listed, oneDatabase);
      if (!search.run(deadline)) {
        search.continueInBackground();
        return { items: [], nextKey: undefined, counting: search.progress };
      }
      const from = group === 2 ? (after as SortKey)[2] : '';
      for (const id of search.ids) {
        if (items.length === want) break; // with more to come, this makes limit + 1 items
        const hex = idHex(id);
        if (hex > from) items.push({ key: sortKey(sort, 'unnamed', hex, null), item: { kind: 'unnamed', name: null, id } });
      }
    }
    const page = items.slice(0, limit);
    return { items: page, nextKey: items.length > limit ? page.at(-1)?.key : undefined };
  }

  /**
   * One pass over every id (the registry's records merged with each table's ids holding data),
   * keeping the best `limit + 1` rows for `sort`: any order, any env.
   */
  #inOnePass({ listed, oneDatabase, sort, prefix, limit, after }: Listing): Page {
    const top = new TopRows<RowItem>(limit, after);
    // With the name order a row's counts do not decide its place: they are read for the page's rows only.
    // `valid` runs only for a row that could make the page; true when the row was offered.
    const offer = (
      kind: ScopeRow['kind'],
      name: string | null,
      id: bigint | null,
      valid: () => boolean = () => true,
      known?: Known,
    ): boolean => {
      const text = kind === 'named' ? (name as string) : id === null ? '' : idHex(id);
      // The counts the stats walk read decide the row's place without building it; the row is made for the page's rows only.
      const quick = sort === 'name' || !known ? undefined : summedCounts(listed, known, sort);
      let row = sort === 'name' || quick !== undefined ? undefined : this.#rowAt(kind, name, id, listed, known);
      const count = quick !== undefined ? quick : row === undefined ? null : sort === 'entries' ? row.entries : row.bytes;
      const key = sortKey(sort, kind, text, count);
      if (!top.wants(key) || !valid()) return false;
      if (sort !== 'name') row ??= this.#rowAt(kind, name, id, listed, known);
      top.offer(key, row ? { kind, name, id, row } : { kind, name, id });
      return true;
    };
    // An id under the name its record gives (`candidate`), checked (a few gets) only when the row
    // could make the page; else, when `unnamed`, as data no valid record names (unless it waits
    // for reclaim or a copy). True when the named row was offered.
    const offerId = (id: bigint, candidate: string | undefined, known: Known | undefined, named: boolean, unnamed: boolean) => {
      if (named && candidate !== undefined && offer('named', candidate, id, () => this.#registry?.getScopeName(id) === candidate, known)) {
        return true;
      }
      if (unnamed) {
        const valid = () => this.#isUnnamed(id, candidate);
        offer('unnamed', null, id, valid, known);
      }
      return false;
    };
    if (prefix === undefined && listed.some((d) => !d.db.isScopeEmpty(null))) offer('default', null, null);
    const walked = listed.filter((d) => d.scoped);
    const statsTable = this.#statsTable;
    const only = walked[0];
    if (sort !== 'name' && oneDatabase && only && this.#nameIndexComplete()) {
      const source =
        only.info.stats && statsTable
          ? statsSource(statsTable, only.info.name)
          : sort === 'entries' && censusSource(this.#madeCensus(only));
      if (source) {
        this.#byCounts(only, source, sort, prefix, after, top, offerId);
        return top.page();
      }
    }
    for (const { id, from, hasData, candidate } of this.#listingIds(walked)) {
      if (oneDatabase && !hasData) continue; // listing one database: only the scopes with data there
      // What the walks counted (a database whose walk did not meet the id holds nothing under it).
      const known: Known | undefined = sort === 'name' ? undefined : new Map();
      if (known) {
        for (const [i, d] of walked.entries()) {
          const seen = from.get(i);
          known.set(d.info.name, seen ? (seen.counts ?? seen.count) : d.info.stats && statsTable ? NO_COUNTS : 0);
        }
      }
      const named = prefix === undefined || candidate?.startsWith(prefix) === true;
      offerId(id, candidate, known, named, hasData && prefix === undefined);
    }
    return top.page();
  }

  /**
   * Every id of a listing in id order: the registry's id records merged with the ids holding data
   * in each of `walked` (from its stats records, or its census), with what each of those said
   * (`from`, by index in `walked`), whether any holds data, and the name the id's record gives.
   */
  *#listingIds(walked: Opened[]): Generator<IdCandidate & { from: Map<number, IdStreamItem> }> {
    const statsTable = this.#statsTable;
    const streams: Iterator<IdStreamItem>[] = walked.map((d) =>
      d.info.stats && statsTable ? idsWithStats(statsTable, d.info.name) : censusRows(this.#madeCensus(d)),
    );
    const registryStream = this.#registryTable ? streams.push(registeredIds(this.#registryTable)) - 1 : -1;
    for (const { id, from } of mergeIds(streams)) {
      const hasData = from.size > (from.has(registryStream) ? 1 : 0);
      yield { id, from, hasData, candidate: from.get(registryStream)?.name };
    }
  }

  /** True when `id`, holding data, is listed as unnamed: no valid record names it, and it waits for neither reclaim nor a copy. */
  #isUnnamed(id: bigint, candidate: string | undefined): boolean {
    return (candidate === undefined || this.#registry?.getScopeName(id) !== candidate) && !this.#unlisted(id);
  }

  /** The unnamed-id search of a listing for the env's current version: the one kept, or a new one (not run yet). */
  #unnamedSearch(listed: Opened[], oneDatabase: boolean): UnnamedSearch {
    const version = lastCommittedTxnId(this.#env);
    const key = oneDatabase ? (listed[0] as Opened).info.name : '';
    let search = this.#unnamedSearches.get(key);
    if (!search?.validAt(version)) {
      search?.close();
      const walked = listed.filter((d) => d.scoped);
      const total = this.#registryTable?.getCount({ end: ID_RECORDS_END }) ?? 0;
      search = new UnnamedSearch(
        version,
        total,
        () => this.#listingIds(walked),
        (id, candidate) => this.#isUnnamed(id, candidate),
      );
      this.#unnamedSearches.set(key, search);
    }
    return search;
  }

  /**
   * One database by its counts, which `source` lists for every id with data (its stats records,
   * or the census of a database without stats): the pass groups the ids by count and takes the
   * groups best first. A small group's names are read one get each; a big group of equal counts
   * (ten thousand scopes of ten entries) is ordered by walking the registry's name index, which
   * stops once the page is full. With a name prefix the walks keep to the prefix's names.
   */
  #byCounts(
    opened: Opened,
    source: CountSource,
    sort: 'entries' | 'bytes',
    prefix: string | undefined,
    after: SortKey | undefined,
    top: TopRows<RowItem>,
    offerId: (id: bigint, candidate: string | undefined, known: Known, named: boolean, unnamed: boolean) => boolean,
  ): void {
    const table = this.#registryTable as Table;
    const groups = new Map<number, { id: bigint; counts: Counts }[]>();
    const placeOf = (counts: Counts) => -(sort === 'entries' ? counts.entries : (counts.bytes as number));
    let listedIds = 0;
    for (const { id, counts } of source.rows()) {
      listedIds++;
      const first = placeOf(counts);
      const group = groups.get(first);
      if (group) group.push({ id, counts });
      else groups.set(first, [{ id, counts }]);
    }
    const knownOf = (counts: Counts): Known => new Map([[opened.info.name, counts]]);
    // The name from the id's record (one get); with a prefix, only a name that has it.
    const offerById = (id: bigint, counts: Counts) => {
      const record = table.getBinary(idBytesOf(id));
      const candidate = record === undefined ? undefined : decodeStrict(record);
      if (prefix === undefined) offerId(id, candidate, knownOf(counts), true, true);
      else if (candidate?.startsWith(prefix)) offerId(id, candidate, knownOf(counts), true, false);
    };
    const names = {
      start: nameRecordKey(prefix ?? ''),
      end: prefix === undefined ? NAME_RECORDS.end : (successor(nameRecordKey(prefix)) ?? NAME_RECORDS.end),
    };
    for (const first of [...groups.keys()].sort((a, b) => a - b)) {
      if (!top.wantsCount(first)) continue;
      const group = groups.get(first) as { id: bigint; counts: Counts }[];
      if (group.length <= SEEK_AFTER) {
        for (const { id, counts } of group) offerById(id, counts);
        continue;
      }
      // A group holding most ids is checked per walked name (one lookup in `source`), so a full
      // page reads about `limit` names; a smaller one is looked up in a map of its own.
      let waiting = group.length * 4 < listedIds ? new Map(group.map((row) => [row.id, row.counts])) : undefined;
      const offered = new Set<bigint>();
      const countsOf = (id: bigint): Counts | undefined => {
        if (waiting) return waiting.get(id);
        const counts = source.countsOf(id);
        return counts && placeOf(counts) === first ? counts : undefined;
      };
      const from = after?.[0] === first && after[1] === 1 ? nameRecordKey(after[2]) : names.start;
      let full = false;
      if (!(after?.[0] === first && after[1] === 2)) {
        for (const { key, value } of table.getRange({ start: from, end: names.end }) as Iterable<{
          key: Bytes;
          value: Bytes;
        }>) {
          if (value.length !== 8) continue;
          const id = idOf(value);
          const counts = countsOf(id);
          if (counts === undefined) continue;
          const name = decodeStrict(key.subarray(NAME_RECORDS.start.length));
          if (name === undefined) continue;
          const place = sortKey(sort, 'named', name, -first);
          if (!top.wants(place)) {
            if (after && compareKeys(place, after) <= 0) continue; // the cursor's own row
            full = true; // names come in order: no later one of this group makes the page
            break;
          }
          if (offerId(id, name, knownOf(counts), true, false)) offered.add(id);
        }
      }
      // The rest are unnamed, or named before the cursor (their record says which); with a prefix
      // the walk met every name that has it, and an unnamed id has none.
      if (full || prefix !== undefined) continue;
      waiting ??= new Map(group.map((row) => [row.id, row.counts]));
      for (const [id, counts] of waiting) if (!offered.has(id)) offerById(id, counts);
    }
  }

  async stats(scope: ScopeRef): Promise<ScopeStatsInfo> {
    this.#requireScope(scope);
    const databases: Record<string, Counts> = {};
    for (const { info, db } of this.#databases.values()) {
      databases[info.name] = info.stats ? db.getStats(scope) : { entries: db.getCount(scope), bytes: null };
    }
    if (scope === null) return { ...makeRow('default', null, null, databases), registered: true };
    const id = this.#registry?.idOf(scope);
    const quota = this.#registry?.getQuota(scope);
    return {
      ...makeRow('named', scope, id === undefined ? null : idHex(id), databases),
      registered: id !== undefined,
      ...(quota ? { quota } : {}),
    };
  }

  async unnamedStats(id: string): Promise<ScopeStatsInfo> {
    const row = this.#rowAt('unnamed', null, parseIdHex(id), [...this.#databases.values()]);
    if (row.entries === 0) throw noDataUnder(id);
    return { ...row, registered: false };
  }

  async unnamedScan(db: string, id: string, options: ScanOptions = {}): Promise<ScanPage> {
    const opened = this.#database(db);
    const n = parseIdHex(id);
    if (!holdsData(opened.scoped, n)) throw noDataUnder(id);
    const limit = checkLimit(options.limit, 'scan');
    const range = rangeUnderId(n, scanRange(opened.info.keyCodec, options, limit));
    const entries = Array.from((opened.scoped as Table).getRange(range) as Iterable<{ key: Bytes; value: Bytes }>, ({ key, value }) => ({
      key: key.subarray(8),
      value,
    }));
    return scanPage(entries, opened.info, limit);
  }

  async get(db: string, scope: ScopeRef, key: string): Promise<ScanEntry | undefined> {
    const opened = this.#database(db);
    this.#requireScope(scope, opened);
    const keyBytes = parseKeyArgument(key, opened.info.keyCodec);
    const value = opened.db.get(scope, keyBytes);
    if (value === undefined) return undefined;
    return scanPage([{ key: keyBytes, value }], opened.info, 1).entries[0];
  }

  async scan(db: string, scope: ScopeRef, options: ScanOptions = {}): Promise<ScanPage> {
    const opened = this.#database(db);
    this.#requireScope(scope, opened);
    const limit = checkLimit(options.limit, 'scan');
    const range = scanRange(opened.info.keyCodec, options, limit);
    return scanPage(Array.from(opened.db.getRange(scope, range)), opened.info, limit);
  }

  async deleteKey(db: string, scope: ScopeRef, key: string): Promise<boolean> {
    this.#writable('deleteKey');
    const opened = this.#database(db);
    return opened.db.removeSync(scope, parseKeyArgument(key, opened.info.keyCodec));
  }

  async clearScope(scope: ScopeRef, db?: string): Promise<number> {
    this.#writable('clearScope');
    const listed = db === undefined ? [...this.#databases.values()] : [this.#database(db)];
    this.#requireScope(scope, db === undefined ? undefined : listed[0]);
    return this.#env.transactionSync(() => listed.reduce((sum, { db: d }) => sum + d.clearSync(scope), 0));
  }

  async dropScope(scope: string): Promise<void> {
    const registry = this.#requireRegistry('dropScope');
    this.#requireScope(scope);
    registry.dropScope(scope);
  }

  async copyScope(from: string, to: string, options: { replace?: boolean; onProgress?: ProgressCallback } = {}): Promise<number> {
    return this.#requireRegistry('copyScope').copyScope(from, to, options);
  }

  async renameScope(from: string, to: string, options: { replace?: boolean } = {}): Promise<void> {
    this.#requireRegistry('renameScope').renameScope(from, to, options);
  }

  async swapScopes(a: string, b: string): Promise<void> {
    const registry = this.#requireRegistry('swapScopes');
    // Swapping with a scope that does not exist would register the mistyped name: refused here.
    this.#requireScope(a);
    this.#requireScope(b);
    registry.swapScopes(a, b);
  }

  async prune(options: { dryRun?: boolean; onProgress?: ProgressCallback } = {}): Promise<PruneResult> {
    if (options.dryRun) {
      const registry = this.#registry;
      const named = registry ? registry.listAllScopes().filter((s) => s.isNamed()) : [];
      const empty: string[] = [];
      for (const [i, scope] of named.entries()) {
        if (registry?.isScopeEmpty(scope)) empty.push(scope.name as string);
        if ((i + 1) % PRUNE_STEP === 0 || i + 1 === named.length) {
          options.onProgress?.(i + 1, named.length);
          await new Promise<void>((resolve) => setImmediate(resolve)); // a progress display draws between steps
        }
      }
      return { scopes: empty, dryRun: true };
    }
    const removed = this.#requireRegistry('prune').pruneGloballyUnusedScopes();
    return { scopes: removed.map((s) => s.name as string), dryRun: false };
  }

  async reclaim(options: { onProgress?: ProgressCallback } = {}): Promise<number> {
    const registry = this.#requireRegistry('reclaim');
    const total = registry.pendingReclaim();
    let freed = 0;
    options.onProgress?.(0, total);
    for (;;) {
      const step = await registry.reclaim({ budgetMs: 100 });
      if (step === 0) break;
      freed += step;
      options.onProgress?.(freed, Math.max(total, freed));
    }
    return freed;
  }

  async exportScope(scope: ScopeRef, sink: Writable, options: ExportOptions = {}): Promise<TransferResult> {
    if (!this.#registry) throw new ScopedDbError('INVALID_INPUT', 'exportScope: this env has no scope registry');
    this.#requireScope(scope);
    for (const name of options.databases ?? []) this.#database(name);
    return transferResult(await this.#registry.exportScope(scope, sink, options));
  }

  async importScope(source: Readable, scope: ScopeRef, options: ImportOptions = {}): Promise<TransferResult> {
    return transferResult(await this.#requireRegistry('importScope').importScope(source, scope, options));
  }

  async close(): Promise<void> {
    const censuses = [...this.#censuses.values()].flatMap((slot) => [slot.made, slot.making]);
    for (const walk of [...censuses, ...this.#unnamedSearches.values()]) walk?.close();
    this.#censuses.clear();
    this.#unnamedSearches.clear();
    await this.#env.close();
  }
}
