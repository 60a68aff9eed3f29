/**
 * Reclaim: a dropped scope's id is marked with a tombstone in the registry table, in the drop's
 * own transaction (so it is empty in every database at once, and the drop costs O(1)). Its
 * entries are then deleted in small write transactions (RECLAIM_BATCH entries each, a few
 * milliseconds: writers, here or in other processes, never wait long), one after another on
 * `setImmediate`, until none is left under the id in any database; then the tombstone goes.
 * Every step is idempotent, so a process killed mid-way, a restart, or two processes reclaiming
 * at once all end the same way; a registry opened on an env with tombstones resumes the work.
 * Deleted pages go back to LMDB's free list and are reused, so drop/refill cycles do not grow
 * the file.
 */
import { countUnderId, deleteUnderId, isClosing } from '@scoped-lmdb/core/internal';
import type { Database, RootDatabase } from 'lmdb';
import { encodeName, idOfMetaKey, TOMBSTONES, tombstoneKey } from './layout.js';

/** Entries deleted per reclaim transaction. */
export const RECLAIM_BATCH = 1_000;

type Table = Database<Uint8Array, Uint8Array>;

export class Reclaimer {
  readonly #env: RootDatabase;
  readonly #table: Table;
  #scheduled = false;
  /** The background loop's current run, so `run()` waits for it instead of racing it. */
  #running: Promise<number> | undefined;

  constructor(env: RootDatabase, table: Table) {
    this.#env = env;
    this.#table = table;
  }

  /** Inside a write transaction: marks `id` dropped (its entries now belong to nobody). */
  markDropped(id: Uint8Array, name: string): void {
    this.#table.putSync(tombstoneKey(id), encodeName(JSON.stringify({ name, at: Date.now() })));
  }

  /** Starts the background loop if there is work and it is not running (it does not keep the process alive). */
  schedule(): void {
    if (this.#scheduled || this.#writable() === false || this.#firstTombstone() === undefined) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.run().catch(() => {
        // A failing step (the env closed meanwhile) ends the loop; the next drop or open resumes it.
      });
    }).unref();
  }

  /** Runs reclaim now, for at most `budgetMs` when given; resolves with the entries freed. */
  async run(budgetMs?: number): Promise<number> {
    while (this.#running) await this.#running.catch(() => 0);
    const running = this.#loop(budgetMs);
    this.#running = running;
    try {
      return await running;
    } finally {
      this.#running = undefined;
    }
  }

  /** Dropped entries not yet freed, counted across databases (bounded by the dropped data, never the table). */
  pending(): number {
    let total = 0;
    for (const key of this.#tombstones()) for (const count of countUnderId(this.#env, idOfMetaKey(key)).values()) total += count;
    return total;
  }

  async #loop(budgetMs: number | undefined): Promise<number> {
    const deadline = budgetMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + budgetMs;
    let freed = 0;
    while (performance.now() < deadline && !isClosing(this.#env)) {
      const step = this.#step();
      if (step === undefined) break;
      freed += step;
      // Between two steps, other work runs (writers in this process included).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return freed;
  }

  /** One small transaction of reclaim: entries freed, or undefined when nothing is left to do. */
  #step(): number | undefined {
    return this.#env.transactionSync(() => {
      const key = this.#firstTombstone();
      if (key === undefined) return undefined;
      const deleted = deleteUnderId(this.#env, idOfMetaKey(key), RECLAIM_BATCH);
      if (deleted < RECLAIM_BATCH) this.#table.removeSync(key);
      return deleted;
    });
  }

  #firstTombstone(): Uint8Array | undefined {
    for (const key of this.#table.getKeys({ ...TOMBSTONES, limit: 1 }) as Iterable<Uint8Array>) return key;
    return undefined;
  }

  #tombstones(): Uint8Array[] {
    return Array.from(this.#table.getKeys(TOMBSTONES) as Iterable<Uint8Array>);
  }

  #writable(): boolean {
    return typeof this.#env.transactionSync === 'function' && !isClosing(this.#env);
  }
}
