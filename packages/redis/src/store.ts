/**
 * `openRedisScopedStore`: its options, the client's readiness, and the store it returns,
 * whose databases share one write path (call order per scope, write-order.ts; one
 * script per write or transaction, scripts.ts) and one registry.
 */
import { type AsyncScopedDatabase, type Codec, type NamedScope, Scope, ScopedDbError, type ScopeLike } from '@scoped-lmdb/core';
import type { Cluster, Redis } from 'ioredis';

/**
 * A client of either supported ioredis major (^5 || ^6), taken by shape: the types are those
 * of the ioredis this package was built against, and 5's classes lack some of 6's members.
 * At run time `isClient` checks the same shape.
 */
export type IoRedisClient =
  | Redis
  | Cluster
  | {
      /** True for an ioredis `Cluster`. */
      readonly isCluster: boolean;
      /** ioredis's raw command call with Buffer replies. */
      callBuffer(...args: never[]): unknown;
    };

import { RedisCaller } from './caller.js';
import type { StoreContext } from './context.js';
import { type RedisDatabaseOptions, RedisScopedDatabase } from './database.js';
import { hashTag } from './layout.js';
import { RedisScopeRegistry, type RedisScopeRegistryApi } from './registry.js';
import { type QuotaLimits, READ_SCRIPT, type ReadOp, readArgs, readKeys, type WriteOp, type WriteTarget, writeBatch } from './scripts.js';
import { PendingTransaction, Transactions } from './transaction.js';
import type { Place } from './write-order.js';

/** Lua passes a page's keys to HMGET through `unpack`, bounded by Lua's C stack (8 000 slots). */
const MAX_PAGE_SIZE = 5_000;

/** Options of `openRedisScopedStore`. */
export interface RedisScopedStoreOptions {
  /**
   * Every command rejects with STORAGE when Redis has not replied by then (default
   * 10 000 ms), so a dead master fails its operations instead of hanging them.
   * A write that timed out may still have been applied.
   */
  commandTimeoutMs?: number;
  /** Entries per round trip of a range (default 500, at most 5 000: a page is unpacked on the Lua stack). */
  rangePageSize?: number;
  /**
   * How long a lifecycle lock may stand undecided before a caller that meets it rolls it back
   * (default 2 000 ms; README "Steps"). A call blocked by a lock gives up (STORAGE) a second
   * after this.
   */
  lockTimeoutMs?: number;
  /**
   * Reclaim dropped scopes in the background, shortly after each drop and once after the store
   * opens (default true). With false, only `reclaim()` frees them.
   */
  backgroundReclaim?: boolean;
}

export interface RedisScopedStore extends RedisScopeRegistryApi {
  /** The ioredis client the store was opened on (the caller still owns and closes it). */
  readonly client: Redis | Cluster;
  /**
   * Core's `AsyncScopedDatabase`; `V` and `VIn` come from the value codec (`Codec<V, VIn>`).
   * `{ stats: true }` keeps per-scope stats, LMDB's `.withStats()` (README "Stats and quotas").
   */
  database<K, V, VIn = V>(
    name: string,
    keyCodec: Codec<K>,
    valueCodec: Codec<V, VIn>,
    options?: RedisDatabaseOptions,
  ): AsyncScopedDatabase<K, V, VIn>;
  /**
   * Runs `fn`; the writes it makes (`put`, `remove`, `clearAsync` of any database
   * of this store) are queued and applied to `scope` in one atomic step when `fn`
   * returns, or not at all if `fn` or any write fails. A write to another scope
   * fails the transaction with INVALID_INPUT: a cluster keeps scopes in different
   * slots, and Redis has no atomic write across slots.
   *
   * The transaction takes its place in call order when it is called: writes to
   * `scope` issued after it (outside `fn`) apply after it, even while an async `fn`
   * runs; writes to other scopes do not wait. Reads of `scope` inside `fn` see every
   * write issued before the transaction, and none of its own.
   *
   * The writes' own promises settle after the commit: await the transaction, not
   * them (awaiting one inside an async `fn` would wait forever, and so would awaiting,
   * inside `fn`, a write to `scope` made outside it). A plain `fn` that returns a
   * promise (`() => db.put(…)`) commits when it returns, and the transaction then
   * resolves with that promise's result.
   */
  transaction<T>(scope: ScopeLike, fn: () => T | Promise<T>): Promise<T>;
}

/**
 * The store is its registry (the registry API, and the listings its databases ask for)
 * plus database() and transaction(): it inherits the registry's methods rather than
 * forwarding each one, as `RedisScopedStore extends RedisScopeRegistryApi`.
 */
