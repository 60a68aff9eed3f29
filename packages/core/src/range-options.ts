/**
 * Range options are checked once, at the front, the same way for every backend
 * (cf. abstract-level's lib/range-options.js); each backend then maps the checked options
 * to its own bounds (LMDB: lmdb/ranges.ts, Redis: lex ranges).
 */
import { describeValue, ScopedDbError } from './errors.js';
import type { ClearRange, RangeOptions } from './interfaces.js';

/** `options` as given, once checked: an object (or nothing), `limit`/`offset` whole numbers ≥ 0, the flags booleans. */
export function checkRangeOptions<K>(options: RangeOptions<K> | undefined): RangeOptions<K> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new ScopedDbError('INVALID_INPUT', `range options must be an object, got ${describeValue(options)}`);
  }
  // lmdb-js would take any truthy value; a non-boolean is more likely a mistake than a wish.
  for (const name of ['reverse', 'inclusiveEnd', 'exclusiveStart'] as const) {
    const flag = options[name];
    if (flag !== undefined && typeof flag !== 'boolean') {
      throw new ScopedDbError('INVALID_INPUT', `range option ${name} must be a boolean, got ${describeValue(flag)}`);
    }
  }
  for (const name of ['limit', 'offset'] as const) {
    const n = options[name];
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) {
      throw new ScopedDbError(
        'INVALID_INPUT',
        `range option ${name} must be a whole number >= 0, got ${typeof n === 'string' ? JSON.stringify(n) : String(n)}`,
      );
    }
  }
  return options;
}

const CLEAR_RANGE_OPTIONS = new Set(['start', 'end', 'reverse', 'limit']);

/**
 * A range-bounded clear's options, once checked: undefined (the whole scope) or an object with
 * only `start`, `end`, `reverse` (a boolean) and `limit` (a whole number >= 0). Any other
 * option (`inclusiveEnd`, `offset`, a typo) is `INVALID_INPUT`: a clear that silently widened
 * or ignored a bound would remove data the caller meant to keep.
 */
export function checkClearRange<K>(range: ClearRange<K> | undefined): ClearRange<K> | undefined {
  if (range === undefined) return undefined;
  if (range === null || typeof range !== 'object' || Array.isArray(range)) {
    throw new ScopedDbError('INVALID_INPUT', `a clear's range must be an object, got ${describeValue(range)}`);
  }
  for (const name of Object.keys(range)) {
    if (!CLEAR_RANGE_OPTIONS.has(name)) {
      throw new ScopedDbError('INVALID_INPUT', `a clear's range takes start, end, reverse and limit only, got ${JSON.stringify(name)}`);
    }
  }
  if (range.reverse !== undefined && typeof range.reverse !== 'boolean') {
    throw new ScopedDbError('INVALID_INPUT', `range option reverse must be a boolean, got ${describeValue(range.reverse)}`);
  }
  checkRangeOptions({ limit: range.limit });
  return range;
}
