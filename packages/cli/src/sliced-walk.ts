/**
 * A walk over a store made in slices, so that a server answers other requests while a big one
 * runs: the census of a database without stats (census.ts) and the search for unnamed ids are
 * such walks. Each is made for the env version it started at; the store service decides when
 * a walk of a later version is needed.
 */
import type { WalkUnderWay } from './service.js';

/** How long one slice in the background may hold the thread, in ms. */
const SLICE_MS = 15;

/** What a walk does, and how far it has come (the `counting` of a scope page). */
export type WalkProgress = WalkUnderWay;
export type WalkTask = WalkUnderWay['task'];

/**
 * A walk made in slices, valid for the env version it started at: `run` takes steps until it is
 * done or a deadline has passed, `continueInBackground` goes on between other work. A subclass
 * gives the steps (`steps`, a generator that pauses with `yield`) and counts what it did (`did`).
 */
export abstract class SlicedWalk {
  /** The env's last commit when the walk began (undefined: lmdb-js does not tell, so never reused). */
  readonly version: number | undefined;
  #total: number;
  #steps: Generator<void, void, void> | undefined;
  #done = 0;
  #ready = false;
  #closed = false;
  #inBackground = false;
  #failure: unknown;

  constructor(version: number | undefined, total: number) {
    this.version = version;
    this.#total = total;
  }

  /** What the walk does. */
  abstract readonly task: WalkTask;

  /** The walk: pauses (a `yield`) often, so a deadline is never passed by much. */
  protected abstract steps(): Generator<void, void, void>;

  /** Called once the walk is over, done or not (a held snapshot is let go here). */
  protected release(): void {}

  /** Counts `items` more done. */
  protected did(items: number): void {
    this.#done += items;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** True once an error broke the walk off, or it was closed before it was done. */
  get broken(): boolean {
    return this.#failure !== undefined || (this.#closed && !this.#ready);
  }

  /** Usable for a pass at `version`: made at it, and not broken off by an error. */
  validAt(version: number | undefined): boolean {
    return version !== undefined && version === this.version && this.#failure === undefined && !this.#closed;
  }

  get progress(): WalkProgress {
    return { task: this.task, done: this.#done, total: Math.max(this.#total, this.#done) };
  }

  /**
   * Walks until done (true) or `deadline` (a `performance.now()` time) has passed (false; at
   * least one step is taken). An error of the walk is thrown, here or at the next call.
   */
  run(deadline: number): boolean {
    if (this.#ready) return true;
    if (this.#failure !== undefined) throw this.#failure;
    this.#steps ??= this.steps();
    try {
      do {
        if (this.#steps.next().done) {
          this.#ready = true;
          this.#steps = undefined;
          this.release();
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
        // kept in #failure: the next pass makes a new walk
      }
    };
    setImmediate(slice);
  }

  /** Stops the walk. */
  close(): void {
    this.#closed = true;
    this.#steps?.return();
    this.#steps = undefined;
    this.release();
  }
}
