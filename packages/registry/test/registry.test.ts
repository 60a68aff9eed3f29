import { codecs, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { REGISTRY_TABLE } from '@scoped-lmdb/core/internal';
import { describe, expect, it } from 'vitest';
import { GlobalScopeRegistry } from '../src/index.js';
import { tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

function setup() {
  const env = tempEnv();
  const registry = GlobalScopeRegistry.open(env);
  const db = (name: string) => scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json()).name(name).create();
  const table = env.openDB(REGISTRY_TABLE, { keyEncoding: 'binary', encoding: 'binary' });
  return { env, registry, db, table };
}

describe('GlobalScopeRegistry', () => {
  it('registers idempotently, under the 8-byte id, with the UTF-8 name', () => {
    const { registry, table } = setup();
    registry.registerScope('tenant-1');
    registry.registerScope(Scope.named('tenant-1'));
    registry.registerScope('租户');
    registry.registerScope(null); // DEFAULT: a no-op
    // The id -> name records are the 8-byte keys (each name also has its name -> id record).
    const stored = [...table.getRange({})]
      .filter(({ key }) => (key as Uint8Array).length === 8)
      .map(({ key, value }) => [Buffer.from(key as Uint8Array).toString('hex'), Buffer.from(value as Uint8Array).toString()]);
    expect(stored).toHaveLength(2);
    // A scope's first id is xxh64 of its name when that id is free (so v1 files stay valid).
    expect(stored).toContainEqual([Buffer.from(Scope.named('租户').id as Uint8Array).toString('hex'), '租户']);
    expect(registry.idOf('租户')).toBe(Scope.named('租户').hash);
  });

  it('answers names, hashes and existence', () => {
    const { registry } = setup();
    const s = Scope.named('orders');
    expect(registry.scopeExists(s)).toBe(false);
    expect(registry.lookupScopeHash('orders')).toBeUndefined();
    registry.registerScope(s);
    expect(registry.scopeExists('orders')).toBe(true);
    expect(registry.scopeExists(null)).toBe(true);
    expect(registry.getScopeName(s.hash as bigint)).toBe('orders');
    expect(registry.getScopeName(12345n)).toBeUndefined();
    expect(registry.lookupScopeHash('orders')).toBe(s.hash);
    expect(() => registry.getScopeName(-1n)).toThrow(code('INVALID_INPUT'));
    expect(() => registry.getScopeName(1 as never)).toThrow(code('INVALID_INPUT'));
  });

  it('lists DEFAULT first, then named scopes in id order', () => {
    const { registry } = setup();
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
    for (const n of names) registry.registerScope(n);
    const listed = registry.listAllScopes();
    expect(listed[0]).toBe(Scope.DEFAULT);
    const named = listed.slice(1);
    expect(named.map((s) => s.name).sort()).toEqual([...names].sort());
    const hashes = named.map((s) => s.hash as bigint);
    expect(hashes).toEqual([...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('unregisters: true iff it was registered; DEFAULT is false; data stays', () => {
    const { registry, db } = setup();
    const orders = db('orders');
    orders.putSync('t', 'k', 1);
    expect(registry.unregisterScope('t')).toBe(true);
    expect(registry.unregisterScope('t')).toBe(false);
    expect(registry.unregisterScope(null)).toBe(false);
    expect(registry.scopeExists('t')).toBe(false);
    expect(orders.get('t', 'k')).toBe(1);
    // The cache forgot it: the next write registers the scope again.
    orders.putSync('t', 'k2', 2);
    expect(registry.scopeExists('t')).toBe(true);
  });

  it('resolves a collision: a scope whose first-life id is taken gets another id, and both keep their data', async () => {
    const { registry, db, table } = setup();
    const victim = Scope.named('victim');
    // Another name recorded under victim's xxh64 id: what a real collision would look like.
    table.putSync(victim.id as Uint8Array, Buffer.from('someone-else'));
    const orders = db('orders');
    orders.putSync(victim, 'k', 1);
    await orders.put(victim, 'k2', 2);
    const id = registry.idOf(victim) as bigint;
    expect(id).not.toBe(victim.hash);
    expect(orders.get(victim, 'k')).toBe(1);
    expect([...orders.getKeys(victim)]).toEqual(['k', 'k2']);
    expect(Buffer.from(table.getBinary(victim.id as Uint8Array) as Uint8Array).toString()).toBe('someone-else');
    expect(registry.lookupScopeHash('victim')).toBe(id);
    expect(registry.getScopeName(id)).toBe('victim');
    // The planted record's name does not map back to its id: no listing names it.
    expect(registry.getScopeName(victim.hash as bigint)).toBeUndefined();
    expect(registry.listAllScopes().map(String)).toEqual(['(default)', 'victim']);
  });

  it('moves an async put to a fresh id when another name took its first-life id meanwhile', async () => {
    const { registry, db, table } = setup();
    const orders = db('orders');
    await orders.put('seen', 'k', 1); // registered under its first-life id
    orders.removeSync('seen', 'k');
    // It is unregistered and another name takes the id (as other software, or another process, could).
    expect(registry.unregisterScope('seen')).toBe(true);
    table.putSync(Scope.named('seen').id as Uint8Array, Buffer.from('usurper'));
    expect(await orders.put('seen', 'k', 2)).toBe(true);
    expect(registry.idOf('seen')).not.toBe(Scope.named('seen').hash);
    expect(orders.get('seen', 'k')).toBe(2);
    expect(Buffer.from(table.getBinary(Scope.named('seen').id as Uint8Array) as Uint8Array).toString()).toBe('usurper');
  });
});

describe('auto-registration, atomic with the write', () => {
  it('registers on putSync, put, transactionSync and transaction', async () => {
    const { registry, db } = setup();
    const orders = db('orders');
    orders.putSync('a', 'k', 1);
    await orders.put('b', 'k', 1);
    orders.transactionSync(() => orders.putSync('c', 'k', 1));
    await orders.transaction(() => orders.putSync('d', 'k', 1));
    orders.transactionSync(() => {
      void orders.put('e', 'k', 1);
    });
    for (const s of ['a', 'b', 'c', 'd', 'e']) expect(registry.scopeExists(s)).toBe(true);
    expect(registry.scopeExists(null)).toBe(true);
  });

  it('rolls registration back with the transaction that carried it', () => {
    const { registry, db } = setup();
    const orders = db('orders');
    expect(() =>
      orders.transactionSync(() => {
        orders.putSync('ghost', 'k', 1);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(registry.scopeExists('ghost')).toBe(false);
    orders.putSync('ghost', 'k', 1);
    expect(registry.scopeExists('ghost')).toBe(true);
  });

  it('puts back, with the data, a record removed behind its cache (another process pruned it)', async () => {
    const { registry, db, table } = setup();
    const orders = db('orders');
    const writes: Record<string, (scope: string) => unknown> = {
      putSync: (scope) => orders.putSync(scope, 'k', 1),
      'putSync in transactionSync': (scope) => orders.transactionSync(() => orders.putSync(scope, 'k', 1)),
      put: (scope) => orders.put(scope, 'k', 1),
      'put in transaction': (scope) => orders.transaction(() => orders.put(scope, 'k', 1)),
      'put in transactionSync': (scope) => orders.transactionSync(() => void orders.put(scope, 'k', 1)),
    };
    for (const [path, write] of Object.entries(writes)) {
      const scope = `stale-${path}`;
      registry.registerScope(scope); // cached now
      table.removeSync(Scope.named(scope).id as Uint8Array); // what a prune elsewhere does
      expect(registry.scopeExists(scope), path).toBe(false);
      await write(scope);
      expect(registry.scopeExists(scope), path).toBe(true);
      expect(orders.get(scope, 'k'), path).toBe(1);
    }
    // registerScope itself does not trust the cache either.
    registry.registerScope('again');
    table.removeSync(Scope.named('again').id as Uint8Array);
    registry.registerScope('again');
    expect(registry.scopeExists('again')).toBe(true);
  });

  it('keeps the record when a prune comes right after an un-awaited put', async () => {
    const { registry, db } = setup();
    const orders = db('orders');
    registry.registerScope('late'); // registered, empty
    const written = orders.put('late', 'k', 1); // queued: the prune's transaction commits it first (call order)
    expect(registry.pruneGloballyUnusedScopes([orders]).map(String)).toEqual([]);
    await written;
    expect(orders.get('late', 'k')).toBe(1);
    expect(registry.scopeExists('late')).toBe(true);
    expect(orders.listScopes().map(String)).toEqual(['late']);
  });

  it('a registry opened elsewhere, with its own cache, sees its pruned scope re-registered by the next write', async () => {
    const { env, registry, db } = setup();
    const orders = db('orders');
    const other = GlobalScopeRegistry.open(env); // stands for another process: a cache of its own
    const theirs = scopedDatabaseOptions(env, { registry: other }).types(codecs.string(), codecs.json()).name('orders').create();
    theirs.putSync('shared', 'k', 1);
    await theirs.put('shared', 'k2', 2); // cached on the fast path of `other`
    theirs.clearSync('shared');
    expect(registry.pruneGloballyUnusedScopes([orders]).map(String)).toEqual(['shared']);
    await theirs.put('shared', 'k', 3);
    expect(registry.scopeExists('shared')).toBe(true);
    theirs.clearSync('shared');
    expect(registry.pruneGloballyUnusedScopes([orders]).map(String)).toEqual(['shared']);
    theirs.putSync('shared', 'k', 4);
    expect(registry.scopeExists('shared')).toBe(true);
    expect(orders.listScopes().map(String)).toEqual(['shared']);
  });

  it('reads the registry once per scope and transaction on the synchronous path', () => {
    const { registry, db, table } = setup();
    const orders = db('orders');
    orders.putSync('hot', 'k0', 0);
    let reads = 0;
    // Count reads of the registry table, whichever handle on it makes them.
    const proto = Object.getPrototypeOf(table) as typeof table;
    const getBinary = proto.getBinary;
    proto.getBinary = function (this: typeof table, ...args: Parameters<typeof getBinary>) {
      if ((this as { name?: string }).name === REGISTRY_TABLE) reads++;
      return getBinary.apply(this, args);
    } as typeof getBinary;
    let one: number;
    let hundred: number;
    try {
      orders.transactionSync(() => orders.putSync('hot', 'again', 1));
      one = reads;
      reads = 0;
      orders.transactionSync(() => {
        for (let i = 1; i <= 100; i++) orders.putSync('hot', `k${i}`, i);
      });
      hundred = reads;
    } finally {
      proto.getBinary = getBinary;
    }
    // The scope's name -> id and id -> name records once: per transaction, not per write.
    expect(one).toBe(2);
    expect(hundred).toBe(one);
    expect(orders.getCount('hot')).toBe(102);
    expect(registry.scopeExists('hot')).toBe(true);
  });
});

describe('listing and pruning through databases', () => {
  it('lists the scopes holding data, DEFAULT first, and finds the empty ones', () => {
    const { registry, db } = setup();
    const orders = db('orders');
    orders.putSync(null, 'k', 1);
    for (const s of ['x', 'y', 'z']) orders.putSync(s, 'k', 1);
    registry.registerScope('empty-one');
    orders.clearSync('y');
    const listed = orders.listScopes();
    expect(listed[0]).toBe(Scope.DEFAULT);
    expect(
      listed
        .slice(1)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['x', 'z']);
    expect(
      orders
        .findEmptyScopes()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['empty-one', 'y']);
    orders.registerScope('via-db');
    expect(registry.scopeExists('via-db')).toBe(true);
  });

  it('prunes only scopes empty in every database, never DEFAULT, in one go', () => {
    const { registry, db } = setup();
    const orders = db('orders');
    const users = db('users');
    orders.putSync('both', 'k', 1);
    users.putSync('both', 'k', 1);
    orders.putSync('orders-only', 'k', 1);
    users.putSync('users-only', 'k', 1);
    registry.registerScope('unused');
    orders.putSync('cleared', 'k', 1);
    orders.clearSync('cleared');
    const removed = registry.pruneGloballyUnusedScopes([orders, users]);
    expect(removed.map((s) => s.name).sort()).toEqual(['cleared', 'unused']);
    expect(
      registry
        .listAllScopes()
        .map((s) => s.toString())
        .sort(),
    ).toEqual(['(default)', 'both', 'orders-only', 'users-only']);
    // A pruned scope written again is registered again.
    orders.putSync('cleared', 'k', 2);
    expect(registry.scopeExists('cleared')).toBe(true);
  });

  it('refuses to prune (or judge emptiness) with no checkers: scoped-heed defect 4', () => {
    const { registry } = setup();
    registry.registerScope('keep');
    expect(() => registry.pruneGloballyUnusedScopes([])).toThrow(code('INVALID_INPUT'));
    expect(() => registry.isScopeEmpty('keep', [])).toThrow(code('INVALID_INPUT'));
    expect(() => registry.pruneGloballyUnusedScopes([{}] as never)).toThrow(code('INVALID_INPUT'));
    expect(registry.scopeExists('keep')).toBe(true);
  });

  it('answers isScopeEmpty across every database of the env, whatever checkers are given', () => {
    const { registry, db } = setup();
    const orders = db('orders');
    const users = db('users');
    users.putSync('s', 'k', 1);
    expect(registry.isScopeEmpty('s', [orders])).toBe(false);
    expect(registry.isScopeEmpty('s')).toBe(false);
    expect(registry.isScopeEmpty('other')).toBe(true);
    // A checker for data kept elsewhere is asked too.
    expect(registry.isScopeEmpty('other', [{ isScopeEmpty: (scope) => Scope.from(scope).name !== 'other' }])).toBe(false);
    expect(orders.isScopeEmpty('s')).toBe(true);
  });

  it('lists 10 000 scopes correctly (one seek per scope, not a scan)', () => {
    const { db } = setup();
    const orders = db('orders');
    const names = Array.from({ length: 10_000 }, (_, i) => `tenant-${i}`);
    orders.transactionSync(() => {
      for (const n of names) for (let k = 0; k < 3; k++) orders.putSync(n, `k${k}`, k);
    });
    const listed = orders.listScopes();
    expect(listed).toHaveLength(10_000);
    expect(new Set(listed.map((s) => s.name))).toEqual(new Set(names));
  });

  it('rejects a non-env with INVALID_INPUT', () => {
    expect(() => GlobalScopeRegistry.open({} as never)).toThrow(code('INVALID_INPUT'));
  });
});
