import { defineConfig } from 'vitest/config';

/** Tests run on the TypeScript sources of every workspace package: no build needed. */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    // The JSON report lets .ci/run print one closing "N passed, N failed" line for the whole repo.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
