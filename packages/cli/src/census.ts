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
import { idBytesOf, idOf } from './common.js';

type Table = Database<Uint8Array, Uint8Array>;

/** Keys read in a row under one id before the walk seeks past it (a seek costs about as much as this many reads). */
export const SEEK_AFTER = 16;
/** Keys walked between two looks at the clock. */
const CHECK_EVERY = 1_024;
/** How long one slice in the background may hold the thread, in ms. */
const SLICE_MS = 15;
const LAST_ID = 0xffff_ffff_ffff_ffffn;

/** How far a count has come: keys counted of about how many the table holds. */
export interface CensusProgress {
  done: number;
  total: number;
}

/** The entry counts of one table's ids, made by `run` (and `continueInBackground`), read once `ready`. */
export class Census {
  /** The env's last commit when the walk began (undefined: lmdb-js does not tell, so never reused). */
  readonly version: number | undefined;
  /** The ids holding data, ascending, and what each holds (`counts[i]` for `ids[i]`). */
  readonly ids: bigint[] = [];
  readonly counts: number[] = [];
  readonly #table: Table;
  readonly #total: number;
  #snapshot: HeldReadSnapshot | undefined;
  #steps: Generator<void, void, void> | undefined;
  #done = 0;
  #ready = false;
  #closed = false;
  #inBackground = false;
  #failure: unknown;

  constructor(env: RootDatabase, table: Table, version: number | undefined) {
    this.version = version;
    this.#table = table;
    this.#snapshot = holdReadSnapshot(env);
    this.#total = (table.getStats() as { entryCount?: number }).entryCount ?? 0;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Usable for a pass at `version`: made at it, and not broken off by an error. */
  validAt(version: number | undefined): boolean {
    return version !== undefined && version === this.version && this.#failure === undefined && !this.#closed;
  }

  get progress(): CensusProgress {
    return { done: this.#done, total: Math.max(this.#total, this.#done) };
  }

  /**
   * Walks until the count is made (true) or `deadline` (a `performance.now()` time) has passed
   * (false; at least one step is taken). An error of the walk is thrown, here or at the next call.
   */
  run(deadline: number): boolean {
    if (this.#ready) return true;
    if (this.#failure !== undefined) throw this.#failure;
    this.#steps ??= this.#walk();
    try {
      do {
        if (this.#steps.next().done) {
          this.#finish();
          return true;
        }
      } while (performance.now() < deadline);
    } catch (error) {
      this.#failure = error;
      this.close();
      throw error;
    }
    return false;
  }

  /** Goes on walking in slices between other work, until done or closed. */
  continueInBackground(): void {
    if (this.#inBackground || this.#ready || this.#closed) return;
    this.#inBackground = true;
    const slice = () => {
      if (this.#closed) return;
      try {
        if (!this.run(performance.now() + SLICE_MS)) setImmediate(slice);
      } catch {
        // kept in #failure: the next pass makes a new census
      }
    };
    setImmediate(slice);
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

  /** Stops the walk and lets go of its snapshot. */
  close(): void {
    this.#closed = true;
    this.#steps?.return();
    this.#steps = undefined;
    this.#snapshot?.done();
    this.#snapshot = undefined;
  }

  #finish(): void {
    this.#ready = true;
    this.#steps = undefined;
    this.#snapshot?.done();
    this.#snapshot = undefined;
  }

  /** The walk, pausing (a `yield`) every CHECK_EVERY keys. */
  *#walk(): Generator<void, void, void> {
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
        this.#done++;
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
        const end = id === LAST_ID ? undefined : idBytesOf(id + 1n);
        const all = this.#table.getCount({ start: idBytesOf(id), ...(end ? { end } : {}), transaction } as never);
        this.#done += all - count;
        count = all;
        record();
        if (!end) return;
        start = end;
        continue walk; // leaving the loop closes its cursor
      }
      record();
      return;
    }
  }
}
