// The package's peer range is ioredis "^5 || ^6": the workspace develops on 6 and keeps 5 under the npm alias
// `ioredis5`, so this file runs one store round trip on a client of each major, single node and cluster alike.
import { createRequire } from 'node:module';
import { codecs, Scope } from '@scoped-lmdb/core';
import { Redis } from 'ioredis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { afterAll, describe, expect, it } from 'vitest';
import { openRedisScopedStore } from '../src/index.js';
import { collect } from './support/helpers.js';
import { clusterClient, useRedisServers } from './support/redis-fixture.js';

const servers = useRedisServers();

interface Client {
  status: string;
  disconnect(): void;
}

const opened: Client[] = [];
function track<C extends Client>(client: C): C {
  opened.push(client);
  return client;
}
afterAll(() => {
  for (const client of opened) client.disconnect();
});

it('runs on one client of each major', () => {
  const require = createRequire(import.meta.url);
  const major = (name: string) => Number((require(`${name}/package.json`) as { version: string }).version.split('.')[0]);
  expect([major('ioredis5'), major('ioredis')]).toEqual([5, 6]);
});

const single = () => ({ host: '127.0.0.1', port: servers.singleServer.port, commandTimeout: 5_000 });

describe.each([
  ['ioredis 5, single Redis', () => track(new Redis5(single()))],
  ['ioredis 5, Redis Cluster', () => track(new Cluster5([...servers.clusterServers.nodes], { redisOptions: { commandTimeout: 5_000 } }))],
  ['ioredis 6, single Redis', () => servers.single],
  ['ioredis 6, Redis Cluster', () => track(clusterClient(servers.clusterServers))],
  // ioredis 6 speaks RESP3 by default; with replyMapping "resp3" its map replies become objects.
  ['ioredis 6, single Redis, RESP3 reply mapping', () => track(new Redis({ ...single(), replyMapping: 'resp3' }))],
] as const)('%s', (label, connect) => {
  it('puts, gets, ranges, counts, lists and removes inside one scope', async () => {
    const store = await openRedisScopedStore(connect());
    // Every case writes to the same servers: a scope of its own keeps them apart.
    const tenant = `tenant ${label}`;
    const db = store.database('orders', codecs.string(), codecs.json<{ qty: number }>());
    expect(await db.put(tenant, 'b', { qty: 2 })).toBe(true);
    expect(await db.put(tenant, 'a', { qty: 1 })).toBe(true);
    expect(await db.put(tenant, 'c', { qty: 3 })).toBe(true);
    expect(await db.get(tenant, 'a')).toEqual({ qty: 1 });
    expect(await db.get('another tenant', 'a')).toBeUndefined();
    expect(await collect(db.getRange(tenant, { start: 'b' }))).toEqual([
      { key: 'b', value: { qty: 2 } },
      { key: 'c', value: { qty: 3 } },
    ]);
    expect(await db.getCount(tenant)).toBe(3);
    expect((await store.listAllScopes()).some((scope) => scope.equals(Scope.named(tenant)))).toBe(true);
    expect(await db.remove(tenant, 'a')).toBe(true);
    expect(await db.remove(tenant, 'a')).toBe(false);
    expect(await collect(db.getKeys(tenant))).toEqual(['b', 'c']);
    expect(await db.clearAsync(tenant)).toBe(2);
    expect(await db.isScopeEmpty(tenant)).toBe(true);
  });
});
