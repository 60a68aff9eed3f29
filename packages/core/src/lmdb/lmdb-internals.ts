/**
 * The lmdb-js internals core relies on, in one place (check them on every lmdb-js upgrade;
 * lmdb-js 3.5 at the time of writing):
 * - `env.env.writeTxn`: the native env's open write transaction (set inside `transactionSync`
 *   and lmdb-js's async transaction callbacks);
 * - `env.env.address`: 0 once the env is closed; `env.status` is `'closing'` while `close()`
 *   waits for lmdb-js's own pending writes;
 * - a read-only env (`readOnly: true`) has no write methods at all;
 * - `transactionSync` nested in a write transaction runs as a child transaction (so it can roll
 *   back alone), except with `useWritemap`: it then joins the open one, and a throw inside it
 *   leaves its writes in place; the root store of an env opened with it has an own
 *   `useWritemap: true` (the open options are copied onto it);
 * - `close` and `transactionSync` are looked up on the env object, so an own property wraps them;
 * - `getBinaryFast` returns a reused buffer whose `length` is faked over a larger allocation;
 * - a reverse range without `end` stops before the key `[0x00]`, an explicit `end: undefined`
 *   does not;
 * - range `offset` is skipped natively without looking at `end`, as a uint32;
 * - `openDB` with `create: false` opens only an existing table (missing from lmdb-js's types),
 *   and returns undefined for a missing one;
 * - MDB_DBS_FULL arrives as `error.code === -30791`;
 * - every store of one env shares one class (its prototype) and one native `env.env`; their
 *   `emit('begin-transaction')` runs whenever lmdb-js renews the env's read transaction and at
 *   the start of `transactionSync`; the renewal happens lazily at the first read of a turn, and
 *   `ensureReadTxn()` forces it;
 * - `useReadTransaction()` hands out the shared read transaction, an instance of lmdb-js's `Txn`
 *   (not exported: `new (txn.constructor)(env.env, MDB_RDONLY)` makes one of our own, which
 *   `done()` aborts once `refCount` is 0 and `notCurrent` is set); `openDB` commits the shared one
 *   (`_commitReadTxn`), so it cannot be held across calls; reads take a held one as
 *   `{ transaction }` (point reads prefer an open write transaction);
 * - `env.env.info().lastTxnId` is the id of the env's last committed write transaction, read
 *   from the shared meta page (so it moves with commits of other processes too);
 * - a range read (`getRange`, `getKeys`) makes each step's key with `this.readKey(keyBuffer,
 *   start, end)` and, when `this.decoder` is set and `this.decoderCopies` true, its value with
 *   `this.decoder.decode(bytes, size)` on lmdb-js's reused value buffer (`length` faked, as for
 *   `getBinaryFast`; a value in a memory-mapped overflow page arrives as a copy); everything
 *   else it takes from the store, so an object whose prototype is the store reads its table.
 */
import type { Database, RangeOptions, RootDatabase } from 'lmdb';
import { perEnv } from './per-env.js';

type NativeState = { env?: { writeTxn?: object | null; address?: number; info?: () => { lastTxnId?: number } }; status?: string };

/**
 * True while a write transaction is open on `env` in this thread (inside
 * `transactionSync`, or an async `transaction` callback). Writes made now join
 * it, and whether they commit is not known until it ends.
 */
export function inWriteTransaction(env: RootDatabase): boolean {
  return currentWriteTransaction(env) !== undefined;
}

/**
 * The open write transaction on `env` in this thread, as an opaque token: lmdb-js makes a
 * new one for every transaction (nested ones included), so it tells one transaction from
 * the next. Undefined outside a write transaction.
 */
export function currentWriteTransaction(env: RootDatabase): object | undefined {
  return (env as unknown as NativeState).env?.writeTxn ?? undefined;
}

/**
 * True once `env.close()` has run. lmdb-js would accept an async write on a closed
 * env and then fail in a later tick, outside any promise; we refuse it up front.
 */
export function isClosed(env: RootDatabase): boolean {
  return !(env as unknown as NativeState).env?.address;
}

/** True for an env opened with `readOnly: true`: lmdb-js then adds no write methods at all. */
export function isReadOnly(env: RootDatabase): boolean {
  return typeof env.transactionSync !== 'function';
}

/** A promise or other thenable: returned by a transaction callback, lmdb-js keeps the transaction open until it settles. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** True when a `transactionSync` nested in a write transaction of `env` can roll back alone. */
export function hasChildTransactions(env: RootDatabase): boolean {
  return (env as unknown as { useWritemap?: boolean }).useWritemap !== true;
}

