// The package's peer range is ioredis "^5 || ^6": both majors' clients must be accepted where a client is taken.
import type { Cluster, Redis } from 'ioredis';
import type { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { describe, expectTypeOf, it } from 'vitest';
import { openRedisScopedStore, type RedisScopedStore } from '../src/index.js';

declare const redis6: Redis;
declare const cluster6: Cluster;
declare const redis6Resp3: Redis<'resp3'>;
declare const redis5: Redis5;
declare const cluster5: Cluster5;

describe('openRedisScopedStore accepts a client of every supported ioredis major', () => {
  it('ioredis 6: Redis, Cluster, and a RESP3 reply mapping', () => {
    expectTypeOf(openRedisScopedStore(redis6)).toEqualTypeOf<Promise<RedisScopedStore>>();
    expectTypeOf(openRedisScopedStore(cluster6)).toEqualTypeOf<Promise<RedisScopedStore>>();
    expectTypeOf(openRedisScopedStore(redis6Resp3)).toEqualTypeOf<Promise<RedisScopedStore>>();
  });

  it('ioredis 5: Redis and Cluster', () => {
    expectTypeOf(openRedisScopedStore(redis5)).toEqualTypeOf<Promise<RedisScopedStore>>();
    expectTypeOf(openRedisScopedStore(cluster5)).toEqualTypeOf<Promise<RedisScopedStore>>();
  });

  it('refuses what is not a client', () => {
    // @ts-expect-error not an ioredis client
    void openRedisScopedStore({});
  });
});
