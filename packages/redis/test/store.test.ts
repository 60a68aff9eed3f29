import { codecs, Scope } from '@scoped-lmdb/core';
import { type Cluster, Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { hashTag, openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { collect } from './support/helpers.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

const hexOf = (scope: Scope) => scope.hash!.toString(16).padStart(16, '0');

/** Empties every master, so registry listings start from nothing. */
async function flush(client: Redis | Cluster): Promise<void> {
  const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  await Promise.all(nodes.map((node) => node.flushall()));
}

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client) => {
  let n = 0;
  const open = async (options = {}): Promise<RedisScopedStore> => {
    await flush(client());
    return openRedisScopedStore(client(), options);
  };
  const db = (store: RedisScopedStore) => store.database(`orders${++n}`, codecs.string(), codecs.json<unknown>());

  describe('layout', () => {
    it('puts every key of a scope under its hash tag, binary keys and values unchanged', async () => {
      const store = await open();
      const raw = store.database('raw', codecs.bytes(), codecs.bytes());
      const key = new Uint8Array([0x00, 0xff, 0x80, 0x7b]);
      const value = new Uint8Array([0xc3, 0x28, 0x00]);
      await raw.put('tenant', key, value);
      const tag = `{${hexOf(Scope.named('tenant'))}}`;
      expect(hashTag(Scope.named('tenant'))).toBe(tag);
      expect(hashTag(Scope.DEFAULT)).toBe('{default}');
      const c = client();
      const fields = await c.hgetallBuffer(`scoped:${tag}:d:raw:h`);
      expect(Object.keys(fields)).toHaveLength(1);
      const [field] = await c.hkeysBuffer(`scoped:${tag}:d:raw:h`);
      expect(Buffer.compare(field!, Buffer.from(key))).toBe(0);
      expect(Buffer.compare((await c.hgetBuffer(`scoped:${tag}:d:raw:h`, field!))!, Buffer.from(value))).toBe(0);
      expect(await c.zcard(`scoped:${tag}:d:raw:z`)).toBe(1);
      expect(await c.get(`scoped:${tag}:name`)).toBe('tenant');
      expect(await c.smembers(`scoped:${tag}:dbs`)).toEqual(['raw']);
      if (c.isCluster) {
        const slots = await Promise.all(
          ['name', 'dbs', 'd:raw:h', 'd:raw:z'].map((suffix) => (c as Cluster).cluster('KEYSLOT', `scoped:${tag}:${suffix}`)),
        );
        expect(new Set(slots).size).toBe(1);
      }
    });

    it('writes no name record for the default scope', async () => {
      const store = await open();
      await db(store).put(null, 'k', 1);
      expect(await client().exists('scoped:{default}:name')).toBe(0);
      expect(await client().exists('scoped:{default}:dbs')).toBe(1);
    });

    it('a database named like a scope record cannot touch it', async () => {
      const store = await open();
      for (const name of ['name', 'dbs', 'd', 'h:z']) await store.database(name, codecs.string(), codecs.string()).put('s', 'k', name);
      expect(await store.getScopeName(Scope.named('s').hash!)).toBe('s');
      for (const name of ['name', 'dbs', 'd', 'h:z']) {
        expect(await store.database(name, codecs.string(), codecs.string()).get('s', 'k')).toBe(name);
      }
    });

    it('clearAsync leaves no keys behind', async () => {
      const store = await open();
      const orders = db(store);
      await orders.put('c', 'a', 1);
      await orders.put('c', 'b', 2);
      expect(await orders.clearAsync('c')).toBe(2);
      const tag = hashTag(Scope.named('c'));
      expect(await client().exists(`scoped:${tag}:d:${orders.name}:h`, `scoped:${tag}:d:${orders.name}:z`, `scoped:${tag}:dbs`)).toBe(0);
      expect(await store.scopeExists('c')).toBe(true);
    });
  });

  describe('round trips', () => {
    it('streams a range in pages, never one reply for all of it', async () => {
      const store = await open({ rangePageSize: 10 });
      const orders = db(store);
      await Promise.all(Array.from({ length: 95 }, (_, i) => orders.put('p', `k${String(i).padStart(3, '0')}`, i)));
      // Loads the script first, so the count below holds no NOSCRIPT retry.
      await collect(orders.getKeys('p', { limit: 1 }));
      const calls = vi.spyOn(client(), 'callBuffer');
      try {
        const entries = await collect(orders.getRange('p'));
        expect(entries.map((e) => e.value)).toEqual(Array.from({ length: 95 }, (_, i) => i));
        expect(calls).toHaveBeenCalledTimes(10);
        // Each reply: status, owned, gen, then the page (keys, values).
        const replies = await Promise.all(calls.mock.results.map((r) => r.value as Promise<[number, number, Buffer, [Buffer[]]]>));
        expect(Math.max(...replies.map((reply) => reply[3][0].length))).toBe(10);
      } finally {
        calls.mockRestore();
      }
    });

    it('reads any number of keys in one getMany (one script, in chunks)', async () => {
      const store = await open();
      const orders = db(store);
      await orders.put('m', 'k1', 'one');
      const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
      const values = await orders.getMany('m', keys);
      expect(values).toHaveLength(20_000);
      expect(values[1]).toBe('one');
      expect(values.filter((v) => v !== undefined)).toEqual(['one']);
    });

    it('counts a whole scope with ZCARD, in one script that also checks the id', async () => {
      const store = await open();
      const orders = db(store);
      await orders.put('z', 'a', 1);
      // Loads the script first, so the count below holds no NOSCRIPT retry.
      await orders.getCount('z');
      const calls = vi.spyOn(client(), 'callBuffer');
      try {
        expect(await orders.getCount('z')).toBe(1);
        expect(calls).toHaveBeenCalledTimes(1);
        expect(calls.mock.calls[0]).toContain('card');
      } finally {
        calls.mockRestore();
      }
    });
  });

  describe('atomicity', () => {
    it('remove reports true exactly once under concurrent removes', async () => {
      const store = await open();
      const orders = db(store);
      for (let round = 0; round < 5; round++) {
        await orders.put('r', 'k', round);
        const results = await Promise.all(Array.from({ length: 20 }, () => orders.remove('r', 'k')));
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });

    it('a transaction commits writes to several databases of one scope together', async () => {
      const store = await open();
      const orders = db(store);
      const stock = store.database(`stock${n}`, codecs.string(), codecs.json<number>());
      await stock.put('t', 'sku', 5);
      await orders.put('t', 'old', 'x');
      let queued: Promise<unknown>[] = [];
      const result = await store.transaction('t', () => {
        queued = [orders.put('t', 'o1', { sku: 'sku' }), stock.put('t', 'sku', 4), orders.remove('t', 'old'), stock.remove('t', 'none')];
        return 'done';
      });
      expect(result).toBe('done');
      expect(await Promise.all(queued)).toEqual([true, true, true, false]);
      expect(await orders.get('t', 'o1')).toEqual({ sku: 'sku' });
      expect(await stock.get('t', 'sku')).toBe(4);
      expect(await orders.doesExist('t', 'old')).toBe(false);
      const viaView = await orders.scope('t').transaction(async () => {
        void orders.clearAsync('t');
        void stock.put('t', 'sku', 3);
        return 1;
      });
      expect(viaView).toBe(1);
      expect(await orders.isScopeEmpty('t')).toBe(true);
      expect(await stock.get('t', 'sku')).toBe(3);
    });

    it('a transaction writing to two scopes fails with INVALID_INPUT and writes nothing', async () => {
      const store = await open();
      const orders = db(store);
      const attempt = orders.transaction('a', () => {
        void orders.put('a', 'k', 1);
        void orders.put('b', 'k', 2);
      });
      await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/one scope.*hash slots/s) });
      expect(await orders.get('a', 'k')).toBeUndefined();
      expect(await orders.get('b', 'k')).toBeUndefined();
      expect(await store.scopeExists('a')).toBe(false);
      await expect(store.transaction('a', () => store.transaction('b', () => 1))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('a transaction whose callback or one of its writes fails writes nothing', async () => {
      const store = await open();
      const orders = db(store);
      let put: Promise<boolean> | undefined;
      await expect(
        store.transaction('f', async () => {
          put = orders.put('f', 'k', 1);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await expect(put).rejects.toThrow('changed my mind');
      await expect(
        store.transaction('f', () => {
          void orders.put('f', 'k', 1);
          void orders.put('f', 'j', { bad: 1n });
        }),
      ).rejects.toMatchObject({ code: 'ENCODING' });
      expect(await orders.isScopeEmpty('f')).toBe(true);
      expect(await store.scopeExists('f')).toBe(false);
    });

    it('a write made after its transaction ended is refused', async () => {
      const store = await open();
      const orders = db(store);
      let late: Promise<boolean> | undefined;
      await store.transaction('l', () => {
        setTimeout(() => {
          late = orders.put('l', 'k', 1);
        }, 0);
      });
      await vi.waitFor(() => expect(late).toBeDefined());
      await expect(late).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('resolves a collision: a scope whose first-life id holds another name gets another id', async () => {
      const store = await open();
      const orders = db(store);
      const victim = Scope.named('victim');
      // No xxh64 collision is known; plant the record another name would have left.
      await client().set(`scoped:${hashTag(victim)}:name`, 'impostor');
      expect(await orders.put(victim, 'k', 1)).toBe(true);
      expect(await orders.put(victim, 'k2', 2)).toBe(true);
      expect(await orders.remove(victim, 'k2')).toBe(true);
      await store.registerScope(victim);
      const id = (await store.lookupScopeHash('victim'))!;
      expect(id).not.toBe(victim.hash);
      expect(await orders.get(victim, 'k')).toBe(1);
      expect(await client().get(`scoped:${hashTag(victim)}:name`)).toBe('impostor');
      expect(await client().exists(`scoped:${hashTag(victim)}:d:${orders.name}:h`)).toBe(0);
      expect(await store.getScopeName(id)).toBe('victim');
      // "impostor" does not map to that id: the record is not believed.
      expect(await store.getScopeName(victim.hash!)).toBeUndefined();
      expect((await store.listAllScopes()).map(String)).toEqual(['(default)', 'victim']);
      // Another store, with no cache, finds it through its home.
      const other = await openRedisScopedStore(client());
      expect(await other.database(orders.name, codecs.string(), codecs.json<unknown>()).get(victim, 'k')).toBe(1);
    });

    it('pruning racing first writes never leaves data without its name', async () => {
      const store = await open();
      const orders = db(store);
      const scopes = Array.from({ length: 40 }, (_, i) => `race-${i}`);
      await Promise.all(scopes.map((s) => store.registerScope(s)));
      await Promise.all([
        ...scopes.map((s) => orders.put(s, 'k', s)),
        store.pruneGloballyUnusedScopes(),
        store.pruneGloballyUnusedScopes(),
      ]);
      for (const s of scopes) expect(await store.scopeExists(s)).toBe(true);
    });
  });

  describe('registry', () => {
    it('lists DEFAULT first, then every registered scope in id order, across masters', async () => {
      const store = await open();
      const orders = db(store);
      const names = Array.from({ length: 30 }, (_, i) => `tenant-${i}`);
      await Promise.all(names.map((s) => orders.put(s, 'k', 1)));
      await store.registerScope('registered-only');
      await store.registerScope('registered-only');
      await store.registerScope(null);
      const listed = await store.listAllScopes();
      const expected = [...names, 'registered-only'].map((s) => Scope.named(s)).sort((a, b) => (a.hash! < b.hash! ? -1 : 1));
      expect(listed.map(String)).toEqual(['(default)', ...expected.map(String)]);
      if (client().isCluster) {
        const perMaster = await Promise.all(
          (client() as Cluster).nodes('master').map(async (node) => (await node.keys('scoped:*:name')).length),
        );
        expect(perMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
      }
    });

    it('looks scopes up by name and by hash, and unregisters them', async () => {
      const store = await open();
      const scope = Scope.named('租户');
      expect(await store.scopeExists(scope)).toBe(false);
      expect(await store.scopeExists(null)).toBe(true);
      expect(await store.lookupScopeHash('租户')).toBeUndefined();
      await db(store).put('租户', 'k', 1);
      expect(await store.scopeExists('租户')).toBe(true);
      expect(await store.lookupScopeHash('租户')).toBe(scope.hash);
      expect(await store.getScopeName(scope.hash!)).toBe('租户');
      expect(await store.getScopeName(0n)).toBeUndefined();
      expect(await store.unregisterScope('租户')).toBe(true);
      expect(await store.unregisterScope('租户')).toBe(false);
      expect(await store.unregisterScope(null)).toBe(false);
      expect(await store.scopeExists('租户')).toBe(false);
      await expect(store.getScopeName(-1n)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(store.getScopeName(1n << 64n)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(store.getScopeName(5 as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(store.lookupScopeHash('')).rejects.toMatchObject({ code: 'EMPTY_SCOPE_NAME' });
      await expect(store.scopeExists(7 as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('ignores name records the library did not write, alike in every listing and in prune', async () => {
      const store = await open();
      const orders = db(store);
      await orders.put('real', 'k', 1);
      const c = client();
      const recordOf = (name: string) => `scoped:{${hexOf(Scope.named(name))}}:name`;
      await c.set(recordOf('someone-else'), 'not-its-name');
      await c.set(recordOf('empty-name'), '');
      await c.set(recordOf('bad-utf8'), Buffer.from([0xc3, 0x28]));
      expect((await store.listAllScopes()).map(String)).toEqual(['(default)', 'real']);
      expect(await orders.findEmptyScopes()).toEqual([]);
      expect(await store.getScopeName(Scope.named('someone-else').hash!)).toBeUndefined();
      expect(await store.pruneGloballyUnusedScopes()).toEqual([]);
      // Its id is still taken: the scope of that name gets another id, and the record stays.
      expect(await orders.put('empty-name', 'k', 1)).toBe(true);
      expect(await store.lookupScopeHash('empty-name')).not.toBe(Scope.named('empty-name').hash);
      expect(await c.get(recordOf('empty-name'))).toBe('');
    });

    it('prunes the named scopes with no data in any database, and only those', async () => {
      const store = await open();
      const orders = db(store);
      const stock = store.database(`stock${n}`, codecs.string(), codecs.string());
      await orders.put('kept-orders', 'k', 1);
      await stock.put('kept-stock', 'k', 'v');
      await orders.put('removed', 'k', 1);
      await orders.remove('removed', 'k');
      await orders.put('cleared', 'k', 1);
      await orders.clearAsync('cleared');
      await store.registerScope('never-used');
      await orders.put(null, 'k', 1);
      expect(await store.isScopeEmpty('kept-stock')).toBe(false);
      expect(await store.isScopeEmpty('removed')).toBe(true);
      const pruned = await store.pruneGloballyUnusedScopes();
      expect(pruned.map(String).sort()).toEqual(['cleared', 'never-used', 'removed']);
      expect((await store.listAllScopes()).map(String).sort()).toEqual(['(default)', 'kept-orders', 'kept-stock']);
      expect(await store.pruneGloballyUnusedScopes()).toEqual([]);
    });

    it('a database lists its scopes with data, and the registered ones without', async () => {
      const store = await open();
      const orders = db(store);
      const other = store.database(`other${n}`, codecs.string(), codecs.string());
      expect(await orders.listScopes()).toEqual([]);
      await orders.put('x', 'k', 1);
      await orders.put('y', 'k', 1);
      await other.put('z', 'k', 'v');
      await orders.registerScope('w');
      const byId = (names: string[]) =>
        names
          .map((s) => Scope.named(s))
          .sort((a, b) => (a.hash! < b.hash! ? -1 : 1))
          .map(String);
      expect((await orders.listScopes()).map(String)).toEqual(byId(['x', 'y']));
      expect((await orders.findEmptyScopes()).map(String)).toEqual(byId(['w', 'z']));
      await orders.put(null, 'k', 1);
      expect((await orders.listScopes()).map(String)).toEqual(['(default)', ...byId(['x', 'y'])]);
      // A glob character in a database name matches itself only.
      const globbed = store.database(`other*`, codecs.string(), codecs.string());
      expect(await globbed.listScopes()).toEqual([]);
      await globbed.put('g', 'k', 'v');
      expect((await globbed.listScopes()).map(String)).toEqual(['g']);
    });

    it('a database lists the ids holding its data that no valid name record names', async () => {
      const store = await open();
      const orders = db(store);
      const other = store.database(`other${n}`, codecs.string(), codecs.string());
      const unnamed = ['lost', 'renamed', 'emptied', 'bad-utf8'];
      for (const s of ['named', ...unnamed]) await orders.put(s, 'k', 1);
      await orders.put(null, 'k', 1);
      await other.put('elsewhere', 'k', 'v');
      expect(await orders.listUnnamedIds()).toEqual([]);

      const c = client();
      const recordOf = (name: string) => `scoped:{${hexOf(Scope.named(name))}}:name`;
      // The data stays, its name record goes or stops being valid (layout.ts scopeOf).
      await store.unregisterScope('lost');
      await c.set(recordOf('renamed'), 'not-its-name');
      await c.set(recordOf('emptied'), '');
      await c.set(recordOf('bad-utf8'), Buffer.from([0xc3, 0x28]));
      await store.unregisterScope('elsewhere');
      const idsOf = (names: string[]) => names.map((s) => Scope.named(s).hash!).sort((a, b) => (a < b ? -1 : 1));
      expect(await orders.listUnnamedIds()).toEqual(idsOf(unnamed));
      expect(await other.listUnnamedIds()).toEqual(idsOf(['elsewhere']));
      expect((await orders.listScopes()).map(String)).toEqual(['(default)', 'named']);

      // Registering the name makes the scope listable again.
      await orders.registerScope('lost');
      expect(await orders.listUnnamedIds()).toEqual(idsOf(unnamed.filter((s) => s !== 'lost')));
      const [first, second] = idsOf(['named', 'lost']).map((hash) => (hash === Scope.named('lost').hash ? 'lost' : 'named'));
      expect((await orders.listScopes()).map(String)).toEqual(['(default)', first, second]);
    });
  });

  describe('views', () => {
    /** Every object and function reachable from `root` through own properties (getters read), prototypes and for…in. */
    function reachable(root: object): Set<unknown> {
      const builtins = new Set<unknown>([Object.prototype, Function.prototype, Array.prototype, Uint8Array.prototype]);
      const seen = new Set<unknown>();
      const walk = (value: unknown, depth: number): void => {
        if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
        if (seen.has(value) || builtins.has(value) || depth > 6) return;
        seen.add(value);
        for (const key of Reflect.ownKeys(value)) {
          const descriptor = Reflect.getOwnPropertyDescriptor(value, key)!;
          if ('value' in descriptor) walk(descriptor.value, depth + 1);
          else {
            walk(descriptor.get, depth + 1);
            walk(descriptor.set, depth + 1);
            try {
              walk(Reflect.get(value, key, root), depth + 1);
            } catch {
              // A getter meant for another receiver.
            }
          }
        }
        walk(Object.getPrototypeOf(value), depth + 1);
      };
      walk(root, 0);
      return seen;
    }

    it('a view gives no path to its database, its store or another scope', async () => {
      const store = await open();
      const orders = db(store);
      await orders.put('b', 'k', 'b');
      const view = orders.scope('a');
      await view.put('k', 'a');

      // Core's generated view: a frozen plain object of closures, one per method, and the scope.
      const members = [
        'scope',
        'get',
        'getMany',
        'doesExist',
        'put',
        'putSync',
        'remove',
        'removeSync',
        'clearAsync',
        'clearSync',
        'getRange',
        'getKeys',
        'getCount',
        'isEmpty',
        'transaction',
      ].sort();
      expect(Reflect.ownKeys(view).map(String).sort()).toEqual(members);
      expect(Object.getPrototypeOf(view)).toBe(Object.prototype);
      expect(Object.isFrozen(view)).toBe(true);
      for (const member of members) expect(typeof view[member as keyof typeof view]).toBe(member === 'scope' ? 'object' : 'function');

      // Nothing reachable is the database, the store, the client, or one of their methods.
      const forbidden = new Set<unknown>([orders, store, client()]);
      for (const owner of [orders, store]) {
        for (let o: object | null = owner; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
          for (const key of Reflect.ownKeys(o)) {
            const descriptor = Reflect.getOwnPropertyDescriptor(o, key)!;
            if (typeof descriptor.value === 'function' && key !== 'constructor') forbidden.add(descriptor.value);
            if (typeof descriptor.value === 'object' && descriptor.value !== null && !(descriptor.value instanceof Scope)) {
              forbidden.add(descriptor.value);
            }
          }
        }
      }
      const found = [...reachable(view)].filter((value) => forbidden.has(value));
      expect(found).toEqual([]);

      // Extra arguments, a replaced `scope` or a replaced method do not move the view.
      expect(Reflect.set(view, 'scope', Scope.named('b'))).toBe(false);
      expect(Reflect.set(view, 'get', () => orders.get('b', 'k'))).toBe(false);
      expect(Reflect.defineProperty(view, 'database', { value: orders })).toBe(false);
      expect(view.scope.name).toBe('a');
      expect(await (view.get as (...args: unknown[]) => Promise<unknown>)('b', 'k')).toBeUndefined();
      // A clear's argument is its range (core's ClearRange), never a scope: a string is refused, as on LMDB.
      await expect((view.clearAsync as (...args: unknown[]) => Promise<number>)('b')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await (view.clearAsync as (...args: unknown[]) => Promise<number>)(undefined, 'b')).toBe(1);
      expect(await orders.get('b', 'k')).toBe('b');
      expect(await orders.get('a', 'k')).toBeUndefined();
    });
  });

  describe('listings', () => {
    it('a database lists its own scopes only, whatever the database names (hash tag, glob characters, suffixes)', async () => {
      const store = await open();
      // `x}:d:o` and `xxxxx}:d:o` make the keys of another database end like those of `o`; the rest are glob characters and suffixes.
      const names = ['o', 'x}:d:o', 'xxxxx}:d:o', 'o*', '*', 'o?', '?', '[o]', 'o[', '[', 'o:z', 'o:z:z', ':z', 'o}', '{o}', 'o\\'];
      const withDefault = new Set(['xxxxx}:d:o', 'o:z', '*']);
      const expected = new Map<string, string[]>();
      for (const [i, name] of names.entries()) {
        const database = store.database(name, codecs.string(), codecs.string());
        const scopes = [`own-${i}`, `shared`];
        for (const s of scopes) await database.put(s, 'k', name);
        if (withDefault.has(name)) await database.put(null, 'k', name);
        const byId = scopes.map((s) => Scope.named(s)).sort((a, b) => (a.hash! < b.hash! ? -1 : 1));
        expected.set(name, [...(withDefault.has(name) ? ['(default)'] : []), ...byId.map(String)]);
      }
      for (const name of names) {
        const database = store.database(name, codecs.string(), codecs.string());
        expect((await database.listScopes()).map(String), name).toEqual(expected.get(name));
      }
      const registered = (await store.listAllScopes()).map(String);
      expect(registered).toHaveLength(names.length + 2);
      expect(new Set(registered).size).toBe(registered.length);
    });

    it('ignores keys under the prefix that are not name records the library wrote', async () => {
      const store = await open();
      await db(store).put('real', 'k', 1);
      const tag = hashTag(Scope.named('real'));
      // Each matches `scoped:{*}:name`, none is a name record.
      await client().set(`scoped:${tag}:x:name`, 'real');
      await client().set(`scoped:${tag}:d:x}:name`, 'real');
      await client().set('scoped:{default}:name', 'default');
      expect((await store.listAllScopes()).map(String)).toEqual(['(default)', 'real']);
      expect(await store.pruneGloballyUnusedScopes()).toEqual([]);
    });
  });

  describe('databases', () => {
    it('a name keeps the codecs it was first used with (CODEC_MISMATCH)', async () => {
      const store = await open();
      await store.database('typed', codecs.string(), codecs.json()).put('s', 'k', 1);
      const other = store.database('typed', codecs.string(), codecs.string());
      await expect(other.put('s', 'k', 'v')).rejects.toMatchObject({ code: 'CODEC_MISMATCH' });
      await expect(other.get('s', 'k')).rejects.toMatchObject({ code: 'CODEC_MISMATCH' });
      expect(await store.database('typed', codecs.string(), codecs.json()).get('s', 'k')).toBe(1);
    });

    it('rejects empty and reserved database names', async () => {
      const store = await open();
      for (const name of ['', '__meta', 'orders_scoped', 7]) {
        expect(() => store.database(name as string, codecs.string(), codecs.string())).toThrow(
          expect.objectContaining({ code: 'INVALID_INPUT' }),
        );
      }
      expect(() => store.database('ok', {} as never, codecs.string())).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    });

    it('refuses a codec named the empty string, as core does', async () => {
      const store = await open();
      const unnamed = { ...codecs.string(), name: '' };
      // The name is what the codec record keeps: with none, a handle with another codec would pass the check.
      expect(() => store.database('unnamed', unnamed, codecs.string())).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      expect(() => store.database('unnamed', codecs.string(), unnamed)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      expect(() => store.database('unnamed', codecs.string(), { ...unnamed, name: 7 } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    });
  });
});

describe('openRedisScopedStore', () => {
  it('bounds every command: no reply within commandTimeoutMs is STORAGE', async () => {
    const store = await openRedisScopedStore(redis.single, { commandTimeoutMs: 300 });
    const db = store.database('slow', codecs.string(), codecs.string());
    await db.put('s', 'warm', 'up');
    // Redis holds every write for a while, as a stalled server would.
    await redis.single.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const started = Date.now();
    await expect(db.put('s', 'k', 'v')).rejects.toMatchObject({ code: 'STORAGE', message: expect.stringContaining('300 ms') });
    expect(Date.now() - started).toBeLessThan(1_000);
    // The reply was lost, not the write: it lands once Redis resumes.
    await vi.waitFor(async () => expect(await db.get('s', 'k')).toBe('v'), { timeout: 5_000, interval: 100 });
  });

  it('rejects what is not an ioredis client, and bad options', async () => {
    await expect(openRedisScopedStore({} as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(openRedisScopedStore(redis.single, { rangePageSize: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(openRedisScopedStore(redis.single, { rangePageSize: 5_001 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(openRedisScopedStore(redis.single, { commandTimeoutMs: 1.5 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const prefixed = new Redis({ port: redis.singleServer.port, keyPrefix: 'app:', lazyConnect: true });
    await expect(openRedisScopedStore(prefixed)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    prefixed.disconnect();
  });
});
