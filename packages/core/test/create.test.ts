import { describe, expect, it } from 'vitest';
import { codecs, META_TABLE, Scope, type ScopeRegistrar, scopedDatabaseOptions } from '../src/index.js';
import { tempEnv } from './helpers.js';

const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;
const tableNames = (env: ReturnType<typeof tempEnv>) =>
  [...env.openDB({ name: null as unknown as string, ...binary }).getKeys()].map((k) => Buffer.from(k as Uint8Array).toString('latin1'));

/** Enough of a registrar for core: core only calls these. */
function fakeRegistry(): ScopeRegistrar {
  return { registerScope: () => {}, getScopeName: () => undefined, listAllScopes: () => [] };
}

describe('create()', () => {
  it('allows one unnamedForDefault database per env: the second is INVALID_INPUT and changes nothing', () => {
    const env = tempEnv();
    const first = scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('first').create();
    first.putSync(null, new Uint8Array([1]), new Uint8Array([1]));
    expect(() => scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('second').create()).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('"first"') }),
    );
    expect(tableNames(env)).not.toContain('second\0');
    // Reopening the first one still works.
    expect(scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('first').create().getCount(null)).toBe(1);
  });

  it('is all or nothing: a create() that runs out of maxDbs leaves no table and no record', () => {
    const env = tempEnv({ maxDbs: 3 });
    const db = scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('main').create(); // main_scoped + meta
    const before = tableNames(env);
    let error: unknown;
    try {
      scopedDatabaseOptions(env).rawBytes().name('more').create(); // needs two more tables
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringMatching(/maxDbs.*\b4\b/) });
    expect(tableNames(env)).toEqual(before);
    const meta = env.openDB(META_TABLE, binary);
    expect([...meta.getKeys()].map((k) => Buffer.from(k as Uint8Array).toString())).toEqual(['main']);
    // The DEFAULT scope in the main database can still be cleared (no stray table record there).
    db.putSync(null, new Uint8Array([7]), new Uint8Array([7]));
    expect(db.clearSync(null)).toBe(1);
  });

  it('refuses to reopen without a registry a database created with one', () => {
    const env = tempEnv();
    const registry = fakeRegistry();
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('reg').create();
    expect(() => scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('reg').create()).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('registry') }),
    );
    // With one it opens; a database created without one may take one later (and then keeps needing it).
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('reg').create();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('plain').create();
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('plain').create();
    expect(() => scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('plain').create()).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

describe('data written before a registry existed', () => {
  it('is found by listUnnamedIds() and becomes listable once its name is registered', () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('early').create().putSync('before', 'k', 'v');
    const names = new Map<bigint, string>();
    const registry: ScopeRegistrar = {
      registerScope: (scope) => void names.set(Scope.from(scope).hash as bigint, Scope.from(scope).name as string),
      getScopeName: (hash) => names.get(hash),
      listAllScopes: () => [Scope.DEFAULT, ...[...names.values()].map((n) => Scope.named(n))],
    };
    const db = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('early').create();
    db.putSync('after', 'k', 'v');
    expect(db.listScopes().map(String)).toEqual(['after']);
    expect(db.listUnnamedIds()).toEqual([Scope.named('before').hash]);
    db.registerScope('before');
    expect(db.listUnnamedIds()).toEqual([]);
    expect(db.listScopes().map(String).sort()).toEqual(['after', 'before']);
  });
});
