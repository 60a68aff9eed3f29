import { defineConfig } from 'vitest/config';

/**
 * The export condition that maps every workspace package to its TypeScript sources. It is ours alone
 * (not the common `source`), so a user project that sets `source` for its own packages never resolves
 * ours to `.ts` files that its toolchain cannot load.
 */
const SOURCE_CONDITION = '@scoped-lmdb/source';

/** Tests run on the TypeScript sources of every workspace package: no build needed. */
export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION], externalConditions: [SOURCE_CONDITION] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    // The JSON report lets .ci/run print one closing "N passed, N failed" line for the whole repo.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
