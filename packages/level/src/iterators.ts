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

  _seek(target: Uint8Array): void {
    this.#walk.seek(target);
  }

  async _close(): Promise<void> {
    this.#walk.close();
  }
}
