/**
 * The tables of each scoped database this process opened, by env and name. `create()` leaves
 * them here, and the env-wide work (the registry's lifecycle and emptiness checks, export,
 * import) takes them from here rather than opening them again: lmdb-js's `openDB` ends the
 * shared read snapshot, so an open in the middle of a synchronous block of reads would split
 * the block across two snapshots.
 */
import type { Database } from 'lmdb';
import { perEnv } from './per-env.js';

type Table = Database<Uint8Array, Uint8Array>;

export interface OpenedTables {
  /** The table of the database's DEFAULT scope (the main database with `unnamedForDefault`). */
  readonly defaultTable: Table;
  /** The `_scoped` table: every named scope's entries under their ids. */
  readonly scopedTable: Table;
}

/** The env's opened tables by database name. */
export const openedTables = perEnv((): Map<string, OpenedTables> => new Map());
