/**
 * The options of the registry's lifecycle calls, checked once at the front the same way on
 * every backend (LMDB's `GlobalScopeRegistry`, the Redis store), so a bad option is the same
 * `INVALID_INPUT` on both and never a TypeError from reading a property of it.
 */
import { describeValue, ScopedDbError } from './errors.js';

/** `renameScope`/`copyScope` options: an object, whose `replace` (if any) is a boolean. */
export function checkLifecycleOptions(options: unknown, method: string): void {
  if (options === null || typeof options !== 'object') {
    throw new ScopedDbError('INVALID_INPUT', `${method}: options must be an object, got ${describeValue(options)}`);
  }
  const { replace } = options as { replace?: unknown };
  if (replace !== undefined && typeof replace !== 'boolean') {
    throw new ScopedDbError('INVALID_INPUT', `${method}: replace must be a boolean, got ${describeValue(replace)}`);
  }
}

/** `reclaim` options: an object whose `budgetMs` (if any) is a number of milliseconds >= 0; returns it. */
export function checkReclaimOptions(options: unknown): number | undefined {
  if (options === null || typeof options !== 'object') {
    throw new ScopedDbError('INVALID_INPUT', `reclaim: options must be an object, got ${describeValue(options)}`);
  }
  const { budgetMs } = options as { budgetMs?: unknown };
  if (budgetMs !== undefined && !(typeof budgetMs === 'number' && budgetMs >= 0)) {
    throw new ScopedDbError('INVALID_INPUT', `reclaim: budgetMs must be a number of milliseconds >= 0, got ${describeValue(budgetMs)}`);
  }
  return budgetMs;
}
