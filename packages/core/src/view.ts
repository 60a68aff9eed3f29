/**
 * `db.scope(s)`: a database with its scope bound, generated from one list of method names
 * (cf. unstorage's prefixStorage) so the LMDB and Redis views cannot drift. The view is an
 * object of closures: nothing reachable from it (own keys, prototype) exposes the database,
 * so it has no path to another scope.
 */
import type { Scope } from './scope.js';

/**
 * How a view method maps to its database method: `[viewName, dbName, bindsScope]`. Methods
 * that bind the scope get it as their first argument; the others (LMDB's transactions, which
 * are not per scope) are forwarded as they are.
 */
export type ViewSpec = readonly (readonly [string, string, boolean])[];

const same = (names: string[], bindsScope = true) => names.map((name) => [name, name, bindsScope] as const);

const SHARED = [
  ...same(['get', 'getMany', 'doesExist', 'put', 'putSync', 'remove', 'removeSync', 'clearSync', 'clearAsync']),
  ...same(['getRange', 'getKeys', 'getCount']),
  ['isEmpty', 'isScopeEmpty', true],
] as const;

/** `ScopedView` over a `ScopedDatabase`. */
export const SYNC_VIEW: ViewSpec = [...SHARED, ...same(['transaction', 'transactionSync'], false)];
/** `AsyncScopedView` over an `AsyncScopedDatabase`: its transaction is per scope. */
export const ASYNC_VIEW: ViewSpec = [...SHARED, ['transaction', 'transaction', true]];

/** `db`'s methods of `spec` bound to `scope`, plus `extra` members the backend makes itself (LMDB's `snapshot`). */
export function bindScope<View>(db: object, scope: Scope, spec: ViewSpec, extra?: Record<string, unknown>): View {
  const view: Record<string, unknown> = { scope, ...extra };
  const methods = db as Record<string, (...args: unknown[]) => unknown>;
  for (const [viewName, dbName, bindsScope] of spec) {
    const method = methods[dbName];
    if (typeof method !== 'function') throw new TypeError(`the database has no method ${dbName}`);
    view[viewName] = bindsScope ? (...args: unknown[]) => method.call(db, scope, ...args) : (...args: unknown[]) => method.apply(db, args);
  }
  return Object.freeze(view) as View;
}
