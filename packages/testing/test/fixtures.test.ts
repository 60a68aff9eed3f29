// The vitest form: the file's env is one for all its tests, each test's scope is new and is dropped
// after the test (passed or failed), and createScopedTest({ env }) runs on an env the caller owns.
import { existsSync } from 'node:fs';
import { codecs } from '@scoped-lmdb/core';
import { afterAll, describe, expect } from 'vitest';
import { createTempEnv, type TestEnv } from '../src/index.js';
import { createScopedTest, test } from '../src/vitest.js';

const seen: Array<{ name: string; testEnv: TestEnv }> = [];
const notesOf = (testEnv: TestEnv) => testEnv.database('notes', codecs.string(), codecs.string());

describe('test (default options)', () => {
  test('writes to its scope', ({ testEnv, scope }) => {
    notesOf(testEnv).putSync(scope, 'k', 'first');
    seen.push({ name: scope.name as string, testEnv });
  });

  test.fails('fails after writing to its scope', ({ testEnv, scope }) => {
    notesOf(testEnv).putSync(scope, 'k', 'second');
    seen.push({ name: scope.name as string, testEnv });
    throw new Error('this test fails on purpose');
  });

  test("the file's env is the same for every test; the earlier tests' scopes were dropped after them", ({ testEnv, scope }) => {
    expect(seen).toHaveLength(2);
    for (const earlier of seen) {
      expect(earlier.testEnv).toBe(testEnv);
      expect(earlier.name).not.toBe(scope.name);
      expect(notesOf(testEnv).isScopeEmpty(earlier.name)).toBe(true);
      expect(testEnv.registry.scopeExists(earlier.name)).toBe(false);
    }
    expect(testEnv.teardownStats().scopes).toBe(2);
    expect(seen[0]?.name).toMatch(/^test:writes to its scope:/);
    expect(testEnv.temporary).toBe(true);
  });
});

// At the top level of the file: vitest refuses a file-scoped fixture defined inside a describe block.
const mine = createTempEnv({ scopePrefix: 'mine' });
const custom = createScopedTest({ env: mine });

describe('createScopedTest({ env })', () => {
  afterAll(async () => {
    // The fixture never closes an env it was given: it is still open here.
    expect(mine.freshScope().name).toMatch(/^mine:/);
    await mine.close();
    expect(existsSync(mine.path)).toBe(false);
  });

  custom('runs on the env it was given, with that env’s prefix', ({ testEnv, scope }) => {
    expect(testEnv).toBe(mine);
    expect(scope.name).toMatch(/^mine:runs on the env/);
  });
});
