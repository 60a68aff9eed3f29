export { recordedDatabases, ScopedDatabaseBuilder, type ScopedDatabaseOptions, scopedDatabaseOptions } from './builder.js';
export { type Codec, type CodecInput, type CodecValue, codecs, encodingError, type OrderedKey } from './codec.js';
export { isScopedDbError, ScopedDbError, type ScopedDbErrorCode, type ScopedDbErrorOptions } from './errors.js';
export type {
  Entry,
  RangeIterable,
  RangeOptions,
  ScopedBytesDatabase,
  ScopedBytesKeyDatabase,
  ScopedDatabase,
  ScopedView,
} from './interfaces.js';
export {
  KEY_FORMAT_VERSION,
  keyFormat,
  MAX_KEY_BYTES,
  META_TABLE,
  REGISTRY_TABLE,
  SCOPE_ID_BYTES,
  type ScopeBounds,
} from './key-format.js';
export type { DatabaseKind } from './meta-record.js';
export type { ScopeEmptinessChecker, ScopeRegistrar } from './registrar.js';
export { Scope, type ScopeLike } from './scope.js';
export { currentWriteTransaction, inWriteTransaction, isClosed } from './transaction.js';
