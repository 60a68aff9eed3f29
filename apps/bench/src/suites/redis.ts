import { codecs, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { openRedisScopedStore } from '@scoped-lmdb/redis';
import { startCluster } from '@scoped-lmdb/redis/local-servers';
import { Cluster } from 'ioredis';
import { dataSet, loadInBatches, sample, tempEnv } from '../data.js';
import { compare, type Result, type Settings, type Sizes, timeRuns } from '../harness.js';

/** Operations in flight at once, on both backends: one awaited call at a time would only measure round trips. */
const IN_FLIGHT = 100;
/** Operations per timed call of put and get. */
const OPS_PER_CALL = 1_000;
const RANGE_ENTRIES = 1_000;
const CLEAR_ENTRIES = 10_000;

/** Runs `op(0 … count-1)` with at most `limit` of them pending at any time. */
async function pooled(count: number, limit: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/**
 * The same operations on a local 3-master Redis Cluster (`@scoped-lmdb/redis`) and on
 * LMDB (`@scoped-lmdb/core`), in this process, on the same bytes. These are figures
 * to report, not targets: Redis pays a network round trip (here loopback) per
 * command and LMDB none, so the ratio says what moving off one machine costs.
 */
export async function* redis(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  // Redis's own AOF default; the put row is repeated with `always` further down.
  const servers = await startCluster(3, { appendfsync: 'everysec' });
  const client = new Cluster([...servers.nodes], { redisOptions: { commandTimeout: 10_000 } });
  const { env, dispose } = tempEnv();
  try {
    const store = await openRedisScopedStore(client);
    const onRedis = store.database('bench', codecs.bytes(), codecs.bytes());
    const onLmdb = scopedDatabaseOptions(env).rawBytes().name('bench').create();

    // Keys spread over 100 scopes, so over every master of the cluster.
    const entries = Math.min(sizes.entries, 10_000);
    const data = dataSet(entries, 100, 'redis-bench');
    const key = (i: number) => data.keys[i] as Buffer;
    loadInBatches(env, entries, (i) => onLmdb.putSync(data.scopeOf(i), key(i), data.value));
    await pooled(entries, IN_FLIGHT, (i) => onRedis.put(data.scopeOf(i), key(i), data.value));

    const picks = sample(OPS_PER_CALL, entries);
    const put = {
      ours: () =>
        pooled(picks.length, IN_FLIGHT, (n) => onRedis.put(data.scopeOf(picks[n] as number), key(picks[n] as number), data.value)),
      baseline: () =>
        pooled(picks.length, IN_FLIGHT, (n) => onLmdb.put(data.scopeOf(picks[n] as number), key(picks[n] as number), data.value)),
      opsPerCall: picks.length,
      target: 0,
    };
    const report = (result: Result, note: string): Result => ({ ...result, target: 'report', pass: true, note });

    yield report(
      await compare(settings, { name: `put, ${IN_FLIGHT} in flight: Redis Cluster (vs LMDB async put)`, ...put }),
      'appendfsync everysec; LMDB: lmdb-js default overlappingSync',
    );

    for (const node of client.nodes('master')) await node.config('SET', 'appendfsync', 'always');
    yield report(
      await compare(settings, { name: `put, ${IN_FLIGHT} in flight: Redis Cluster (vs LMDB async put)`, ...put }),
      'appendfsync always: fsynced before the reply',
    );
    for (const node of client.nodes('master')) await node.config('SET', 'appendfsync', 'everysec');

    yield report(
      await compare(settings, {
        name: `get, ${IN_FLIGHT} in flight: Redis Cluster (vs LMDB get)`,
        ours: () => pooled(picks.length, IN_FLIGHT, (n) => onRedis.get(data.scopeOf(picks[n] as number), key(picks[n] as number))),
        // LMDB's get is synchronous: nothing to keep in flight.
        baseline: () => {
          for (const i of picks) onLmdb.get(data.scopeOf(i), key(i));
        },
        opsPerCall: picks.length,
        target: 0,
      }),
      'LMDB get is synchronous',
    );

    // Stats (API.md v2): the same puts on a database opened with { stats: true }, then with a
    // quota on every scope (high enough never to refuse), against the same database shapes.
    // The quota's scopes are their own: a quota holds across every stats-keeping database of a scope.
    const counted = store.database('bench-stats', codecs.bytes(), codecs.bytes(), { stats: true });
    const quoted = dataSet(entries, 100, 'redis-quota');
    for (const scope of quoted.scopes) await store.setQuota(scope, { maxEntries: 1e12, maxBytes: 1e15 });
    await pooled(entries, IN_FLIGHT, (i) => counted.put(data.scopeOf(i), key(i), data.value));
    await pooled(entries, IN_FLIGHT, (i) => counted.put(quoted.scopeOf(i), key(i), data.value));
    const putOn =
      (db: typeof counted, scopes = data) =>
      () =>
        pooled(picks.length, IN_FLIGHT, (n) => db.put(scopes.scopeOf(picks[n] as number), key(picks[n] as number), data.value));
    yield report(
      await compare(settings, {
        name: `put with stats, ${IN_FLIGHT} in flight: Redis Cluster (vs the same put without stats)`,
        ours: putOn(counted),
        baseline: putOn(onRedis),
        opsPerCall: picks.length,
        target: 0,
      }),
      'WRITE_STATS_SCRIPT (stats read, old length, stats written) vs WRITE_SCRIPT; issue 15 asks >= 0.7',
    );
    yield report(
      await compare(settings, {
        name: `put with stats and a quota, ${IN_FLIGHT} in flight: Redis Cluster (vs stats only)`,
        ours: putOn(counted, quoted),
        baseline: putOn(counted),
        opsPerCall: picks.length,
        target: 0,
      }),
      'every scope has a quota: the script also reads it and the scope totals (HGETALL of its stats); issue 15 asks <= 10 % more',
    );
    yield report(
      await compare(settings, {
        name: `getStats, ${IN_FLIGHT} in flight: Redis Cluster (vs get)`,
        ours: () => pooled(picks.length, IN_FLIGHT, (n) => counted.getStats(data.scopeOf(picks[n] as number))),
        baseline: () => pooled(picks.length, IN_FLIGHT, (n) => counted.get(data.scopeOf(picks[n] as number), key(picks[n] as number))),
        opsPerCall: picks.length,
        target: 0,
      }),
      'both one read script; getStats is one HMGET of the scope stats record',
    );

    const ranged = Scope.named('range-scope');
    const rangeKeys = Array.from({ length: RANGE_ENTRIES }, (_, i) => Buffer.from(`r-${String(i).padStart(6, '0')}`));
    env.transactionSync(() => {
      for (const k of rangeKeys) onLmdb.putSync(ranged, k, data.value);
    });
    await pooled(rangeKeys.length, IN_FLIGHT, (i) => onRedis.put(ranged, rangeKeys[i] as Buffer, data.value));
    let seen = 0;
    const rangeResult = await compare(settings, {
      name: `range over one ${RANGE_ENTRIES.toLocaleString('en')}-entry scope, entries/s: Redis Cluster (vs LMDB getRange)`,
      ours: async () => {
        seen = 0;
        for await (const _ of onRedis.getRange(ranged)) seen++;
      },
      baseline: () => {
        for (const _ of onLmdb.getRange(ranged));
      },
      opsPerCall: RANGE_ENTRIES,
      target: 0,
    });
    yield {
      ...report(rangeResult, `Redis pages of 500 (ZRANGE BYLEX + HMGET per page); ${seen} entries per range`),
      pass: seen === RANGE_ENTRIES,
    };

    // A clear cannot repeat on the same data: each run refills the scope first, untimed.
    const cleared = Scope.named('clear-scope');
    const clearKeys = Array.from({ length: CLEAR_ENTRIES }, (_, i) => Buffer.from(`c-${String(i).padStart(6, '0')}`));
    const removed = { redis: 0, lmdb: 0 };
    const redisMs = await timeRuns(
      settings.rounds,
      () => pooled(clearKeys.length, IN_FLIGHT, (i) => onRedis.put(cleared, clearKeys[i] as Buffer, data.value)),
      async () => {
        removed.redis = await onRedis.clearAsync(cleared);
      },
    );
    const lmdbMs = await timeRuns(
      settings.rounds,
      () =>
        env.transactionSync(() => {
          for (const k of clearKeys) onLmdb.putSync(cleared, k, data.value);
        }),
      async () => {
        removed.lmdb = await onLmdb.clearAsync(cleared);
      },
    );
    yield {
      name: `clear a ${CLEAR_ENTRIES.toLocaleString('en')}-entry scope, clears/s: Redis Cluster (vs LMDB clearAsync)`,
      ours: 1000 / redisMs,
      baseline: 1000 / lmdbMs,
      ratio: lmdbMs / redisMs,
      target: 'report',
      pass: removed.redis === CLEAR_ENTRIES && removed.lmdb === CLEAR_ENTRIES,
      unit: 'ops/s',
      note: `Redis UNLINKs two keys; LMDB deletes every entry; removed ${removed.redis} / ${removed.lmdb}`,
    };
  } finally {
    client.disconnect();
    await servers.stop();
    await dispose();
  }
}
