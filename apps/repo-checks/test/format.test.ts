import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './root.js';

const run = promisify(execFile);

describe('formatting and lint', () => {
  it('biome check passes over the whole repo (format, lint, import order)', async () => {
    const biome = join(repoRoot, 'node_modules', '.bin', 'biome');
    const { stdout, stderr } = await run(biome, ['check', '--colors=off', '.'], { cwd: repoRoot, maxBuffer: 16 * 2 ** 20 }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`biome check found problems (fix with: npx biome check --write .):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      },
    );
    expect(`${stdout}${stderr}`).toMatch(/Checked \d+ files/);
  });
});
