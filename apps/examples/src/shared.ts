import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { open, type RootDatabase } from 'lmdb';

export interface ExampleEnv {
  env: RootDatabase;
  path: string;
  /** `--quick`: smaller workloads, for the smoke tests. */
  quick: boolean;
  /** Closes the env; removes the directory unless `--path` chose it. */
  close(): Promise<void>;
}

/** Opens the example's LMDB environment: a fresh temp directory, or `--path <dir>`. */
export function openExampleEnv(example: string, options: { maxDbs?: number } = {}): ExampleEnv {
  const { values } = parseArgs({
    options: { path: { type: 'string' }, quick: { type: 'boolean', default: false } },
    strict: false,
  });
  const chosen = typeof values.path === 'string' ? resolve(values.path) : undefined;
  const path = chosen ?? mkdtempSync(join(tmpdir(), `scoped-lmdb-${example}-`));
  const env = open({ path, maxDbs: options.maxDbs ?? 32 });
  return {
    env,
    path,
    quick: values.quick === true,
    async close() {
      await env.close();
      if (!chosen) rmSync(path, { recursive: true, force: true });
    },
  };
}

export function heading(text: string): void {
  console.log(`\n== ${text}`);
}
