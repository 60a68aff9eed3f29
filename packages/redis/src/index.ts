export {
  openRedisScopedStore,
  type RedisScopedStore,
  type RedisScopedStoreOptions,
  type RedisScopeRegistryApi,
} from './store.js';
export type { AsyncScopedDatabase, AsyncScopedView } from './database.js';
export type { Entry, RangeOptions } from '@scoped-lmdb/core';
export { hashTag, KEY_ROOT } from './layout.js';
