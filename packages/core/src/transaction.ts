import type { RootDatabase } from 'lmdb';

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
  // lmdb-js keeps the open write transaction on its native env handle.
  return (env as unknown as { env?: { writeTxn?: object | null } }).env?.writeTxn ?? undefined;
}

/**
 * True once `env.close()` has run. lmdb-js would accept an async write on a closed
 * env and then fail in a later tick, outside any promise; we refuse it up front.
 */
export function isClosed(env: RootDatabase): boolean {
  return !(env as unknown as { env?: { address?: number } }).env?.address;
}
