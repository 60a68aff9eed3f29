/**
 * The three abstract-level iterator kinds over one scope, sharing one `Walk`: a lazy range read
 * inside a snapshot (the caller's explicit one, or an implicit one taken when the iterator is
 * made, so later writes are never seen), rebuilt from the target on `seek()` in the same
 * snapshot. Closing the iterator ends the range and releases an implicit snapshot: an iterator
 * holds an LMDB read transaction (a reader slot) until it is closed.
 *
 * The range is core's byte snapshot read (`ByteSnapshot.bufferEntries`/`bufferKeys`): keys and
 * values come straight out of LMDB as fresh Buffers, already what abstract-level's `buffer` and
 * `view` formats take, so an entry costs one lmdb-js step and two copies, nothing more.
 */
import type { RangeIterable, RangeOptions } from '@scoped-lmdb/core';
import type { ByteSnapshot } from '@scoped-lmdb/core/internal';
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level';
import { type LevelRange, readRange, seekRange } from './range.js';

/** What abstract-level hands `_iterator`/`_keys`/`_values`. */
export interface WalkOptions extends LevelRange {
  keyEncoding?: 'buffer' | 'view';
  valueEncoding?: 'buffer' | 'view';
  snapshot?: { reads: ByteSnapshot };
}

type StoredEntry = { key: Buffer; value: Buffer };
type Item = StoredEntry | Buffer;

/** One walk over the scope in a snapshot; `keysOnly` reads no values. */
class Walk {
  readonly #range: LevelRange;
  readonly #snapshot: ByteSnapshot;
  /** Only an implicit snapshot is ours to release. */
  readonly #ownsSnapshot: boolean;
  readonly #keysOnly: boolean;
  /** Opened at the first read (abstract-level checks an explicit snapshot is still open there, not here). */
  #items: Iterator<Item> | undefined;

  constructor(snapshots: () => ByteSnapshot, options: WalkOptions, keysOnly: boolean) {
    this.#range = options;
    this.#keysOnly = keysOnly;
    this.#ownsSnapshot = options.snapshot === undefined;
    // An implicit snapshot is taken now: the iterator never sees writes made after it was created.
    this.#snapshot = options.snapshot?.reads ?? snapshots();
  }

  #open(range: RangeOptions<Uint8Array>): Iterator<Item> {
    const items: RangeIterable<Item> = this.#keysOnly ? this.#snapshot.bufferKeys(range) : this.#snapshot.bufferEntries(range);
    return items[Symbol.iterator]();
  }

  next(): Item | undefined {
    this.#items ??= this.#open(readRange(this.#range));
    const step = this.#items.next();
    return step.done ? undefined : step.value;
  }

  seek(target: Uint8Array): void {
    this.#items?.return?.();
    this.#items = this.#open(seekRange(this.#range, target));
  }

  close(): void {
    this.#items?.return?.();
    if (this.#ownsSnapshot) this.#snapshot.done();
  }
}

// `_next`/`_nextv`/`_all` answer synchronously (the range is read in this thread): abstract-level
// awaits them anyway, and a plain value spares a promise per entry. `_all` reads the rest of the
// range in one go (up to what the `limit` leaves: abstract-level's `limit` getter is Infinity
// without one), where abstract-level's default asks `_nextv` for pages of 1 000.

/** Up to `size` items of `walk`, each made by `make`. */
function take<T>(walk: Walk, size: number, make: (item: Item) => T): T[] {
  const out: T[] = [];
  while (out.length < size) {
    const item = walk.next();
    if (item === undefined) break;
    out.push(make(item));
  }
  return out;
}

const entryOfItem = (item: Item): [Buffer, Buffer] => [(item as StoredEntry).key, (item as StoredEntry).value];
const keyOfItem = (item: Item): Buffer => item as Buffer;
const valueOfItem = (item: Item): Buffer => (item as StoredEntry).value;

/** What `for await` needs of an abstract-level iterator: its public `next()` and `close()`. */
interface Steps<T> {
  next(): Promise<T | undefined>;
  close(): Promise<void>;
}

const DONE = Object.freeze({ done: true as const, value: undefined });

/**
 * abstract-level's `[Symbol.asyncIterator]` (an async generator: `await this.next()` per item,
 * `close()` at the end, on a break and on an error, which is then thrown) as a plain object: an
 * async generator step costs about as much again as the `next()` it wraps. Same calls in the
 * same order: `next()` once per step (abstract-level's checks, limit, count, decoding and
 * snapshot refs all stay its own), calls queued one after the other as a generator queues them,
 * nothing after the end, `close()` never reached by a `return()` before the first step. Our
 * `_close` cannot fail, so an error is thrown as it is (abstract-level would combine it with a
 * failed close's).
 */
