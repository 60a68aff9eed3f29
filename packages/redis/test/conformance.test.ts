import { describeScopedDatabase, type Supports } from '@scoped-lmdb/test-suite/database';
import { openRedisScopedStore } from '../src/index.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();
// Ranges are read in pages, and a transaction writes to one scope (one hash slot). The store is
// its own registry: the lifecycle and quota methods are the store's.
const supports: Supports = {
  sync: false,
  views: true,
  snapshotRanges: false,
  crossScopeTransactions: false,
  emptyKeys: true,
  rangeClear: true,
  stats: true,
  lifecycle: true,
};

// A small page size makes every range longer than a few entries cross page boundaries.
describeScopedDatabase('Redis Cluster (3 masters)', { open: () => openRedisScopedStore(redis.cluster, { rangePageSize: 7 }), supports });
describeScopedDatabase('single Redis', { open: () => openRedisScopedStore(redis.single, { rangePageSize: 7 }), supports });
