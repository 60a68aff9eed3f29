// The plain-function form (any runner): temp and shared envs, fresh scopes, their teardown, bad input.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecs, ScopedDbError } from '@scoped-lmdb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempEnv, openTestEnv, type TestEnv, withFreshScope } from '../src/index.js';

const opened: TestEnv[] = [];
/** A temp env closed (and removed) after the test, whatever happens in it. */
const tempEnv = (...args: Parameters<typeof createTempEnv>) => {
  const testEnv = createTempEnv(...args);
  opened.push(testEnv);
  return testEnv;
};
afterEach(async () => {
  for (const testEnv of opened.splice(0)) await testEnv.close();
});

/** The ScopedDbError code `run` throws. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScopedDbError);
    return (error as ScopedDbError).code;
  }
  return undefined;
}

describe('createTempEnv', () => {
  it('opens an env in a new temp directory and removes the directory on close (a second close does nothing)', async () => {
    const testEnv = createTempEnv();
    expect(testEnv.temporary).toBe(true);
    expect(existsSync(testEnv.path)).toBe(true);
    testEnv.database('notes', codecs.string(), codecs.string()).putSync('s', 'k', 'v');
    await testEnv.close();
    expect(existsSync(testEnv.path)).toBe(false);
    await testEnv.close();
  });

  it('opens with noSync and room for many databases, unless the lmdb options say otherwise', () => {
    /** The options lmdb-js keeps on its root database. */
    const flags = (testEnv: TestEnv) => {
      const { noSync, maxDbs } = testEnv.env as unknown as { noSync: boolean; maxDbs: number };
      return { noSync, maxDbs };
    };
    expect(flags(tempEnv())).toEqual({ noSync: true, maxDbs: 64 });
    const testEnv = tempEnv({ lmdb: { maxDbs: 4, noSync: false } });
    expect(flags(testEnv)).toEqual({ noSync: false, maxDbs: 4 });
    testEnv.database('one', codecs.string(), codecs.string());
    // maxDbs 4: the meta table, the registry and one database's two tables; a second database does not fit.
    expect(codeOf(() => testEnv.database('two', codecs.string(), codecs.string()))).toBe('STORAGE');
  });
});

describe('freshScope', () => {
  it('hands out unregistered scopes with distinct, labelled names', () => {
    const testEnv = tempEnv({ scopePrefix: 'suite' });
    const a = testEnv.freshScope('adds an order');
    const b = testEnv.freshScope('adds an order');
    expect(a.name).not.toBe(b.name);
    expect(a.name).toMatch(/^suite:adds an order:\d+-[0-9a-f]{12}:\d+$/);
    expect(a.scope.name).toBe(a.name);
    expect(testEnv.registry.scopeExists(a.scope)).toBe(false);
    expect(testEnv.freshScope().name).toMatch(/^suite:\d+-[0-9a-f]{12}:\d+$/);
  });

  it('drop() empties the scope in every database of the env at once, and only that scope', () => {
    const testEnv = tempEnv();
    const orders = testEnv.database('orders', codecs.string(), codecs.json<number>());
    const users = testEnv.database('users', codecs.string(), codecs.string());
    const mine = testEnv.freshScope();
    const theirs = testEnv.freshScope();
    for (let i = 0; i < 50; i++) orders.putSync(mine.scope, `o${i}`, i);
    users.putSync(mine.scope, 'u', 'me');
    orders.putSync(theirs.scope, 'o0', -1);
    expect(mine.dropped).toBe(false);
    mine.drop();
    expect(mine.dropped).toBe(true);
    expect([orders.isScopeEmpty(mine.scope), users.isScopeEmpty(mine.scope)]).toEqual([true, true]);
    expect(testEnv.registry.scopeExists(mine.scope)).toBe(false);
    expect(orders.get(theirs.scope, 'o0')).toBe(-1);
    mine.drop();
    expect(testEnv.teardownStats()).toMatchObject({ scopes: 1 });
  });

  it('skips a name that is taken in the env (registered by someone else)', () => {
    const testEnv = tempEnv();
    const probe = testEnv.freshScope();
    const [, stem, n] = /^(.*:)(\d+)$/.exec(probe.name) ?? [];
    const next = `${stem}${Number(n) + 1}`;
    testEnv.registry.registerScope(next);
    expect(testEnv.freshScope().name).toBe(`${stem}${Number(n) + 2}`);
  });

  it('using: the scope is dropped when the block ends', () => {
    const testEnv = tempEnv();
    const notes = testEnv.database('notes', codecs.string(), codecs.string());
    let name: string;
    {
      using handle = testEnv.freshScope();
      name = handle.name;
      notes.putSync(handle.scope, 'k', 'v');
    }
    expect(notes.isScopeEmpty(name)).toBe(true);
    expect(testEnv.registry.scopeExists(name)).toBe(false);
  });

  it('teardownStats() counts and times every drop', () => {
    const testEnv = tempEnv();
    expect(testEnv.teardownStats()).toEqual({ scopes: 0, totalMs: 0, meanMs: 0, maxMs: 0 });
    for (let i = 0; i < 3; i++) testEnv.freshScope().drop();
    const stats = testEnv.teardownStats();
    expect(stats.scopes).toBe(3);
    expect(stats.totalMs).toBeGreaterThan(0);
    expect(stats.meanMs).toBeCloseTo(stats.totalMs / 3, 10);
    expect(stats.maxMs).toBeLessThanOrEqual(stats.totalMs);
  });
});

