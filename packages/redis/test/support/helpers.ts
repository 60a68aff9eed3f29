/** Small helpers the Redis tests share. */
import type { Cluster, Redis } from 'ioredis';
import { expect } from 'vitest';

/** Matches a ScopedDbError with this code. */
export const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The masters behind a client: every master node of a cluster, or the server itself. */
export function masters(client: Redis | Cluster): Redis[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
}

/** Empties every master, so counts and listings start from nothing. */
export async function flush(client: Redis | Cluster): Promise<void> {
  await Promise.all(masters(client).map((node) => node.flushall()));
}

/** Keys over every master. */
export async function keyCount(client: Redis | Cluster): Promise<number> {
  const sizes = await Promise.all(masters(client).map((node) => node.dbsize()));
  return sizes.reduce((a, b) => a + b, 0);
}
