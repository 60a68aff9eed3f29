// Offboarding a tenant: export what it owns, then drop it in O(1) while others keep writing.
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { heading, openExampleEnv } from './shared.js';

const { env, close, quick } = openExampleEnv('tenant-offboarding');
const registry = GlobalScopeRegistry.open(env);
const options = scopedDatabaseOptions(env, { registry });
const orders = options.types(codecs.string(), codecs.json<{ total: number }>()).name('orders').create();
const users = options.types(codecs.string(), codecs.json<{ name: string }>()).name('users').create();

const leaving = 'tenant-leaving';
const count = quick ? 20_000 : 200_000;
heading(`A tenant with ${count.toLocaleString('en')} orders, and a neighbour`);
orders.transactionSync(() => {
  for (let i = 0; i < count; i++) orders.putSync(leaving, `order-${String(i).padStart(7, '0')}`, { total: i });
});
users.putSync(leaving, 'u1', { name: 'Leaving Ltd' });
orders.putSync('tenant-staying', 'order-1', { total: 7 });
console.log(`${leaving}: ${orders.getCount(leaving).toLocaleString('en')} orders, ${users.getCount(leaving)} user`);

heading('Drop: one metadata transaction, whatever the size');
const started = performance.now();
registry.dropScope(leaving);
const ms = performance.now() - started;
console.log(`dropped in ${ms.toFixed(2)} ms; left to see: ${orders.getCount(leaving)} orders and ${users.getCount(leaving)} users`);
console.log(`waiting for reclaim: ${registry.pendingReclaim().toLocaleString('en')} entries`);

heading('Others go on writing while the entries are reclaimed in small transactions');
const writes: Promise<boolean>[] = [];
for (let i = 0; i < 100; i++) writes.push(orders.put('tenant-staying', `order-${i + 2}`, { total: i }));
const freed = await registry.reclaim();
await Promise.all(writes);
console.log(`reclaimed ${freed.toLocaleString('en')} entries; tenant-staying has ${orders.getCount('tenant-staying')} orders`);

heading('The name can be used again, and starts empty');
orders.putSync(leaving, 'order-new', { total: 1 });
console.log(`${leaving}: ${[...orders.getKeys(leaving)].join(', ')}`);

await close();
console.log('\ndone');
