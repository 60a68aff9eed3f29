import { setImmediate as nextTurn } from 'node:timers/promises';
import { codecs, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { isClosed } from '@scoped-lmdb/core/internal';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { COUNT_KEY, ownKey, ownScope, SHARED_SCOPE, sharedKey, type WriterParams } from './fixtures/writer.js';
import { onCleanup, tempDir } from './helpers.js';
import { finished, spawnFixture, workerDone, workerFixture } from './spawn.js';

const PROCESSES = 4;
const THREADS = 4;
const COUNT = 10_000;
const BATCH = 250;

type Db = ScopedDatabase<string, unknown>;

/**
 * One snapshot of the writer's own scope (a single forward scan): the counter first, then
 * exactly the keys k000000 .. k(counter-1), all written by that writer. Returns the counter.
 */
function checkOwnScope(db: Db, writer: string): number {
  let counter: number | undefined;
  let seen = 0;
  for (const { key, value } of db.getRange(ownScope(writer))) {
    if (key === COUNT_KEY) {
      counter = value as number;
      continue;
    }
    // Keys arrive in order; each must be the next sequence number, written by this writer.
    expect(key).toBe(ownKey(seen));
    expect(value).toEqual({ writer, seq: seen });
    seen++;
  }
  expect(seen).toBe(counter ?? 0);
  return seen;
}

/** One snapshot of the shared scope: for each writer, its counter matches its contiguous run of keys. */
function checkSharedScope(db: Db, writers: string[]): Map<string, number> {
  const counters = new Map<string, number>();
  const seen = new Map<string, number>(writers.map((w) => [w, 0]));
  for (const { key, value } of db.getRange(SHARED_SCOPE)) {
    if (key.startsWith('#count:')) {
      counters.set(key.slice('#count:'.length), value as number);
      continue;
    }
    const { writer, seq } = value as { writer: string; seq: number };
    expect(seen.has(writer)).toBe(true);
    expect(seq).toBe(seen.get(writer));
    expect(key).toBe(sharedKey(writer, seq));
    seen.set(writer, seq + 1);
  }
  for (const writer of writers) expect(seen.get(writer)).toBe(counters.get(writer) ?? 0);
  return seen;
}

describe('concurrency', () => {
  it(`${PROCESSES} processes and ${THREADS} worker threads write at once; every write lands exactly once; readers see consistent snapshots`, async () => {
    const path = tempDir();
    // Create the tables first, so no writer races another to create them.
    const env = open({ path, maxDbs: 16 });
    onCleanup(async () => {
      if (!isClosed(env)) await env.close();
    });
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json<unknown>()).name('concurrent').create();

    const writers: string[] = [];
    const running: Promise<unknown>[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const writer = `proc-${i}`;
      writers.push(writer);
      const params: WriterParams = { path, writer, count: COUNT, batch: BATCH };
      running.push(
        finished(spawnFixture('writer.ts', [JSON.stringify(params)])).then((result) => {
          if (result.code !== 0 || !result.stdout.includes('done')) throw new Error(`${writer} failed: ${result.stderr}`);
        }),
      );
    }
    for (let i = 0; i < THREADS; i++) {
      const writer = `thread-${i}`;
      writers.push(writer);
      running.push(workerDone(workerFixture('writer.ts', { path, writer, count: COUNT, batch: BATCH } satisfies WriterParams)));
    }

    let finishedAll = false;
    const all = Promise.all(running).finally(() => (finishedAll = true));
    // Read while they write: every scan is one snapshot and must be self-consistent;
    // progress never goes backwards.
    const progress = new Map<string, number>();
    let scans = 0;
    let scansMidWrite = 0;
    while (!finishedAll) {
      for (const writer of writers) {
        const n = checkOwnScope(db, writer);
        expect(n).toBeGreaterThanOrEqual(progress.get(writer) ?? 0);
        progress.set(writer, n);
        if (n > 0 && n < COUNT) scansMidWrite++;
      }
      checkSharedScope(db, writers);
      scans++;
      await nextTurn();
    }
    await all;
    // The readers must really have overlapped the writers, or they proved nothing.
    expect(scansMidWrite).toBeGreaterThan(0);

    for (const writer of writers) {
      expect(checkOwnScope(db, writer)).toBe(COUNT);
      expect(db.getCount(ownScope(writer))).toBe(COUNT + 1);
    }
    const shared = checkSharedScope(db, writers);
    for (const writer of writers) expect(shared.get(writer)).toBe(COUNT);
    expect(db.getCount(SHARED_SCOPE)).toBe(writers.length * (COUNT + 1));
    // Nothing landed in the default scope or anywhere unexpected.
    expect(db.isScopeEmpty(null)).toBe(true);
    expect(scans).toBeGreaterThan(0);
  }, 58_000);
});
