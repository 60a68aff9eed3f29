/**
 * abstract-level's range options (`gt`/`gte`/`lt`/`lte` on encoded byte keys, `reverse`, `limit`)
 * as core's: lmdb-js `RangeOptions` for reads, a `ClearRange` for clears. `gte`/`lte` take
 * precedence over `gt`/`lt`, as in abstract-level; in lmdb-js's reverse mode `start` is the
 * high bound. The smallest byte key after `x` is `x ‖ 0x00`, which turns an exclusive lower bound
 * and an inclusive upper one into the inclusive start and exclusive end a `ClearRange` takes.
 */
import type { ClearRange, RangeOptions } from '@scoped-lmdb/core';

/** What abstract-level hands its private methods: encoded bounds, `reverse`, `limit` (-1: none). */
export interface LevelRange {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/** The low and high bounds of a level range, each with whether it is inclusive. */
function boundsOf(range: LevelRange) {
  const low =
    range.gte !== undefined
      ? { key: range.gte, inclusive: true }
      : range.gt !== undefined
        ? { key: range.gt, inclusive: false }
        : undefined;
  const high =
    range.lte !== undefined
      ? { key: range.lte, inclusive: true }
      : range.lt !== undefined
        ? { key: range.lt, inclusive: false }
        : undefined;
  return { low, high };
}

/** lmdb-js read options for a level range (no limit: abstract-level counts it itself). */
export function readRange(range: LevelRange): RangeOptions<Uint8Array> {
  const { low, high } = boundsOf(range);
  const out: RangeOptions<Uint8Array> = {};
  if (range.reverse) {
    out.reverse = true;
    if (high) {
      out.start = high.key;
      if (!high.inclusive) out.exclusiveStart = true;
    }
    if (low) {
      out.end = low.key;
      if (low.inclusive) out.inclusiveEnd = true;
    }
  } else {
    if (low) {
      out.start = low.key;
      if (!low.inclusive) out.exclusiveStart = true;
    }
    if (high) {
      out.end = high.key;
      if (high.inclusive) out.inclusiveEnd = true;
    }
  }
  return out;
}

/** The same range, entered again at `target` (a seek): never before its own bound, in its direction. */
export function seekRange(range: LevelRange, target: Uint8Array): RangeOptions<Uint8Array> {
  const read = readRange(range);
  const start = read.start;
  // Before (or at) the range's own start: the range as it is (an exclusive start stays exclusive).
  const notPastStart = start !== undefined && (range.reverse ? Buffer.compare(target, start) >= 0 : Buffer.compare(target, start) <= 0);
  if (notPastStart) return read;
  // At or past the range's own start: start at the target itself.
  const { exclusiveStart: _, ...rest } = read;
  return { ...rest, start: target };
}

/** `key ‖ 0x00`: the smallest byte key after `key`. */
export function after(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

/**
 * A `ClearRange` removing exactly the keys of a level range, or undefined when it cannot say it
 * (a reverse clear with a limit whose high bound is exclusive or low bound inclusive: a
 * `ClearRange` has an inclusive high start and an exclusive low end only).
 */
export function clearRange(range: LevelRange): ClearRange<Uint8Array> | undefined {
  const { low, high } = boundsOf(range);
  const limit = range.limit !== undefined && range.limit >= 0 ? range.limit : undefined;
  if (range.reverse && limit !== undefined) {
    if ((high && !high.inclusive) || low?.inclusive) return undefined;
    const out: ClearRange<Uint8Array> = { reverse: true, limit };
    if (high) out.start = high.key;
    if (low) out.end = low.key;
    return out;
  }
  // Without a limit the direction does not change what is removed.
  const out: ClearRange<Uint8Array> = {};
  if (low) out.start = low.inclusive ? low.key : after(low.key);
  if (high) out.end = high.inclusive ? after(high.key) : high.key;
  if (limit !== undefined) out.limit = limit;
  return out;
}
