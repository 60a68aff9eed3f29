/**
 * The three abstract-level iterator kinds over one scope, sharing one `Walk`: a lazy core range
 * read inside a snapshot (the caller's explicit one, or an implicit one taken when the iterator
 * is made, so later writes are never seen), rebuilt from the target on `seek()` in the same
 * snapshot. Closing the iterator ends the range and releases an implicit snapshot: an iterator
 * holds an LMDB read transaction (a reader slot) until it is closed.
 */
import type { Entry, RangeIterable, RangeOptions, ScopedView, ScopedViewSnapshot } from '@scoped-lmdb/core';
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level';
import { type LevelRange, readRange, seekRange } from './range.js';

/** The reads an iterator or a point read uses: the scope now, or a snapshot of it. */
export type Reads = Pick<ScopedViewSnapshot<Uint8Array, Uint8Array>, 'get' | 'doesExist' | 'getRange' | 'getKeys'> & {
  getMany(keys: readonly Uint8Array[]): (Uint8Array | undefined)[] | Promise<(Uint8Array | undefined)[]>;
};

/** What abstract-level hands `_iterator`/`_keys`/`_values`. */
export interface WalkOptions extends LevelRange {
  keyEncoding?: 'buffer' | 'view';
  valueEncoding?: 'buffer' | 'view';
  snapshot?: { reads: ScopedViewSnapshot<Uint8Array, Uint8Array> };
}

type Item = Entry<Uint8Array, Uint8Array> | Uint8Array;

/**
 * A byte array in the format abstract-level asked for. A Buffer is made as a copy from Node's
 * pool: wrapping the small on-heap array core hands out (`Buffer.from(bytes.buffer, …)`) would
 * make V8 move it off-heap first, several times slower for keys of a few bytes.
 */
export function inFormat(bytes: Uint8Array, format: 'buffer' | 'view' | undefined): Uint8Array {
  if (format !== 'buffer' || Buffer.isBuffer(bytes)) return bytes;
  const buffer = Buffer.allocUnsafe(bytes.length);
  buffer.set(bytes);
  return buffer;
}

/** One walk over the scope in a snapshot; `keysOnly` reads no values. */
class Walk {
  readonly #range: LevelRange;
  readonly #snapshot: ScopedViewSnapshot<Uint8Array, Uint8Array>;
  /** Only an implicit snapshot is ours to release. */
  readonly #ownsSnapshot: boolean;
  readonly #keysOnly: boolean;
  /** Opened at the first read (abstract-level checks an explicit snapshot is still open there, not here). */
  #items: Iterator<Item> | undefined;

  constructor(view: ScopedView<Uint8Array, Uint8Array>, options: WalkOptions, keysOnly: boolean) {
    this.#range = options;
    this.#keysOnly = keysOnly;
    this.#ownsSnapshot = options.snapshot === undefined;
    // An implicit snapshot is taken now: the iterator never sees writes made after it was created.
    this.#snapshot = options.snapshot?.reads ?? view.snapshot();
  }

  #open(range: RangeOptions<Uint8Array>): Iterator<Item> {
    const items: RangeIterable<Item> = this.#keysOnly ? this.#snapshot.getKeys(range) : this.#snapshot.getRange(range);
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

// `_next`/`_nextv` answer synchronously (the range is read in this thread): abstract-level awaits
// them anyway, and a plain value spares a promise per entry.

/** `[key, value]` entries. */
export class EntryIterator extends AbstractIterator<object, Uint8Array, Uint8Array> {
  readonly #walk: Walk;
  readonly #keyFormat: WalkOptions['keyEncoding'];
  readonly #valueFormat: WalkOptions['valueEncoding'];

  constructor(db: object, options: WalkOptions, view: ScopedView<Uint8Array, Uint8Array>) {
    super(db, options as never);
    this.#walk = new Walk(view, options, false);
    this.#keyFormat = options.keyEncoding;
    this.#valueFormat = options.valueEncoding;
  }

  #entry(item: Item | undefined): [Uint8Array, Uint8Array] | undefined {
    if (item === undefined) return undefined;
    const { key, value } = item as Entry<Uint8Array, Uint8Array>;
    return [inFormat(key, this.#keyFormat), inFormat(value, this.#valueFormat)];
  }

  _next(): [Uint8Array, Uint8Array] | undefined {
    return this.#entry(this.#walk.next());
  }

  _nextv(size: number): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    while (out.length < size) {
      const entry = this.#entry(this.#walk.next());
      if (entry === undefined) break;
      out.push(entry);
    }
    return out;
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
  readonly #format: WalkOptions['keyEncoding'];

  constructor(db: object, options: WalkOptions, view: ScopedView<Uint8Array, Uint8Array>) {
    super(db, options as never);
    this.#walk = new Walk(view, options, true);
    this.#format = options.keyEncoding;
  }

  _next(): Uint8Array | undefined {
    const key = this.#walk.next() as Uint8Array | undefined;
    return key === undefined ? undefined : inFormat(key, this.#format);
  }

  _nextv(size: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (out.length < size) {
      const key = this.#walk.next() as Uint8Array | undefined;
      if (key === undefined) break;
      out.push(inFormat(key, this.#format));
    }
    return out;
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
  readonly #format: WalkOptions['valueEncoding'];

  constructor(db: object, options: WalkOptions, view: ScopedView<Uint8Array, Uint8Array>) {
    super(db, options as never);
    this.#walk = new Walk(view, options, false);
    this.#format = options.valueEncoding;
  }

  _next(): Uint8Array | undefined {
    const entry = this.#walk.next() as Entry<Uint8Array, Uint8Array> | undefined;
    return entry === undefined ? undefined : inFormat(entry.value, this.#format);
  }

  _nextv(size: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (out.length < size) {
      const entry = this.#walk.next() as Entry<Uint8Array, Uint8Array> | undefined;
      if (entry === undefined) break;
      out.push(inFormat(entry.value, this.#format));
    }
    return out;
  }

  _seek(target: Uint8Array): void {
    this.#walk.seek(target);
  }

  async _close(): Promise<void> {
    this.#walk.close();
  }
}
