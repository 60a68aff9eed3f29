import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { afterEach } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-registry-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh LMDB environment, closed and removed after the test. */
export function tempEnv(path = tempDir()): RootDatabase {
  const env = open({ path, maxDbs: 16 });
  cleanups.unshift(async () => {
    await env.close();
  });
  return env;
}
