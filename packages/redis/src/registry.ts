/**
 * The scope registry on Redis: each named scope's name record in its id's slot, and, in its
 * home slot, where it lives when that is not its first-life id (layout.ts). Listing SCANs
 * every master (never KEYS), so it works on a cluster and costs one pass over the keyspace;
 * single-scope calls resolve through the name's home (one script when it lives there).
 * The lifecycle (drop, rename, swap, copy, reclaim) is lifecycle.ts.
 */
import {
  type DumpSink,
  type DumpSource,
  type DumpSummary,
  type ExportScopeOptions,
  type ImportScopeOptions,
  type NamedScope,
  Scope,
  ScopedDbError,
  type ScopeLike,
  type ScopeStats,
} from '@scoped-lmdb/core';
import { checkQuota } from '@scoped-lmdb/core/internal';
import type { Cluster, Redis } from 'ioredis';
import type { RedisCaller } from './caller.js';
import { exportScope, importScope } from './dump.js';
import { Engine } from './engine.js';
import { type IdInfo, idInfo, mapLimited } from './id-info.js';
import {
  checkScopeHash,
  countKeys,
  DATABASE_META_KEY,
  dataKeys,
  homeOf,
  idHex,
  idOfQuota,
  idOfStats,
  idRecordKeys,
  NAME_RECORD_PATTERN,
  orderKeyPattern,
  QUOTA_PATTERN,
  recordedName,
  STATS_PATTERN,
  scopeOfNameRecord,
  scopeOfOrderKey,
  scopeRecordKeys,
} from './layout.js';
import { type CopyScopeOptions, Lifecycle } from './lifecycle.js';
import { Router } from './routes.js';
import { idRecordArgs, READ_SCRIPT, RECOUNT_SCRIPT, RELEASE_SCRIPT, readArgs, readKeys, UNBIND_SCRIPT } from './scripts.js';
import { WriteOrder } from './write-order.js';

const SCAN_COUNT = 1000;

