/**
 * The vitest form: `test`, with two fixtures. `testEnv` is the file's env (the one the global
 * setup shares across workers, or a temp env of the file's own), and `scope` is a fresh scope for
 * each test, dropped after it. Safe under `test.concurrent`: each test gets its own scope.
 */
import type { Scope } from '@scoped-lmdb/core';
import { inject, type TestAPI, test as vitestTest } from 'vitest';
import { createTempEnv, openTestEnv, type TestEnv, type TestEnvOptions } from './env.js';
import { ENV_PATH_KEY } from './provided.js';

/** The fixtures `test` (and `createScopedTest`) give each test. */
export interface ScopedLmdbFixtures {
  /** The file's test env (one per test file; shared by every test in it). */
  testEnv: TestEnv;
  /** A fresh scope of `testEnv` for this test, dropped (O(1)) when the test ends. */
  scope: Scope;
}

export interface ScopedTestOptions extends TestEnvOptions {
  /**
   * The env every test file uses (you open and close it). Without it, each test file opens the
   * directory that `@scoped-lmdb/testing/global-setup` provides, or else a temp env of its own;
   * either way it is closed (and a temp one removed) after the file.
   */
  env?: TestEnv;
}

/** `test` with the `testEnv` and `scope` fixtures, made with `options`. */
export function createScopedTest(options: ScopedTestOptions = {}): TestAPI<ScopedLmdbFixtures> {
  const { env, ...envOptions } = options;
  return vitestTest.extend<ScopedLmdbFixtures>({
    testEnv: [
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from its first parameter
      async ({}, use) => {
        if (env) return use(env);
        const shared = inject(ENV_PATH_KEY);
        const testEnv = shared ? openTestEnv(shared, envOptions) : createTempEnv(envOptions);
        try {
          await use(testEnv);
        } finally {
          await testEnv.close();
        }
      },
      { scope: 'file' },
    ],
    scope: async ({ testEnv, task }, use) => {
      const handle = testEnv.freshScope(task.name);
      try {
        await use(handle.scope);
      } finally {
        handle.drop();
      }
    },
  });
}

/** `test` with a fresh scope per test (`scope`) and the file's env (`testEnv`), with the default options. */
export const test: TestAPI<ScopedLmdbFixtures> = createScopedTest();

export type { TestEnv, TestScope } from './env.js';
// Re-exported so the declarations carry the typing of `inject(ENV_PATH_KEY)` for the shared env's directory.
export { ENV_PATH_KEY } from './provided.js';
