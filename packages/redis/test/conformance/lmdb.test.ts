import { afterAll } from 'vitest';
import { openLmdbBackend } from './lmdb-adapter.js';
import { describeConformance } from './suite.js';

const backend = openLmdbBackend();
afterAll(() => backend.close());

describeConformance('LMDB (core ScopedDatabase)', async () => backend);
