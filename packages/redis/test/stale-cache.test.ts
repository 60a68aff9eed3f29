/**
 * Stale caches (README "Stale caches cannot misplace a write or mix a read"): two stores on
 * two clients, as two processes would be. One drops, renames and swaps scopes; the other
 * keeps writing and reading through the ids it cached. No write may land under an id its
 * name no longer owns, no read may return another id's data, and every acknowledged write
 * must be found where the lifecycle calls, in order, put it.
 */
import { codecs, Scope } from '@scoped-lmdb/core';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { collect, flush, masters } from './support/helpers.js';
import { clusterClient, useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

const extraClients: Array<Redis | Cluster> = [];
afterAll(() => {
  for (const client of extraClients) client.disconnect();
});

type Value = { n: string; k: string };

/** A lifecycle call of the changing store, with when it was called and when it returned. */
type Op =
  | { kind: 'drop'; a: string; start: number; end: number }
  | { kind: 'rename'; a: string; b: string; replace: boolean; start: number; end: number }
  | { kind: 'swap'; a: string; b: string; start: number; end: number };

/** A put of the writing store: its name, unique key, and when it was sent and answered. */
interface Put {
  n: string;
  k: string;
  send: number;
  ack: number;
  ok: boolean;
}

/**
 * Where a put may be now, given when it ran and when each (sequential, successful) lifecycle
 * call did. A call takes effect at one instant inside its call (a drop at its tombstone, a
 * rename or swap at its commit), so a put ran between calls j-1 and j for some j with every
 * earlier call possibly before it (ack > start) and every later one possibly after (send < end).
 * Each such position, followed through the later calls, gives one place; `until` limits the
 * calls to those that may have happened before a read.
 */
function places(put: Put, ops: readonly Op[], until?: { start: number; end: number }): Set<string> {
  const out = new Set<string>();
  for (let j = 0; j <= ops.length; j++) {
    if (ops.slice(0, j).some((op) => !(put.ack > op.start))) continue;
    if (ops.slice(j).some((op) => !(put.send < op.end))) continue;
    // The read, if any, ran after call m-1 and before call m.
    for (let m = j; m <= ops.length; m++) {
      if (until) {
        if (ops.slice(0, m).some((op) => !(until.end > op.start))) continue;
        if (ops.slice(m).some((op) => !(until.start < op.end))) continue;
      } else if (m !== ops.length) {
        continue;
      }
      let at: string | undefined = put.n;
      for (const op of ops.slice(j, m)) {
        if (at === undefined) break;
        if (op.kind === 'drop' && at === op.a) at = undefined;
        else if (op.kind === 'rename' && at === op.a) at = op.b;
        else if (op.kind === 'rename' && op.replace && at === op.b) at = undefined;
        else if (op.kind === 'swap') at = at === op.a ? op.b : at === op.b ? op.a : at;
      }
      out.add(at ?? '(gone)');
    }
    // A read that may have run before the put did cannot have seen it.
    if (until && !(until.end > put.send)) out.add('(not yet)');
  }
  if (until && until.start < put.ack) out.add('(not yet)');
  return out;
}

describe.each([
  ['Redis Cluster', () => redis.cluster, () => clusterClient(redis.clusterServers)],
  ['single Redis', () => redis.single, () => new Redis({ host: '127.0.0.1', port: redis.singleServer.port, commandTimeout: 5_000 })],
] as const)('%s', (_, client: () => Redis | Cluster, secondClient: () => Redis | Cluster) => {
  /** The store that keeps writing (`writer`) and the one that changes the scopes (`changer`), on two clients. */
  const twoStores = async (): Promise<{ writer: RedisScopedStore; changer: RedisScopedStore }> => {
    await flush(client());
    const other = secondClient();
    extraClients.push(other);
    const [writer, changer] = await Promise.all([
      openRedisScopedStore(client(), { backgroundReclaim: false }),
      openRedisScopedStore(other, { backgroundReclaim: false }),
    ]);
    return { writer, changer };
  };
  const db = (store: RedisScopedStore) => store.database('ledger', codecs.string(), codecs.json<Value | string>());

  it('a write through an id cached before a drop lands in the new life, in call order', async () => {
    const { writer, changer } = await twoStores();
    const w = db(writer);
    const c = db(changer);
    await w.put('t', 'old', 'old'); // the writer now caches t's id
    const dead = await changer.idOf('t');
    await changer.dropScope('t');
    // Un-awaited, through the stale cache: every one fails on the dead id and is sent again, in order.
    const writes = [w.put('t', 'k', 'v1'), w.remove('t', 'k'), w.put('t', 'k', 'v2'), w.remove('t', 'gone'), w.put('t', 'j', 'x')];
    expect(await Promise.all(writes)).toEqual([true, true, true, false, true]);
    expect(await c.get('t', 'k')).toBe('v2');
    expect(await c.get('t', 'old')).toBeUndefined();
    expect(await changer.idOf('t')).not.toBe(dead);
    // Nothing reached the dead id: it holds the dropped entry only.
    expect(await changer.pendingReclaim()).toBe(1);
    expect(await changer.reclaim()).toBe(1);
    expect(await collect(w.getKeys('t'))).toEqual(['j', 'k']);
  });

  it('reads and writes through ids cached before a rename and a swap follow the names', async () => {
    const { writer, changer } = await twoStores();
    const w = db(writer);
    const c = db(changer);
    for (const s of ['a', 'x', 'y']) await w.put(s, 'k', `${s}'s`);
    await changer.renameScope('a', 'b');
    await changer.swapScopes('x', 'y');
    // The writer's cache still says a, x and y live where they did.
    expect(await w.get('a', 'k')).toBeUndefined(); // never b's data through a's old id
    expect(await w.get('b', 'k')).toBe("a's");
    expect(await w.getMany('x', ['k'])).toEqual(["y's"]);
    expect(await w.getCount('y')).toBe(1);
    expect(await collect(w.getRange('y'))).toEqual([{ key: 'k', value: "x's" }]);
    expect(await w.put('a', 'k', 'a again')).toBe(true);
    expect(await w.put('x', 'k2', 'to x')).toBe(true);
    expect(await c.get('a', 'k')).toBe('a again');
    expect(await c.get('b', 'k')).toBe("a's");
    expect(await c.get('x', 'k2')).toBe('to x');
    expect(await c.doesExist('y', 'k2')).toBe(false);
    expect(await writer.idOf('x')).toBe(await changer.idOf('x'));
  });

  it('never misplaces a write nor reads another id while the other store drops, renames and swaps', { timeout: 60_000 }, async () => {
    const { writer, changer } = await twoStores();
    const w = db(writer);
    const names = ['p0', 'p1', 'p2', 'p3'];
    const puts: Put[] = [];
    const reads: Array<{ n: string; start: number; end: number; seen: Map<string, Value | undefined> }> = [];
    const ops: Op[] = [];
    let writing = true;

    const changing = (async () => {
      let renamed = 0;
      while (writing) {
        const [a, b] = [...names].sort(() => Math.random() - 0.5) as [string, string];
        const roll = Math.random();
        const start = performance.now();
        try {
          if (roll < 0.3) {
            await changer.dropScope(a);
            ops.push({ kind: 'drop', a, start, end: performance.now() });
          } else if (roll < 0.55) {
            await changer.swapScopes(a, b);
            ops.push({ kind: 'swap', a, b, start, end: performance.now() });
          } else if (roll < 0.75) {
            await changer.renameScope(a, b, { replace: true });
            ops.push({ kind: 'rename', a, b, replace: true, start, end: performance.now() });
          } else {
            // Away to a name the writer never uses: its data must never be read back under `a`.
            const to = `away-${renamed++}`;
            await changer.renameScope(a, to);
            ops.push({ kind: 'rename', a, b: to, replace: false, start, end: performance.now() });
          }
        } catch (error) {
          // A rename of a scope that does not exist is refused, and changes nothing.
          expect(error).toMatchObject({ code: 'INVALID_INPUT' });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      }
    })();

    const put = (n: string, k: string) => {
      const record: Put = { n, k, send: performance.now(), ack: Number.POSITIVE_INFINITY, ok: false };
      puts.push(record);
      return w.put(n, k, { n, k }).then(
        () => {
          record.ack = performance.now();
          record.ok = true;
        },
        (error: unknown) => {
          record.ack = performance.now();
          expect(error).toMatchObject({ code: 'STORAGE' });
        },
      );
    };
    for (let i = 0; i < 300; i++) {
      const n = names[i % names.length]!;
      if (i % 5 === 4) {
        // A burst: un-awaited puts to one scope, pipelined through the same (maybe stale) cache.
        await Promise.all(Array.from({ length: 6 }, (_, j) => put(n, `k${i}.${j}`)));
      } else {
        await put(n, `k${i}`);
      }
      const earlier = puts.filter((p) => p.ok && p.n === n).slice(-4);
      const start = performance.now();
      const values = await w.getMany(
        n,
        earlier.map((p) => p.k),
      );
      reads.push({ n, start, end: performance.now(), seen: new Map(earlier.map((p, j) => [p.k, values[j] as Value | undefined])) });
    }
    writing = false;
    await changing;

    // Every value read under a name is one the lifecycle calls can have put there at that time.
    const byKey = new Map(puts.map((p) => [p.k, p]));
    for (const read of reads) {
      for (const [k, value] of read.seen) {
        const possible = places(byKey.get(k)!, ops, read);
        const seen = value === undefined ? 'elsewhere' : read.n;
        if (value !== undefined) expect(value, `read of ${read.n}`).toEqual({ n: byKey.get(k)!.n, k });
        if (seen === read.n) expect([...possible], `${k} read under ${read.n}`).toContain(read.n);
        else
          expect(
            [...possible].some((p) => p !== read.n),
            `${k} missing under ${read.n}`,
          ).toBe(true);
      }
    }
    // Afterwards every acknowledged put is exactly where the calls put it; a refused one nowhere.
    const everywhere = new Map<string, string[]>();
    const all = [...new Set([...names, ...ops.flatMap((op) => ('b' in op ? [op.a, op.b] : [op.a]))])];
    for (const n of all) {
      for (const { key } of await collect(w.getRange(n))) everywhere.set(key, [...(everywhere.get(key) ?? []), n]);
    }
    for (const p of puts) {
      const found = everywhere.get(p.k) ?? [];
      expect(found.length, `${p.k} found under ${found}`).toBeLessThanOrEqual(1);
      if (!p.ok) {
        expect(found, `${p.k} was refused`).toEqual([]);
        continue;
      }
      expect([...places(p, ops)], `${p.k} (put to ${p.n})`).toContain(found[0] ?? '(gone)');
    }
    // The run met each kind of call, and writes went through caches the other store made stale.
    expect(new Set(ops.map((op) => op.kind)).size).toBe(3);
    expect(
      puts.filter((p) => ops.some((op) => op.start < p.send && 'a' in op && (op.a === p.n || ('b' in op && op.b === p.n)))).length,
    ).toBeGreaterThan(50);
    // No lock outlived the run: every id's name record is a name.
    for (const node of masters(client())) {
      for (const key of await node.keys('scoped:*:name')) expect((await node.getBuffer(key))![0], key).not.toBe(0xff);
    }
    expect(await changer.listAllScopes()).toEqual(expect.arrayContaining([Scope.DEFAULT]));
  });
});
