// Tenants with schema-validated records in one embedded LMDB environment: usage and quotas per tenant.

import { zodCodec } from '@scoped-lmdb/codec-zod';
import { codecs, isScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { z } from 'zod';
import { heading, openExampleEnv } from './shared.js';

const Order = z.object({
  item: z.string().min(1),
  qty: z.number().int().positive(),
  status: z.enum(['open', 'shipped']).default('open'),
});

const { env, path, close } = openExampleEnv('multi-tenant');
console.log(`LMDB environment: ${path}`);

// The registry knows every tenant; .withStats() counts each tenant's entries and bytes as it writes.
const registry = GlobalScopeRegistry.open(env);
const orders = scopedDatabaseOptions(env, { registry }).types(codecs.string(), zodCodec(Order)).name('orders').withStats().create();
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

heading('Per-tenant usage, kept with every write');
const usage = () => {
  for (const tenant of tenants) {
    const { entries, bytes } = registry.scopeStats(tenant);
    console.log(`${tenant}: ${entries} entries, ${bytes} bytes`);
  }
};
usage();

heading('A quota stops a tenant at its limit');
registry.setQuota('initech', { maxEntries: 4 });
orders.putSync('initech', 'order-004', { item: 'stapler', qty: 1, status: 'open' });
console.log('initech order-004 written: 4 of 4 entries');
try {
  await orders.put('initech', 'order-005', { item: 'printer', qty: 1, status: 'open' });
} catch (error) {
  if (!isScopedDbError(error, 'QUOTA_EXCEEDED')) throw error;
  console.log(`rejected with ${error.code}: ${error.message}`);
}
console.log('initech order-005 is', orders.get('initech', 'order-005'), `(initech holds ${orders.getStats('initech').entries} entries)`);

heading('Clearing one tenant');
console.log(`cleared ${orders.clearSync('globex')} orders from globex`);
for (const tenant of tenants) console.log(`${tenant}: ${orders.getCount(tenant)} orders${orders.isScopeEmpty(tenant) ? ' (empty)' : ''}`);
usage();

await close();
console.log('\ndone');
