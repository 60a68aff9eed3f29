export type { ConformanceBackend, ConformanceDatabase, ConformanceView } from './backend.js';
export { asyncAdapter, openLmdbBackend } from './lmdb.js';
export { describeConformance } from './suite.js';
