// The registry: automatic registration, listing, finding empty scopes, pruning across databases.
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { heading, openExampleEnv } from './shared.js';

const { env, close } = openExampleEnv('scope-management');
const registry = GlobalScopeRegistry.open(env);
const options = scopedDatabaseOptions(env, { registry });
const orders = options.types(codecs.string(), codecs.json<{ total: number }>()).name('orders').create();
const invoices = options.types(codecs.string(), codecs.json<{ paid: boolean }>()).name('invoices').create();

heading('Writes register their scope, in the same transaction');
orders.putSync('tenant-a', 'o1', { total: 10 });
await orders.put('tenant-b', 'o1', { total: 20 });
invoices.transactionSync(() => invoices.putSync('tenant-c', 'i1', { paid: false }));
registry.registerScope('tenant-d'); // registered by hand, never written
console.log('registered:', registry.listAllScopes().map(String).join(', '));
console.log('tenant-b id:', registry.lookupScopeHash('tenant-b')?.toString(16).padStart(16, '0'));

heading('Listing');
console.log('scopes with orders:  ', orders.listScopes().map(String).join(', '));
console.log('scopes with invoices:', invoices.listScopes().map(String).join(', '));
console.log('empty in orders:     ', orders.findEmptyScopes().map(String).sort().join(', '));

heading('Pruning what is empty in every database');
orders.clearSync('tenant-a');
console.log('tenant-a empty everywhere?', registry.isScopeEmpty('tenant-a', [orders, invoices]));
const removed = registry.pruneGloballyUnusedScopes([orders, invoices]);
console.log('pruned:', removed.map(String).sort().join(', '));
console.log('still registered:', registry.listAllScopes().map(String).join(', '));

heading('Pruning without databases to ask is refused');
try {
  registry.pruneGloballyUnusedScopes([]);
} catch (error) {
  console.log(`refused: ${(error as { code?: string }).code}`);
}

await close();
console.log('\ndone');
