/**
 * `StoreService` on the Redis backend (`@scoped-lmdb/redis`): a single server or a cluster (found
 * by asking the server). Databases and their codec names come from the store's database record
 * (`scoped:{meta}:databases`, one JSON field per database); each is opened with pass-through codecs
 * carrying the stored names, so reads return stored bytes, decoded here for display.
 *
 * Redis keeps no per-scope byte counts, so `bytes` is null here; entry counts are ZCARDs (O(1)).
 * A listing is one SCAN pass over every master (as the store's own listings), then counts for
 * the page's rows only when sorted by name. Opened read-only, the store runs no background
 * reclaim and every write method refuses.
 */
import type { Readable, Writable } from 'node:stream';
import { type AsyncScopedDatabase, ScopedDbError } from '@scoped-lmdb/core';
import { KEY_ROOT, openRedisScopedStore, type RedisScopedStore } from '@scoped-lmdb/redis';
import { Cluster, Redis } from 'ioredis';
import { parseKeyArgument, passThrough } from './codecs.js';
import {
  idHex,
  makeRow,
  noDataUnder,
  parseIdHex,
  readOnlyRefusal,
  scanPage,
  scanRange,
  transferResult,
  unknownDatabase,
  unknownScope,
} from './common.js';
import { checkLimit, checkSort, checkWait, decodeCursor, encodeCursor, type SortKey, sortKey, TopRows } from './paging.js';
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

/** Options of `openRedisService`. */
export interface RedisServiceOptions {
  /** Open for writing (default false: write methods refuse, and no background reclaim runs). */
  write?: boolean;
  /** Give up connecting after this long (default 5 000 ms). */
  connectTimeoutMs?: number;
}

/**
 * Key names of the Redis backend's layout.ts that its package does not export: the store's
 * database record, and each id's name record `scoped:{<16 hex>}:name` (a name, or a lock whose
 * first byte is 0xFF).
 */
const DATABASES_KEY = `${KEY_ROOT}:{meta}:databases`;
const NAME_RECORDS = `${KEY_ROOT}:{${'?'.repeat(16)}}:name`;
const NAME_RECORD = new RegExp(`^${KEY_ROOT}:\\{([0-9a-f]{16})\\}:name$`);
const idOfNameRecord = (key: string): bigint | undefined => {
  const hex = NAME_RECORD.exec(key)?.[1];
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
};
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** A name record's name; undefined for a lock or anything this library would not write. */
function recordedName(bytes: Buffer | null | undefined): string | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const name = strictUtf8.decode(bytes);
    return name.isWellFormed() ? name : undefined;
  } catch {
    return undefined;
  }
}
/** Keys a SCAN step looks at: a listing walks the whole keyspace (a scope has several keys), so big steps save round trips. */
const SCAN_COUNT = 5_000;
/** Calls in flight at once for per-scope counts. */
const CONCURRENCY = 32;

async function mapLimited<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await run(items[i] as T);
      }
    }),
  );
  return out;
}

