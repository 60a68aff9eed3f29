// The multi-tenant story on a 3-master Redis Cluster that this script starts and stops itself.

import { zodCodec } from '@scoped-lmdb/codec-zod';
import { codecs, isScopedDbError, type Scope } from '@scoped-lmdb/core';
import { hashTag, openRedisScopedStore } from '@scoped-lmdb/redis';
import { type RedisCluster, startCluster } from '@scoped-lmdb/redis/local-servers';
import { Cluster } from 'ioredis';
import { z } from 'zod';
import { heading } from './shared.js';

const Order = z.object({
  item: z.string().min(1),
  qty: z.number().int().positive(),
  status: z.enum(['open', 'shipped']).default('open'),
});

const servers = await startCluster(3);
// Ctrl-C or a kill must not leave the servers (or their temp dirs) behind either.
const onSignal = (signal: NodeJS.Signals) => {
  void servers.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

let client: Cluster | undefined;
try {
  console.log(`Redis Cluster: 3 masters on 127.0.0.1 ports ${servers.nodes.map((n) => n.port).join(', ')}`);
  client = new Cluster([...servers.nodes], { redisOptions: { commandTimeout: 5_000 } });
  await story(client, servers);
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  client?.disconnect();
  await servers.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
if (!process.exitCode) console.log('\ndone');

async function story(client: Cluster, servers: RedisCluster): Promise<void> {
  const store = await openRedisScopedStore(client);
  const orders = store.database('orders', codecs.string(), zodCodec(Order));
  // Four tenants, so that the three masters each hold at least one (see the last section).
  const tenants = ['acme', 'globex', 'initech', 'hooli'];

  heading('The same keys in every tenant');
  for (const [i, tenant] of tenants.entries()) {
    const shop = orders.scope(tenant);
    await shop.put('order-001', { item: 'keyboard', qty: i + 1, status: 'open' });
    await shop.put('order-002', { item: 'monitor', qty: 1, status: 'shipped' });
    await shop.put('order-003', { item: `${tenant} mug`, qty: 12, status: 'open' });
  }
  for (const tenant of tenants) console.log(`${tenant}: order-001 =`, await orders.get(tenant, 'order-001'));

  heading('An invalid record is rejected, and nothing is lost');
  try {
    await orders.put('acme', 'order-001', { item: '', qty: -2, status: 'open' });
    throw new Error('the invalid record was accepted');
  } catch (error) {
    if (!isScopedDbError(error, 'VALIDATION')) throw error;
    console.log(`rejected with ${error.code}: ${error.message}`);
    console.log(`issues: ${error.issues?.length}`);
  }
  console.log('acme order-001 is still', await orders.get('acme', 'order-001'));

  heading('Per-tenant counts and ranges');
  for (const tenant of tenants) console.log(`${tenant}: ${await orders.getCount(tenant)} orders`);
  const acmeRange: string[] = [];
  for await (const { key, value } of orders.getRange('acme', { start: 'order-002', end: 'order-999' })) {
    acmeRange.push(`${key} (${value.item})`);
  }
  console.log('acme orders from order-002:', acmeRange.join(', '));
  const newest: string[] = [];
  for await (const key of orders.getKeys('globex', { reverse: true, limit: 2 })) newest.push(key);
  console.log('globex, newest first, 2 of them:', newest.join(', '));

  heading('Clearing one tenant');
  console.log(`cleared ${await orders.clearAsync('globex')} orders from globex`);
  for (const tenant of tenants) {
    const empty = await orders.isScopeEmpty(tenant);
    console.log(`${tenant}: ${await orders.getCount(tenant)} orders${empty ? ' (empty)' : ''}`);
  }

  heading('Scopes across the masters');
  // Each scope's keys share one hash tag, so one slot, so one master holds all of them.
  const masterOf = async (scope: Scope) => {
    const slot = Number(await client.cluster('KEYSLOT', `scoped:${hashTag(scope)}:name`));
    const node = client.slots[slot]?.[0] ?? '?';
    const index = servers.nodes.findIndex((n) => node.endsWith(`:${n.port}`));
    return `master ${index + 1} (${node}), slot ${slot}`;
  };
  const withOrders = await orders.listScopes();
  console.log(`scopes with orders: ${withOrders.map(String).join(', ')}`);
  const registered = await store.listAllScopes();
  console.log(`registered scopes (SCAN of every master): ${registered.map(String).join(', ')}`);
  const masters = new Set<string>();
  for (const scope of registered) {
    if (scope.isDefault) continue;
    const where = await masterOf(scope);
    masters.add(where.split(' (')[0] as string);
    console.log(`  ${scope}: ${where}`);
  }
  console.log(`${registered.filter((s) => !s.isDefault).length} named scopes on ${masters.size} of ${servers.nodes.length} masters`);
  const pruned = await store.pruneGloballyUnusedScopes();
  console.log(`pruned empty scopes: ${pruned.map(String).join(', ') || '(none)'}`);
}
