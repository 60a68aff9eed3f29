/**
 * What a database handle needs from its store, as types only: store.ts implements it,
 * database.ts uses it, and neither imports the other's module for it (no cycle).
 */
import type { Scope, ScopeLike, ScopeStats } from '@scoped-lmdb/core';
import type { RedisCaller } from './caller.js';
import type { ReadOp, WriteOp } from './scripts.js';

/** The store's side of a database handle: transport, write path, transactions and registry. */
export interface StoreContext {
  /** Every command of the store goes through it (deadline, reply errors as ScopedDbError). */
  readonly caller: RedisCaller;
  /** Entries per range page. */
  readonly pageSize: number;
  /**
   * Runs a write at its place in call order. `build` validates and encodes; it is a
   * callback so that its failure is reported where the write would go: inside a
   * transaction it fails the whole transaction. `finish` turns the script's integer
   * for the write into its result.
   */
  write<T>(build: () => [Scope, WriteOp], finish: (result: number) => T): Promise<T>;
  /**
   * One read of one database of `scope`, checked on the slot of the scope's current id (a
   * stale cache never reads another id's data; routes.ts). The result is READ_SCRIPT's.
   */
  read<T>(scope: Scope, database: string, read: ReadOp, context: string): Promise<T>;
  /**
   * What a read of `scope` waits for first: inside a transaction on that scope, the writes
   * issued before the transaction (sent, and for a named scope acknowledged, since a write
   * that met a changed id is sent again), so the read sees them; otherwise nothing.
   */
  readTurn(scope: Scope): Promise<void> | undefined;
  /** `store.transaction`: the database's `transaction(scope, fn)` is the store's. */
  transaction<T>(scope: ScopeLike, fn: () => T | Promise<T>): Promise<T>;
  registerScope(scope: ScopeLike): Promise<void>;
  listAllScopes(): Promise<Scope[]>;
  /** The registry's half of `listScopes` (registry.ts). */
  scopesWithData(database: string): Promise<Scope[]>;
  /** The registry's half of `listUnnamedIds` (registry.ts). */
  unnamedIdsWithData(database: string): Promise<bigint[]>;
  /** `recountStats`: counts `database`'s data at the scope's id (at every id holding its data, for undefined) and stores it. */
  recount(database: string, scope: Scope | undefined): Promise<ScopeStats>;
}
