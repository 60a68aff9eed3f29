/**
 * A vitest `globalSetup` module: one temp env directory for the whole run, shared by every worker
 * (`inject('scopedLmdbEnvPath')`; `@scoped-lmdb/testing/vitest` opens it), removed when the run
 * ends. Add `globalSetup: ['@scoped-lmdb/testing/global-setup']` to the vitest config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ENV_PATH_KEY } from './provided.js';

/** vitest `globalSetup`: makes one env directory for every worker of the run, and removes it after. */
export default function setup(project: TestProject): () => void {
  const path = mkdtempSync(join(tmpdir(), 'scoped-lmdb-shared-'));
  project.provide(ENV_PATH_KEY, path);
  return () => rmSync(path, { recursive: true, force: true });
}
