/**
 * Range options are checked once, at the front, the same way for every backend
 * (cf. abstract-level's lib/range-options.js); each backend then maps the checked options
 * to its own bounds (LMDB: lmdb/ranges.ts, Redis: lex ranges).
 */
import { describeValue, ScopedDbError } from './errors.js';
import type { RangeOptions } from './interfaces.js';

/** `options` as given, once checked: an object (or nothing), `limit`/`offset` whole numbers ≥ 0. */
export function checkRangeOptions<K>(options: RangeOptions<K> | undefined): RangeOptions<K> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new ScopedDbError('INVALID_INPUT', `range options must be an object, got ${describeValue(options)}`);
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
