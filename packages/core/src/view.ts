import type { RangeOptions, ScopedDatabase, ScopedView } from './interfaces.js';
import type { Scope } from './scope.js';

/**
 * A scoped database with its scope bound: it has no way to name another scope. The database
 * is a private field, so nothing reachable from the view (own keys, prototype) exposes it.
 */
export class LmdbScopedView<K, V, VIn = V> implements ScopedView<K, V, VIn> {
  readonly #db: ScopedDatabase<K, V, VIn>;
  readonly scope: Scope;

  constructor(db: ScopedDatabase<K, V, VIn>, scope: Scope) {
    this.#db = db;
    this.scope = scope;
  }
  get(key: K) {
    return this.#db.get(this.scope, key);
  }
  getMany(keys: readonly K[]) {
    return this.#db.getMany(this.scope, keys);
  }
  doesExist(key: K) {
    return this.#db.doesExist(this.scope, key);
  }
  put(key: K, value: VIn) {
    return this.#db.put(this.scope, key, value);
  }
  putSync(key: K, value: VIn) {
    return this.#db.putSync(this.scope, key, value);
  }
  remove(key: K) {
    return this.#db.remove(this.scope, key);
  }
  removeSync(key: K) {
    return this.#db.removeSync(this.scope, key);
  }
  clearSync() {
    return this.#db.clearSync(this.scope);
  }
  clearAsync() {
    return this.#db.clearAsync(this.scope);
  }
  getRange(options?: RangeOptions<K>) {
    return this.#db.getRange(this.scope, options);
  }
  getKeys(options?: RangeOptions<K>) {
    return this.#db.getKeys(this.scope, options);
  }
  getCount(options?: RangeOptions<K>) {
    return this.#db.getCount(this.scope, options);
  }
  isEmpty() {
    return this.#db.isScopeEmpty(this.scope);
  }
  transaction<T>(fn: () => T) {
    return this.#db.transaction(fn);
  }
  transactionSync<T>(fn: () => T) {
    return this.#db.transactionSync(fn);
  }
}
