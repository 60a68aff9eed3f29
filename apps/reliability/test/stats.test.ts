import { setTimeout as sleep } from 'node:timers/promises';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { CAPPED, CAPPED_QUOTA } from './fixtures/stats-names.js';
import { tempDir } from './helpers.js';
import { finished, spawnFixture } from './spawn.js';
import { expectStatsExact } from './stats-check.js';

const KILLS = 12;
const WORKERS = 4;

/** A fresh env with the two stats-keeping databases the writers use, and the capped scope's quota. */
async function prepare(path: string): Promise<void> {
  const env = open({ path, maxDbs: 16 });
  const registry = GlobalScopeRegistry.open(env);
  for (const name of ['events', 'profiles'])
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name(name).withStats().create();
  registry.setQuota(CAPPED, CAPPED_QUOTA);
  await env.close();
}

/**
 * Opens the env as a fresh process would and checks it: stats equal a recount, the capped
 * scope stayed within its quota, and the repair finds nothing to repair. Returns the number of
 * scopes (of both databases) holding data.
 */
async function expectExact(path: string): Promise<number> {
  const env = open({ path, maxDbs: 16 });
  try {
    const registry = GlobalScopeRegistry.open(env);
    const dbs = ['events', 'profiles'].map((name) =>
      scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name(name).withStats().create(),
    );
    const withData = expectStatsExact(env, registry, dbs);
    const capped = registry.scopeStats(CAPPED);
    expect(capped.entries).toBeLessThanOrEqual(CAPPED_QUOTA.maxEntries);
    expect(capped.bytes).toBeLessThanOrEqual(CAPPED_QUOTA.maxBytes);
    for (const db of dbs) {
      const before = db.getStats(CAPPED);
      db.recountStats();
      expect(db.getStats(CAPPED)).toEqual(before);
    }
    return withData;
  } finally {
    await env.close();
  }
}

describe('stats stay exact', () => {
  it(`after a writer is SIGKILLed at random moments ${KILLS} times: stats equal a recount of the data`, async () => {
    const path = tempDir();
    await prepare(path);
    for (let round = 0; round < KILLS; round++) {
      const child = spawnFixture('stats-writer.ts', [path, `k${round}`, '0']);
      const run = finished(child);
      let output = '';
      // Wait until it has written (its first progress line), so every kill lands mid-stream
      // however loaded the machine is; then kill it at a random moment of its writing.
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/^n \d+/m.test(output)) resolve();
        });
        child.on('exit', () => reject(new Error(`the writer exited before it wrote: ${output}`)));
      });
      await sleep(Math.floor(Math.random() * 300));
      child.kill('SIGKILL');
      const { signal, stderr } = await run;
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');
      expect(await expectExact(path)).toBeGreaterThan(0);
    }
  }, 120_000);

  it(`with ${WORKERS} processes writing the same scopes, one also dropping, renaming, swapping and copying them`, async () => {
    const path = tempDir();
    await prepare(path);
    const runs = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) =>
        finished(spawnFixture('stats-writer.ts', [path, `w${w}`, '3', w === 0 ? 'lifecycle' : 'plain'])),
      ),
    );
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.trim().endsWith('done')).toBe(true);
    }
    expect(await expectExact(path)).toBeGreaterThan(2);
  }, 60_000);
});