/** True once `close()` has started: nothing may read or write the env any more. */
export function isClosing(env: RootDatabase): boolean {
  const status = (env as unknown as NativeState).status;
  return status === 'closing' || status === 'closed' || isClosed(env);
}

/**
 * The id of the last write transaction committed to `env` by any process: equal ids mean the
 * data has not changed in between (what a cache of a listing can be keyed by); undefined when
 * lmdb-js does not tell.
 */
export function lastCommittedTxnId(env: RootDatabase): number | undefined {
  return (env as unknown as NativeState).env?.info?.().lastTxnId;
}

/** LMDB's MDB_DBS_FULL, as lmdb-js reports it in `error.code`. */
export const MDB_DBS_FULL = -30791;

/**
 * An exact plain view of bytes lmdb-js handed out: its fast-get buffer fakes `length` over a
 * larger allocation, and views of a Buffer pay a slow FastBuffer constructor.
 */
export function exactView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Opens an existing table only (lmdb-js `create: false`); throws when it does not exist. */
export function openExistingTable(env: RootDatabase, name: string | null): Database<Uint8Array, Uint8Array> {
  const options = { name, keyEncoding: 'binary', encoding: 'binary', create: false } as const;
  const table = env.openDB(options as unknown as { name: string }) as Database<Uint8Array, Uint8Array> | undefined;
  // lmdb-js answers a missing table with undefined on a writable env (and throws on a read-only one).
  if (!table) throw new Error(`no table ${JSON.stringify(name)} in this env`);
  return table;
}

/** A reverse scan without `end` that must still reach a first key of `[0x00]`. */
export function reachFirstKey(range: { end?: Uint8Array }): void {
  (range as { end?: Uint8Array | undefined }).end = undefined;
}

const originals = new WeakMap<RootDatabase, RootDatabase['transactionSync']>();

/** What runs around the callback of every write transaction this library runs, or sees opened through `env.transactionSync`. */
export interface TransactionHooks {
  /** Inside the transaction, before the callback (the transaction is `currentWriteTransaction(env)`). */
  enter(): void;
  /** Inside the transaction, after the callback: `committing` when it returned (a nested one commits into its parent), false when it threw. */
  exit(committing: boolean): void;
}

const hooksOf = perEnv((): TransactionHooks[] => []);

/** Adds hooks run around every write transaction of `env` (stats accounting, say). */
export function addTransactionHooks(env: RootDatabase, hooks: TransactionHooks): void {
  hooksOf(env).push(hooks);
}

/**
 * `fn` in a write transaction (a child of the open one, if any: it rolls back alone), with the
 * env's hooks around it and without the write-queue flush of the wrapped `env.transactionSync`.
 */
export function transact<T>(env: RootDatabase, fn: () => T, flags?: number): T {
  const original = originals.get(env) ?? env.transactionSync;
  const hooks = hooksOf(env);
  if (hooks.length === 0) return (original as (f: () => T, flags?: number) => T).call(env, fn, flags);
  const around = (): T => {
    for (const hook of hooks) hook.enter();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      for (const hook of hooks) hook.exit(false);
      throw error;
    }
    // lmdb-js keeps the transaction open while a returned promise is pending: the hooks end with it.
    if (isThenable(result)) {
      return result.then(
        (value) => {
          for (const hook of hooks) hook.exit(true);
          return value;
        },
        (error: unknown) => {
          for (const hook of hooks) hook.exit(false);
          throw error;
        },
      ) as T;
    }
    for (const hook of hooks) hook.exit(true);
    return result;
  };
  return (original as (f: () => T, flags?: number) => T).call(env, around, flags);
}

/** `env.transactionSync` as lmdb-js made it, with the hooks but without the write-queue flush in front. */
export function originalTransactionSync<T>(env: RootDatabase, fn: () => T): T {
  return transact(env, fn);
}

/**
 * Makes `env.transactionSync` (outside a write transaction) and `env.close` flush the
 * env's write queue first, so queued async writes commit before a synchronous transaction
 * (call order) and before the env closes (a put followed at once by close still commits).
 * Every `env.transactionSync` also runs the env's transaction hooks.
 */
