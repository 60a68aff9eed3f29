/**
 * Registration commits with the data: core's half of the protocol (the registry README tells
 * the registry's half).
 *
 * With a registry, every write to a named scope calls `registry.registerScope(scope)` inside the
 * write transaction that carries the data: the caller's open transaction, a new synchronous one,
 * or the write queue's flush for async writes (write-queue.ts). So the record and the data commit
 * or roll back together, and the registry's check (its record is there, or it writes it, or
 * HASH_COLLISION) runs under the write lock at the write's place in call order, across processes
 * too: a scope pruned elsewhere comes back with the data, never without it. The registry keeps
 * that to one read per scope and transaction. Without a registry there is nothing to do.
 */
import type { RootDatabase } from 'lmdb';
import type { ScopeRegistrar } from '../interfaces.js';
import type { Scope } from '../scope.js';
import { inWriteTransaction } from './lmdb-internals.js';

export interface Registration {
  /** True when a write to `scope` has to register it (a named scope, with a registry). */
  needed(scope: Scope): boolean;
  /** Inside a write transaction: registers `scope`, or throws `HASH_COLLISION` before anything is written. */
  register(scope: Scope): void;
  /** Runs a synchronous write to `scope` with its registration, in the open transaction or a new one. */
  writeSync<T>(scope: Scope, write: () => T): T;
}

export function registrationFor(env: RootDatabase, registry: ScopeRegistrar | undefined): Registration {
  return registry === undefined ? NO_REGISTRATION : new RegistryRegistration(env, registry);
}

const NO_REGISTRATION: Registration = {
  needed: () => false,
  register: () => {},
  writeSync: (_, write) => write(),
};

class RegistryRegistration implements Registration {
  readonly #env: RootDatabase;
  readonly #registry: ScopeRegistrar;

  constructor(env: RootDatabase, registry: ScopeRegistrar) {
    this.#env = env;
    this.#registry = registry;
  }

  needed(scope: Scope): boolean {
    return !scope.isDefault;
  }

  register(scope: Scope): void {
    if (!scope.isDefault) this.#registry.registerScope(scope);
  }

  writeSync<T>(scope: Scope, write: () => T): T {
    if (scope.isDefault) return write();
    if (inWriteTransaction(this.#env)) {
      this.#registry.registerScope(scope);
      return write();
    }
    return this.#env.transactionSync(() => {
      this.#registry.registerScope(scope);
      return write();
    });
  }
}
