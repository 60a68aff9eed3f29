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
  getScopeName(hash: bigint): string | undefined;
  listAllScopes(): Scope[];
}

/** Anything that can say whether it holds data in a scope; every `ScopedDatabase` is one. */
export interface ScopeEmptinessChecker {
  isScopeEmpty(scope: ScopeLike): boolean;
}
