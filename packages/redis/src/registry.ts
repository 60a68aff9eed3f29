/**
 * The scope registry on Redis: one name record per named scope, in the scope's
 * own slot. Listing SCANs every master (never KEYS), so it works on a cluster
 * and costs one pass over the keyspace; single-scope calls are one command.
 */
import { Scope, ScopedDbError, type ScopeLike } from '@scoped-lmdb/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisCaller } from './caller.js';
import {
  checkScopeHash,
  dataKeys,
  NAME_RECORD_PATTERN,
  orderKeyPattern,
  scopeOf,
  scopeOfNameRecord,
  scopeOfOrderKey,
  scopeRecordKeys,
} from './layout.js';
import { PRUNE_SCRIPT, REGISTER_SCRIPT, UNREGISTER_SCRIPT } from './scripts.js';

const SCAN_COUNT = 1000;
/** How many single-key commands a listing keeps in flight (they go to different slots). */
const PARALLEL = 64;

/** Ids sort like their unsigned hashes (big-endian bytes): sorting the hashes lists scopes in id order. */
function inIdOrder(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function mapLimited<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return results;
}

/** The scope registry, across every master. Named and shaped like `GlobalScopeRegistry`, returning Promises. */
export interface RedisScopeRegistryApi {
  /** Idempotent; DEFAULT is a no-op; another name under the id -> HASH_COLLISION. */
  registerScope(scope: ScopeLike): Promise<void>;
  getScopeName(hash: bigint): Promise<string | undefined>;
  /** One GET, not a scan; undefined if the id holds another name. */
  lookupScopeHash(name: string): Promise<bigint | undefined>;
  /** DEFAULT first, then named scopes in id order. */
  listAllScopes(): Promise<Scope[]>;
  /** DEFAULT is always true. */
  scopeExists(scope: ScopeLike): Promise<boolean>;
  /** True iff it was registered; DEFAULT -> false. */
  unregisterScope(scope: ScopeLike): Promise<boolean>;
  /** True when the scope holds no data in any database of the store. */
  isScopeEmpty(scope: ScopeLike): Promise<boolean>;
  /**
   * Unregisters every named scope that holds no data in any database and returns
   * them. It needs no list of databases: each scope knows its own (see layout).
   */
  pruneGloballyUnusedScopes(): Promise<Scope[]>;
}

/** The registry on one client: the store's registry API, and the listings its databases ask for. */
export class RedisScopeRegistry implements RedisScopeRegistryApi {
  constructor(readonly caller: RedisCaller) {}

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
    await this.caller.eval('registerScope', REGISTER_SCRIPT, [scopeRecordKeys(s).name], [s.name]);
  }

  async getScopeName(hash: bigint): Promise<string | undefined> {
    const h = checkScopeHash(hash);
    const name = await this.#nameAt(h);
    return name !== undefined && scopeOf(h, name) ? name : undefined;
  }

  async lookupScopeHash(name: string): Promise<bigint | undefined> {
    const s = Scope.named(name);
    // Always true (Scope.named never gives DEFAULT); it tells the compiler `hash` is set.
    if (!s.isNamed()) return undefined;
    return (await this.#nameAt(s.hash)) === name ? s.hash : undefined;
  }

  async scopeExists(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    return !s.isNamed() || (await this.#nameAt(s.hash)) === s.name;
  }

  async unregisterScope(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    if (!s.isNamed()) return false;
    return (await this.caller.eval<number>('unregisterScope', UNREGISTER_SCRIPT, [scopeRecordKeys(s).name], [s.name])) === 1;
  }

  /** DEFAULT first, then the named scopes in id order (as LMDB lists them). */
  async listAllScopes(): Promise<Scope[]> {
    const hashes = (await this.#scanKeys(NAME_RECORD_PATTERN)).map(scopeOfNameRecord).filter((h) => h !== undefined);
    hashes.sort(inIdOrder);
    const names = await mapLimited(hashes, (h) => this.#nameAt(h));
    const named = hashes.map((h, i) => scopeOf(h, names[i])).filter((s): s is Scope => s !== undefined);
    return [Scope.DEFAULT, ...named];
  }

  /** True when the scope holds no data in any database of the store. */
  async isScopeEmpty(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    return (await this.caller.call('isScopeEmpty', (c) => c.exists(scopeRecordKeys(s).databases))) === 0;
  }

  /**
   * Removes the name of every registered scope that holds no data in any database.
   * Each scope is checked and removed by one script on its slot, so a write racing
   * the prune either lands first (the scope is kept) or re-registers it after.
   */
  async pruneGloballyUnusedScopes(): Promise<Scope[]> {
    const named = (await this.listAllScopes()).filter((s) => s.isNamed());
    const removed = await mapLimited(named, (s) => {
      const keys = scopeRecordKeys(s);
      return this.caller.eval<number>('pruneGloballyUnusedScopes', PRUNE_SCRIPT, [keys.name, keys.databases], [s.name]);
    });
    return named.filter((_, i) => removed[i] === 1);
  }

  /** Scopes holding data in one database: DEFAULT first, then named scopes in id order. */
  async scopesWithData(database: string): Promise<Scope[]> {
    const defaultKey = dataKeys(Scope.DEFAULT, database).order;
    const [ids, withDefault] = await Promise.all([
      this.#idsWithData(database),
      this.caller.call('listScopes', (c) => c.exists(defaultKey)),
    ]);
    const named = ids.map(({ scope }) => scope).filter((s): s is Scope => s !== undefined);
    return [...(withDefault === 1 ? [Scope.DEFAULT] : []), ...named];
  }

  /** Ids holding data in one database whose name record is missing or not valid (see `scopeOf`), in id order. */
  async unnamedIdsWithData(database: string): Promise<bigint[]> {
    return (await this.#idsWithData(database)).filter(({ scope }) => scope === undefined).map(({ hash }) => hash);
  }

  /** Every named scope's id with data in one database, in id order, with the scope its name record names (if valid). */
  async #idsWithData(database: string): Promise<{ hash: bigint; scope: Scope | undefined }[]> {
    const keys = await this.#scanKeys(orderKeyPattern(database));
    const hashes = keys.map((key) => scopeOfOrderKey(key, database)).filter((h) => h !== undefined);
    hashes.sort(inIdOrder);
    const names = await mapLimited(hashes, (h) => this.#nameAt(h));
    return hashes.map((hash, i) => ({ hash, scope: scopeOf(hash, names[i]) }));
  }

  async #nameAt(hash: bigint): Promise<string | undefined> {
    const key = scopeRecordKeys({ hash }).name;
    const bytes = await this.caller.call('getScopeName', (c) => c.getBuffer(key));
    if (bytes === null) return undefined;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
}
