import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// A correctness smoke of the harness on a tiny data set: the figures mean nothing here,
// only that every benchmark runs and the report has its documented shape.
it('runs the core suite and writes bench-results.json as documented', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-bench-test-'));
  const json = join(dir, 'results.json');
  try {
    const result = spawnSync(
      process.execPath,
      [
        '--conditions=@scoped-lmdb/source',
        '--import',
        'tsx',
        'src/index.ts',
        '--quick',
        '--size',
        '12000',
        '--scopes',
        '100',
        '--only',
        'core',
        '--json',
        json,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('| benchmark | ours | baseline | ratio | target | pass |');
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>[];
    expect(rows.length).toBe(8);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['name', 'ours', 'baseline', 'ratio', 'target', 'pass']));
      expect(row.ours).toBeGreaterThan(0);
      expect(row.baseline).toBeGreaterThan(0);
      expect(typeof row.pass).toBe('boolean');
    }
    expect(rows.find((r) => String(r.name).startsWith('clearSync'))?.note).toBe('neighbours intact');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
