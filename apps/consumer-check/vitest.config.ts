import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // npm pack and npm install (from the npm cache, or the registry) run in beforeAll; tsc, publint and attw in tests.
      testTimeout: 120_000,
      hookTimeout: 240_000,
    },
  }),
);
