// The shared behaviour suite on core's ScopedDatabase, through the suite's async adapter.
// @scoped-lmdb/test-suite is not in core's devDependencies: it depends on core, and turbo
// refuses the cycle; the workspace links it, and the source condition loads its TypeScript.
import { describeScopedDatabase, openLmdbSuiteBackend } from '@scoped-lmdb/test-suite/database';

describeScopedDatabase('LMDB (core ScopedDatabase)', {
  open: openLmdbSuiteBackend,
  supports: {
    sync: true,
    views: true,
    snapshotRanges: true,
    crossScopeTransactions: true,
    emptyKeys: true,
    rangeClear: true,
    snapshots: true,
  },
});
