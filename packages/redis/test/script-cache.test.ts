/**
 * API.md "Write order": on Redis the order holds across a lost script cache
 * (restart, failover, SCRIPT FLUSH). Another connection flushes the script cache
 * of every master over and over while the store issues un-awaited writes to a
 * few keys; each key must end up with the value of its last write in call order.
 */
import { codecs } from '@scoped-lmdb/core';
import { type Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { openRedisScopedStore } from '../src/index.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

const ROUNDS = 300;
const BURSTS = 4;
const PER_BURST = 24;
const SCOPES = ['cache-a', 'cache-b', null];
const KEYS = ['k0', 'k1', 'k2'];

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['Redis Cluster', () => redis.cluster, () => redis.clusterServers.servers.map((s) => s.port)],
  ['single Redis', () => redis.single, () => [redis.singleServer.port]],
] as const)('%s', (_, client: () => Redis | Cluster, ports: () => number[]) => {
  it('un-awaited writes keep call order while the script cache is flushed again and again', { timeout: 60_000 }, async () => {
    const store = await openRedisScopedStore(client());
    const db = store.database('flushed', codecs.string(), codecs.string());
    const flushers = ports().map((port) => new Redis({ port, host: '127.0.0.1' }));
    let flushing = true;
    let flushes = 0;
    const flushLoops = flushers.map(async (flusher) => {
      while (flushing) {
        await flusher.script('FLUSH');
        flushes++;
      }
    });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const last = new Map<string, string | undefined>();
        const writes: Promise<unknown>[] = [];
        for (let burst = 0; burst < BURSTS; burst++) {
          for (let i = 0; i < PER_BURST; i++) {
            const scope = SCOPES[i % SCOPES.length]!;
            const key = KEYS[(i + burst) % KEYS.length]!;
            const slot = `${scope}/${key}`;
            if ((i + round) % 7 === 0) {
              writes.push(db.remove(scope, key));
              last.set(slot, undefined);
            } else if (i % 11 === 5) {
              const value = `${round}.${burst}.${i} (tx)`;
              writes.push(store.transaction(scope, () => void db.put(scope, key, value)));
              last.set(slot, value);
            } else {
              const value = `${round}.${burst}.${i}`;
              writes.push(db.put(scope, key, value));
              last.set(slot, value);
            }
          }
          // Replies (and any re-send they trigger) arrive between bursts.
          await nextTurn();
        }
        await Promise.all(writes);
        for (const [slot, value] of last) {
          const [scope, key] = slot.split('/');
          const stored = await db.get(scope === 'null' ? null : scope!, key!);
          expect(stored, `round ${round}, ${slot}`).toBe(value);
        }
        // Ranges run a read-only script, re-sent when the cache was lost: still complete.
        const listed: string[] = [];
        for await (const { key, value } of db.getRange('cache-a')) listed.push(`${key}=${value}`);
        const expected = KEYS.filter((key) => last.get(`cache-a/${key}`) !== undefined).map(
          (key) => `${key}=${last.get(`cache-a/${key}`)}`,
        );
        expect(listed, `round ${round}`).toEqual(expected);
      }
    } finally {
      flushing = false;
      await Promise.all(flushLoops);
      for (const flusher of flushers) flusher.disconnect();
    }
    expect(flushes).toBeGreaterThan(ROUNDS);
  });
});