function asyncIteration<T>(iterator: Steps<T>): AsyncGenerator<T, void, unknown> {
  let finished = false;
  let started = false;
  /** Calls made and not yet settled; each call decrements it when it settles. */
  let active = 0;
  /** The last call made, so a call made while one is under way waits for it (as a generator queues calls). */
  let last: Promise<unknown> | undefined;
  const end = async (): Promise<typeof DONE> => {
    finished = true;
    await iterator.close();
    return DONE;
  };
  const step = async (): Promise<IteratorResult<T, void>> => {
    try {
      if (finished) return DONE;
      started = true;
      let item: T | undefined;
      try {
        item = await iterator.next();
      } catch (error) {
        await end();
        throw error;
      }
      return item === undefined ? await end() : { done: false, value: item };
    } finally {
      active--;
    }
  };
  /** Closes an iterator that was stepped, like a generator's `finally`; nothing steps after it. */
  const finish = async (): Promise<void> => {
    if (started && !finished) await end();
    finished = true;
  };
  /** A `return()` (a break). */
  const stop = async (): Promise<typeof DONE> => {
    try {
      await finish();
      return DONE;
    } finally {
      active--;
    }
  };
  const thrown = (error: unknown) => async (): Promise<never> => {
    try {
      await finish();
      throw error;
    } finally {
      active--;
    }
  };
  // Uncontended (for await awaits each step before the next), a call runs at once and costs no
  // extra promise; only a call made while another is under way chains onto it.
  const queued = <R>(run: () => Promise<R>): Promise<R> => {
    active++;
    const result = active === 1 ? run() : (last as Promise<unknown>).then(run, run);
    last = result;
    return result;
  };
  const generator = {
    next: () => queued(step),
    return: () => queued(stop),
    throw: (error: unknown) => queued(thrown(error)),
    [Symbol.asyncIterator]: () => generator,
  };
  return generator as unknown as AsyncGenerator<T, void, unknown>;
}

/** `[key, value]` entries. */
export class EntryIterator extends AbstractIterator<object, Uint8Array, Uint8Array> {
  readonly #walk: Walk;

  constructor(db: object, options: WalkOptions, snapshots: () => ByteSnapshot) {
    super(db, options as never);
    this.#walk = new Walk(snapshots, options, false);
  }

  _next(): [Buffer, Buffer] | undefined {
    const item = this.#walk.next();
    return item === undefined ? undefined : entryOfItem(item);
  }

  _nextv(size: number): [Buffer, Buffer][] {
    return take(this.#walk, size, entryOfItem);
  }

  _all(): [Buffer, Buffer][] {
    return take(this.#walk, this.limit - this.count, entryOfItem);
  }

  override [Symbol.asyncIterator](): AsyncGenerator<[Uint8Array, Uint8Array], void, unknown> {
    return asyncIteration(this);
  }

  _seek(target: Uint8Array): void {
    this.#walk.seek(target);
  }

  async _close(): Promise<void> {
    this.#walk.close();
  }
}

/** Keys only (no value is read). */
export class KeyIterator extends AbstractKeyIterator<object, Uint8Array> {
  readonly #walk: Walk;

  constructor(db: object, options: WalkOptions, snapshots: () => ByteSnapshot) {
    super(db, options as never);
    this.#walk = new Walk(snapshots, options, true);
  }

  _next(): Buffer | undefined {
    return this.#walk.next() as Buffer | undefined;
  }

  _nextv(size: number): Buffer[] {
    return take(this.#walk, size, keyOfItem);
  }

  _all(): Buffer[] {
    return take(this.#walk, this.limit - this.count, keyOfItem);
  }

  override [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, unknown> {
    return asyncIteration(this);
  }

  _seek(target: Uint8Array): void {
    this.#walk.seek(target);
  }

  async _close(): Promise<void> {
    this.#walk.close();
  }
}

/** Values only. */
export class ValueIterator extends AbstractValueIterator<object, Uint8Array, Uint8Array> {
  readonly #walk: Walk;

  constructor(db: object, options: WalkOptions, snapshots: () => ByteSnapshot) {
    super(db, options as never);
    this.#walk = new Walk(snapshots, options, false);
  }

  _next(): Buffer | undefined {
    const item = this.#walk.next();
    return item === undefined ? undefined : valueOfItem(item);
  }

  _nextv(size: number): Buffer[] {
    return take(this.#walk, size, valueOfItem);
  }

  _all(): Buffer[] {
    return take(this.#walk, this.limit - this.count, valueOfItem);
  }

  override [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, unknown> {
    return asyncIteration(this);
  }

  _seek(target: Uint8Array): void {
    this.#walk.seek(target);
  }

  async _close(): Promise<void> {
    this.#walk.close();
  }
}
