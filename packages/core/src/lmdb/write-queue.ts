/**
 * Async writes in call order (API.md, "Write order").
 *
 * lmdb-js runs `transaction(callback)` work after the plain writes of its batch, and a
 * synchronous transaction can commit before async writes issued earlier (the worker thread
 * may not hold the write lock yet). Neither gives call order, so async writes of this library
 * never go to lmdb-js's async machinery. Each env has one queue; every async write
 * (`put`, `remove`, `clearAsync`, `transaction(fn)`) joins it in call order, and the queue
 * applies the whole turn's writes in ONE synchronous write transaction on the next
 * `setImmediate` (the same batching lmdb-js does: one transaction per event turn). Before a
 * synchronous write outside a transaction, the queue is flushed first, in a transaction of
 * its own, so the sync write comes second. `env.transactionSync` and `env.close` are wrapped
 * to do the same (see `lmdb-internals.ts`).
 *
 * Because the flush holds the write lock, whatever an op reads inside it (a registry record,
 * whether a key exists) is the truth at its place in call order, across processes too.
 *
 * An op that fails a check (`HASH_COLLISION`, …) before writing fails alone; an op that can
 * fail half-way (`transaction(fn)`, `clearAsync`) runs in a child transaction, so its failure
 * rolls back only its own writes; an LMDB failure (a commit that does not fit on disk) fails
 * every op of the batch with `STORAGE`. An env opened with `useWritemap` has no child
 * transactions: there such an op is a write transaction of its own, between the one of the
 * writes queued before it and the one of the writes queued after it, so the turn takes more
 * than one commit but keeps call order and rollback.
 */
import type { RootDatabase } from 'lmdb';
import { isScopedDbError, ScopedDbError, wrapError } from '../errors.js';
import { hasChildTransactions, isClosing, originalTransactionSync, wrapEnvForWriteQueue } from './lmdb-internals.js';

/** One queued write. `apply` runs inside the flush's write transaction at the write's place. */
export interface QueuedWrite {
  /** The database the write belongs to (for messages). */
  readonly context: string;
  /** Does the write; its return value resolves the write's promise. */
  apply(): unknown;
  /** True when `apply` may write part-way before it throws: it then runs in a child transaction. */
  readonly partial?: boolean;
  /** Undefined for writes that share the batch's promise (they cannot fail on their own). */
  settle?: Settle | undefined;
}

interface Settle {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The promise every "cannot fail alone" write of one batch shares, like lmdb-js's commit promise. */
interface SharedResult {
  readonly promise: Promise<true>;
  resolve(): void;
  reject(error: unknown): void;
}

function sharedResult(): SharedResult {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<true>((res, rej) => {
    resolve = () => res(true);
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The writes of one write transaction, and the promise its shared writes wait on. Without child
 * transactions, a partial write is the only write of its batch.
 */
interface Batch {
  readonly writes: QueuedWrite[];
  shared: SharedResult | undefined;
}

/** Tells the callback's own errors (passed through) from the transaction's (commit failures). */
export function trackCallbackErrors<T>(fn: () => T) {
  let thrown: unknown;
  let didThrow = false;
  return {
    run: () => {
      try {
        return fn();
      } catch (error) {
        didThrow = true;
        thrown = error;
        throw error;
      }
    },
    threw: (error: unknown) => didThrow && error === thrown,
  };
}

export class WriteQueue {
  readonly #env: RootDatabase;
  readonly #childTransactions: boolean;
  /** The batches of the next flush, in call order: one, unless partial writes need transactions of their own. */
  #batches: Batch[] = [];
  /** The last of them: the one the next write joins, unless one of the two must be alone. */
  #current: Batch | undefined;
  #scheduled = false;
  readonly #flush = () => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(env: RootDatabase) {
    this.#env = env;
    this.#childTransactions = hasChildTransactions(env);
  }

  /** True while writes wait for their flush. */
  get pending(): boolean {
    return this.#batches.length > 0;
  }

  /** Queues a write whose promise is the batch's (resolves `true` once the batch commits). */
  addShared(write: QueuedWrite): Promise<true> {
    const batch = this.#push(write);
    batch.shared ??= sharedResult();
    return batch.shared.promise;
  }

  /** Queues a write with a result (or a failure) of its own. */
  add<T>(write: QueuedWrite): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      write.settle = { resolve: resolve as (value: unknown) => void, reject };
    });
    this.#push(write);
    return result;
  }

  /** Adds the write to the batch it commits with, and returns that batch. */
  #push(write: QueuedWrite): Batch {
    let batch = this.#current;
    if (batch === undefined || (!this.#childTransactions && (write.partial || batch.writes[0]?.partial))) {
      batch = this.#current = { writes: [], shared: undefined };
      this.#batches.push(batch);
    }
    batch.writes.push(write);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    return batch;
  }

  /** Applies every queued write now, in call order: one write transaction per batch. */
  flush(): void {
    const batches = this.#batches;
    this.#batches = [];
    this.#current = undefined;
    for (const batch of batches) this.#commit(batch);
  }

  /** One batch in one write transaction; its partial writes in child transactions. */
  #commit({ writes, shared }: Batch): void {
    if (isClosing(this.#env)) {
      const error = new ScopedDbError('STORAGE', `${writes[0]?.context}: the environment was closed before this write was committed`);
      fail(writes, shared, error);
      return;
    }
    if (!this.#childTransactions && writes[0]?.partial) {
      this.#commitAlone(writes[0]);
      return;
    }
    const results: unknown[] = new Array(writes.length);
    const failures = new Map<number, unknown>();
    try {
      originalTransactionSync(this.#env, () => {
        for (let i = 0; i < writes.length; i++) {
          const write = writes[i] as QueuedWrite;
          try {
            results[i] = write.partial ? originalTransactionSync(this.#env, () => write.apply()) : write.apply();
          } catch (error) {
            // A check that failed before writing, or a child transaction that rolled back: this write alone.
            if (write.partial || (isScopedDbError(error) && error.code !== 'STORAGE')) failures.set(i, error);
            else throw error;
          }
        }
      });
    } catch (error) {
      fail(writes, shared, wrapError(error, 'STORAGE', `${writes[0]?.context}: the batched write failed`));
      return;
    }
    shared?.resolve();
    for (let i = 0; i < writes.length; i++) {
      const settle = writes[i]?.settle;
      if (!settle) continue;
      if (failures.has(i)) settle.reject(failures.get(i));
      else settle.resolve(results[i]);
    }
  }

  /** A partial write as the whole transaction (no child transactions): a throw from it rolls back only it. */
  #commitAlone(write: QueuedWrite): void {
    const tracked = trackCallbackErrors(() => write.apply());
    try {
      write.settle?.resolve(originalTransactionSync(this.#env, tracked.run));
    } catch (error) {
      write.settle?.reject(tracked.threw(error) ? error : wrapError(error, 'STORAGE', `${write.context}: the batched write failed`));
    }
  }
}

function fail(writes: readonly QueuedWrite[], shared: SharedResult | undefined, error: unknown): void {
  shared?.reject(error);
  for (const write of writes) write.settle?.reject(error);
}

const queues = new WeakMap<RootDatabase, WriteQueue>();

/** The env's one queue (every scoped database of the env shares it, so call order spans them). */
export function writeQueueOf(env: RootDatabase): WriteQueue {
  let queue = queues.get(env);
  if (!queue) {
    const created = new WriteQueue(env);
    queue = created;
    queues.set(env, created);
    wrapEnvForWriteQueue(env, () => created.flush());
  }
  return queue;
}
