/**
 * One master of a replica-less cluster dies mid-run: its scopes fail fast with
 * STORAGE, the other masters' scopes keep working, and after a restart every
 * acknowledged write is back (the test config fsyncs the AOF on every write).
 */
import { codecs, Scope } from '@scoped-lmdb/core';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTag, openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { type RedisCluster, startCluster } from '../src/local-servers.js';

const DEADLINE_MS = 1_500;

let servers: RedisCluster;
let client: Cluster;
let store: RedisScopedStore;

beforeAll(async () => {
  servers = await startCluster(3);
  // No commandTimeout on the client: the bound must come from the store itself.
  client = new Cluster([...servers.nodes], { clusterRetryStrategy: () => 200 });
  store = await openRedisScopedStore(client, { commandTimeoutMs: DEADLINE_MS });
});

afterAll(async () => {
  client?.disconnect();
  await servers?.stop();
});

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; outcome: PromiseSettledResult<T> }> {
  const started = Date.now();
  const [outcome] = await Promise.allSettled([run()]);
  return { ms: Date.now() - started, outcome: outcome! };
}

describe('a master dies', () => {
  it('fails its scopes with STORAGE in bounded time, keeps the others, and loses nothing acknowledged', { timeout: 60_000 }, async () => {
    const db = store.database('ledger', codecs.string(), codecs.json<number>());
    const scopes = Array.from({ length: 60 }, (_, i) => Scope.named(`acct-${i}`));
    const acknowledged = new Map<Scope, number>();
    await Promise.all(
      scopes.map(async (s, i) => {
        await db.put(s, 'balance', i);
        acknowledged.set(s, i);
      }),
    );

    const victim = servers.servers[0]!;
    const owner = new Map<Scope, number>();
    for (const s of scopes) {
      const slot = await client.cluster('KEYSLOT', `scoped:${hashTag(s)}:name`);
      // ioredis keeps the slot map as "host:port" of the master, then replicas.
      owner.set(s, Number(client.slots[slot]![0]!.split(':')[1]));
    }
    const lost = scopes.filter((s) => owner.get(s) === victim.port);
    const alive = scopes.filter((s) => owner.get(s) !== victim.port);
    expect(lost.length).toBeGreaterThan(0);
    expect(alive.length).toBeGreaterThan(0);

    await victim.kill();

    const failures = await Promise.all([
      ...lost.slice(0, 5).map((s) => timed(() => db.put(s, 'balance', -1))),
      ...lost.slice(0, 5).map((s) => timed(() => db.get(s, 'balance'))),
      timed(() => store.listAllScopes()),
    ]);
    for (const { ms, outcome } of failures) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'ScopedDbError', code: 'STORAGE' } });
      expect(ms).toBeLessThan(DEADLINE_MS + 1_000);
    }

    for (const s of alive) {
      expect(await db.get(s, 'balance')).toBe(acknowledged.get(s));
      await db.put(s, 'balance', acknowledged.get(s)! + 1000);
      acknowledged.set(s, acknowledged.get(s)! + 1000);
    }

    await victim.restart();
    // Back once the cluster has seen the node again and the client has reconnected.
    const back = Date.now();
    for (;;) {
      const { outcome } = await timed(() => db.get(lost[0]!, 'balance'));
      if (outcome.status === 'fulfilled') break;
      expect(Date.now() - back).toBeLessThan(30_000);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const s of scopes) {
      // A put that timed out may still have landed (-1): the reply was lost, not the write.
      expect([acknowledged.get(s), -1]).toContain(await db.get(s, 'balance'));
      if (alive.includes(s)) expect(await db.get(s, 'balance')).toBe(acknowledged.get(s));
    }
    for (const s of lost.slice(5)) expect(await db.get(s, 'balance')).toBe(acknowledged.get(s));
    expect((await store.listAllScopes()).length).toBe(scopes.length + 1);
  });
});
