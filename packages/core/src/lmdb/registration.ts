/**
 * Which id a scope's data is stored under, and registration that commits with the data: core's
 * half of the protocol (the registry README tells the registry's half).
 *
 * - Without a registry a named scope's id is xxh64 of its name (its first-life id), always.
 * - With a registry, every write to a named scope asks the registry for its id inside the write
 *   transaction that carries the data (the caller's open transaction, a new synchronous one, or
 *   the write queue's flush for async writes, write-queue.ts). The registry answers from its
 *   record in that transaction, registering the scope first if needed, so the record and the
 *   data commit or roll back together, and data is never written under an id the name no longer
 *   maps to in the committing transaction (a drop, rename or swap in another process included).
 * - A registry that stores ids (`ScopeIds`, GlobalScopeRegistry) also answers reads: from a
 *   cache it checks once per read transaction, so a synchronous block of reads sees one mapping.
 *   A `ScopeRegistrar` that does not is asked to register, and ids stay first-life ids.
 */
import type { RootDatabase } from 'lmdb';
import type { ScopeRegistrar } from '../interfaces.js';
import { firstLifeId } from '../key-format.js';
import type { NamedScope, Scope } from '../scope.js';
import { inWriteTransaction } from './lmdb-internals.js';

/** What a registry that stores scope ids provides to core (`@scoped-lmdb/core/internal`). */
export interface ScopeIds {
  /** The id `scope`'s data is stored under for reads now (inside a write transaction: in it); undefined: none. */
  readId(scope: NamedScope): Uint8Array | undefined;
  /** Inside a write transaction: the id `scope`'s writes go under in it, registering the scope first if needed. */
  writeId(scope: NamedScope): Uint8Array;
  /** The id `scope`'s data was stored under as of a held read snapshot (an lmdb-js `Transaction`); undefined: none then. */
  readIdAt?(scope: NamedScope, transaction: object): Uint8Array | undefined;
  /** Who owns data under `hash`: a live scope (its name), a dropped one awaiting reclaim, or nobody the registry knows. */
  ownerOf(hash: bigint): string | 'dropped' | undefined;
}

/** True for a registrar that stores ids. */
function storesIds(registry: ScopeRegistrar): registry is ScopeRegistrar & ScopeIds {
  const ids = registry as Partial<ScopeIds>;
  return typeof ids.readId === 'function' && typeof ids.writeId === 'function' && typeof ids.ownerOf === 'function';
}

export interface Registration {
  /** True when writes to `scope` resolve their id inside their transaction (a named scope, with a registry). */
  needed(scope: Scope): boolean;
  /** The id reads of `scope` use (null: DEFAULT); undefined when nothing can be stored under it. */
  readId(scope: Scope): Uint8Array | null | undefined;
  /** The same, as of a held read snapshot (a registry without `readIdAt` answers for now). */
  readIdAt(scope: Scope, transaction: object): Uint8Array | null | undefined;
  /** Inside a write transaction: the id `scope`'s writes go under (registering it), or throws before anything is written. */
  writeId(scope: Scope): Uint8Array | null;
  /** Runs a synchronous write to `scope` under its id, in the open transaction or a new one. */
  writeSync<T>(scope: Scope, write: (id: Uint8Array | null) => T): T;
  /** Who owns data under `hash` (see `ScopeIds.ownerOf`). */
  ownerOf(hash: bigint): string | 'dropped' | undefined;
}

export function registrationFor(env: RootDatabase, registry: ScopeRegistrar | undefined): Registration {
  if (registry === undefined) return NO_REGISTRATION;
  return storesIds(registry) ? new StoredIds(env, registry) : new RegisteringFirstLifeIds(env, registry);
}

const NO_REGISTRATION: Registration = {
  needed: () => false,
  readId: firstLifeId,
  readIdAt: firstLifeId,
  writeId: firstLifeId,
  writeSync: (scope, write) => write(firstLifeId(scope)),
  ownerOf: () => undefined,
};

/** Runs `write` inside a write transaction: the open one, or a new synchronous one. */
function inTransaction<T>(env: RootDatabase, write: () => T): T {
  return inWriteTransaction(env) ? write() : env.transactionSync(write);
}

/** A `ScopeRegistrar` without stored ids: registers on every write, ids are xxh64 of the name. */
class RegisteringFirstLifeIds implements Registration {
  readonly #env: RootDatabase;
  readonly #registry: ScopeRegistrar;

  constructor(env: RootDatabase, registry: ScopeRegistrar) {
    this.#env = env;
    this.#registry = registry;
  }

  needed(scope: Scope): boolean {
    return !scope.isDefault;
  }

  readId(scope: Scope): Uint8Array | null {
    return firstLifeId(scope);
  }

  readIdAt(scope: Scope): Uint8Array | null {
    return firstLifeId(scope);
  }

  writeId(scope: Scope): Uint8Array | null {
    if (!scope.isDefault) this.#registry.registerScope(scope);
    return firstLifeId(scope);
  }

  writeSync<T>(scope: Scope, write: (id: Uint8Array | null) => T): T {
    if (scope.isDefault) return write(null);
    return inTransaction(this.#env, () => write(this.writeId(scope)));
  }

  ownerOf(hash: bigint): string | undefined {
    return this.#registry.getScopeName(hash);
  }
}

/** A registry that stores ids (GlobalScopeRegistry): it decides every id, for reads and writes. */
class StoredIds implements Registration {
  readonly #env: RootDatabase;
  readonly #ids: ScopeIds;

  constructor(env: RootDatabase, ids: ScopeIds) {
    this.#env = env;
    this.#ids = ids;
  }

  needed(scope: Scope): boolean {
    return !scope.isDefault;
  }

  readId(scope: Scope): Uint8Array | null | undefined {
    return scope.isNamed() ? this.#ids.readId(scope) : null;
  }

  readIdAt(scope: Scope, transaction: object): Uint8Array | null | undefined {
    if (!scope.isNamed()) return null;
    return this.#ids.readIdAt ? this.#ids.readIdAt(scope, transaction) : this.#ids.readId(scope);
  }

  writeId(scope: Scope): Uint8Array | null {
    return scope.isNamed() ? this.#ids.writeId(scope) : null;
  }

  writeSync<T>(scope: Scope, write: (id: Uint8Array | null) => T): T {
    if (!scope.isNamed()) return write(null);
    return inTransaction(this.#env, () => write(this.#ids.writeId(scope)));
  }

  ownerOf(hash: bigint): string | 'dropped' | undefined {
    return this.#ids.ownerOf(hash);
  }
}
