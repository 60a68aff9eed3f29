import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { finished, spawnFixture } from './spawn.js';

describe('closing the env right after an async write', () => {
  it('commits the write, resolves it true, and never crashes (put to a new scope, then close)', async () => {
    const run = await finished(spawnFixture('close-after-put.ts', [tempDir()]));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { outcomes: string[]; stored: (string | null)[]; listed: string[] };
    expect(report.outcomes).toEqual(Array.from({ length: 5 }, () => 'resolved true'));
    expect(report.stored).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(report.listed).toEqual(expect.arrayContaining(['new-scope-0', 'new-scope-4']));
    expect(report.listed).toHaveLength(5);
  });
});
