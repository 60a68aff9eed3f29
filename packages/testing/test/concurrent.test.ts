// The proof: 200 tests run at once, each in its own fresh scope of one env, writing the same
// keys; none sees another's data, and the teardown (registry.dropScope, timed by the fixture around
// each call) costs well under 1 ms per test on average.
import { codecs } from '@scoped-lmdb/core';
import { describe } from 'vitest';
import { test } from '../src/vitest.js';

const TESTS = 200;
const KEYS = 10;
/** The bound on a teardown; the measured mean is expected far below it (see the README). */
const MAX_MEAN_TEARDOWN_MS = 1;
const names = new Set<string>();
/** Tests running at this moment, and the most at once: shows the tests really overlapped. */
let running = 0;
let mostAtOnce = 0;

/** Lets the other tests run: every test's writes and reads interleave with theirs. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.concurrent(`${TESTS} concurrent tests, each in a fresh scope`, () => {
  for (let i = 0; i < TESTS; i++) {
    test(`test ${i}`, async ({ testEnv, scope, expect }) => {
      const db = testEnv.database('orders', codecs.string(), codecs.json<{ test: number; key: number }>());
      expect(db.isScopeEmpty(scope)).toBe(true);
      names.add(scope.name as string);
      mostAtOnce = Math.max(mostAtOnce, ++running);
      // The same keys in every test, written one at a time with other tests running in between.
      for (let key = 0; key < KEYS; key++) {
        await db.put(scope, `k${key}`, { test: i, key });
        await yieldTurn();
      }
      await yieldTurn();
      expect(db.getCount(scope)).toBe(KEYS);
      expect([...db.getRange(scope)].map((entry) => entry.value)).toEqual(Array.from({ length: KEYS }, (_, key) => ({ test: i, key })));
      expect(db.get(scope, 'k0')).toEqual({ test: i, key: 0 });
      running--;
    });
  }
});

test('every test had its own scope, and each was dropped after it in under 1 ms on average', ({ testEnv, expect }) => {
  expect(names.size).toBe(TESTS);
  expect(mostAtOnce, 'tests running at once').toBeGreaterThanOrEqual(TESTS / 2);
  const db = testEnv.database('orders', codecs.string(), codecs.json<{ test: number; key: number }>());
  for (const name of names) {
    expect(testEnv.registry.scopeExists(name)).toBe(false);
    expect(db.isScopeEmpty(name)).toBe(true);
  }
  const stats = testEnv.teardownStats();
  console.log(
    `teardown of ${stats.scopes} scopes: mean ${stats.meanMs.toFixed(3)} ms, max ${stats.maxMs.toFixed(3)} ms, total ${stats.totalMs.toFixed(1)} ms`,
  );
  expect(stats.scopes).toBe(TESTS);
  expect(stats.meanMs).toBeLessThan(MAX_MEAN_TEARDOWN_MS);
});
