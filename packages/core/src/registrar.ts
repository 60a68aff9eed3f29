import type { Scope, ScopeLike } from './scope.js';

/**
 * What a scoped database needs from a scope registry (`@scoped-lmdb/registry`
 * implements it; core never imports it).
 *
 * Registration must be atomic with data: when a write transaction is active on
 * the environment, `registerScope` writes inside it, so both commit or neither.
 */
export interface ScopeRegistrar {
  /** Idempotent; DEFAULT is a no-op; another name under the same id -> `HASH_COLLISION`. */
  registerScope(scope: ScopeLike): void;
  /**
   * The hot path of async batched writes (`put`). True when the registrar has queued, in
   * the batch the caller's next async write joins, a cheap write that keeps `scope`
   * registered (so a registration removed meanwhile, by another process's prune, comes
   * back with the data). False: the caller must call `registerScope` inside a write
   * transaction that also holds its write. Without this method every async write to a
   * named scope takes the transaction.
   */
  registerInNextBatch?(scope: Scope): boolean;
  getScopeName(hash: bigint): string | undefined;
  listAllScopes(): Scope[];
}

/** Anything that can say whether it holds data in a scope; every `ScopedDatabase` is one. */
export interface ScopeEmptinessChecker {
  isScopeEmpty(scope: ScopeLike): boolean;
}
