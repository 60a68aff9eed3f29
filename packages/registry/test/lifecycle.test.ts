import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { codecs, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { REGISTRY_TABLE } from '@scoped-lmdb/core/internal';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { GlobalScopeRegistry } from '../src/index.js';
import { tempDir, tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

function setup(env = tempEnv()) {
  const registry = GlobalScopeRegistry.open(env);
  const db = (name: string) => scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<unknown>()).name(name).create();
  return { env, registry, orders: db('orders'), users: db('users'), db };
}

describe('an env with a registry and no scoped database yet', () => {
  it('drops, checks, prunes, renames and copies without one', async () => {
    const registry = GlobalScopeRegistry.open(tempEnv());
    registry.registerScope('a');
    expect(registry.isScopeEmpty('a')).toBe(true);
    registry.renameScope('a', 'b');
    expect(await registry.copyScope('b', 'c')).toBe(0);
    registry.dropScope('b');
    expect(registry.scopeExists('b')).toBe(false);
    expect(registry.pruneGloballyUnusedScopes().map(String)).toEqual(['c']);
    expect(await registry.reclaim()).toBe(0);
  });
});

describe('dropScope', () => {
  it('empties the scope in every database at once, and a reused name starts empty', async () => {
    const { registry, orders, users } = setup();
    for (let i = 0; i < 50; i++) orders.putSync('tenant', `o${i}`, i);
    users.putSync('tenant', 'u', 1);
    orders.putSync('other', 'o', 1);
    const before = registry.idOf('tenant');
    registry.dropScope('tenant');
    expect(orders.getCount('tenant')).toBe(0);
    expect(users.get('tenant', 'u')).toBeUndefined();
    expect(registry.scopeExists('tenant')).toBe(false);
    expect(registry.idOf('tenant')).toBeUndefined();
    expect(orders.listScopes().map(String)).toEqual(['other']);
    expect(orders.listUnnamedIds()).toEqual([]); // dropped data belongs to nobody, and is not "unnamed"
    expect(registry.pendingReclaim()).toBe(51);
    // The name is free again; its new life gets another id and sees none of the old data.
    orders.putSync('tenant', 'fresh', 1);
    expect(registry.idOf('tenant')).not.toBe(before);
    expect([...orders.getKeys('tenant')]).toEqual(['fresh']);
    expect(orders.get('other', 'o')).toBe(1);
    expect(await registry.reclaim()).toBe(51);
    expect(registry.pendingReclaim()).toBe(0);
    expect([...orders.getKeys('tenant')]).toEqual(['fresh']);
    expect(orders.get('other', 'o')).toBe(1);
  });

  it('refuses DEFAULT, and is a no-op for a scope that holds nothing', () => {
    const { registry } = setup();
    expect(() => registry.dropScope(null)).toThrow(code('INVALID_INPUT'));
    expect(() => registry.dropScope(Scope.DEFAULT)).toThrow(code('INVALID_INPUT'));
    registry.dropScope('never-written');
    expect(registry.pendingReclaim()).toBe(0);
  });

  it('orders with un-awaited writes: put, drop, put leaves only the last put', async () => {
    const { registry, orders } = setup();
    const first = orders.put('t', 'a', 1);
    registry.dropScope('t'); // a sync lifecycle call: the queued put commits first, then is dropped
    const second = orders.put('t', 'b', 2);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect([...orders.getKeys('t')]).toEqual(['b']);
  });

  it('rolls back with the transaction it is part of', () => {
    const { env, registry, orders } = setup();
    orders.putSync('t', 'k', 1);
    expect(() =>
      env.transactionSync(() => {
        registry.dropScope('t');
        expect(orders.get('t', 'k')).toBeUndefined();
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(orders.get('t', 'k')).toBe(1);
    expect(registry.pendingReclaim()).toBe(0);
  });

  it('drops data written before the registry existed (unnamed, under the first-life id)', async () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create().putSync('early', 'k', 1);
    const { registry, orders } = setup(env);
    expect(orders.get('early', 'k')).toBe(1); // readable before registration: its first-life id is free
    registry.dropScope('early');
    expect(orders.get('early', 'k')).toBeUndefined();
    expect(await registry.reclaim()).toBe(1);
  });
});

describe('renameScope', () => {
  it('moves the data to the new name in O(1) metadata, in every database', () => {
    const { registry, orders, users } = setup();
    orders.putSync('a', 'k', 1);
    users.putSync('a', 'u', 2);
    const id = registry.idOf('a');
    registry.renameScope('a', 'b');
    expect(registry.idOf('b')).toBe(id);
    expect(registry.scopeExists('a')).toBe(false);
    expect(orders.get('b', 'k')).toBe(1);
    expect(users.get('b', 'u')).toBe(2);
    expect(orders.get('a', 'k')).toBeUndefined();
    expect(registry.pendingReclaim()).toBe(0);
    // The old name is free: a write there starts a new, empty scope.
    orders.putSync('a', 'new', 3);
    expect([...orders.getKeys('a')]).toEqual(['new']);
    expect([...orders.getKeys('b')]).toEqual(['k']);
  });

  it('refuses a taken target with SCOPE_EXISTS, and replaces it when asked', async () => {
    const { registry, orders } = setup();
    orders.putSync('a', 'k', 'from a');
    orders.putSync('b', 'k', 'from b');
    registry.registerScope('registered-only');
    expect(() => registry.renameScope('a', 'b')).toThrow(code('SCOPE_EXISTS'));
    expect(() => registry.renameScope('a', 'registered-only')).toThrow(code('SCOPE_EXISTS'));
    expect(orders.get('a', 'k')).toBe('from a');
    expect(orders.get('b', 'k')).toBe('from b');
    registry.renameScope('a', 'b', { replace: true });
    expect(orders.get('b', 'k')).toBe('from a');
    expect(registry.scopeExists('a')).toBe(false);
    expect(await registry.reclaim()).toBe(1); // b's old data
  });

  it('refuses DEFAULT on either side and a scope that does not exist', () => {
    const { registry, orders } = setup();
    orders.putSync('a', 'k', 1);
    expect(() => registry.renameScope(null, 'x')).toThrow(code('INVALID_INPUT'));
    expect(() => registry.renameScope('a', null)).toThrow(code('INVALID_INPUT'));
    expect(() => registry.renameScope('missing', 'x')).toThrow(code('INVALID_INPUT'));
    expect(() => registry.renameScope('', 'x')).toThrow(code('EMPTY_SCOPE_NAME'));
    registry.renameScope('a', 'a');
    expect(orders.get('a', 'k')).toBe(1);
    // Onto itself is a no-op only for a scope that exists (like Redis RENAME of a missing key).
    expect(() => registry.renameScope('missing', 'missing')).toThrow(code('INVALID_INPUT'));
    expect(registry.scopeExists('missing')).toBe(false);
  });

  it('refuses options that are not an object, or a replace that is not a boolean, and changes nothing', () => {
    const { registry, orders } = setup();
    orders.putSync('a', 'k', 1);
    orders.putSync('b', 'k', 2);
    for (const options of [null, 5, 'replace', { replace: 'yes' }]) {
      expect(() => registry.renameScope('a', 'b', options as never)).toThrow(code('INVALID_INPUT'));
    }
    expect(orders.get('a', 'k')).toBe(1);
    expect(orders.get('b', 'k')).toBe(2);
  });

  it('renames data written before the registry existed (it is registered under its first-life id)', () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create().putSync('early', 'k', 1);
    const { registry, orders } = setup(env);
    const first = Scope.named('early').hash;
    registry.renameScope('early', 'late');
    expect(registry.idOf('late')).toBe(first);
    expect(orders.get('late', 'k')).toBe(1);
    expect(orders.get('early', 'k')).toBeUndefined();
    expect(registry.scopeExists('early')).toBe(false);
  });
});

describe('swapScopes', () => {
  it('swaps two scopes atomically, in every database', () => {
    const { registry, orders, users } = setup();
    orders.putSync('blue', 'v', 'blue');
    orders.putSync('green', 'v', 'green');
    users.putSync('green', 'u', 1);
    const [blue, green] = [registry.idOf('blue'), registry.idOf('green')];
    registry.swapScopes('blue', 'green');
    expect([registry.idOf('blue'), registry.idOf('green')]).toEqual([green, blue]);
    expect(orders.get('blue', 'v')).toBe('green');
    expect(orders.get('green', 'v')).toBe('blue');
    expect(users.get('blue', 'u')).toBe(1);
    expect(users.isScopeEmpty('green')).toBe(true);
    registry.swapScopes('green', 'blue');
    expect(orders.get('blue', 'v')).toBe('blue');
  });

  it('swaps with a scope that holds nothing yet', () => {
    const { registry, orders } = setup();
    orders.putSync('full', 'k', 1);
    registry.swapScopes('full', 'empty');
    expect(orders.isScopeEmpty('full')).toBe(true);
    expect(orders.get('empty', 'k')).toBe(1);
    expect(() => registry.swapScopes('full', null)).toThrow(code('INVALID_INPUT'));
  });
});

describe('copyScope', () => {
  it('copies every database of a scope, reports progress, and shows the target all at once', async () => {
    const { registry, orders, users } = setup();
    for (let i = 0; i < 5_000; i++) orders.putSync('src', `o${String(i).padStart(5, '0')}`, i);
    users.putSync('src', 'u', 'user');
    const progress: [number, number][] = [];
    let seenDuringCopy = -1;
    const copied = await registry.copyScope('src', 'dst', {
      onProgress: (done, total) => {
        progress.push([done, total]);
        seenDuringCopy = Math.max(seenDuringCopy, orders.getCount('dst'));
      },
    });
    expect(copied).toBe(5_001);
    expect(seenDuringCopy).toBe(0); // readers never see a half-filled target
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([5_001, 5_001]);
    expect(orders.getCount('dst')).toBe(5_000);
    expect(users.get('dst', 'u')).toBe('user');
    expect(orders.get('dst', 'o04999')).toBe(4999);
    expect(orders.getCount('src')).toBe(5_000); // the source is untouched
    expect(registry.idOf('dst')).not.toBe(registry.idOf('src'));
    // The copy is independent of its source.
    orders.putSync('src', 'o00000', 'changed');
    expect(orders.get('dst', 'o00000')).toBe(0);
  });

  it('refuses a taken target unless replace, and leaves the target as it was', async () => {
    const { registry, orders } = setup();
    orders.putSync('src', 'k', 'src');
    orders.putSync('dst', 'k', 'dst');
    await expect(registry.copyScope('src', 'dst')).rejects.toEqual(code('SCOPE_EXISTS'));
    expect(orders.get('dst', 'k')).toBe('dst');
    expect(await registry.copyScope('src', 'dst', { replace: true })).toBe(1);
    expect(orders.get('dst', 'k')).toBe('src');
    await expect(registry.copyScope(null, 'x')).rejects.toEqual(code('INVALID_INPUT'));
    await expect(registry.copyScope('src', 'src')).rejects.toEqual(code('INVALID_INPUT'));
    await expect(registry.copyScope('missing', 'x')).rejects.toEqual(code('INVALID_INPUT'));
    for (const options of [null, 5, { replace: 'yes' }]) {
      await expect(registry.copyScope('src', 'other', options as never)).rejects.toEqual(code('INVALID_INPUT'));
    }
    expect(registry.scopeExists('other')).toBe(false);
  });

  it('copies data written before the registry existed', async () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create().putSync('early', 'k', 1);
    const { registry, orders } = setup(env);
    expect(await registry.copyScope('early', 'copy')).toBe(1);
    expect(orders.get('copy', 'k')).toBe(1);
    expect(orders.get('early', 'k')).toBe(1);
    expect(registry.idOf('early')).toBe(Scope.named('early').hash);
  });
});

describe('reclaim', () => {
  it('resumes after a restart and frees pages for reuse (drop/refill cycles do not grow the file)', async () => {
    const path = tempDir();
    const fill = (orders: ReturnType<typeof setup>['orders']) =>
      orders.transactionSync(() => {
        for (let i = 0; i < 5_000; i++) orders.putSync('cycle', `k${i}`, 'x'.repeat(200));
      });
    let env = open({ path, maxDbs: 16 });
    let { registry, orders } = setup(env);
    fill(orders);
    registry.dropScope('cycle');
    await env.close(); // before any reclaim ran
    env = open({ path, maxDbs: 16 });
    ({ registry, orders } = setup(env));
    expect(registry.pendingReclaim()).toBe(5_000);
    await registry.reclaim();
    expect(registry.pendingReclaim()).toBe(0);
    const sizes: number[] = [];
    for (let round = 0; round < 6; round++) {
      fill(orders);
      registry.dropScope('cycle');
      await registry.reclaim();
      sizes.push(statSync(join(path, 'data.mdb')).size);
    }
    // After the first rounds the freed pages are reused: the file stops growing.
    expect(sizes.at(-1)).toBe(sizes[2]);
    await env.close();
  });

  it('runs in the background after a drop, in small transactions', async () => {
    const { registry, orders } = setup();
    orders.transactionSync(() => {
      for (let i = 0; i < 3_500; i++) orders.putSync('bg', `k${i}`, i);
    });
    registry.dropScope('bg');
    for (let i = 0; i < 200 && registry.pendingReclaim() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(registry.pendingReclaim()).toBe(0);
  });

  it('honours a time budget', async () => {
    const { registry, orders } = setup();
    orders.transactionSync(() => {
      for (let i = 0; i < 20_000; i++) orders.putSync('big', `k${i}`, i);
    });
    registry.dropScope('big');
    const freed = await registry.reclaim({ budgetMs: 1 });
    expect(freed).toBeGreaterThan(0);
    expect(freed).toBeLessThan(20_000);
    expect(await registry.reclaim()).toBe(20_000 - freed);
  });

  it('rejects (never throws) bad options, and rejects with STORAGE on a closed env', async () => {
    const { env, registry, orders } = setup();
    orders.putSync('gone', 'k', 1);
    registry.dropScope('gone');
    for (const options of [null, 5, { budgetMs: 'x' }, { budgetMs: -1 }, { budgetMs: Number.NaN }]) {
      const result = registry.reclaim(options as never);
      await expect(result).rejects.toEqual(code('INVALID_INPUT'));
    }
    expect(registry.pendingReclaim()).toBe(1);
    await env.close();
    await expect(registry.reclaim()).rejects.toEqual(code('STORAGE'));
  });
});

describe('a closed env', () => {
  it('fails every registry call and every read or write of a registered database with STORAGE', async () => {
    const { env, registry, orders } = setup();
    orders.putSync('a', 'k', 1);
    const chunks: Uint8Array[] = [];
    await registry.exportScope('a', (chunk) => void chunks.push(chunk));
    await env.close();
    const sync: Record<string, () => unknown> = {
      get: () => orders.get('a', 'k'),
      getCount: () => orders.getCount('a'),
      putSync: () => orders.putSync('a', 'k', 2),
      isScopeEmpty: () => registry.isScopeEmpty('a'),
      scopeStats: () => registry.scopeStats('a'),
      dropScope: () => registry.dropScope('a'),
      renameScope: () => registry.renameScope('a', 'b'),
      swapScopes: () => registry.swapScopes('a', 'b'),
      pendingReclaim: () => registry.pendingReclaim(),
      listAllScopes: () => registry.listAllScopes(),
    };
    for (const [name, call] of Object.entries(sync)) expect(call, name).toThrow(code('STORAGE'));
    const async: Record<string, () => Promise<unknown>> = {
      put: () => orders.put('a', 'k', 2),
      copyScope: () => registry.copyScope('a', 'c'),
      exportScope: () => registry.exportScope('a', () => {}),
      importScope: () => registry.importScope(Readable.from([Buffer.concat(chunks)]), 'd'),
    };
    for (const [name, call] of Object.entries(async)) await expect(call(), name).rejects.toEqual(code('STORAGE'));
  });
});

describe('the registry table', () => {
  it('keeps v1 records readable: a first-life id record alone maps its name', () => {
    const env = tempEnv();
    const table = env.openDB(REGISTRY_TABLE, { keyEncoding: 'binary', encoding: 'binary' });
    const v1 = Scope.named('v1-scope');
    // A v1 file: the id -> name record only, and data under the xxh64 id.
    scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create().putSync(v1, 'k', 'v1 data');
    table.putSync(v1.id as Uint8Array, Buffer.from('v1-scope'));
    const { registry, orders } = setup(env);
    expect(registry.idOf('v1-scope')).toBe(v1.hash);
    expect(orders.get('v1-scope', 'k')).toBe('v1 data');
    expect(orders.listScopes().map(String)).toEqual(['v1-scope']);
    registry.renameScope('v1-scope', 'renamed');
    expect(orders.get('renamed', 'k')).toBe('v1 data');
  });
});

describe('snapshots resolve scope ids as of the snapshot', () => {
  it('a snapshot taken before a drop, rename or swap reads the scope as it was', async () => {
    const { registry, orders } = setup();
    orders.putSync('a', 'k', 'a1');
    orders.putSync('b', 'k', 'b1');
    orders.putSync('gone', 'k', 'g1');
    const before = orders.snapshot();
    registry.swapScopes('a', 'b');
    registry.renameScope('gone', 'moved');
    orders.putSync('gone', 'k', 'new life');
    await new Promise((resolve) => setImmediate(resolve));
    // Live reads see the new mapping; the snapshot keeps the old one (and the old data).
    expect(orders.get('a', 'k')).toBe('b1');
    expect(orders.get('gone', 'k')).toBe('new life');
    expect(before.get('a', 'k')).toBe('a1');
    expect(before.get('b', 'k')).toBe('b1');
    expect(before.get('gone', 'k')).toBe('g1');
    expect(before.get('moved', 'k')).toBeUndefined();
    expect(before.scope('gone').getRange().asArray).toEqual([{ key: 'k', value: 'g1' }]);
    const after = orders.snapshot();
    registry.dropScope('moved');
    expect(after.get('moved', 'k')).toBe('g1');
    expect(after.getCount('moved')).toBe(1);
    before.done();
    after.done();
    expect(orders.get('moved', 'k')).toBeUndefined();
  });
});
