import { codecs, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { REGISTRY_TABLE } from '@scoped-lmdb/core/internal';
import { describe, expect, it } from 'vitest';
import { GlobalScopeRegistry } from '../src/index.js';
import { tempEnv } from './helpers.js';

function setup() {
  const env = tempEnv();
  const registry = GlobalScopeRegistry.open(env);
  const db = (name: string) => scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json()).name(name).create();
  const table = env.openDB(REGISTRY_TABLE, { keyEncoding: 'binary', encoding: 'binary' });
  return { env, registry, db, table };
}

describe('prune and emptiness look at every database of the env', () => {
  it('never unregisters a scope that holds data in a database left out of the checkers', () => {
    const { registry, db } = setup();
    const orders = db('orders');
    const users = db('users');
    users.putSync('tenant', 'u1', { name: 'Ada' });
    orders.putSync('gone', 'o1', 1);
    orders.removeSync('gone', 'o1');
    expect(registry.pruneGloballyUnusedScopes([orders]).map(String)).toEqual(['gone']);
    expect(registry.scopeExists('tenant')).toBe(true);
    expect(users.listScopes().map(String)).toEqual(['tenant']);
    // With no argument at all, the recorded databases are all it needs.
    orders.putSync('later', 'o', 1);
    orders.removeSync('later', 'o');
    expect(registry.pruneGloballyUnusedScopes().map(String)).toEqual(['later']);
    expect(registry.scopeExists('tenant')).toBe(true);
  });

  it('sees databases it was never given, including ones opened by another handle', () => {
    const { env, registry } = setup();
    // Written through a database object the registry never saw.
    scopedDatabaseOptions(env, { registry })
      .rawBytes()
      .unnamedForDefault()
      .name('blobs')
      .create()
      .putSync('kept', new Uint8Array([1]), new Uint8Array([1]));
    registry.registerScope('empty');
    expect(registry.isScopeEmpty('kept')).toBe(false);
    expect(registry.pruneGloballyUnusedScopes().map(String)).toEqual(['empty']);
    expect(registry.scopeExists('kept')).toBe(true);
  });

  it('still refuses an explicitly empty checker list (scoped-heed defect 4)', () => {
    const { registry } = setup();
    registry.registerScope('keep');
    expect(() => registry.pruneGloballyUnusedScopes([])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(registry.scopeExists('keep')).toBe(true);
  });
});

describe('records the library did not write', () => {
  const utf8 = (text: string) => new TextEncoder().encode(text);

  it('are ignored alike by every listing and by prune, and never make them throw', () => {
    const { registry, db, table } = setup();
    const orders = db('orders');
    orders.putSync('real', 'k', 1);
    const wrongId = Scope.named('someone-else').id as Uint8Array;
    table.putSync(wrongId, utf8('not-its-name')); // a name that does not hash to its id
    table.putSync(Scope.named('empty-name').id as Uint8Array, new Uint8Array(0)); // an empty name
    table.putSync(Scope.named('bad-utf8').id as Uint8Array, new Uint8Array([0xc3, 0x28])); // not UTF-8
    table.putSync(new Uint8Array([1, 2, 3]), utf8('short-key')); // not an 8-byte id

    expect(registry.listAllScopes().map(String)).toEqual(['(default)', 'real']);
    expect(orders.findEmptyScopes()).toEqual([]);
    expect(registry.getScopeName(Scope.named('someone-else').hash as bigint)).toBeUndefined();
    expect(registry.lookupScopeHash('not-its-name')).toBeUndefined();
    expect(registry.pruneGloballyUnusedScopes().map(String)).toEqual([]);
    // The id of a foreign record stays taken: a write to that name gets another id.
    orders.putSync('someone-else', 'k', 1);
    expect(registry.idOf('someone-else')).not.toBe(Scope.named('someone-else').hash);
    expect(Buffer.from(table.getBinary(wrongId) as Uint8Array).toString()).toBe('not-its-name');
  });
});