/** The URL without its password, to show. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

async function connect(url: string, timeoutMs: number): Promise<Redis | Cluster> {
  const shown = safeUrl(url);
  if (!/^rediss?:\/\//.test(url)) throw new ScopedDbError('INVALID_INPUT', `${shown} is not a redis:// or rediss:// URL`);
  const options = { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null };
  const single = new Redis(url, options);
  // The first socket error says why (ECONNREFUSED, ENOTFOUND…); connect() itself only says the connection closed.
  let first: Error | undefined;
  single.on('error', (error: Error) => {
    first ??= error;
  });
  try {
    await single.connect();
  } catch (error) {
    single.disconnect();
    const cause = first ?? (error as Error);
    throw new ScopedDbError('STORAGE', `cannot connect to Redis at ${shown}: ${cause.message}`, { cause });
  }
  const info = await single.info('cluster');
  if (!/cluster_enabled:1/.test(info)) return single;
  const { host, port } = single.options;
  const { username, password, tls } = single.options;
  single.disconnect();
  const cluster = new Cluster([{ host: host as string, port: port as number }], {
    redisOptions: { username, password, tls, connectTimeout: timeoutMs },
    clusterRetryStrategy: () => null,
  });
  cluster.on('error', () => {});
  return cluster;
}

/** Connects to the Redis server (or cluster) at `url` and opens the scoped store there as a `StoreService`. */
export async function openRedisService(url: string, options: RedisServiceOptions = {}): Promise<StoreService> {
  const write = options.write === true;
  const client = await connect(url, options.connectTimeoutMs ?? 5_000);
  let store: RedisScopedStore;
  try {
    store = await openRedisScopedStore(client, { backgroundReclaim: write, commandTimeoutMs: 30_000 });
  } catch (error) {
    client.disconnect();
    throw error;
  }
  const service = new RedisService(store, client, safeUrl(url), write);
  try {
    await service.load();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return service;
}

interface Opened {
  info: DatabaseInfo;
  db: AsyncScopedDatabase<Bytes, Bytes>;
}

class RedisService implements StoreService {
  readonly backend = 'redis' as const;
  readonly location: string;
  readonly readOnly: boolean;
  readonly #store: RedisScopedStore;
  readonly #client: Redis | Cluster;
  readonly #databases = new Map<string, Opened>();

  constructor(store: RedisScopedStore, client: Redis | Cluster, location: string, write: boolean) {
    this.#store = store;
    this.#client = client;
    this.location = location;
    this.readOnly = !write;
  }

  /** Reads the database record and opens each database. */
  async load(): Promise<void> {
    let records: Record<string, string>;
    try {
      records = await this.#client.hgetall(DATABASES_KEY);
    } catch (error) {
      throw new ScopedDbError('STORAGE', `could not read the database record at ${this.location}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const [name, json] of Object.entries(records).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let record: { keyCodec?: unknown; valueCodec?: unknown };
      try {
        record = JSON.parse(json) as typeof record;
      } catch {
        continue; // not written by this library
      }
      if (typeof record.keyCodec !== 'string' || typeof record.valueCodec !== 'string') continue;
      const info: DatabaseInfo = {
        name,
        kind: null,
        keyCodec: record.keyCodec,
        valueCodec: record.valueCodec,
        stats: false,
        registry: true,
        unnamedForDefault: false,
      };
      this.#databases.set(name, { info, db: this.#store.database(name, passThrough(record.keyCodec), passThrough(record.valueCodec)) });
    }
  }

  #database(name: string): Opened {
    const opened = this.#databases.get(name);
    if (!opened) throw unknownDatabase(name, [...this.#databases.keys()]);
    return opened;
  }

  #writable(method: string): void {
    if (this.readOnly) throw readOnlyRefusal(method);
  }

  async #exists(name: string, only?: Opened): Promise<boolean> {
    if (await this.#store.scopeExists(name)) return true;
    for (const d of only ? [only] : this.#databases.values()) if (!(await d.db.isScopeEmpty(name))) return true;
    return false;
  }

  async #requireScope(scope: ScopeRef, only?: Opened): Promise<void> {
    if (scope !== null && !(await this.#exists(scope, only))) throw unknownScope(scope, only?.info.name);
  }

  async databases(): Promise<DatabaseInfo[]> {
    return [...this.#databases.values()].map(({ info }) => ({ ...info }));
  }

  /** Entries in one database of a named scope or the default one (`scope`), or of an unnamed id (`id`). */
  async #count(opened: Opened, scope: ScopeRef, id: bigint | null): Promise<Counts> {
    if (id !== null && scope === null) {
      const key = `${KEY_ROOT}:{${idHex(id)}}:d:${opened.info.name}:z`;
      return { entries: await this.#client.zcard(key), bytes: null };
    }
    return { entries: await opened.db.getCount(scope), bytes: null };
  }

  async #row(kind: ScopeRow['kind'], name: string | null, id: bigint | null, listed: Opened[]): Promise<ScopeRow> {
    const counts = await Promise.all(listed.map((d) => this.#count(d, kind === 'unnamed' ? null : name, kind === 'unnamed' ? id : null)));
    const databases: Record<string, Counts> = {};
    listed.forEach((d, i) => {
      databases[d.info.name] = counts[i] as Counts;
    });
    return makeRow(kind, name, id === null ? null : idHex(id), databases);
  }

  /** The masters to SCAN: every master of a cluster, or the one server. */
  #masters(): Redis[] {
    return this.#client.isCluster ? (this.#client as Cluster).nodes('master') : [this.#client as Redis];
  }

  /**
   * A page by name, streamed: SCAN the name records batch by batch (every master), read each
   * batch's names in one pipeline, keep the best rows (paging.ts), then ask the store about the
   * page's rows only (is the record the name's, its counts). Memory: a page and a batch.
   */
  async #byName(listed: Opened[], prefix: string | undefined, limit: number, after: SortKey | undefined): Promise<ScopePage | undefined> {
    const want = limit + 1;
    const group = after?.[1] ?? -1;
    const items: { kind: ScopeRow['kind']; name: string | null; id: bigint | null }[] = [];
    if (group < 0 && prefix === undefined) {
      const empty = await Promise.all(listed.map((d) => d.db.isScopeEmpty(null)));
      if (empty.some((e) => !e)) items.push({ kind: 'default', name: null, id: null });
    }
    if (group <= 1) {
      // A few spare rows: a record that turns out not to be its name's (a step stopped half-way) is dropped.
      const top = new TopRows<{ name: string; id: bigint }>(want + 8, group === 1 ? after : undefined);
      for (const node of this.#masters()) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', NAME_RECORDS, 'COUNT', SCAN_COUNT);
          cursor = next;
          const ids = keys.map(idOfNameRecord);
          const values = await node.pipeline(keys.map((key) => ['getBuffer', key])).exec();
          ids.forEach((id, i) => {
            const name = id === undefined ? undefined : recordedName(values?.[i]?.[1] as Buffer | null);
            if (id === undefined || name === undefined || (prefix !== undefined && !name.startsWith(prefix))) return;
            top.offer(sortKey('name', 'named', name, null), { name, id });
          });
        } while (cursor !== '0');
      }
      const selected = top.page();
      const candidates = selected.items.map(({ item }) => item);
      const valid = await mapLimited(candidates, async ({ name, id }) => (await this.#store.idOf(name)) === id);
      for (const [i, c] of candidates.entries()) if (valid[i] && items.length < want) items.push({ kind: 'named', ...c });
      // Stale records took every spare row and more names follow: let the store's own listing decide.
      if (selected.nextKey && items.length < want) return undefined;
    }
    if (items.length < want && prefix === undefined) {
      const unnamed = new Set<bigint>();
      for (const d of listed) for (const id of await d.db.listUnnamedIds()) unnamed.add(id);
      const start = group === 2 ? (after as SortKey)[2] : '';
      for (const id of [...unnamed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (items.length === want) break;
        if (idHex(id) > start || group !== 2) items.push({ kind: 'unnamed', name: null, id });
      }
    }
    const page = items.slice(0, limit);
    const scopes = await mapLimited(page, (c) => this.#row(c.kind, c.name, c.id, listed));
    for (const [i, c] of page.entries()) if (c.kind === 'named') (scopes[i] as ScopeRow).id = idHex(c.id as bigint);
    const last = page.at(-1);
    if (items.length <= limit || !last) return { scopes };
    const text = last.kind === 'named' ? (last.name as string) : last.id === null ? '' : idHex(last.id);
    return { scopes, next: encodeCursor('name', sortKey('name', last.kind, text, null)) };
  }

  async scopes(db?: string, options: ScopesOptions = {}): Promise<ScopePage> {
    const sort = checkSort(options.sort);
    const limit = checkLimit(options.limit, 'scopes');
    checkWait(options.waitMs, 'scopes: waitMs'); // every page here is made in full
    const after = decodeCursor(sort, options.after);
    const listed = db === undefined ? [...this.#databases.values()] : [this.#database(db)];
    const prefix = options.prefix;
    if (sort === 'name' && db === undefined) {
      const page = await this.#byName(listed, prefix, limit, after);
      if (page) return page;
    }
    const named = db === undefined ? await this.#store.listAllScopes() : await (listed[0] as Opened).db.listScopes();
    const candidates: { kind: ScopeRow['kind']; name: string | null; id: bigint | null }[] = [];
    for (const scope of named) {
      if (scope.isNamed()) {
        if (prefix === undefined || scope.name.startsWith(prefix)) candidates.push({ kind: 'named', name: scope.name, id: null });
      } else if (prefix === undefined) {
        const withData = await Promise.all(listed.map((d) => d.db.isScopeEmpty(null)));
        if (withData.some((empty) => !empty)) candidates.push({ kind: 'default', name: null, id: null });
      }
    }
    if (prefix === undefined) {
      const unnamed = new Set<bigint>();
      for (const d of listed) for (const id of await d.db.listUnnamedIds()) unnamed.add(id);
      for (const id of [...unnamed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) candidates.push({ kind: 'unnamed', name: null, id });
    }
    const text = (c: (typeof candidates)[number]) => (c.kind === 'named' ? (c.name as string) : c.id === null ? '' : idHex(c.id));
    const top = new TopRows<{ candidate: (typeof candidates)[number]; row?: ScopeRow }>(limit, after);
    if (sort === 'name') {
      for (const c of candidates) top.offer(sortKey(sort, c.kind, text(c), null), { candidate: c });
    } else {
      const rows = await mapLimited(candidates, (c) => this.#row(c.kind, c.name, c.id, listed));
      candidates.forEach((c, i) => {
        const row = rows[i] as ScopeRow;
        top.offer(sortKey(sort, c.kind, text(c), sort === 'entries' ? row.entries : row.bytes), { candidate: c, row });
      });
    }
    const { items, nextKey } = top.page();
    const scopes = await mapLimited(items, async ({ item }) => {
      const c = item.candidate;
      const row = item.row ?? (await this.#row(c.kind, c.name, c.id, listed));
      // Named rows carry their current id (the store resolves it through the name's home).
      if (c.kind === 'named' && row.id === null) {
        const id = await this.#store.idOf(c.name as string);
        if (id !== undefined) row.id = idHex(id);
      }
      return row;
    });
    return nextKey ? { scopes, next: encodeCursor(sort, nextKey) } : { scopes };
  }

  async stats(scope: ScopeRef): Promise<ScopeStatsInfo> {
    await this.#requireScope(scope);
    const row = await this.#row(scope === null ? 'default' : 'named', scope, null, [...this.#databases.values()]);
    if (scope === null) return { ...row, registered: true };
    const id = await this.#store.idOf(scope);
    return { ...row, id: id === undefined ? null : idHex(id), registered: id !== undefined };
  }

  async unnamedStats(id: string): Promise<ScopeStatsInfo> {
    const row = await this.#row('unnamed', null, parseIdHex(id), [...this.#databases.values()]);
    if (row.entries === 0) throw noDataUnder(id);
    return { ...row, registered: false };
  }

  /** ZRANGE BYLEX over the id's ordered keys in `db` (layout.ts: `scoped:{id}:d:<db>:z`), then the values from its hash. */
  async unnamedScan(db: string, id: string, options: ScanOptions = {}): Promise<ScanPage> {
    const opened = this.#database(db);
    const n = parseIdHex(id);
    const data = `${KEY_ROOT}:{${idHex(n)}}:d:${opened.info.name}`;
    if ((await this.#client.exists(`${data}:z`)) === 0) throw noDataUnder(id);
    const limit = checkLimit(options.limit, 'scan');
    const range = scanRange(opened.info.keyCodec, options, limit);
    const bound = (key: Uint8Array | undefined, inclusive: boolean, open: string) =>
      key === undefined ? open : Buffer.concat([Buffer.from(inclusive ? '[' : '('), key]);
    const low = range.reverse ? bound(range.end, range.inclusiveEnd === true, '-') : bound(range.start, range.exclusiveStart !== true, '-');
    const high = range.reverse
      ? bound(range.start, range.exclusiveStart !== true, '+')
      : bound(range.end, range.inclusiveEnd === true, '+');
    const args = range.reverse ? [high, low, 'BYLEX', 'REV'] : [low, high, 'BYLEX'];
    const keys = (await this.#client.callBuffer('ZRANGE', `${data}:z`, ...args, 'LIMIT', 0, range.limit)) as Buffer[];
    const values = keys.length === 0 ? [] : ((await this.#client.hmgetBuffer(`${data}:h`, ...keys)) as (Buffer | null)[]);
    const entries = keys.flatMap((key, i) => (values[i] ? [{ key, value: values[i] as Buffer }] : []));
    return scanPage(entries, opened.info, limit);
  }

  async get(db: string, scope: ScopeRef, key: string): Promise<ScanEntry | undefined> {
    const opened = this.#database(db);
    await this.#requireScope(scope, opened);
    const keyBytes = parseKeyArgument(key, opened.info.keyCodec);
    const value = await opened.db.get(scope, keyBytes);
    if (value === undefined) return undefined;
    return scanPage([{ key: keyBytes, value }], opened.info, 1).entries[0];
  }

  async scan(db: string, scope: ScopeRef, options: ScanOptions = {}): Promise<ScanPage> {
    const opened = this.#database(db);
    await this.#requireScope(scope, opened);
    const limit = checkLimit(options.limit, 'scan');
    const range = scanRange(opened.info.keyCodec, options, limit);
    const entries: { key: Bytes; value: Bytes }[] = [];
    for await (const entry of opened.db.getRange(scope, range)) entries.push(entry);
    return scanPage(entries, opened.info, limit);
  }

  async deleteKey(db: string, scope: ScopeRef, key: string): Promise<boolean> {
    this.#writable('deleteKey');
    const opened = this.#database(db);
    return opened.db.remove(scope, parseKeyArgument(key, opened.info.keyCodec));
  }

  async clearScope(scope: ScopeRef, db?: string): Promise<number> {
    this.#writable('clearScope');
    const listed = db === undefined ? [...this.#databases.values()] : [this.#database(db)];
    await this.#requireScope(scope, db === undefined ? undefined : listed[0]);
    // One atomic step: a scope lives in one slot.
    return this.#store.transaction(scope, async () => {
      const cleared = await Promise.all(listed.map(({ db: d }) => d.getCount(scope)));
      for (const { db: d } of listed) void d.clearAsync(scope);
      return cleared.reduce((a, b) => a + b, 0);
    });
  }

  async dropScope(scope: string): Promise<void> {
    this.#writable('dropScope');
    await this.#requireScope(scope);
    await this.#store.dropScope(scope);
  }

  async copyScope(from: string, to: string, options: { replace?: boolean; onProgress?: ProgressCallback } = {}): Promise<number> {
    this.#writable('copyScope');
    return this.#store.copyScope(from, to, options);
  }

  async renameScope(from: string, to: string, options: { replace?: boolean } = {}): Promise<void> {
    this.#writable('renameScope');
    await this.#store.renameScope(from, to, options);
  }

  async swapScopes(a: string, b: string): Promise<void> {
    this.#writable('swapScopes');
    await this.#requireScope(a);
    await this.#requireScope(b);
    await this.#store.swapScopes(a, b);
  }

  async prune(options: { dryRun?: boolean; onProgress?: ProgressCallback } = {}): Promise<PruneResult> {
    if (options.dryRun) {
      const named = (await this.#store.listAllScopes()).filter((s) => s.isNamed());
      let checked = 0;
      const empty = await mapLimited(named, async (s) => {
        const isEmpty = await this.#store.isScopeEmpty(s);
        options.onProgress?.(++checked, named.length);
        return isEmpty;
      });
      return { scopes: named.filter((_, i) => empty[i]).map((s) => s.name as string), dryRun: true };
    }
    this.#writable('prune');
    const removed = await this.#store.pruneGloballyUnusedScopes();
    return { scopes: removed.map((s) => s.name as string), dryRun: false };
  }

  async reclaim(options: { onProgress?: ProgressCallback } = {}): Promise<number> {
    this.#writable('reclaim');
    const total = await this.#store.pendingReclaim();
    let freed = 0;
    options.onProgress?.(0, total);
    for (;;) {
      const step = await this.#store.reclaim({ budgetMs: 100 });
      if (step === 0) break;
      freed += step;
      options.onProgress?.(freed, Math.max(total, freed));
    }
    return freed;
  }

  async exportScope(scope: ScopeRef, sink: Writable, options: ExportOptions = {}): Promise<TransferResult> {
    await this.#requireScope(scope);
    for (const name of options.databases ?? []) this.#database(name);
    return transferResult(await this.#store.exportScope(scope, sink, options));
  }

  async importScope(source: Readable, scope: ScopeRef, options: ImportOptions = {}): Promise<TransferResult> {
    this.#writable('importScope');
    return transferResult(await this.#store.importScope(source, scope, options));
  }

  async close(): Promise<void> {
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }
}
