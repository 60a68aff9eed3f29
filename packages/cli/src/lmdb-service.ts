/**
 * `StoreService` on an LMDB env. Databases and their codecs come from the env's meta table
 * (`__scoped_lmdb_meta`); each is opened through core's builder with pass-through codecs that
 * carry the stored names (so the stored-name check passes and reads return stored bytes, decoded
 * here for display), with the registry and `.withStats()` exactly when its record says so, so
 * opening changes nothing. Read-only by default: the env is opened `readOnly` and every write
 * method refuses.
 *
 * Scope listings stream: the registry's id records and, per database, the ids holding data
 * (one cursor seek per id: a scope's keys are the range [id, id + 1) of `<db>_scoped`) are
 * merged in id order, so 100 000 scopes cost one pass and the memory of one page (paging.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type Codec, type ScopedDatabase, ScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { type MetaRecord, REGISTRY_TABLE, readMetaRecords, recordedTables, STATS_TABLE, statsOf } from '@scoped-lmdb/core/internal';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { type Database, open, type RootDatabase } from 'lmdb';
import { passThrough } from './codecs.js';
import {
  idBytesOf,
  idHex,
  makeRow,
  readOnlyRefusal,
  scanPage,
  scanRange,
  transferResult,
  unknownDatabase,
  unknownScope,
} from './common.js';
import { checkLimit, checkSort, decodeCursor, encodeCursor, sortKey, TopRows } from './paging.js';
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
  ScopeStatsInfo,
  ScopesOptions,
  StoreService,
  TransferResult,
} from './service.js';

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

/** The first key at or after `start`, if any. */
function firstKey(table: Table, start: Bytes | undefined): Bytes | undefined {
  for (const key of table.getKeys(start ? { start, limit: 1 } : { limit: 1 }) as Iterable<Bytes>) return key;
  return undefined;
}

/** The ids holding data in a `_scoped` table, in order: one seek per id, never a walk over its entries. */
function* idsWithData(table: Table): Generator<bigint> {
  let start: Bytes | undefined;
  for (;;) {
    const key = firstKey(table, start);
    if (key === undefined || key.length < 8) return;
    const id = new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0, false);
    yield id;
    if (id === 0xffff_ffff_ffff_ffffn) return;
    start = idBytesOf(id + 1n);
  }
}

/** The ids of the registry's id -> name records (its 8-byte keys, which sort before its other records). */
function* registeredIds(table: Table): Generator<bigint> {
  const end = new Uint8Array(9).fill(0xff);
  end[8] = 0;
  for (const key of table.getKeys({ end }) as Iterable<Bytes>) {
    if (key.length === 8) yield new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0, false);
  }
}

/** Merges sorted id streams: each id once, with the indexes of the streams that had it. */
function* mergeIds(streams: Iterator<bigint>[]): Generator<{ id: bigint; from: Set<number> }> {
  const heads = streams.map((s) => s.next());
  for (;;) {
    let min: bigint | undefined;
    for (const head of heads) if (!head.done && (min === undefined || head.value < min)) min = head.value;
    if (min === undefined) return;
    const from = new Set<number>();
    heads.forEach((head, i) => {
      if (!head.done && head.value === min) {
        from.add(i);
        heads[i] = (streams[i] as Iterator<bigint>).next();
      }
    });
    yield { id: min, from };
  }
}