export function wrapEnvForWriteQueue(env: RootDatabase, flush: () => void): void {
  if (originals.has(env) || isReadOnly(env)) return;
  const close = env.close;
  originals.set(env, env.transactionSync);
  const wrapped = env as unknown as Record<'transactionSync' | 'close', (...args: unknown[]) => unknown>;
  wrapped.transactionSync = (fn: unknown, flags?: unknown) => {
    if (!inWriteTransaction(env)) flush();
    return transact(env, fn as () => unknown, flags as number | undefined);
  };
  wrapped.close = function (this: RootDatabase, ...args: unknown[]) {
    if (!isClosing(env)) flush();
    return (close as (...a: unknown[]) => unknown).apply(this, args);
  };
}

/** Renewal hooks by native env (every store of an env shares it), so one env's renewals never run another's hooks. */
const renewalHooks = new WeakMap<object, Set<() => void>>();
const patchedPrototypes = new WeakSet<object>();

/**
 * Calls `hook` whenever lmdb-js starts a read snapshot on `env` (it renews one shared read
 * transaction at most once per event turn, and after each commit) and at the start of every
 * `transactionSync`: the moment a cache of data read from the env must be checked again.
 * lmdb-js emits `begin-transaction` on whichever store read first, so the hook sits on the
 * stores' shared prototype. Returns the unhook.
 *
 * lmdb-js renews lazily, at the first read: a cache must call `ensureReadSnapshot` before it
 * answers from memory, or it answers for the snapshot before.
 */
export function onReadTransaction(env: RootDatabase, hook: () => void): () => void {
  const proto = Object.getPrototypeOf(env) as { emit: (event: string | symbol, ...args: unknown[]) => boolean };
  if (!patchedPrototypes.has(proto)) {
    patchedPrototypes.add(proto);
    const emit = proto.emit;
    proto.emit = function (this: NativeState, event: string | symbol, ...args: unknown[]) {
      if (event === 'begin-transaction' && this.env) {
        const hooks = renewalHooks.get(this.env);
        if (hooks) for (const run of hooks) run();
      }
      return emit.call(this, event, ...args);
    };
  }
  const native = (env as unknown as NativeState).env as object;
  let hooks = renewalHooks.get(native);
  if (!hooks) {
    hooks = new Set();
    renewalHooks.set(native, hooks);
  }
  hooks.add(hook);
  const own = hooks;
  return () => own.delete(hook);
}

/** Envs whose shared read snapshot ends with the synchronous block that started it. */
const snapshotPerBlockEnvs = new WeakSet<RootDatabase>();

/**
 * Ends lmdb-js's shared read snapshot at the end of the synchronous block that started it,
 * rather than at lmdb-js's `setTimeout(0)` (up to a whole event-loop iteration later: a read
 * in a message handler would still see the snapshot an earlier timer took, before the commit
 * the message is about). Each later block that reads starts a snapshot of its own, so one
 * block's reads still share one snapshot, and a block reads what was committed before it.
 */
export function snapshotPerBlock(env: RootDatabase): void {
  if (snapshotPerBlockEnvs.has(env)) return;
  snapshotPerBlockEnvs.add(env);
  const reset = (env as unknown as { resetReadTxn?: () => void }).resetReadTxn;
  if (typeof reset !== 'function') return;
  let queued = false;
  const end = () => {
    queued = false;
    if (isClosing(env) || inWriteTransaction(env)) return;
    try {
      reset.call(env);
    } catch {
      // lmdb-js refuses to reset a snapshot it already let go: the next read renews anyway
    }
  };
  onReadTransaction(env, () => {
    if (queued) return;
    queued = true;
    queueMicrotask(end);
  });
}

/**
 * Outside a write transaction: makes lmdb-js start the read snapshot the next read will use
 * now (running the renewal hooks), if this event turn has none yet. Cheap when it has one.
 */
export function ensureReadSnapshot(env: RootDatabase): void {
  (env as unknown as { ensureReadTxn?: () => void }).ensureReadTxn?.();
}

/** An lmdb-js read transaction held across calls, as reads take it: `{ transaction }`. */
export interface HeldReadSnapshot {
  /** The lmdb-js `Transaction`, for read options (`{ transaction }`) and range options. */
  readonly transaction: object;
  /** Ends it (aborts the read transaction): LMDB frees its reader slot. */
  done(): void;
}

/** lmdb-js's read transaction object (its `Txn`, a native class with JS methods added by lmdb-js). */
interface LmdbTxn {
  refCount?: number;
  notCurrent?: boolean;
  use(): void;
  done(): void;
}

/** LMDB's MDB_RDONLY, as lmdb-js passes it to `new Txn(env, flags)`. */
const MDB_RDONLY = 0x20000;

