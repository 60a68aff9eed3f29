/**
 * The options of the registry's calls (lifecycle, reclaim, quotas), checked once at the front
 * the same way on every backend (LMDB's `GlobalScopeRegistry`, the Redis store), so a bad
 * option is the same `INVALID_INPUT` on both and never a TypeError from reading a property of it.
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

/** A quota's limits, as `setQuota` stores them (the two known fields only). */
export interface QuotaLimits {
  maxEntries?: number;
  maxBytes?: number;
}

/** `setQuota`'s quota: null, or an object with at least one limit, each a safe whole number >= 0; returns the limits. */
export function checkQuota(quota: unknown, scope: string): QuotaLimits | null {
  if (quota === null) return null;
  const limits = quota as QuotaLimits;
  const ok =
    typeof quota === 'object' &&
    (limits.maxEntries !== undefined || limits.maxBytes !== undefined) &&
    [limits.maxEntries, limits.maxBytes].every((n) => n === undefined || (Number.isSafeInteger(n) && n >= 0));
  if (!ok) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `setQuota of scope ${JSON.stringify(scope)} needs { maxEntries?, maxBytes? } with at least one whole number >= 0 (a safe integer), or null; got ${describeQuota(quota)}`,
    );
  }
  return {
    ...(limits.maxEntries !== undefined ? { maxEntries: limits.maxEntries } : {}),
    ...(limits.maxBytes !== undefined ? { maxBytes: limits.maxBytes } : {}),
  };
}

/** A quota as given, for a message: its JSON when it has one. */
function describeQuota(quota: unknown): string {
  try {
    return typeof quota === 'object' && quota !== null ? JSON.stringify(quota) : describeValue(quota);
  } catch {
    return describeValue(quota);
  }
}
