export { ScopedDbError, isScopedDbError, type ScopedDbErrorCode, type ScopedDbErrorOptions } from './errors.js';
export { Scope, type ScopeLike } from './scope.js';
export {
  keyFormat,
  KEY_FORMAT_VERSION,
  MAX_KEY_BYTES,
  SCOPE_ID_BYTES,
  META_TABLE,
  REGISTRY_TABLE,
  type ScopeBounds,
} from './key-format.js';
export { codecs, encodingError, type Codec, type CodecValue, type OrderedKey } from './codec.js';
export type { ScopeRegistrar, ScopeEmptinessChecker } from './registrar.js';
export { currentWriteTransaction, inWriteTransaction, isClosed } from './transaction.js';
export type {
  Entry,
  RangeIterable,
  RangeOptions,
  ScopedBytesDatabase,
  ScopedBytesKeyDatabase,
  ScopedDatabase,
  ScopedView,
} from './interfaces.js';
export type { DatabaseKind } from './meta-record.js';
export { scopedDatabaseOptions, ScopedDatabaseBuilder, type ScopedDatabaseOptions } from './builder.js';
