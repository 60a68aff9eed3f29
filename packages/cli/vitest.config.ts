import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The Redis backend's own: checks that redis-server exists (failing the run if not) and stops, by PID,
      // any server a crashed worker left.
      globalSetup: ['../redis/test/support/global-setup.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
    },
  }),
);
