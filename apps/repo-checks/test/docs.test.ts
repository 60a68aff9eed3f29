import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './root.js';

const run = promisify(execFile);

describe('API reference', () => {
  it('documents every public member of every package, with no broken link (npm run docs -- --check)', async () => {
    const { stdout } = await run(process.execPath, ['scripts/docs.mjs', '--check'], { cwd: repoRoot, maxBuffer: 16 * 2 ** 20 }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`typedoc found problems:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      },
    );
    expect(stdout).toMatch(/docs: \d+ entry points, every public member documented/);
  });
});
