import { codecs, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { describe, expect, it } from 'vitest';
import { tempEnv } from './helpers.js';

/**
 * API.md "Write order": async writes issued without awaiting apply exactly as if they had
 * run one after another in call order, whatever mix of write kinds, with or without a
 * registry, and for a scope that is not registered yet.
 */
const setups = {
  'no registry': () => {
    const env = tempEnv();
    return { env, db: scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('order').create() };
  },
  registry: () => {
    const env = tempEnv();
    const registry = GlobalScopeRegistry.open(env);
    return { env, db: scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('order').create() };
  },
  // No child transactions there: the queue commits a transaction callback on its own.
  'registry, useWritemap': () => {
    const env = tempEnv({ useWritemap: true });
    const registry = GlobalScopeRegistry.open(env);
    return { env, db: scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('order').create() };
  },
};

describe.each(Object.entries(setups))('un-awaited writes in call order (%s)', (_, setup) => {
  for (const scope of [null, 'tenant', 'fresh-scope']) {
    describe(`scope ${scope ?? 'DEFAULT'}`, () => {
      it('clearAsync then puts: the refill stays', async () => {
        const { db } = setup();
        db.putSync(scope, 'old', 'x');
        const results = [db.clearAsync(scope), db.put(scope, 'a', '1'), db.put(scope, 'b', '2'), db.put(scope, 'c', '3')];
        expect(await Promise.all(results)).toEqual([1, true, true, true]);
        expect(db.getCount(scope)).toBe(3);
        expect([...db.getKeys(scope)]).toEqual(['a', 'b', 'c']);
      });

      it('remove then put: the new value stays, and remove reports the key at its place', async () => {
        const { db } = setup();
        db.putSync(scope, 'k', 'old');
        const removed = db.remove(scope, 'k');
        const put = db.put(scope, 'k', 'new');
        expect(await removed).toBe(true);
        expect(await put).toBe(true);
        expect(db.get(scope, 'k')).toBe('new');
      });

      it('remove of a never-written key, then its put: remove resolves false', async () => {
        const { db } = setup();
        const removed = db.remove(scope, 'never');
        const put = db.put(scope, 'never', 'v');
        const removedAgain = db.remove(scope, 'never');
        expect([await removed, await put, await removedAgain]).toEqual([false, true, true]);
        expect(db.get(scope, 'never')).toBeUndefined();
      });

      it('transaction then put: the later put wins', async () => {
        const { db } = setup();
        const txn = db.transaction(() => db.putSync(scope, 'c', 'a'));
        const put = db.put(scope, 'c', 'b');
        await Promise.all([txn, put]);
        expect(db.get(scope, 'c')).toBe('b');
      });

      it('put then putSync (same turn): the sync write comes second', async () => {
        const { db } = setup();
        const put = db.put(scope, 'k', 'async');
        expect(db.putSync(scope, 'k', 'sync')).toBe(true);
        expect(db.get(scope, 'k')).toBe('sync');
        expect(await put).toBe(true);
        expect(db.get(scope, 'k')).toBe('sync');
      });

      it('put, then putSync in a later turn: the sync write comes second', async () => {
        const { db } = setup();
        for (let round = 0; round < 20; round++) {
          const put = db.put(scope, 'k', `async-${round}`);
          await new Promise((resolve) => setImmediate(resolve));
          db.putSync(scope, 'k', `sync-${round}`);
          await put;
          expect(db.get(scope, 'k')).toBe(`sync-${round}`);
        }
      });

      it('put then removeSync / clearSync / transactionSync apply after it', async () => {
        const { env, db } = setup();
        const first = db.put(scope, 'k', 'v');
        expect(db.removeSync(scope, 'k')).toBe(true);
        await first;
        expect(db.get(scope, 'k')).toBeUndefined();
        const second = db.put(scope, 'k', 'v');
        expect(db.clearSync(scope)).toBe(1);
        await second;
        expect(db.getCount(scope)).toBe(0);
        const third = db.put(scope, 'k', 'v');
        expect(db.transactionSync(() => db.get(scope, 'k'))).toBe('v');
        const fourth = db.put(scope, 'k', 'w');
        expect(env.transactionSync(() => db.get(scope, 'k'))).toBe('w');
        await Promise.all([third, fourth]);
      });
    });
  }
});

describe('a sync write after queued writes that use other keys', () => {
  it('writes its own key (the flush must not reuse its key buffer)', async () => {
    const { db } = setups['no registry']();
    const queued = db.transaction(() => {
      db.putSync('t', 'other', 'x');
      return db.removeSync('t', 'another');
    });
    db.putSync('t', 'mine', 'v');
    expect(await queued).toBe(false);
    expect([...db.getKeys('t')]).toEqual(['mine', 'other']);
    const removal = db.remove('t', 'other');
    expect(db.removeSync('t', 'mine')).toBe(true);
    expect(await removal).toBe(true);
    expect([...db.getKeys('t')]).toEqual([]);
  });
});

describe('write order across databases of one env', () => {
  it('keeps call order between two databases and their shared transaction', async () => {
    const env = tempEnv();
    const registry = GlobalScopeRegistry.open(env);
    const open = (name: string): ScopedDatabase<string, string> =>
      scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name(name).create();
    const a = open('a');
    const b = open('b');
    const steps = [
      a.put('t', 'k', '1'),
      b.transaction(() => a.get('t', 'k')),
      b.clearAsync('t'),
      a.transaction(() => {
        b.putSync('t', 'copied', a.get('t', 'k') as string);
        return a.removeSync('t', 'k');
      }),
      a.remove('t', 'k'),
    ];
    // A transaction callback runs at its place: it sees the earlier un-awaited put.
    expect(await Promise.all(steps)).toEqual([true, '1', 0, true, false]);
    expect(b.get('t', 'copied')).toBe('1');
  });
});
