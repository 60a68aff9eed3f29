// The shared behaviour suite on core's ScopedDatabase, through the suite's async adapter.
// @scoped-lmdb/test-suite is not in core's devDependencies: it depends on core, and turbo
// refuses the cycle; the workspace links it, and the source condition loads its TypeScript.
import { describeConformance, openLmdbBackend } from '@scoped-lmdb/test-suite/database';
import { afterAll } from 'vitest';

const backend = openLmdbBackend();
afterAll(() => backend.close());

describeConformance('LMDB (core ScopedDatabase)', async () => backend);