/** Ids sort like their unsigned values (big-endian bytes): sorting the ids lists scopes in id order. */
function inIdOrder(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type { CopyScopeOptions };

/** A quota (`setQuota`): either limit may be left out, not both. */
export interface Quota {
  /** At most this many entries, summed over the scope's databases that keep stats. */
  maxEntries?: number;
  /** At most this many stored bytes (encoded keys + values), summed likewise. */
  maxBytes?: number;
}

/** A scope and its quota, as `listQuotas` lists them. */
export interface ScopeQuota {
  /** The scope. */
  scope: Scope;
  /** Its quota. */
  quota: Quota;
}

/** A scope's stats across the store's stats-keeping databases (`scopeStats`), as LMDB's registry reports them. */
export interface ScopeStatsAcross {
  /** Entries in all the stats-keeping databases together. */
  entries: number;
  /** Stored bytes (encoded keys + values) in all of them together. */
  bytes: number;
  /** Each stats-keeping database's share, by database name (every one recorded with stats, zeros included). */
  databases: Record<string, ScopeStats>;
}

function quotaOf(fields: readonly (Buffer | string | null)[]): Quota | undefined {
  const [entries, bytes] = fields.map((f) => (f === null || f === undefined ? undefined : Number(f.toString())));
  if (entries === undefined && bytes === undefined) return undefined;
  return { ...(entries !== undefined ? { maxEntries: entries } : {}), ...(bytes !== undefined ? { maxBytes: bytes } : {}) };
}

/** The scope registry, across every master. Named and shaped like `GlobalScopeRegistry`, returning Promises. */
export interface RedisScopeRegistryApi {
  /** Idempotent; DEFAULT is a no-op. A name whose first-life id holds another name gets a fresh id. */
  registerScope(scope: ScopeLike): Promise<void>;
  /** The name whose current id is `hash`, if any. */
  getScopeName(hash: bigint): Promise<string | undefined>;
  /** The current id of `name`; undefined if it has none. One script when the name lives at its first-life id. */
  lookupScopeHash(name: string): Promise<bigint | undefined>;
  /** DEFAULT first, then named scopes in id order. */
  listAllScopes(): Promise<Scope[]>;
  /** DEFAULT is always true. */
  scopeExists(scope: ScopeLike): Promise<boolean>;
  /**
   * True iff it was registered; DEFAULT -> false. The data stays; a scope living away from its
   * first-life id could not find it again, so unregistering one that holds data is
   * INVALID_INPUT (drop it instead), as on LMDB.
   */
  unregisterScope(scope: ScopeLike): Promise<boolean>;
  /** True when the scope holds no data in any database of the store. */
  isScopeEmpty(scope: ScopeLike): Promise<boolean>;
  /**
   * Unregisters every named scope that holds no data in any database and returns
   * them. It needs no list of databases: each scope knows its own (see layout).
   */
  pruneGloballyUnusedScopes(): Promise<Scope[]>;
  /** The id a registered scope's data is stored under now; undefined for an unregistered scope (and DEFAULT). */
  idOf(scope: ScopeLike): Promise<bigint | undefined>;
  /** Empties the scope in every database at once (O(1)); its entries are reclaimed in the background. */
  dropScope(scope: ScopeLike): Promise<void>;
  /** Gives `from`'s data the name `to` (O(1)). A taken `to` is SCOPE_EXISTS unless `replace` (it is dropped first). */
  renameScope(from: ScopeLike, to: ScopeLike, options?: { replace?: boolean }): Promise<void>;
  /** Swaps the data of two scopes (O(1), like Redis SWAPDB); a scope with no data yet swaps as empty. */
  swapScopes(a: ScopeLike, b: ScopeLike): Promise<void>;
  /** Copies every database's entries of `from` to `to` in batches; readers see `to` all at once. Resolves with the entries copied. */
  copyScope(from: ScopeLike, to: ScopeLike, options?: CopyScopeOptions): Promise<number>;
  /** Frees the entries of dropped scopes now (starting no new id after `budgetMs`); resolves with the entries freed. */
  reclaim(options?: { budgetMs?: number }): Promise<number>;
  /** Dropped entries not yet freed. */
  pendingReclaim(): Promise<number>;
  /** Streams the scope (every database of the store, or `databases`) to `sink` in the dump format, a page at a time (README "Export / import"). */
  exportScope(scope: ScopeLike, sink: DumpSink, options?: ExportScopeOptions): Promise<DumpSummary>;
  /** Loads a dump into the scope, all or nothing; the refusals are LMDB's (README "Export / import"). */
  importScope(source: DumpSource, scope: ScopeLike, options?: ImportScopeOptions): Promise<DumpSummary>;
  /**
   * The scope's entries and bytes summed over the store's databases that keep stats, and per
   * database (each one recorded with stats, zeros included). O(databases): two reads.
   */
  scopeStats(scope: ScopeLike): Promise<ScopeStatsAcross>;
  /**
   * Sets (or, with null, removes) the scope's quota, stored in its slot and checked in the
   * same script as every write to it in a database that keeps stats: a write that would take
   * the scope's totals past it is QUOTA_EXCEEDED and writes nothing. Takes its place in the
   * scope's write order like a write (and joins a transaction on the scope); it moves with the
   * scope on a rename or swap and goes with it on a drop. DEFAULT has no quota (INVALID_INPUT).
   */
  setQuota(scope: ScopeLike, quota: Quota | null): Promise<void>;
  /** The scope's quota, if it has one. */
  getQuota(scope: ScopeLike): Promise<Quota | undefined>;
  /** Every quota, by scope, in id order (a SCAN of every master). */
  listQuotas(): Promise<ScopeQuota[]>;
}

export interface RegistryOptions {
  lockTimeoutMs: number;
  backgroundReclaim: boolean;
}

/** The registry on one client: the store's registry API, and the listings its databases ask for. */
export class RedisScopeRegistry implements RedisScopeRegistryApi {
  readonly engine: Engine;
  readonly router: Router;
  /** Per-scope call order of writes and lifecycle calls (write-order.ts). */
  protected readonly order = new WriteOrder();
  readonly #lifecycle: Lifecycle;

  constructor(
    readonly caller: RedisCaller,
    options: RegistryOptions,
  ) {
    this.engine = new Engine(caller, options.lockTimeoutMs);
    this.router = new Router(caller, this.engine);
    this.#lifecycle = new Lifecycle(
      {
        caller,
        router: this.router,
        engine: this.engine,
        order: this.order,
        scanKeys: (pattern) => this.#scanKeys(pattern),
        insideTransaction: () => this.insideTransaction(),
        statsDatabases: () => this.statsDatabases(),
      },
      options.backgroundReclaim,
    );
  }

  /** True inside a transaction callback (the store overrides it). */
  protected insideTransaction(): boolean {
    return false;
  }

  /**
   * Every master of a cluster, or the one server. A listing that skipped a master
   * would silently miss its scopes, so a slot whose master the client cannot reach
   * (ioredis drops a dead node from its pool) fails the listing with STORAGE.
   */
  #masters(): Redis[] {
    const client = this.caller.client;
    if (!client.isCluster) return [client as Redis];
    const cluster = client as Cluster;
    const masters = cluster.nodes('master');
    const reachable = new Set(masters.map((node) => `${node.options.host}:${node.options.port}`));
    for (const [slot, owners] of cluster.slots.entries()) {
      const master = owners?.[0];
      if (master !== undefined && !reachable.has(master)) {
        throw new ScopedDbError('STORAGE', `the master ${master} (serving slot ${slot}) is unreachable: a listing would miss its scopes`);
      }
    }
    return masters;
  }

  /** Key names matching `pattern` on every master, each once. */
  async #scanKeys(pattern: string): Promise<string[]> {
    const found = new Set<string>();
    await Promise.all(
      this.#masters().map(async (node) => {
        let cursor = '0';
        do {
          const [next, keys] = await this.caller.call('scan', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT));
          for (const key of keys) found.add(key);
          cursor = next;
        } while (cursor !== '0');
      }),
    );
    return [...found];
  }

  async registerScope(scope: ScopeLike): Promise<void> {
    const s = Scope.from(scope);
    if (!s.isNamed()) return;
    await this.router.register(s);
  }

  async getScopeName(hash: bigint): Promise<string | undefined> {
    const id = checkScopeHash(hash);
    return (await this.#owners([id], 'getScopeName'))[0];
  }

  async lookupScopeHash(name: string): Promise<bigint | undefined> {
    const s = Scope.named(name);
    // Always true (Scope.named never gives DEFAULT); it tells the compiler `hash` is set.
    if (!s.isNamed()) return undefined;
    return (await this.router.locate(s, 'lookupScopeHash')).id;
  }

  async scopeExists(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    return !s.isNamed() || (await this.router.locate(s, 'scopeExists')).id !== undefined;
  }

  async unregisterScope(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    if (!s.isNamed()) return false;
    const outcome = await this.#release(s, 'unregisterScope');
    if (outcome === 'data') {
      throw new ScopedDbError(
        'INVALID_INPUT',
        `unregisterScope: scope ${JSON.stringify(s.name)} holds data under an id no one could find again; drop it with dropScope instead`,
      );
    }
    return outcome === 'released';
  }

  /** DEFAULT first, then the named scopes in id order (as LMDB lists them). */
  async listAllScopes(): Promise<Scope[]> {
    const ids = (await this.#scanKeys(NAME_RECORD_PATTERN)).map(scopeOfNameRecord).filter((h) => h !== undefined);
    ids.sort(inIdOrder);
    const owners = await this.#owners(ids, 'listAllScopes');
    return [Scope.DEFAULT, ...owners.filter((name) => name !== undefined).map((name) => Scope.named(name))];
  }

  /** True when the scope holds no data in any database of the store. */
  async isScopeEmpty(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    if (!s.isNamed()) return (await this.caller.call('isScopeEmpty', (c) => c.exists(scopeRecordKeys(s).databases))) === 0;
    return !(await this.router.locate(s, 'isScopeEmpty')).data;
  }

  /**
   * Removes the name of every registered scope that holds no data in any database.
   * Each scope is checked and removed by one script on its id's slot, so a write racing
   * the prune either lands first (the scope is kept) or registers it again after.
   */
  async pruneGloballyUnusedScopes(): Promise<Scope[]> {
    const named = (await this.listAllScopes()).filter((s): s is NamedScope => s.isNamed());
    const removed = await mapLimited(named, (s) => this.#release(s, 'pruneGloballyUnusedScopes', true));
    return named.filter((_, i) => removed[i] === 'released');
  }

  idOf(scope: ScopeLike): Promise<bigint | undefined> {
    return this.#lifecycle.idOf(scope);
  }

  dropScope(scope: ScopeLike): Promise<void> {
    return this.#lifecycle.dropScope(scope);
  }

  renameScope(from: ScopeLike, to: ScopeLike, options?: { replace?: boolean }): Promise<void> {
    return this.#lifecycle.renameScope(from, to, options);
  }

  swapScopes(a: ScopeLike, b: ScopeLike): Promise<void> {
    return this.#lifecycle.swapScopes(a, b);
  }

  copyScope(from: ScopeLike, to: ScopeLike, options?: CopyScopeOptions): Promise<number> {
    return this.#lifecycle.copyScope(from, to, options);
  }

  reclaim(options?: { budgetMs?: number }): Promise<number> {
    return this.#lifecycle.reclaim(options);
  }

  pendingReclaim(): Promise<number> {
    return this.#lifecycle.pendingReclaim();
  }
  exportScope(scope: ScopeLike, sink: DumpSink, options?: ExportScopeOptions): Promise<DumpSummary> {
    return exportScope({ caller: this.caller, router: this.router, lifecycle: this.#lifecycle }, scope, sink, options);
  }

  importScope(source: DumpSource, scope: ScopeLike, options?: ImportScopeOptions): Promise<DumpSummary> {
    return importScope({ caller: this.caller, router: this.router, lifecycle: this.#lifecycle }, source, scope, options);
  }

  async scopeStats(scope: ScopeLike): Promise<ScopeStatsAcross> {
    const s = Scope.from(scope);
    const [names, fields] = await Promise.all([
      this.statsDatabases(),
      this.#readCounts<(Buffer | null)[]>(s, { op: 'allstats' }, 'scopeStats'),
    ]);
    const found = new Map<string, number>();
    for (let i = 0; i + 1 < fields.length; i += 2) found.set(String(fields[i]), Number(String(fields[i + 1])));
    const databases: Record<string, ScopeStats> = {};
    let entries = 0;
    let bytes = 0;
    for (const name of names) {
      const stats = { entries: found.get(`e:${name}`) ?? 0, bytes: found.get(`b:${name}`) ?? 0 };
      databases[name] = stats;
      entries += stats.entries;
      bytes += stats.bytes;
    }
    return { entries, bytes, databases };
  }

  setQuota(scope: ScopeLike, quota: Quota | null): Promise<void> {
    try {
      const s = Scope.from(scope);
      if (!s.isNamed()) throw new ScopedDbError('INVALID_INPUT', 'setQuota: the default scope has no quota');
      const checked = checkQuota(quota, s.name);
      return this.sendQuota(s, { maxEntries: checked?.maxEntries ?? null, maxBytes: checked?.maxBytes ?? null });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends a quota as a write of `scope` (the store's write path overrides this). */
  protected sendQuota(_scope: NamedScope, _limits: { maxEntries: number | null; maxBytes: number | null }): Promise<void> {
    return Promise.reject(new ScopedDbError('INVALID_INPUT', 'setQuota needs a store'));
  }

  async getQuota(scope: ScopeLike): Promise<Quota | undefined> {
    const s = Scope.from(scope);
    if (!s.isNamed()) return undefined;
    return quotaOf(await this.#readCounts<(Buffer | null)[]>(s, { op: 'quota' }, 'getQuota'));
  }

  async listQuotas(): Promise<ScopeQuota[]> {
    const ids = (await this.#scanKeys(QUOTA_PATTERN)).map(idOfQuota).filter((id) => id !== undefined);
    ids.sort(inIdOrder);
    const owners = await this.#owners(ids, 'listQuotas');
    const quotas = await mapLimited(owners, async (name) => {
      if (name === undefined) return undefined;
      const quota = await this.getQuota(Scope.named(name));
      return quota && { scope: Scope.named(name), quota };
    });
    return quotas.filter((q) => q !== undefined);
  }

  /** The databases recorded as keeping stats (the meta record of every database, one HGETALL). */
  async statsDatabases(): Promise<string[]> {
    const records = await this.caller.call('stats databases', (c) => c.hgetall(DATABASE_META_KEY));
    return Object.entries(records)
      .filter(([, record]) => {
        try {
          return (JSON.parse(record) as { stats?: unknown }).stats === true;
        } catch {
          return false;
        }
      })
      .map(([name]) => name)
      .sort();
  }

  /** `recountStats` of one database: at the scope's id, or at every id holding its data (and every id whose stats name it). */
  async recount(database: string, scope: Scope | undefined): Promise<ScopeStats> {
    const ids: (bigint | null)[] = [];
    if (scope === undefined) {
      ids.push(null);
      const [data, stats] = await Promise.all([this.#scanKeys(orderKeyPattern(database)), this.#scanKeys(STATS_PATTERN)]);
      const found = new Set<bigint>();
      for (const key of data) {
        const id = scopeOfOrderKey(key, database);
        if (id !== undefined) found.add(id);
      }
      for (const key of stats) {
        const id = idOfStats(key);
        if (id !== undefined) found.add(id);
      }
      ids.push(...[...found].sort(inIdOrder));
    } else if (!scope.isNamed()) {
      ids.push(null);
    } else {
      const at = await this.router.locate(scope, 'recountStats');
      // An unregistered name's free home may hold data no name owns: its stats count it, as reads do.
      const id = at.id ?? (at.data ? scope.hash : undefined);
      if (id !== undefined) ids.push(id);
    }
    const counts = await mapLimited(ids, async (id) => {
      const data = dataKeys({ hash: id }, database);
      const [entries, bytes] = await this.caller.eval<[number, number]>(
        'recountStats',
        RECOUNT_SCRIPT,
        [countKeys(id).stats, data.hash, data.order],
        [database],
      );
      return { entries: Number(entries), bytes: Number(bytes) };
    });
    return counts.reduce((sum, c) => ({ entries: sum.entries + c.entries, bytes: sum.bytes + c.bytes }), { entries: 0, bytes: 0 });
  }

  /** A read of the scope's stats or quota record, checked on its id's slot like every read (the default scope's directly). */
  async #readCounts<T>(s: Scope, read: { op: 'allstats' } | { op: 'quota' }, context: string): Promise<T> {
    if (s.isNamed()) return (await this.router.read<T>(s, '', read, context)).result;
    const reply = await this.caller.eval<[number, number, Buffer, T]>(
      context,
      READ_SCRIPT,
      readKeys(null, '', read),
      ['', 'default', ...readArgs(read)],
      true,
    );
    return reply[3];
  }

  /** Scopes holding data in one database: DEFAULT first, then named scopes in id order. */
  async scopesWithData(database: string): Promise<Scope[]> {
    const defaultKey = dataKeys(Scope.DEFAULT, database).order;
    const [ids, withDefault] = await Promise.all([
      this.#idsWithData(database),
      this.caller.call('listScopes', (c) => c.exists(defaultKey)),
    ]);
    const named = ids.map(({ owner }) => owner).filter((name) => name !== undefined);
    return [...(withDefault === 1 ? [Scope.DEFAULT] : []), ...named.map((name) => Scope.named(name))];
  }

  /** Ids holding data in one database that no name owns (dropped, reserved and locked ids aside), in id order. */
  async unnamedIdsWithData(database: string): Promise<bigint[]> {
    return (await this.#idsWithData(database)).filter(({ owner, listed }) => listed && owner === undefined).map(({ id }) => id);
  }

  /**
   * Every id with data in one database, in id order, with its owner when a name maps to it.
   * `listed` is false for ids no listing shows: dropped (waiting for reclaim), reserved by a
   * copy, or locked by a lifecycle step under way.
   */
  async #idsWithData(database: string): Promise<{ id: bigint; owner: string | undefined; listed: boolean }[]> {
    const keys = await this.#scanKeys(orderKeyPattern(database));
    const ids = keys.map((key) => scopeOfOrderKey(key, database)).filter((h) => h !== undefined);
    ids.sort(inIdOrder);
    const infos = await mapLimited(ids, (id) => idInfo(this.caller, id, 'listScopes'));
    const owners = await this.#ownersOf(ids, infos, 'listScopes');
    return ids.map((id, i) => {
      const info = infos[i]!;
      const locked = info.name !== null && info.name[0] === 0xff;
      return { id, owner: owners[i], listed: !info.dropped && info.reserved === null && !locked };
    });
  }

  /** The name whose current id each of `ids` is, if any. */
  async #owners(ids: readonly bigint[], context: string): Promise<(string | undefined)[]> {
    const infos = await mapLimited(ids, (id) => idInfo(this.caller, id, context));
    return this.#ownersOf(ids, infos, context);
  }

  /**
   * A name record counts when its name is one this library writes (layout.ts `recordedName`)
   * and maps back to its id: at the name's home, with no entry sending the name elsewhere;
   * elsewhere, with the home's entry pointing here. Any other record (other software, damage,
   * a step stopped half-way) is ignored by every listing and by prune, as on LMDB.
   */
  async #ownersOf(ids: readonly bigint[], infos: readonly IdInfo[], context: string): Promise<(string | undefined)[]> {
    return mapLimited(
      ids.map((id, i) => [id, infos[i]!] as const),
      async ([id, info]) => {
        const name = recordedName(info.name);
        if (name === undefined) return undefined;
        const home = homeOf(name);
        if (home === id) return info.entry === null ? name : undefined;
        const entry = await this.caller.call(context, (c) => c.hget(idRecordKeys(home).entries, name));
        return entry === idHex(id) ? name : undefined;
      },
    );
  }

  /** Unregisters `s` where it lives (RELEASE_SCRIPT); `emptyOnly`: only if it holds no data. */
  async #release(s: NamedScope, context: string, emptyOnly = false): Promise<string> {
    const found = await this.router.visit<string>(s, context, (target, mode) =>
      // Away from its home, an id holding data could not be found again once unregistered.
      this.router.call<string>(context, RELEASE_SCRIPT, idRecordArgs(target), [s.name, mode, emptyOnly || mode === 'id' ? 'empty' : '']),
    );
    const outcome = String(found.result);
    if (outcome === 'released') {
      if (found.id !== s.hash) {
        await this.caller.eval(context, UNBIND_SCRIPT, [idRecordKeys(s.hash).entries], [s.name, idHex(found.id)]);
      }
      // The write route is left as it is: writes in flight with it find the record gone and retry in order.
    }
    return outcome;
  }
}
