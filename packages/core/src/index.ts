/** The public surface of @scoped-lmdb/core: re-exports only (test/surface.test.ts pins the list). */
export { type ScopedDatabaseBuilder, type ScopedDatabaseOptions, scopedDatabaseOptions } from './builder.js';
export { type Codec, type CodecInput, type CodecValue, codecs, defineCodec, encodingError, type OrderedKey } from './codec.js';
export type {
  DumpDatabase,
  DumpHeader,
  DumpProgress,
  DumpSink,
  DumpSource,
  DumpSummary,
  ExportScopeOptions,
  ImportScopeOptions,
} from './dump-format.js';
export { isScopedDbError, ScopedDbError, type ScopedDbErrorCode, type ScopedDbErrorOptions } from './errors.js';
export type {
  AsyncScopedDatabase,
  AsyncScopedView,
  Entry,
  RangeIterable,
  RangeOptions,
  ScopedBytesDatabase,
  ScopedBytesKeyDatabase,
  ScopedDatabase,
  ScopedView,
  ScopeEmptinessChecker,
  ScopeRegistrar,
  ScopeStats,
} from './interfaces.js';
export { type DatabaseKind, keyFormat, MAX_KEY_BYTES, META_TABLE, SCOPE_ID_BYTES, type ScopeBounds } from './key-format.js';
export { type NamedScope, Scope, type ScopeConstructor, type ScopeLike } from './scope.js';
