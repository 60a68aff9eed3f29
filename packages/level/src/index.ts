/** The public surface of @scoped-lmdb/level: re-exports only. */
export { ScopedLevel, type ScopedLevelOptions } from './level.js';
