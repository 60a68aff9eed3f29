/**
 * Range options (already checked, see range-options.ts) as lmdb-js bounds inside one scope,
 * and the lmdb-js range quirks handled once: every bound carries the scope's id, so no option
 * reaches a neighbouring scope; a reverse scan reaches a first key of `[0x00]`; an offset
 * never walks past the range; errors raised during a lazy iteration are `STORAGE`.
 */
import type { Database, RangeIterable as LmdbIterable, Transaction } from 'lmdb';
import { wrapError } from '../errors.js';
import type { RangeIterable, RangeOptions } from '../interfaces.js';
import { idRange } from '../key-format.js';
import { reachFirstKey } from './lmdb-internals.js';

/** lmdb-js range options over stored (binary) keys. */
export interface LmdbRange {
  start?: Uint8Array;
  end?: Uint8Array;
  inclusiveEnd?: boolean;
  exclusiveStart?: boolean;
  reverse?: boolean;
  limit?: number;
  offset?: number;
  /** A held read snapshot (lmdb-js `Transaction`) the range reads instead of the current one. */
  transaction?: Transaction;
}

/** The range inside the scope stored under `id` (null: DEFAULT); `bound` turns a user key into a stored key (a copy the range may keep). */
export function lmdbRange<K>(id: Uint8Array | null, o: RangeOptions<K>, bound: (key: K) => Uint8Array): LmdbRange {
  const reverse = o.reverse === true;
  const range: LmdbRange = { reverse };
  if (o.limit !== undefined) range.limit = o.limit;
  if (o.offset !== undefined) range.offset = o.offset;
  const { low, high } = idRange(id);
  // In a forward scan `start` is the low end; in a reverse scan it is the high end.
  const [outerStart, outerEnd] = reverse ? [high, low] : [low, high];
  if (o.start !== undefined) {
    range.start = bound(o.start);
    if (o.exclusiveStart) range.exclusiveStart = true;
  } else if (outerStart !== undefined) {
    range.start = outerStart;
    // The scope's upper bound (id + 1) belongs to the next scope.
    if (reverse) range.exclusiveStart = true;
  }
  if (o.end !== undefined) {
    range.end = bound(o.end);
    if (o.inclusiveEnd) range.inclusiveEnd = true;
  } else if (outerEnd !== undefined) {
    range.end = outerEnd;
    // Reverse, the low end is the scope's id, and the stored key of an empty key is the id
    // itself: lmdb-js's end is exclusive, so include it (no other scope's key equals this id).
    if (reverse) range.inclusiveEnd = true;
  } else if (reverse) {
    reachFirstKey(range);
  }
  return range;
}

/**
 * lmdb-js skips `offset` entries natively without looking at `end` (and as a uint32: 2^32
 * wraps to 0), so an offset past the range would walk the following scopes' entries. Count
 * the range first (natively, bounded by `end`, so the cost stays within the scope): an
 * offset at or past it means nothing to return; a smaller one stays inside the range.
 */
export function boundedOffset(table: Database<Uint8Array, Uint8Array>, range: LmdbRange): LmdbRange {
  const { offset, limit, ...bounds } = range;
  if (offset === undefined || offset === 0 || offset < table.getCount(bounds)) return range;
  // Nothing to return: a range that holds nothing (lmdb-js's limit 0 returns no iterable).
  const at = range.start ?? EMPTY_RANGE_KEY;
  return { start: at, end: at, reverse: range.reverse === true };
}

const EMPTY_RANGE_KEY = new Uint8Array([0]);

export function sliceRange<T>(range: LmdbIterable<T>, offset = 0, limit?: number): LmdbIterable<T> {
  return offset === 0 && limit === undefined ? range : range.slice(offset, limit === undefined ? Number.POSITIVE_INFINITY : offset + limit);
}

export function countOf(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}

/**
 * lmdb-js raises its errors (closed env, reader slots full, …) from inside a lazy
 * iteration; report those as STORAGE like every other failure.
 */
export function reportStorageErrors<T>(range: LmdbIterable<T>, context: string, beforeEachWalk?: () => unknown): RangeIterable<T> {
  // `range` is always a fresh iterable (from `.map`, or a `getRange` of its own), so patching it in place is safe.
  const wrapped = range as LmdbIterable<T> & { iterate(options?: unknown): Iterator<T> };
  const iterate = wrapped.iterate;
  const guard = <R>(run: () => R): R => {
    try {
      return run();
    } catch (error) {
      throw wrapError(error, 'STORAGE', context);
    }
  };
  wrapped.iterate = (options) => {
    // A snapshot's range checks, at each walk, that the snapshot is still held.
    beforeEachWalk?.();
    const iterator = guard(() => iterate.call(wrapped, options));
    return {
      // The hot path: no closure per step.
      next: (value?: unknown) => {
        try {
          return iterator.next(value);
        } catch (error) {
          throw wrapError(error, 'STORAGE', context);
        }
      },
      return: (value?: unknown) => guard(() => iterator.return?.(value) ?? { done: true, value: value as T }),
      throw: (error?: unknown) =>
        guard(() => {
          if (iterator.throw) return iterator.throw(error);
          throw error;
        }),
    };
  };
  // lmdb-js types `asArray` as a Promise; it is the array itself (interfaces.ts types it so).
  return wrapped as unknown as RangeIterable<T>;
}
