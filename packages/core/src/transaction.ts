import type { RootDatabase } from 'lmdb';

/**
 * True while a write transaction is open on `env` in this thread (inside
 * `transactionSync`, or an async `transaction` callback). Writes made now join
 * it, and whether they commit is not known until it ends.
 */
export function inWriteTransaction(env: RootDatabase): boolean {
  // lmdb-js keeps the open write transaction on its native env handle.
  return Boolean((env as unknown as { env?: { writeTxn?: unknown } }).env?.writeTxn);
}

/**
 * True once `env.close()` has run. lmdb-js would accept an async write on a closed
 * env and then fail in a later tick, outside any promise; we refuse it up front.
 */
export function isClosed(env: RootDatabase): boolean {
  return !(env as unknown as { env?: { address?: number } }).env?.address;
}
