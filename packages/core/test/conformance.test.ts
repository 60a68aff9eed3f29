// The shared behaviour suite on core's ScopedDatabase, through the suite's async adapter.
// @scoped-lmdb/test-suite and @scoped-lmdb/registry are not in core's devDependencies: they
// depend on core, and turbo refuses the cycle; the workspace links them, and the source
// condition loads their TypeScript.
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { describeScopedDatabase, openLmdbSuiteBackend } from '@scoped-lmdb/test-suite/database';

// What LMDB keeps; only the lifecycle needs a registry.
const lmdb = {
  sync: true,
  views: true,
  snapshotRanges: true,
  crossScopeTransactions: true,
  emptyKeys: true,
  rangeClear: true,
  snapshots: true,
  stats: true,
} as const;

describeScopedDatabase('LMDB (core ScopedDatabase)', {
  open: () => openLmdbSuiteBackend(),
  supports: { ...lmdb, lifecycle: false },
});

// Again with a registry: stored ids, the lifecycle and quotas.
describeScopedDatabase('LMDB with a GlobalScopeRegistry', {
  open: () => openLmdbSuiteBackend({ registry: (env) => GlobalScopeRegistry.open(env) }),
  supports: { ...lmdb, lifecycle: true },
});

// Again on a write-mapped env, where lmdb-js has no child transactions.
describeScopedDatabase('LMDB with useWritemap', {
  open: () => openLmdbSuiteBackend({ env: { useWritemap: true } }),
  supports: { ...lmdb, lifecycle: false },
});
