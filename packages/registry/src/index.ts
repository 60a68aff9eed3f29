import { Scope, ScopedDbError, type ScopeEmptinessChecker, type ScopeLike, type ScopeRegistrar } from '@scoped-lmdb/core';
import { currentWriteTransaction, REGISTRY_TABLE, recordedDatabases } from '@scoped-lmdb/core/internal';
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
    return this.#validName(idOf(hash));
  }

  /** One get: hash the name, then compare the stored name (undefined if the id holds another). */
  lookupScopeHash(name: string): bigint | undefined {
    const s = Scope.named(name);
    return this.#validName(s.id as Uint8Array) === name ? (s.hash as bigint) : undefined;
  }

  /** DEFAULT first, then the named scopes in id order. */
  listAllScopes(): Scope[] {
    const scopes = [Scope.DEFAULT];
    this.#storage('listAllScopes', () => {
      for (const { key, value } of this.#table.getRange({})) {
        const name = validName(key as Uint8Array, value as Uint8Array);
        if (name !== undefined) scopes.push(Scope.named(name));
      }
    });
    return scopes;
  }

  scopeExists(scope: ScopeLike): boolean {
    const s = Scope.from(scope);
    if (s.isDefault) return true;
    return this.#validName(s.id as Uint8Array) === s.name;
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

  /**
   * True when the scope holds no data in any scoped database recorded in the env (opened as
   * needed), nor in any of `checkers` (for data kept elsewhere).
   */
  isScopeEmpty(scope: ScopeLike, checkers?: ScopeEmptinessChecker[]): boolean {
    const s = Scope.from(scope);
    const all = this.#checkers(checkers, 'isScopeEmpty');
    return all.every((checker) => checker.isScopeEmpty(s));
  }

  /**
   * Unregisters every named scope that holds no data in any database of the env (nor in
   * `checkers`), in one write transaction that re-checks emptiness inside it: a write cannot
   * land in a scope between the check and the removal. Never DEFAULT. Returns the removed scopes.
   */
  pruneGloballyUnusedScopes(checkers?: ScopeEmptinessChecker[]): Scope[] {
    const all = this.#checkers(checkers, 'pruneGloballyUnusedScopes');
    const removed = this.#storage('pruneGloballyUnusedScopes', () =>
      this.#env.transactionSync(() => {
        const gone: Scope[] = [];
        for (const scope of this.listAllScopes()) {
          if (scope.isDefault || !all.every((checker) => checker.isScopeEmpty(scope))) continue;
          this.#table.removeSync(scope.id as Uint8Array);
          gone.push(scope);
        }
        return gone;
      }),
    );
    for (const scope of removed) this.#forget(scope.hash as bigint);
    return removed;
  }

  /** The env's recorded databases plus the caller's checkers. */
  #checkers(checkers: ScopeEmptinessChecker[] | undefined, method: string): ScopeEmptinessChecker[] {
    if (checkers !== undefined) checkCheckers(checkers, method);
    return [...this.#storage(method, () => recordedDatabases(this.#env)), ...(checkers ?? [])];
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

  /** What the record under `id` holds, valid or not (anything but the scope's own name is a collision). */
  #storedName(id: Uint8Array): string | undefined {
    const bytes = this.#storage('registry read', () => this.#table.getBinary(id));
    if (bytes === undefined) return undefined;
    return decodeName(bytes) ?? `<${bytes.length} bytes that are not UTF-8>`;
  }

  /** The name under `id` if the record is one this library writes (see `validName`). */
  #validName(id: Uint8Array): string | undefined {
    const bytes = this.#storage('registry read', () => this.#table.getBinary(id));
    return bytes === undefined ? undefined : validName(id, bytes);
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
  // An explicit empty list is a mistake (scoped-heed deleted every scope on it); leave it out
  // to check the env's databases only.
  if (checkers.length === 0) {
    throw new ScopedDbError('INVALID_INPUT', `${method} got an empty checker list; leave the argument out to check the env's databases`);
  }
}

function idOf(hash: bigint): Uint8Array {
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, hash, false);
  return id;
}

function decodeName(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The name a record holds, if the record is one this library writes: an 8-byte id, a
 * non-empty well-formed UTF-8 name, and the id is that name's xxh64. Any other record
 * (written by other software) is ignored by every listing and by prune, the same on the
 * Redis backend; its id still counts as taken (a write under it is HASH_COLLISION).
 */
function validName(id: Uint8Array, bytes: Uint8Array): string | undefined {
  if (id.length !== 8) return undefined;
  const name = decodeName(bytes);
  if (!name || !name.isWellFormed()) return undefined;
  return Buffer.compare(Scope.named(name).id as Uint8Array, id) === 0 ? name : undefined;
}

function storageError(action: string, cause: unknown): ScopedDbError {
  return new ScopedDbError('STORAGE', `${action}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