function statsFromBytes(bytes: Bytes): Counts {
  if (bytes.length !== 16) return { entries: 0, bytes: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return { entries: view.getFloat64(0), bytes: view.getFloat64(8) };
}

class LmdbService implements StoreService {
  readonly backend = 'lmdb' as const;
  readonly location: string;
  readonly readOnly: boolean;
  readonly #env: RootDatabase;
  readonly #registry: GlobalScopeRegistry | undefined;
  readonly #registryTable: Table | undefined;
  readonly #databases = new Map<string, Opened>();

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
    const stats = existingTable(this.#env, STATS_TABLE);
    return [...this.#databases.values()].map(({ info }) => {
      if (!info.stats || !stats) return { ...info };
      const name = utf8.encode(info.name);
      const start = new Uint8Array([...name, 0]);
      const end = new Uint8Array([...name, 1]);
      const totals = { entries: 0, bytes: 0 };
      for (const { value } of stats.getRange({ start, end }) as Iterable<{ value: Bytes }>) {
        const counts = statsFromBytes(value);
        totals.entries += counts.entries;
        totals.bytes += counts.bytes as number;
      }
      return { ...info, totals };
    });
  }

  /** Entries and bytes under `id` (null: DEFAULT) in one database: from its stats when kept, else counted (bytes then null). */
  #countsAt(opened: Opened, id: bigint | null): Counts {
    const idBytes = id === null ? null : idBytesOf(id);
    if (opened.info.stats) {
      const stats = statsOf(this.#env).get(opened.info.name, idBytes);
      return { entries: stats.entries, bytes: stats.bytes };
    }
    if (idBytes === null) return { entries: opened.db.getCount(null), bytes: null };
    if (!opened.scoped) return { entries: 0, bytes: null };
    const end = id === 0xffff_ffff_ffff_ffffn ? undefined : idBytesOf((id as bigint) + 1n);
    return { entries: opened.scoped.getCount(end ? { start: idBytes, end } : { start: idBytes }), bytes: null };
  }

  #rowAt(kind: ScopeRow['kind'], name: string | null, id: bigint | null, listed: Opened[]): ScopeRow {
    const databases: Record<string, Counts> = {};
    for (const opened of listed) databases[opened.info.name] = this.#countsAt(opened, id);
    return makeRow(kind, name, id === null ? null : idHex(id), databases);
  }

  /** An id that holds data but that no live name owns: dropped (waiting for reclaim) or reserved by a copy is not listed. */
  #unlisted(id: bigint): boolean {
    if (this.#registry?.ownerOf(id) === 'dropped') return true;
    const reservation = new Uint8Array(17).fill(0xff);
    reservation[8] = 'r'.charCodeAt(0);
    reservation.set(idBytesOf(id), 9);
    return this.#registryTable?.getBinary(reservation) !== undefined;
  }

  async scopes(db?: string, options: ScopesOptions = {}): Promise<ScopePage> {
    const sort = checkSort(options.sort);
    const limit = checkLimit(options.limit, 'scopes');
    const after = decodeCursor(sort, options.after);
    const listed = db === undefined ? [...this.#databases.values()] : [this.#database(db)];
    const prefix = options.prefix;
    const top = new TopRows<{ kind: ScopeRow['kind']; name: string | null; id: bigint | null; row?: ScopeRow }>(limit, after);
    // With the name order a row's counts do not decide its place: they are read for the page's rows only.
    const offer = (kind: ScopeRow['kind'], name: string | null, id: bigint | null) => {
      const text = kind === 'named' ? (name as string) : id === null ? '' : idHex(id);
      if (sort === 'name') {
        top.offer(sortKey(sort, kind, text, null), { kind, name, id });
        return;
      }
      const row = this.#rowAt(kind, name, id, listed);
      top.offer(sortKey(sort, kind, text, sort === 'entries' ? row.entries : row.bytes), { kind, name, id, row });
    };
    if (prefix === undefined && listed.some((d) => !d.db.isScopeEmpty(null))) offer('default', null, null);
    const streams: Iterator<bigint>[] = listed.filter((d) => d.scoped).map((d) => idsWithData(d.scoped as Table));
    const fromRegistry = db === undefined && this.#registryTable ? streams.push(registeredIds(this.#registryTable)) - 1 : -1;
    for (const { id, from } of mergeIds(streams)) {
      const hasData = from.size > 1 || !from.has(fromRegistry);
      const name = this.#registry?.getScopeName(id);
      if (name !== undefined) {
        if (prefix === undefined || name.startsWith(prefix)) offer('named', name, id);
      } else if (hasData && prefix === undefined && !this.#unlisted(id)) {
        offer('unnamed', null, id);
      }
    }
    const { items, nextKey } = top.page();
    const scopes = items.map(({ item }) => item.row ?? this.#rowAt(item.kind, item.name, item.id, listed));
    return nextKey ? { scopes, next: encodeCursor(sort, nextKey) } : { scopes };
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

  async get(db: string, scope: ScopeRef, key: string): Promise<ScanEntry | undefined> {
    const opened = this.#database(db);
    this.#requireScope(scope, opened);
    const range = scanRange(opened.info.keyCodec, { start: key }, 1);
    const keyBytes = range.start as Bytes;
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
    return opened.db.removeSync(scope, scanRange(opened.info.keyCodec, { start: key }, 1).start as Bytes);
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

  async prune(options: { dryRun?: boolean } = {}): Promise<PruneResult> {
    if (options.dryRun) {
      const registry = this.#registry;
      const empty = registry ? registry.listAllScopes().filter((s) => s.isNamed() && registry.isScopeEmpty(s)) : [];
      return { scopes: empty.map((s) => s.name as string), dryRun: true };
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
    await this.#env.close();
  }
}
