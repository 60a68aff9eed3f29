import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Codec, codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { openRedisScopedStore } from '@scoped-lmdb/redis';
import { type RedisCluster, startCluster } from '@scoped-lmdb/redis/local-servers';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { Cluster } from 'ioredis';
import { open, type RootDatabase } from 'lmdb';
import { afterAll, beforeAll } from 'vitest';
import type { KeyvScopedDatabase } from '../../src/index.js';

/** A backend the tests run on: a way to make a database of string keys, and its name for test titles. */
export interface Backend {
  readonly name: string;
  database<V, VIn = V>(name: string, valueCodec: Codec<V, VIn>): KeyvScopedDatabase<V, VIn>;
}

/**
 * LMDB (core's `ScopedDatabase` with a registry, in a temp env) and Redis Cluster (3 masters on
 * free 127.0.0.1 ports, stopped by PID), set up before the file's tests and torn down after them.
 * Call at the top of a test file; the backends are usable from `beforeAll` on.
 */
export function useBackends(): { lmdb: Backend; redis: Backend } {
  let env: RootDatabase | undefined;
  let dir: string | undefined;
  let servers: RedisCluster | undefined;
  let client: Cluster | undefined;
  let store: Awaited<ReturnType<typeof openRedisScopedStore>> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scoped-keyv-lmdb-'));
    env = open({ path: dir, maxDbs: 32 });
    servers = await startCluster(3);
    client = new Cluster([...servers.nodes], { redisOptions: { commandTimeout: 5_000 } });
    store = await openRedisScopedStore(client);
  });
  afterAll(async () => {
    client?.disconnect();
    await servers?.stop();
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const lmdb: Backend = {
    name: 'LMDB',
    database(name, valueCodec) {
      if (!env) throw new Error('the LMDB env is opened in beforeAll');
      const registry = GlobalScopeRegistry.open(env);
      return scopedDatabaseOptions(env, { registry }).types(codecs.string(), valueCodec).name(name).create();
    },
  };
  const redis: Backend = {
    name: 'Redis Cluster',
    database(name, valueCodec) {
      if (!store) throw new Error('the Redis store is opened in beforeAll');
      return store.database(name, codecs.string(), valueCodec);
    },
  };
  return { lmdb, redis };
}
