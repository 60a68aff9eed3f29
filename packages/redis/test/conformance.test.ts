import { describeConformance } from '@scoped-lmdb/test-suite/database';
import { openRedisScopedStore } from '../src/index.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

// A small page size makes every range longer than a few entries cross page boundaries.
describeConformance('Redis Cluster (3 masters)', () => openRedisScopedStore(redis.cluster, { rangePageSize: 7 }));
describeConformance('single Redis', () => openRedisScopedStore(redis.single, { rangePageSize: 7 }));
