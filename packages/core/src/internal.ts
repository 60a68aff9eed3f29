/**
 * `@scoped-lmdb/core/internal`: what our own packages (registry, redis, test-suite) share with
 * core, and users do not need. Not covered by semver: it changes with the packages that use it.
 * Re-exports only.
 */
export { checkCodec, decodeWith, encodeWith, plainBytesCodecs } from './codec.js';
export {
  CHUNK_BYTES,
  checkDumpCodecs,
  checkDumpOptions,
  DUMP_FORMAT,
  DUMP_MAGIC,
  DUMP_VERSION,
  DumpReader,
  type DumpVisitor,
  DumpWriter,
  dumpFailure,
  dumpScope,
  selectDumpDatabases,
} from './dump-format.js';
export { describeValue, printableKey, storage, withContext, wrapError } from './errors.js';
export { IdMap } from './id-map.js';
export {
  checkDatabaseName,
  checkKeyLength,
  firstLifeId,
  idBytesOf,
  KEY_FORMAT_VERSION,
  type MetaRecord,
  parseMetaRecord,
  REGISTRY_TABLE,
  readScopeHash,
  SCOPED_TABLE_SUFFIX,
  STATS_TABLE,
  scopedTableName,
} from './key-format.js';
export { type ByteSnapshot, byteSnapshots } from './lmdb/database.js';
export { copyUnderId, countUnderId, deleteUnderId, type IdCopy, idHoldsData, type RecordedTable, recordedTables } from './lmdb/id-space.js';
export {
  currentWriteTransaction,
  ensureReadSnapshot,
  type HeldReadSnapshot,
  holdReadSnapshot,
  inWriteTransaction,
  isClosed,
  isClosing,
  lastCommittedTxnId,
  onReadTransaction,
  rangeReadsWith,
  snapshotPerBlock,
} from './lmdb/lmdb-internals.js';
export { readMetaRecords } from './lmdb/meta-table.js';
export { recordedDatabases } from './lmdb/open.js';
export { perEnv } from './lmdb/per-env.js';
export type { ScopeIds } from './lmdb/registration.js';
export { type Quota, type QuotaSource, type StatsKeeper, statsOf } from './lmdb/stats.js';
export { checkClearRange, checkRangeOptions } from './range-options.js';
export { checkLifecycleOptions, checkQuota, checkReclaimOptions, type QuotaLimits } from './registry-options.js';
export { describeScope } from './scope.js';
export { ASYNC_VIEW, bindScope, SYNC_VIEW, type ViewSpec } from './view.js';
