// Core's contract, re-exported for users of this package: the types are core's own.
export type { AsyncScopedDatabase, AsyncScopedView, Entry, RangeOptions } from '@scoped-lmdb/core';
export type { RedisDatabaseOptions } from './database.js';
export { hashTag, KEY_ROOT } from './layout.js';
export type { CopyScopeOptions, Quota, RedisScopeRegistryApi, ScopeQuota, ScopeStatsAcross } from './registry.js';
export { type IoRedisClient, openRedisScopedStore, type RedisScopedStore, type RedisScopedStoreOptions } from './store.js';
