// Blue/green: build a new version of a tenant's data beside the live one, then swap them
// atomically (like Redis SWAPDB); readers see the old or the new data, never a mix.
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { heading, openExampleEnv } from './shared.js';

const { env, close } = openExampleEnv('blue-green');
const registry = GlobalScopeRegistry.open(env);
const catalog = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<{ price: number }>()).name('catalog').create();

heading("Live prices, and tomorrow's built beside them");
for (const [item, price] of [
  ['tea', 3],
  ['coffee', 4],
  ['cake', 5],
] as const)
  catalog.putSync('shop', item, { price });
// A copy of the live scope (stored bytes, in batches), then tomorrow's changes on it.
const copied = await registry.copyScope('shop', 'shop-next', { onProgress: (done, total) => console.log(`copying ${done}/${total}`) });
catalog.putSync('shop-next', 'coffee', { price: 4.5 });
catalog.putSync('shop-next', 'scone', { price: 2 });
catalog.removeSync('shop-next', 'cake');
const show = (scope: string) => [...catalog.getRange(scope)].map(({ key, value }) => `${key} ${value.price}`).join(', ');
console.log(`copied ${copied}; live: ${show('shop')}`);
console.log(`next: ${show('shop-next')}`);

heading('Swap: one transaction, O(1), every database at once');
registry.swapScopes('shop', 'shop-next');
console.log(`live: ${show('shop')}`);
console.log(`previous, kept for a rollback: ${show('shop-next')}`);

heading('Roll back the same way, or drop the old version');
registry.dropScope('shop-next');
console.log(`live: ${show('shop')}; previous dropped (${registry.pendingReclaim()} entries to reclaim)`);

await close();
console.log('\ndone');
