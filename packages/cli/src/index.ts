/** The public surface of @scoped-lmdb/cli: the store service the commands (and the web studio) are built on. Re-exports only. */
export { codecForName, parseKeyArgument, show, toJsonForm } from './codecs.js';
export { type LmdbServiceOptions, openLmdbService } from './lmdb-service.js';
export { DEFAULT_LIMIT, MAX_LIMIT } from './paging.js';
export { openRedisService, type RedisServiceOptions } from './redis-service.js';
export type {
  Counts,
  DatabaseInfo,
  ExportOptions,
  ImportOptions,
  ProgressCallback,
  PruneResult,
  ScanEntry,
  ScanOptions,
  ScanPage,
  ScopeKind,
  ScopePage,
  ScopeRef,
  ScopeRow,
  ScopeSort,
  ScopeStatsInfo,
  ScopesOptions,
  Shown,
  StoreService,
  TransferResult,
  WalkUnderWay,
} from './service.js';
