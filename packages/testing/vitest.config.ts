import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // test/concurrent.test.ts runs its 200 tests all at once, not five at a time (vitest's default).
      maxConcurrency: 200,
      // One file at a time: the teardown timing of test/concurrent.test.ts measures its own drops, not the CPU
      // that the other files' child processes (vitest, tsc, node --test) take from the same two cores.
      fileParallelism: false,
      // test/fixtures/ holds the projects that tests run vitest on; they are not tests of this package.
      exclude: ['**/node_modules/**', 'test/fixtures/**'],
    },
  }),
);
