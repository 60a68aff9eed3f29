/**
 * The lifecycle protocol's steps (README "Steps"): a call stopped between two steps (a crash,
 * simulated by running only the first rounds) is completed by the next call that meets what
 * it left; bad input is refused with LMDB's codes; drop, rename and swap cost a fixed number
 * of round trips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecs, Scope, type ScopeLike } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import type { Cluster, Redis } from 'ioredis';
import { open } from 'lmdb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RedisCaller } from '../src/caller.js';
import { Engine, type Intent, newToken } from '../src/engine.js';
import { openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { idHex, idRecordKeys } from '../src/layout.js';
import { DROP_SCRIPT, idRecordArgs, STEP_SCRIPT } from '../src/scripts.js';
import { flush } from './support/helpers.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

const LOCK_TIMEOUT_MS = 300;

const hex = (name: string) => idHex(Scope.named(name).hash!);

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client: () => Redis | Cluster) => {
  const setup = async () => {
    await flush(client());
    const options = { backgroundReclaim: false, lockTimeoutMs: LOCK_TIMEOUT_MS };
    // Two stores: `store` does the work; `next` is the caller after the crash (no cache of its own).
    const [store, next] = await Promise.all([openRedisScopedStore(client(), options), openRedisScopedStore(client(), options)]);
    const db = (s: RedisScopedStore) => s.database('orders', codecs.string(), codecs.json<unknown>());
    // The crashed process: it runs the rounds of an intent and stops.
    const crashed = new Engine(new RedisCaller(client(), 5_000), LOCK_TIMEOUT_MS);
    const genOf = async (id: string) => (await client().get(`scoped:{${id}}:gen`)) ?? '';
    return { store, next, orders: db(store), later: db(next), crashed, genOf };
  };

  /** The rename a -> b of two names living at their homes, as lifecycle.ts builds it. */
  const renameIntent = async (genOf: (id: string) => Promise<string>): Promise<Intent> => {
    const t = newToken();
    return {
      v: 1,
      t,
      op: 'rename',
      p: { k: 'id', x: hex('a'), pre: { name: 'a', gen: await genOf(hex('a')) }, fin: { name: 'b', gen: t } },
      s: [{ k: 'entry', h: hex('b'), n: 'b', pre: { none: true, empty: true }, fin: hex('a') }],
    };
  };

  describe('a call stopped between steps', () => {
    it('after its commit (round 2): the next call that meets it finishes it at once', async () => {
      const { store, later, orders, crashed, genOf } = await setup();
      await orders.put('a', 'k', 'data');
      await crashed.runRoundsForTest(await renameIntent(genOf), 2);
      const started = performance.now();
      expect(await later.get('b', 'k')).toBe('data'); // b's entry is locked, the primary marked: decided, so finished
      expect(performance.now() - started).toBeLessThan(LOCK_TIMEOUT_MS);
      expect(await later.get('a', 'k')).toBeUndefined();
      expect(await store.idOf('b')).toBe(Scope.named('a').hash);
      expect(await client().get(`scoped:{${hex('a')}}:name`)).toBe('b');
    });

    it('after round 3 too: a write to the old name, through its cache, finds the rename done', async () => {
      const { store, orders, crashed, genOf } = await setup();
      await orders.put('a', 'k', 'data');
      await crashed.runRoundsForTest(await renameIntent(genOf), 3);
      expect(await orders.put('a', 'k2', 'new life')).toBe(true); // a's cached id is marked: settled, then a starts anew
      expect(await orders.get('b', 'k')).toBe('data');
      expect(await orders.get('b', 'k2')).toBeUndefined();
      expect(await orders.get('a', 'k2')).toBe('new life');
      expect((await store.listAllScopes()).map(String).sort()).toEqual(['(default)', 'a', 'b']);
    });

    it('before its commit (round 1 only): rolled back once its lock is older than lockTimeoutMs', async () => {
      const { store, later, orders, crashed, genOf } = await setup();
      await orders.put('a', 'k', 'data');
      const intent = await renameIntent(genOf);
      await crashed.runRoundsForTest(intent, 1);
      // a's own record is not locked yet: it keeps working.
      expect(await orders.get('a', 'k')).toBe('data');
      const started = performance.now();
      expect(await later.get('b', 'k')).toBeUndefined(); // waits for the lock, then undoes it
      expect(performance.now() - started).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 50);
      expect(await client().hget(idRecordKeys(Scope.named('b').hash!).entries, 'b')).toBeNull();
      // The primary was poisoned (a new gen), so the stopped rename can never commit now.
      await expect(crashed.run(intent)).resolves.toMatchObject({ ok: false });
      expect(await orders.put('a', 'k2', 'still a')).toBe(true); // through a's cache: one retry, same id
      await store.renameScope('a', 'b');
      expect(await later.get('b', 'k2')).toBe('still a');
    });

    it('a swap stopped after its commit is finished by a reader of either name', async () => {
      const { store, later, orders, crashed, genOf } = await setup();
      await orders.put('x', 'k', "x's");
      await orders.put('y', 'k', "y's");
      const t = newToken();
      const [X, Y] = [hex('x'), hex('y')];
      const intent: Intent = {
        v: 1,
        t,
        op: 'swap',
        p: { k: 'id', x: X, pre: { name: 'x', gen: await genOf(X) }, fin: { name: 'y', gen: t } },
        s: [
          { k: 'id', x: Y, pre: { name: 'y', gen: await genOf(Y) }, fin: { name: 'x', gen: t } },
          { k: 'entry', h: X, n: 'x', pre: { at: X }, fin: Y },
          { k: 'entry', h: Y, n: 'y', pre: { at: Y }, fin: X },
        ],
      };
      await crashed.runRoundsForTest(intent, 2);
      expect(await later.get('y', 'k')).toBe("x's");
      expect(await later.get('x', 'k')).toBe("y's");
      expect(await orders.put('x', 'k', 'x again')).toBe(true); // the writer's cache of x is stale: retried at x's new id
      expect(await later.get('x', 'k')).toBe('x again');
      expect(await later.get('y', 'k')).toBe("x's");
      expect([await store.idOf('x'), await store.idOf('y')]).toEqual([Scope.named('y').hash, Scope.named('x').hash]);
    });

    it('a drop stopped after its first step (id slot) is completed by the next write', async () => {
      const { store, later, orders } = await setup();
      await orders.put('a', 'k', 'old');
      await store.renameScope('a', 'moved'); // `moved` now lives away from its home, with an entry there
      const id = Scope.named('a').hash!;
      const tombstone = JSON.stringify({ name: 'moved', at: Date.now() });
      await new RedisCaller(client(), 5_000).eval('drop', DROP_SCRIPT, idRecordArgs(id), ['moved', 'id', tombstone]);
      // The home entry still points at the dropped id: the next caller deletes it and starts a new life.
      expect(await later.put('moved', 'k2', 'new')).toBe(true);
      expect(await later.get('moved', 'k')).toBeUndefined();
      expect(await orders.get('moved', 'k2')).toBe('new');
      expect(await store.idOf('moved')).toBe(Scope.named('moved').hash); // its home was free
      expect(await store.reclaim()).toBe(1);
    });

    it('a registration away from a taken home, stopped after round 1, is rolled back and redone', async () => {
      const { store, later, crashed } = await setup();
      const victim = Scope.named('victim');
      await client().set(idRecordKeys(victim.hash!).name, 'impostor'); // what a real xxh64 collision leaves
      const t = newToken();
      const z = 0x0123456789abcdefn;
      await crashed.runRoundsForTest(
        {
          v: 1,
          t,
          op: 'register',
          p: { k: 'id', x: idHex(z), pre: { free: true }, fin: { name: 'victim', gen: t } },
          s: [{ k: 'entry', h: idHex(victim.hash!), n: 'victim', pre: { none: true }, fin: idHex(z) }],
        },
        1,
      );
      expect(await later.put('victim', 'k', 1)).toBe(true);
      const id = await store.idOf('victim');
      expect(id).not.toBe(victim.hash);
      expect(id).not.toBe(z); // the stopped one's id was poisoned
      expect(await store.getScopeName(id!)).toBe('victim');
      expect(await client().get(idRecordKeys(victim.hash!).name)).toBe('impostor');
    });

    it('a copy whose copier stopped is never listed, and reclaim frees what it had filled', async () => {
      const { store, orders } = await setup();
      const z = 0x0fedcba987654321n;
      const caller = new RedisCaller(client(), 5_000);
      const t = newToken();
      const step = (...args: (string | number)[]) => caller.eval<string[]>('step', STEP_SCRIPT, idRecordArgs(z), ['all', ...args]);
      expect(await step('reserve', '1', t, '', '', '', '', '')).toEqual(['ok']);
      const tag = `{${idHex(z)}}`;
      await orders.get('warm', 'up');
      await client().hset(`scoped:${tag}:d:orders:h`, 'k', '1');
      await client().zadd(`scoped:${tag}:d:orders:z`, 0, 'k');
      await client().sadd(`scoped:${tag}:dbs`, 'orders');
      expect(await orders.listUnnamedIds()).toEqual([]);
      expect(await store.reclaim()).toBe(0); // still filling, as far as anyone can tell
      await client().set(idRecordKeys(z).reserved, `${t} filling 1000`); // its last batch: long ago
      expect(await store.reclaim()).toBe(1);
      expect(await client().exists(`scoped:${tag}:d:orders:h`, idRecordKeys(z).reserved, idRecordKeys(z).dropped)).toBe(0);
    });
  });

  describe('round trips', () => {
    it('drop, rename and swap each cost a fixed number of scripts, whatever the scope size', async () => {
      const { store, orders } = await setup();
      const calls = [vi.spyOn(client(), 'call'), vi.spyOn(client(), 'callBuffer')];
      const count = async (run: () => Promise<unknown>) => {
        for (const spy of calls) spy.mockClear();
        await run();
        return calls.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
      };
      try {
        for (const size of [1, 2_000]) {
          const names = ['home', 'a', 'x', 'y'].map((n) => `${n}-${size}`);
          for (const n of names) await Promise.all(Array.from({ length: size }, (_, i) => orders.put(n, `k${i}`, i)));
          const [home, a, x, y] = names as [string, string, string, string];
          // The store knows every id (its writes cached them); each step is one script.
          expect(await count(() => store.renameScope(a, `${a}-moved`)), 'rename').toBe(4);
          expect(await count(() => store.swapScopes(x, y)), 'swap').toBe(4);
          expect(await count(() => store.dropScope(home)), 'drop at home').toBe(1);
          expect(await count(() => store.dropScope(`${a}-moved`)), 'drop away from home').toBe(2);
        }
      } finally {
        for (const spy of calls) spy.mockRestore();
      }
    });
  });
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-redis-lmdb-'));
  const env = open({ path: dir, maxDbs: 16 });
  const lmdb = GlobalScopeRegistry.open(env);
  afterAll(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const codeOf = async (run: () => unknown): Promise<string> => {
    try {
      await run();
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };

  const cases: Array<[string, (r: GlobalScopeRegistry | RedisScopedStore) => unknown]> = [
    ['dropScope(null)', (r) => r.dropScope(null)],
    ['dropScope(DEFAULT)', (r) => r.dropScope(Scope.DEFAULT)],
    ["dropScope('')", (r) => r.dropScope('')],
    ['dropScope(7)', (r) => r.dropScope(7 as unknown as ScopeLike)],
    ['dropScope({})', (r) => r.dropScope({} as ScopeLike)],
    ["renameScope(null, 'x')", (r) => r.renameScope(null, 'x')],
    ["renameScope('src', null)", (r) => r.renameScope('src', null)],
    ["renameScope('', 'x')", (r) => r.renameScope('', 'x')],
    ["renameScope('src', '')", (r) => r.renameScope('src', '')],
    ["renameScope(7, 'x')", (r) => r.renameScope(7 as unknown as ScopeLike, 'x')],
    ["renameScope('missing', 'x')", (r) => r.renameScope('missing', 'x')],
    ["renameScope('src', 'taken')", (r) => r.renameScope('src', 'taken')],
    ["swapScopes(null, 'x')", (r) => r.swapScopes(null, 'x')],
    ["swapScopes('x', '')", (r) => r.swapScopes('x', '')],
    ["swapScopes('x', 7)", (r) => r.swapScopes('x', 7 as unknown as ScopeLike)],
    ["copyScope(null, 'x')", (r) => r.copyScope(null, 'x')],
    ["copyScope('', 'x')", (r) => r.copyScope('', 'x')],
    ["copyScope('src', 'src')", (r) => r.copyScope('src', 'src')],
    ["copyScope('missing', 'x')", (r) => r.copyScope('missing', 'x')],
    ["copyScope('src', 'taken')", (r) => r.copyScope('src', 'taken')],
    ["copyScope('src', 'x', { onProgress: 5 })", (r) => r.copyScope('src', 'x', { onProgress: 5 as never })],
    ['idOf(7)', (r) => r.idOf(7 as unknown as ScopeLike)],
    ["idOf('')", (r) => r.idOf('')],
    ['idOf(null)', (r) => r.idOf(null)],
    ['reclaim({ budgetMs: -1 })', (r) => r.reclaim({ budgetMs: -1 })],
    ["reclaim({ budgetMs: 'x' })", (r) => r.reclaim({ budgetMs: 'x' as never })],
    ['reclaim(null)', (r) => r.reclaim(null as never)],
    ["renameScope('missing', 'missing')", (r) => r.renameScope('missing', 'missing')],
    ["renameScope('src', 'src')", (r) => r.renameScope('src', 'src')],
    ["renameScope('src', 'x', null)", (r) => r.renameScope('src', 'x', null as never)],
    ["renameScope('src', 'x', { replace: 'yes' })", (r) => r.renameScope('src', 'x', { replace: 'yes' as never })],
    ["copyScope('src', 'x', null)", (r) => r.copyScope('src', 'x', null as never)],
    ["copyScope('src', 'x', { replace: 1 })", (r) => r.copyScope('src', 'x', { replace: 1 as never })],
  ];

  it.each([
    ['Redis Cluster', () => redis.cluster],
    ['single Redis', () => redis.single],
  ] as const)('gets the codes LMDB gives (%s), and every refusal is a rejection', async (_, client) => {
    await flush(client());
    const store = await openRedisScopedStore(client(), { backgroundReclaim: false });
    const onRedis = store.database('orders', codecs.string(), codecs.string());
    const onLmdb = (await import('@scoped-lmdb/core'))
      .scopedDatabaseOptions(env, { registry: lmdb })
      .types(codecs.string(), codecs.string())
      .name('orders')
      .create();
    for (const s of ['src', 'taken']) {
      await onRedis.put(s, 'k', s);
      onLmdb.putSync(s, 'k', s);
    }
    for (const [label, run] of cases) {
      const result = run(store);
      expect(result, `${label} returns a promise`).toBeInstanceOf(Promise);
      expect(await codeOf(() => result), label).toBe(await codeOf(() => run(lmdb)));
    }
  });
});