class Store extends RedisScopeRegistry implements RedisScopedStore, StoreContext {
  readonly client: Redis | Cluster;
  readonly pageSize: number;
  readonly #transactions = new Transactions();

  constructor(client: Redis | Cluster, options: RedisScopedStoreOptions) {
    super(new RedisCaller(client, options.commandTimeoutMs ?? 10_000), {
      lockTimeoutMs: options.lockTimeoutMs ?? 2_000,
      backgroundReclaim: options.backgroundReclaim ?? true,
    });
    this.client = client;
    this.pageSize = options.rangePageSize ?? 500;
  }

  protected override insideTransaction(): boolean {
    return this.#transactions.current()?.open === true;
  }

  database<K, V, VIn = V>(
    name: string,
    keyCodec: Codec<K>,
    valueCodec: Codec<V, VIn>,
    options?: RedisDatabaseOptions,
  ): AsyncScopedDatabase<K, V, VIn> {
    return new RedisScopedDatabase(this, name, keyCodec, valueCodec, options);
  }

  /** A quota is a write of its scope: call order, transactions and retries as for a put. */
  protected override sendQuota(scope: NamedScope, limits: QuotaLimits): Promise<void> {
    return this.write(
      () => [scope, { kind: 'quota', limits }],
      () => undefined,
    );
  }

  write<T>(build: () => [Scope, WriteOp], finish: (result: number) => T): Promise<T> {
    const pending = this.#transactions.current();
    if (!pending) {
      let scope: Scope;
      let op: WriteOp;
      try {
        [scope, op] = build();
      } catch (error) {
        return Promise.reject(error);
      }
      // The place is taken now, at call time: that is what keeps call order.
      return this.#send(scope, [op], this.order.enter(hashTag(scope))).then((results) => finish(results[0]!));
    }
    let result: Promise<T>;
    try {
      const [scope, op] = build();
      result = pending.enqueue(scope, op).then(finish);
    } catch (error) {
      pending.fail(error);
      result = Promise.reject(error);
    }
    // The transaction reports every failure; a write's own promise may go unawaited.
    result.catch(() => {});
    return result;
  }

  readTurn(scope: Scope): Promise<void> | undefined {
    const pending = this.#transactions.current();
    if (!pending?.open || !pending.scope.equals(scope)) return undefined;
    const turn = pending.place.turn;
    if (!scope.isNamed()) return turn;
    // Sent is not enough for a named scope: a write that met a changed id is sent again later
    // (routes.ts), so the read waits until every earlier write has been acknowledged.
    const name = scope.name;
    return (async () => {
      await turn;
      await this.router.drained(name);
    })();
  }

