import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisCluster, type RedisServer, startCluster, startSingle } from '../../src/local-servers.js';

export interface RedisFixture {
  cluster: Cluster;
  single: Redis;
  clusterServers: RedisCluster;
  singleServer: RedisServer;
}

export function clusterClient(servers: RedisCluster): Cluster {
  return new Cluster([...servers.nodes], { redisOptions: { commandTimeout: 5_000 } });
}

/**
 * Starts a 3-master cluster and a single server for this test file, and stops them
 * (by PID) after it, also when a test or the start-up itself failed.
 */
export function useRedisServers(): RedisFixture {
  const fixture = {} as RedisFixture;
  beforeAll(async () => {
    const [clusterServers, singleServer] = await Promise.allSettled([startCluster(3), startSingle()]);
    if (clusterServers.status === 'fulfilled') fixture.clusterServers = clusterServers.value;
    if (singleServer.status === 'fulfilled') fixture.singleServer = singleServer.value;
    if (clusterServers.status === 'rejected') throw clusterServers.reason;
    if (singleServer.status === 'rejected') throw singleServer.reason;
    fixture.cluster = clusterClient(fixture.clusterServers);
    fixture.single = new Redis({ port: fixture.singleServer.port, host: '127.0.0.1', commandTimeout: 5_000 });
  });
  afterAll(async () => {
    fixture.cluster?.disconnect();
    fixture.single?.disconnect();
    await Promise.allSettled([fixture.clusterServers?.stop(), fixture.singleServer?.stop()]);
  });
  return fixture;
}