/**
 * A read transaction of its own on `env`, held until `done()`: reads given `{ transaction }`
 * see the data as of now, whatever commits later. Not lmdb-js's shared read transaction
 * (`useReadTransaction()`), which lmdb-js ends under its users: opening any table (`openDB`)
 * commits it (`_commitReadTxn`), and after a renewal with no commit in between it is adopted as
 * the shared one again. lmdb-js exports no `Txn`; its class is the constructor of the one
 * `useReadTransaction()` hands out, built as lmdb-js builds its own (`new Txn(nativeEnv,
 * MDB_RDONLY)`), in use and "not current", so lmdb-js's `done()` aborts it when the last user
 * (ours, or a range still walking it) lets go.
 *
 * Building a `Txn` makes it the native env's default read transaction (what a range without
 * `{ transaction }` reads), so lmdb-js must start a fresh shared one after it: the current shared
 * one is first detached (`resetReadTxn()` while we hold it: it stays valid for whoever still
 * walks it), lmdb-js's memory of it dropped (`_commitReadTxn()` with none current commits
 * nothing, and forgets the last one, which it would otherwise adopt again without making a new
 * one), and `ensureReadTxn()` then builds the fresh one, the native default again.
 *
 * Each snapshot holds one of the env's reader slots (`maxReaders`, 126 by default, shared by
 * every process) and keeps LMDB from reusing pages freed after it, until it is done. Outside a
 * write transaction only (there lmdb-js builds no shared read transaction).
 */
export function holdReadSnapshot(env: RootDatabase): HeldReadSnapshot {
  if (inWriteTransaction(env)) throw new Error('a read snapshot cannot be taken inside a write transaction');
  const lmdb = env as unknown as {
    useReadTransaction(): LmdbTxn;
    resetReadTxn(): void;
    _commitReadTxn(): void;
    ensureReadTxn(): void;
    env: object;
  };
  const shared = lmdb.useReadTransaction();
  const Txn = shared.constructor as new (nativeEnv: object, flags: number) => LmdbTxn;
  lmdb.resetReadTxn();
  lmdb._commitReadTxn();
  const transaction = new Txn(lmdb.env, MDB_RDONLY);
  transaction.use();
  transaction.notCurrent = true;
  lmdb.ensureReadTxn();
  shared.done();
  return { transaction, done: () => transaction.done() };
}

/** Node's pool Buffer copy of `source[from, to)`; `source` is an lmdb-js buffer whose `length` may be faked. */
function copyToBuffer(source: Uint8Array, from: number, to: number): Buffer {
  const length = to - from;
  const out = Buffer.allocUnsafe(length);
  // A short key: a byte loop beats building a view to `set` from.
  if (length <= 32) for (let i = 0; i < length; i++) out[i] = source[from + i] as number;
  else out.set(new Uint8Array(source.buffer, source.byteOffset + from, length));
  return out;
}

/**
 * `table` (binary keys and values) for range reads that hand out Node Buffers: each key from byte
 * `skip` on (past a scope's id) and each value, copied into Buffers from Node's pool. lmdb-js's
 * own binary store makes both with `Uint8Array.prototype.slice` on a Buffer, the species path
 * (a slow FastBuffer construction, twice per step); this one copies straight out of lmdb-js's
 * reused buffers. An object whose prototype is the store, with its own key reader and value
 * decoder (see the list at the top): same table, cursors and transactions, nothing opened.
 * Only its `getRange`/`getKeys` may be used.
 */
export function bufferRangeReads(table: Database<Uint8Array, Uint8Array>, skip: number): Database<Buffer, Buffer> {
  return rangeReadsWith(
    table,
    (key, start, end) => copyToBuffer(key, start + skip, end),
    (bytes, size) => copyToBuffer(bytes, 0, size),
  ) as unknown as Database<Buffer, Buffer>;
}

/**
 * `table` for range reads that parse each key and value straight out of lmdb-js's reused buffers
 * (`readKey` gets the key's bytes at [start, end), `decode` the value's first `size` bytes): for
 * walks that want a few numbers per record, not a copy of it. The same object trick as
 * `bufferRangeReads`: only its `getRange` may be used.
 */
export function rangeReadsWith<K, V>(
  table: Database<Uint8Array, Uint8Array>,
  readKey: (key: Uint8Array, start: number, end: number) => K,
  decode: (bytes: Uint8Array, size: number) => V,
): { getRange(options: RangeOptions): Iterable<{ key: K; value: V }> } {
  return Object.create(table, {
    readKey: { value: readKey },
    decoder: { value: { decode } },
    decoderCopies: { value: true },
  });
}