  /**
   * Sends one script for `ops` once `place` has its turn and every database involved
   * has checked its codecs. With nothing to wait for it sends synchronously, so
   * back-to-back writes are pipelined.
   */
  #send(scope: Scope, ops: readonly WriteOp[], place: Place): Promise<number[]> {
    const unchecked = [...new Set(ops.map((op) => op.database))].filter((db) => db !== undefined && !db.isReady) as WriteTarget[];
    if (place.turn === undefined && unchecked.length === 0) return this.#dispatch(scope, ops, place);
    return this.#sendInTurn(scope, ops, place, unchecked);
  }

  async #sendInTurn(scope: Scope, ops: readonly WriteOp[], place: Place, unchecked: readonly WriteTarget[]): Promise<number[]> {
    try {
      await place.turn;
      await Promise.all(unchecked.map((db) => db.ready()));
    } catch (error) {
      place.leave();
      throw error;
    }
    // Returned, not awaited: the place is left as soon as the command is with the client.
    return this.#dispatch(scope, ops, place);
  }

  /** At its turn: a named scope's writes go through its route (routes.ts); the default scope's straight to its keys. */
  #dispatch(scope: Scope, ops: readonly WriteOp[], place: Place): Promise<number[]> {
    const only = ops.length === 1 ? ops[0]!.kind : 'transaction';
    const context = only === 'quota' ? 'setQuota' : only;
    if (ops.length > 0 && scope.isNamed()) return this.router.send(scope, ops, place, context);
    try {
      if (ops.length === 0) return Promise.resolve([]);
      const { script, keys, args } = writeBatch(
        { id: null, name: '', mode: 'default', expect: undefined, newGen: '', register: false },
        ops,
      );
      return this.caller.eval<[number, number, string, number[]]>(context, script, keys, args).then((reply) => reply[3]);
    } finally {
      place.leave();
    }
  }

  async read<T>(scope: Scope, database: string, read: ReadOp, context: string): Promise<T> {
    if (scope.isNamed()) return (await this.router.read<T>(scope, database, read, context)).result;
    const reply = await this.caller.eval<[number, number, Buffer, T]>(
      context,
      READ_SCRIPT,
      readKeys(null, database, read),
      ['', 'default', ...readArgs(read)],
      true,
    );
    return reply[3];
  }

  async transaction<T>(scope: ScopeLike, fn: () => T | Promise<T>): Promise<T> {
    const s = Scope.from(scope);
    if (typeof fn !== 'function') throw new ScopedDbError('INVALID_INPUT', 'transaction needs a callback');
    const outer = this.#transactions.current();
    // Nested: join the enclosing transaction (its scope rule applies to every write).
    if (outer?.open) {
      if (!s.equals(outer.scope)) {
        const error = new ScopedDbError(
          'INVALID_INPUT',
          `a transaction on "${s}" cannot nest inside one on "${outer.scope}": one transaction writes to one scope`,
        );
        outer.fail(error);
        throw error;
      }
      return fn();
    }
    // Later writes to this scope wait for this place, also while an async `fn` runs.
    const pending = new PendingTransaction(s, this.order.enter(hashTag(s)));
    let result: T | undefined;
    /** What a plain (not async) callback handed back a promise of: the result, once committed. */
    let after: Promise<T> | undefined;
    try {
      const returned = this.#transactions.run(pending, fn);
      // A sync callback commits without an await in between: nothing can slip in before it.
      // A plain callback that returns a promise (`() => db.put(…)`) has made its writes; that
      // promise may wait for the commit, so it is awaited after it, never before (a deadlock).
      if (!isThenable(returned)) result = returned;
      else if (fn instanceof AsyncFunction) result = await returned;
      else {
        after = returned;
        // If the transaction fails, that promise's own rejection is not the caller's to handle.
        after.catch(() => {});
      }
    } catch (error) {
      pending.fail(error);
    }
    pending.open = false;
    try {
      if (pending.failed) {
        pending.place.leave();
        throw pending.failure;
      }
      const results = await this.#send(
        s,
        pending.queued.map((q) => q.op),
        pending.place,
      );
      for (const [i, q] of pending.queued.entries()) q.resolve(results[i]!);
      return after ? await after : result!;
    } catch (error) {
      for (const q of pending.queued) q.reject(error);
      throw error;
    }
  }
}

/** The constructor of every native `async` function. */
const AsyncFunction = (async () => {}).constructor;

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function isClient(value: unknown): value is Redis | Cluster {
  return typeof value === 'object' && value !== null && typeof (value as Redis).callBuffer === 'function' && 'isCluster' in value;
}

/** Resolves once the client can take commands (a Cluster: once it knows the slot map). */
async function whenReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') await client.connect();
  if ((client.status as string) === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`the client was not ready within ${timeoutMs} ms (status "${client.status}")`)),
      timeoutMs,
    );
    const onReady = () => done();
    const onEnd = () => done(new Error('the client connection ended'));
    const done = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    client.once('ready', onReady);
    client.once('end', onEnd);
  });
}

/**
 * Opens scopes on Redis: a `Redis.Cluster` (scopes spread over its masters) or a
 * single `Redis`. The client stays the caller's: close it when done.
 */
export async function openRedisScopedStore(client: IoRedisClient, options: RedisScopedStoreOptions = {}): Promise<RedisScopedStore> {
  if (!isClient(client)) throw new ScopedDbError('INVALID_INPUT', 'openRedisScopedStore needs an ioredis Redis or Cluster client');
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (name === 'backgroundReclaim') {
      if (typeof value !== 'boolean') throw new ScopedDbError('INVALID_INPUT', 'option "backgroundReclaim" must be a boolean');
    } else if (!(Number.isInteger(value) && (value as number) > 0)) {
      throw new ScopedDbError('INVALID_INPUT', `option "${name}" must be a positive integer`);
    }
  }
  if ((options.rangePageSize ?? 0) > MAX_PAGE_SIZE) {
    throw new ScopedDbError('INVALID_INPUT', `option "rangePageSize" is at most ${MAX_PAGE_SIZE}`);
  }
  if ((client.options as { keyPrefix?: string }).keyPrefix) {
    // ioredis prefixes command keys but not SCAN patterns: listings would find nothing.
    throw new ScopedDbError('INVALID_INPUT', 'ioredis\'s keyPrefix option is not supported: every key already starts with "scoped:"');
  }
  const store = new Store(client, options);
  try {
    await whenReady(client, options.commandTimeoutMs ?? 10_000);
  } catch (error) {
    throw new ScopedDbError('STORAGE', `openRedisScopedStore: ${(error as Error).message}`, { cause: error });
  }
  return store;
}
