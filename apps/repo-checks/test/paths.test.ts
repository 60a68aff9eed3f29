import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './root.js';

// A path on the machine that wrote the file: it means nothing on a user's machine or in CI.
const MACHINE_PATH = /(?<![\w.])\/(?:work|root|home\/[\w-]+|Users\/[\w-]+)\//;

describe('tracked files', () => {
  it('hold no absolute machine paths', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && file !== 'package-lock.json' && !file.endsWith('.png'));
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(join(repoRoot, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (MACHINE_PATH.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
