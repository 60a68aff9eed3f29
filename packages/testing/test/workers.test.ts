// Two vitest workers (two processes) share one env file through @scoped-lmdb/testing/global-setup:
// each gets a scope of its own, and the run's end removes the shared directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerReport } from './fixtures/two-workers/worker.js';

const project = fileURLToPath(new URL('./fixtures/two-workers/', import.meta.url));
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const results = mkdtempSync(join(tmpdir(), 'scoped-lmdb-testing-workers-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

describe('two vitest workers sharing one env file', () => {
  it('each gets a distinct scope, both see the same env, and the shared directory is gone after the run', () => {
    const run = spawnSync(process.execPath, [vitestCli, 'run', '--root', project, '--config', join(project, 'vitest.config.ts')], {
      cwd: project,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, RESULTS_DIR: results, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Tests\s+2 passed \(2\)/);
    const [a, b] = ['a', 'b'].map((label) => JSON.parse(readFileSync(join(results, `${label}.json`), 'utf8')) as WorkerReport);
    if (!a || !b) throw new Error('a worker wrote no report');
    expect(a.pid).not.toBe(b.pid);
    expect(a.poolId).not.toBe(b.poolId);
    expect(a.path).toBe(b.path);
    expect(a.scope).not.toBe(b.scope);
    const expected = [
      { label: 'a', pid: a.pid, scope: a.scope },
      { label: 'b', pid: b.pid, scope: b.scope },
    ];
    expect(a.markers).toEqual(expected);
    expect(b.markers).toEqual(expected);
    expect(existsSync(a.path)).toBe(false);
  }, 100_000);
});
