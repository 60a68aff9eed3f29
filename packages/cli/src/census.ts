/**
 * How many entries each id holds in a `<db>_scoped` table, for a database that keeps no stats
 * (nothing else records it): what its count order and its chart need. One walk of the table's
 * keys in one read snapshot of its own, so the counts are those of one moment whatever commits
 * meanwhile; made in slices, so a server can answer other requests while a big one runs, and
 * valid for the env version it started at. A big scope costs a seek and a native count, never a
 * walk over its entries, and the keys are read straight out of lmdb-js's reused buffer.
 */
import { type HeldReadSnapshot, holdReadSnapshot, rangeReadsWith } from '@scoped-lmdb/core/internal';
import type { Database, RootDatabase } from 'lmdb';
import { idBounds, idOf } from './common.js';
import { SlicedWalk } from './sliced-walk.js';

type Table = Database<Uint8Array, Uint8Array>;

/** Keys read in a row under one id before the walk seeks past it (a seek costs about as much as this many reads). */
export const SEEK_AFTER = 16;
/** Keys walked between two looks at the clock. */
const CHECK_EVERY = 1_024;

/** The entry counts of one table's ids, made by `run` (and `continueInBackground`), read once `ready`. */
export class Census extends SlicedWalk {
  readonly task = 'entries' as const;
  /** The ids holding data, ascending, and what each holds (`counts[i]` for `ids[i]`). */
  readonly ids: bigint[] = [];
  readonly counts: number[] = [];
  readonly #table: Table;
  #snapshot: HeldReadSnapshot | undefined;

  constructor(env: RootDatabase, table: Table, version: number | undefined) {
    super(version, (table.getStats() as { entryCount?: number }).entryCount ?? 0);
    this.#table = table;
    this.#snapshot = holdReadSnapshot(env);
  }

  /** The count of `id` (0: nothing under it). */
  countOf(id: bigint): number {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.ids[mid] as bigint) < id) low = mid + 1;
      else high = mid;
    }
    return this.ids[low] === id ? (this.counts[low] as number) : 0;
  }

  protected override release(): void {
    this.#snapshot?.done();
    this.#snapshot = undefined;
  }

  /** The walk, pausing every CHECK_EVERY keys. */
  protected *steps(): Generator<void, void, void> {
    const transaction = (this.#snapshot as HeldReadSnapshot).transaction;
    // Each key read as: -1 shorter than an id, 0 the same id as the key before, 1 a new id (its bytes now in `last`).
    const last = new Uint8Array(8);
    let fresh = true;
    const marks = rangeReadsWith(
      this.#table,
      (key, start, end) => {
        if (end - start < 8) return -1;
        let same = !fresh;
        for (let i = 0; i < 8; i++) {
          const byte = key[start + i] as number;
          if (byte !== last[i]) {
            last[i] = byte;
            same = false;
          }
        }
        fresh = false;
        return same ? 0 : 1;
      },
      () => undefined,
    );
    let start: Uint8Array | undefined;
    let id: bigint | undefined;
    let count = 0;
    let sinceCheck = 0;
    const record = () => {
      if (id === undefined) return;
      this.ids.push(id);
      this.counts.push(count);
      id = undefined;
    };
    walk: for (;;) {
      fresh = true;
      const range = { ...(start ? { start } : {}), values: false, transaction } as never;
      for (const mark of marks.getRange(range) as unknown as Iterable<number>) {
        this.did(1);
        if (++sinceCheck === CHECK_EVERY) {
          sinceCheck = 0;
          yield;
        }
        if (mark < 0) continue;
        if (mark === 1 || id === undefined) {
          record();
          id = idOf(last);
          count = 1;
          continue;
        }
        if (++count <= SEEK_AFTER) continue;
        // A big scope: the rest of it is counted natively, and the walk goes on past it.
        const bounds = idBounds(id);
        const all = this.#table.getCount({ ...bounds, transaction } as never);
        this.did(all - count);
        count = all;
        record();
        if (!bounds.end) return;
        start = bounds.end;
        continue walk; // leaving the loop closes its cursor
      }
      record();
      return;
    }
  }
}