describe('withFreshScope', () => {
  it('runs the callback with a fresh scope and drops it afterwards, also when the callback throws', async () => {
    const testEnv = tempEnv();
    const notes = testEnv.database('notes', codecs.string(), codecs.string());
    const seen: string[] = [];
    expect(
      await withFreshScope(testEnv, async (scope) => {
        seen.push(scope.name as string);
        await notes.put(scope, 'k', 'v');
        return notes.getCount(scope);
      }),
    ).toBe(1);
    await expect(
      withFreshScope(testEnv, (scope) => {
        seen.push(scope.name as string);
        notes.putSync(scope, 'k', 'v');
        throw new Error('the test failed');
      }),
    ).rejects.toThrow('the test failed');
    for (const name of seen) expect(notes.isScopeEmpty(name)).toBe(true);
    expect(testEnv.teardownStats().scopes).toBe(2);
  });
});

describe('database', () => {
  it('returns one handle per name and codecs; other codecs under the same name are CODEC_MISMATCH', () => {
    const testEnv = tempEnv();
    const a = testEnv.database('notes', codecs.string(), codecs.string());
    expect(testEnv.database('notes', codecs.string(), codecs.string())).toBe(a);
    expect(codeOf(() => testEnv.database('notes', codecs.string(), codecs.json()))).toBe('CODEC_MISMATCH');
  });
});

describe('openTestEnv', () => {
  it('opens a shared directory, keeps it on close, and drops the scopes it handed out that are still live', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-testing-shared-'));
    try {
      const first = openTestEnv(dir);
      const second = openTestEnv(dir);
      expect(first.temporary).toBe(false);
      const notes = first.database('notes', codecs.string(), codecs.string());
      const left = first.freshScope();
      notes.putSync(left.scope, 'k', 'v');
      await first.close();
      expect(existsSync(dir)).toBe(true);
      expect(second.database('notes', codecs.string(), codecs.string()).isScopeEmpty(left.name)).toBe(true);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input is a ScopedDbError', () => {
  it('INVALID_INPUT: an empty scope prefix, a label that is not a string, an empty path, any call after close', async () => {
    expect(codeOf(() => createTempEnv({ scopePrefix: '' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => openTestEnv(''))).toBe('INVALID_INPUT');
    const testEnv = createTempEnv();
    expect(codeOf(() => testEnv.freshScope(42 as never))).toBe('INVALID_INPUT');
    const handle = testEnv.freshScope();
    await testEnv.close();
    expect(handle.dropped).toBe(true);
    expect(codeOf(() => testEnv.freshScope())).toBe('INVALID_INPUT');
    expect(codeOf(() => testEnv.database('notes', codecs.string(), codecs.string()))).toBe('INVALID_INPUT');
  });

  it('STORAGE: a path that cannot hold an env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-testing-bad-'));
    try {
      expect(codeOf(() => openTestEnv(join(dir, 'missing', 'deeper', '\0')))).toBe('STORAGE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
