// Tenants with schema-validated records in one embedded LMDB environment.
import { codecs, isScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { zodCodec } from '@scoped-lmdb/codec-zod';
import { z } from 'zod';
import { heading, openExampleEnv } from './shared.js';

const Order = z.object({
  item: z.string().min(1),
  qty: z.number().int().positive(),
  status: z.enum(['open', 'shipped']).default('open'),
});

const { env, path, close } = openExampleEnv('multi-tenant');
console.log(`LMDB environment: ${path}`);

const orders = scopedDatabaseOptions(env).types(codecs.string(), zodCodec(Order)).name('orders').create();
const tenants = ['acme', 'globex', 'initech'];

heading('The same keys in every tenant');
for (const [i, tenant] of tenants.entries()) {
  const shop = orders.scope(tenant);
  shop.putSync('order-001', { item: 'keyboard', qty: i + 1, status: 'open' });
  shop.putSync('order-002', { item: 'monitor', qty: 1, status: 'shipped' });
  await shop.put('order-003', { item: `${tenant} mug`, qty: 12, status: 'open' });
}
for (const tenant of tenants) {
  console.log(`${tenant}: order-001 =`, orders.get(tenant, 'order-001'));
}

heading('An invalid record is rejected, and nothing is lost');
try {
  orders.putSync('acme', 'order-001', { item: '', qty: -2, status: 'open' });
} catch (error) {
  if (!isScopedDbError(error, 'VALIDATION')) throw error;
  console.log(`rejected with ${error.code}: ${error.message}`);
  console.log(`issues: ${error.issues?.length}`);
}
console.log('acme order-001 is still', orders.get('acme', 'order-001'));

heading('Per-tenant counts and ranges');
for (const tenant of tenants) console.log(`${tenant}: ${orders.getCount(tenant)} orders`);
const acmeRange = [...orders.getRange('acme', { start: 'order-002', end: 'order-999' })];
console.log('acme orders from order-002:', acmeRange.map(({ key, value }) => `${key} (${value.item})`).join(', '));
console.log('globex, newest first, 2 of them:', [...orders.getKeys('globex', { reverse: true, limit: 2 })].join(', '));

heading('Clearing one tenant');
console.log(`cleared ${orders.clearSync('globex')} orders from globex`);
for (const tenant of tenants) console.log(`${tenant}: ${orders.getCount(tenant)} orders${orders.isScopeEmpty(tenant) ? ' (empty)' : ''}`);

await close();
console.log('\ndone');
