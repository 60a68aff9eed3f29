/**
 * Several processes open one env and write one scope through their own ScopedLevel at the same
 * time (classic-level refuses a second process with LEVEL_LOCKED): the parent then reads every
 * write back, through a ScopedLevel, its sublevel, and core directly, and finds nothing else.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { ScopedLevel } from '../src/index.js';

const writer = fileURLToPath(new URL('./fixtures/level-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scoped-level-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWriter(id: number, rounds: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@scoped-lmdb/source', '--import', 'tsx', writer, dir, 'shared-tenant', String(id), String(rounds)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('several processes writing one scope through the adapter', () => {
  it('keeps every write of every process, and nothing else', async () => {
    const writers = 4;
    const rounds = 150;
    const results = await Promise.all(Array.from({ length: writers }, (_, id) => runWriter(id, rounds)));
    for (const [id, { code, output }] of results.entries()) {
      expect(code, output).toBe(0);
      expect(output).toContain(`done ${id} ${rounds}`);
    }
    const env = open({ path: dir, maxDbs: 16 });
    const db = scopedDatabaseOptions(env, { registry: GlobalScopeRegistry.open(env) })
      .rawBytes()
      .name('level')
      .create();
    const level = new ScopedLevel<string, string>(db, 'shared-tenant');
    const sub = level.sublevel('sub');
    const expected = new Map<string, string>();
    const expectedSub = new Map<string, string>();
    for (let id = 0; id < writers; id++) {
      for (let n = 0; n < rounds; n++) {
        const key = `w${id}-${String(n).padStart(5, '0')}`;
        if (n % 3 === 2) expectedSub.set(key, `value ${key}`);
        else expected.set(key, `value ${key}`);
        if (n % 3 === 1) expected.set(`${key}-batch`, 'b');
      }
    }
    const subEntries = await sub.iterator().all();
    expect(new Map(subEntries)).toEqual(expectedSub);
    // The root level sees its own keys and the sublevel's, prefixed (abstract-level's "!sub!").
    const rootEntries = new Map(await level.iterator().all());
    for (const [key, value] of expected) expect(rootEntries.get(key), key).toBe(value);
    expect(rootEntries.size).toBe(expected.size + expectedSub.size);
    expect(await level.getMany(['w0-00000', 'w3-00149', 'missing'])).toEqual(['value w0-00000', undefined, undefined]);
    expect(await sub.get('w3-00149')).toBe('value w3-00149');
    expect(db.getCount('shared-tenant')).toBe(expected.size + expectedSub.size);
    expect(db.listScopes().map(String)).toEqual(['shared-tenant']);
    await level.close();
    await env.close();
  });
});
