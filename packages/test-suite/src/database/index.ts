/** `@scoped-lmdb/test-suite/database`: the behaviour every scoped-database backend shares, and the LMDB backend. */
export type {
  ScopedDatabaseSuiteOptions,
  SuiteBackend,
  SuiteDatabase,
  SuiteDatabaseOptions,
  SuiteLifecycle,
  SuiteQuota,
  SuiteQuotas,
  SuiteScopeQuota,
  SuiteScopeStats,
  Supports,
} from './backend.js';
export { type AsyncFromSync, asyncFromSync, type LmdbSuiteBackendOptions, type LmdbSuiteRegistry, openLmdbSuiteBackend } from './lmdb.js';
export { describeScopedDatabase } from './suite.js';
