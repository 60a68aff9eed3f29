import { describe, expect, it } from 'vitest';
import { codecs, scopedDatabaseOptions } from '../src/index.js';
import { tempEnv } from './helpers.js';

/** Every value reachable from `root` through own properties and the prototype chain. */
function reachable(root: object): unknown[] {
  const seen = new Set<unknown>();
  const walk = (value: unknown) => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
    if (value === Object.prototype || value === Function.prototype) return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value as object)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value as object, key);
      if (descriptor && 'value' in descriptor) walk(descriptor.value);
    }
    walk(Object.getPrototypeOf(value));
  };
  walk(root);
  return [...seen];
}

describe('a scope view', () => {
  it('gives no path to its database or another scope', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.string()).name('views').create();
    db.putSync('b', 'k', 'other tenant');
    const view = db.scope('a');
    const methods = [
      'get',
      'getMany',
      'doesExist',
      'put',
      'putSync',
      'remove',
      'removeSync',
      'clearSync',
      'clearAsync',
      'getRange',
      'getKeys',
      'getCount',
      'isEmpty',
      'transaction',
      'transactionSync',
      'snapshot',
    ];
    // The scope and the view's methods, nothing else (a frozen object of closures).
    expect(Reflect.ownKeys(view).sort()).toEqual(['scope', ...methods].sort());
    const enumerable: string[] = [];
    for (const key in view) enumerable.push(key);
    expect(enumerable.sort()).toEqual(['scope', ...methods].sort());
    expect(Object.isFrozen(view)).toBe(true);
    const everything = reachable(view);
    expect(everything).not.toContain(db);
    // Every function reachable is a view method (no scope argument) or the Scope's own API.
    for (const value of everything) {
      if (typeof value === 'function' && value.length > 0) {
        expect([
          'get',
          'getMany',
          'doesExist',
          'put',
          'putSync',
          'remove',
          'removeSync',
          'getRange',
          'getKeys',
          'getCount',
          'transaction',
          'transactionSync',
          'equals',
          'named',
          'from',
          'constructor',
          'ScopeClass',
          'isNamed',
        ]).toContain(value.name);
      }
    }
    expect((view as unknown as { db?: unknown }).db).toBeUndefined();
    expect(db.get('b', 'k')).toBe('other tenant');
  });
});
