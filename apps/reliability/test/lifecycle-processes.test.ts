import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { NAMES } from './fixtures/lifecycle-worker.js';
import { tempDir } from './helpers.js';
import { finished, spawnFixture } from './spawn.js';

const WORKERS = 4;
const SECONDS = 4;

/**
 * API.md v2, "Across processes": writers and readers in 4 processes while a fifth drops,
 * renames and swaps the same scopes. No write commits under an id its name does not map to
 * in the committing transaction; no synchronous block of reads mixes two ids of one name;
 * no acknowledged write is lost (it is under the name its id maps to now, or its id was dropped).
 */
describe('scope lifecycle across processes', () => {
  it(`${WORKERS} writer/reader processes and one dropping, renaming and swapping: nothing lost, misplaced or mixed`, async () => {
    const path = tempDir();
    {
      const env = open({ path, maxDbs: 16 });
      const registry = GlobalScopeRegistry.open(env);
      for (const name of ['left', 'right'])
        scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json()).name(name).create();
      await env.close();
    }
    const runs = await Promise.all([
      ...Array.from({ length: WORKERS }, (_, w) => finished(spawnFixture('lifecycle-worker.ts', [path, `w${w}`, String(SECONDS)]))),
      // The driver stops first, so the writers' last writes sit under ids nothing drops.
      finished(spawnFixture('lifecycle-driver.ts', [path, String(SECONDS * 0.7)])),
    ]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.trimEnd().endsWith('done')).toBe(true);
    }
    const lines = runs.flatMap((run) => run.stdout.trim().split('\n'));
    const ops = lines.filter((line) => line.startsWith('op ')).length;
    const mixed = lines.filter((line) => line.startsWith('m '));
    const syncWrites = lines.filter((line) => line.startsWith('w ')).map((line) => line.split(' ') as [string, string, string]);
    const asyncWrites = lines.filter((line) => line.startsWith('a ')).map((line) => line.split(' ')[1] as string);
    const droppedIds = new Set(lines.filter((line) => line.startsWith('d ')).map((line) => line.split(' ')[1] as string));
    expect(ops).toBeGreaterThan(100);
    expect(syncWrites.length).toBeGreaterThan(1000);
    expect(mixed).toEqual([]);

    const env = open({ path, maxDbs: 16 });
    const registry = GlobalScopeRegistry.open(env);
    const left = scopedDatabaseOptions(env, { registry })
      .types(codecs.string(), codecs.json<{ id: string | null }>())
      .name('left')
      .create();
    const right = scopedDatabaseOptions(env, { registry })
      .types(codecs.string(), codecs.json<{ id: string | null }>())
      .name('right')
      .create();
    // Where every entry is now, by name: each sits under the id its name maps to, as written.
    const found = new Map<string, { name: string; id: string | null }>();
    for (const name of NAMES) {
      const current = registry.idOf(name)?.toString(16);
      for (const db of [left, right]) {
        for (const { key, value } of db.getRange(name)) {
          if (value.id !== null) expect(value.id, `${key} under ${name}`).toBe(current);
          if (db === left) {
            expect(found.has(key), `${key} appears once`).toBe(false);
            found.set(key, { name, id: value.id });
          }
        }
      }
    }
    // Every acknowledged synchronous write: under the name its id maps to now, unless its id
    // was dropped since (a dropped id, once reclaimed, may even be given to a name again).
    for (const [, key, id] of syncWrites) {
      if (droppedIds.has(id)) {
        if (found.has(key)) expect(found.get(key)?.id).toBe(id);
        continue;
      }
      const owner = registry.getScopeName(BigInt(`0x${id}`));
      expect(owner, `${key}: its id ${id} was never dropped, so a name owns it`).toBeDefined();
      expect(found.get(key), `${key} (id ${id})`).toEqual({ name: owner, id });
    }
    // The writers went on after the driver stopped: what they wrote then is all still there.
    expect(found.size).toBeGreaterThan(100);
    // An async put is found at most once (checked above) and never under an id other than its name's.
    expect(asyncWrites.length).toBeGreaterThan(100);
    await env.close();
  }, 120_000);
});
