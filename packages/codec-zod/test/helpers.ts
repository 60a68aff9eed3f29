import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { afterEach } from 'vitest';
import type { z } from 'zod';

/** A zod 4 classic namespace: the shared suites take zod 4's, or zod 3.25's `zod/v4` (the same API at run time). */
export type Z = typeof z;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

export function tempEnv(): RootDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-zod-'));
  const env = open({ path: dir, maxDbs: 16 });
  cleanups.push(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return env;
}
