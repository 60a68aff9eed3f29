/**
 * The state of one `store.transaction(scope, fn)`: the writes `fn` makes are queued on
 * its PendingTransaction, found from inside `fn` (across its awaits) through
 * AsyncLocalStorage, and sent by the store as one script when `fn` returns.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Scope, ScopedDbError } from '@scoped-lmdb/core';
import type { WriteOp } from './scripts.js';
import type { Place } from './write-order.js';

interface Queued {
  op: WriteOp;
  resolve(result: number): void;
  reject(error: unknown): void;
}

export class PendingTransaction {
  readonly queued: Queued[] = [];
  failed = false;
  failure: unknown;
  open = true;

  constructor(
    readonly scope: Scope,
    /** The transaction's place in its scope's write order, taken when it was called. */
    readonly place: Place,
  ) {}

  /** The first failure wins: it is what the transaction rejects with. */
  fail(error: unknown): void {
    if (this.open && !this.failed) {
      this.failed = true;
      this.failure = error;
    }
  }

  enqueue(scope: Scope, op: WriteOp): Promise<number> {
    let settle!: Pick<Queued, 'resolve' | 'reject'>;
    const result = new Promise<number>((resolve, reject) => {
      settle = { resolve, reject };
    });
    if (!this.open) {
      settle.reject(new ScopedDbError('INVALID_INPUT', 'the transaction this write was started in has already ended'));
    } else if (!scope.equals(this.scope)) {
      const error = new ScopedDbError(
        'INVALID_INPUT',
        `a transaction writes to one scope only: it is on "${this.scope}" and this write is to "${scope}"; ` +
          'scopes live in different Redis Cluster hash slots, and Redis has no atomic write across slots',
      );
      this.fail(error);
      settle.reject(error);
    } else {
      this.queued.push({ op, ...settle });
    }
    return result;
  }
}

/** The transaction the caller runs inside of, if any: AsyncLocalStorage carries it across `fn`'s awaits. */
export class Transactions {
  readonly #current = new AsyncLocalStorage<PendingTransaction>();

  /** The transaction whose callback the caller runs in (it may have ended: check `open`). */
  current(): PendingTransaction | undefined {
    return this.#current.getStore();
  }

  /** Runs `fn` inside `pending`: its writes, and those of everything it starts, queue there. */
  run<T>(pending: PendingTransaction, fn: () => T): T {
    return this.#current.run(pending, fn);
  }
}
