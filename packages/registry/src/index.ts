import {
  currentWriteTransaction,
  REGISTRY_TABLE,
  Scope,
  type ScopeEmptinessChecker,
  type ScopeLike,
  type ScopeRegistrar,
  ScopedDbError,
} from '@scoped-lmdb/core';
import type { Database, RootDatabase } from 'lmdb';

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The global scope registry: one table, `__global_scope_metadata`, mapping each named
 * scope's 8-byte id to its UTF-8 name, shared by every scoped database of the env.
 *
 * Registration is atomic with data: every write to a named scope calls `registerScope` inside
 * its own write transaction (core's async writes too: they are applied in one synchronous
 * transaction per event turn), which checks the record there, once per scope and transaction.
 * Another process may prune a scope this one still writes to, so no write trusts a cache.
 */
export class GlobalScopeRegistry implements ScopeRegistrar {
  readonly #env: RootDatabase;
  readonly #table: Database<Uint8Array, Uint8Array>;
  /** The write transaction `#checkedInTxn` belongs to (lmdb-js makes a new token per transaction). */
  #txn: object | undefined;
  /** Hashes checked or written inside `#txn`. */
  readonly #checkedInTxn = new Set<bigint>();

  private constructor(env: RootDatabase) {
    this.#env = env;
    try {
      this.#table = env.openDB(REGISTRY_TABLE, { keyEncoding: 'binary', encoding: 'binary' }) as Database<Uint8Array, Uint8Array>;
    } catch (error) {
      throw storageError('could not open the scope registry', error);
    }
  }

  static open(env: RootDatabase): GlobalScopeRegistry {
    if (env === null || typeof env !== 'object' || typeof (env as Partial<RootDatabase>).openDB !== 'function') {
      throw new ScopedDbError('INVALID_INPUT', 'GlobalScopeRegistry.open needs an lmdb-js root database (from open())');
    }
    return new GlobalScopeRegistry(env);
  }

  registerScope(scope: ScopeLike): void {
    const s = Scope.from(scope);
    if (s.isDefault) return;
    const hash = s.hash as bigint;
    const txn = currentWriteTransaction(this.#env);
    if (txn !== undefined) {
      // The caller's transaction may still roll back: write in it, but cache only for it.
      if (txn !== this.#txn) {
        this.#txn = txn;
        this.#checkedInTxn.clear();
      }
      if (this.#checkedInTxn.has(hash)) return;
      this.#checkOrWrite(s.id as Uint8Array, s.name as string);
      this.#checkedInTxn.add(hash);
      return;
    }
    // Another process may have pruned the scope: check, and usually a read settles it
    // without opening a write transaction.
    if (this.#storedName(s.id as Uint8Array) !== s.name) {
      this.#storage('registerScope', () => this.#env.transactionSync(() => this.#checkOrWrite(s.id as Uint8Array, s.name as string)));
    }
  }

  getScopeName(hash: bigint): string | undefined {
    if (typeof hash !== 'bigint' || hash < 0n || hash > 0xffff_ffff_ffff_ffffn) {
      throw new ScopedDbError('INVALID_INPUT', 'a scope hash is an unsigned 64-bit bigint');
    }
    return this.#storedName(idOf(hash));
  }

  /** One get: hash the name, then compare the stored name (undefined if the id holds another). */
  lookupScopeHash(name: string): bigint | undefined {
    const s = Scope.named(name);
    return this.#storedName(s.id as Uint8Array) === name ? (s.hash as bigint) : undefined;
  }

  /** DEFAULT first, then the named scopes in id order. */
  listAllScopes(): Scope[] {
    const scopes = [Scope.DEFAULT];
    this.#storage('listAllScopes', () => {
      for (const { value } of this.#table.getRange({})) scopes.push(Scope.named(decodeName(value)));
    });
    return scopes;
  }

  scopeExists(scope: ScopeLike): boolean {
    const s = Scope.from(scope);
    if (s.isDefault) return true;
    return this.#storedName(s.id as Uint8Array) === s.name;
  }

  /** True iff it was registered. Data in the scope is not touched. */
  unregisterScope(scope: ScopeLike): boolean {
    const s = Scope.from(scope);
    if (s.isDefault) return false;
    this.#forget(s.hash as bigint);
    return this.#storage('unregisterScope', () =>
      this.#env.transactionSync(() => {
        if (this.#storedName(s.id as Uint8Array) !== s.name) return false;
        return this.#table.removeSync(s.id as Uint8Array);
      }),
    );
  }

  /** Empty in every checker (DEFAULT is never empty of meaning, but it is checked too). */
  isScopeEmpty(scope: ScopeLike, checkers: ScopeEmptinessChecker[]): boolean {
    const s = Scope.from(scope);
    checkCheckers(checkers, 'isScopeEmpty');
    return checkers.every((checker) => checker.isScopeEmpty(s));
  }

  /**
   * Unregisters every named scope that is empty in all `checkers`, in one write
   * transaction that re-checks emptiness inside it: a write cannot land in a scope
   * between the check and the removal. Never DEFAULT. Returns the removed scopes.
   */
  pruneGloballyUnusedScopes(checkers: ScopeEmptinessChecker[]): Scope[] {
    checkCheckers(checkers, 'pruneGloballyUnusedScopes');
    const removed = this.#storage('pruneGloballyUnusedScopes', () =>
      this.#env.transactionSync(() => {
        const gone: Scope[] = [];
        for (const scope of this.listAllScopes()) {
          if (scope.isDefault || !checkers.every((checker) => checker.isScopeEmpty(scope))) continue;
          this.#table.removeSync(scope.id as Uint8Array);
          gone.push(scope);
        }
        return gone;
      }),
    );
    for (const scope of removed) this.#forget(scope.hash as bigint);
    return removed;
  }

  #forget(hash: bigint): void {
    this.#checkedInTxn.delete(hash);
  }

  #checkOrWrite(id: Uint8Array, name: string): void {
    const stored = this.#storedName(id);
    if (stored === name) return;
    if (stored !== undefined) {
      throw new ScopedDbError(
        'HASH_COLLISION',
        `scope "${name}" has the same 64-bit id as the registered scope "${stored}"; choose another name`,
      );
    }
    this.#storage('registerScope', () => this.#table.putSync(id, utf8.encode(name)));
  }

  #storedName(id: Uint8Array): string | undefined {
    const bytes = this.#storage('registry read', () => this.#table.getBinary(id));
    return bytes === undefined ? undefined : decodeName(bytes);
  }

  #storage<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw error instanceof ScopedDbError ? error : storageError(action, error);
    }
  }
}

function checkCheckers(checkers: ScopeEmptinessChecker[], method: string): void {
  if (!Array.isArray(checkers) || checkers.some((c) => typeof c?.isScopeEmpty !== 'function')) {
    throw new ScopedDbError('INVALID_INPUT', `${method} needs an array of ScopeEmptinessChecker (e.g. your scoped databases)`);
  }
  // With nothing to ask, every scope would look empty: scoped-heed deleted them all.
  if (checkers.length === 0) {
    throw new ScopedDbError('INVALID_INPUT', `${method} needs at least one checker; with none every scope would look empty`);
  }
}

function idOf(hash: bigint): Uint8Array {
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, hash, false);
  return id;
}

function decodeName(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new ScopedDbError('STORAGE', 'a scope registry record is not valid UTF-8', { cause: error });
  }
}

function storageError(action: string, cause: unknown): ScopedDbError {
  return new ScopedDbError('STORAGE', `${action}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
