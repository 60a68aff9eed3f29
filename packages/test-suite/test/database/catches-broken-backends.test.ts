// The suite is only worth running if it fails on a backend that breaks the contract. Each
// backend of fixtures/broken-backends.fixture.ts breaks one promise; this runs that file in a
// child vitest and checks that the tests of that promise fail, and that the healthy one passes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Result {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
}

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
let results: Result[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-broken-'));
  const report = join(dir, 'report.json');
  const args = [vitest, 'run', '--config', 'test/database/fixtures/vitest.config.ts'];
  const env = { ...process.env, BROKEN_BACKENDS_REPORT: report };
  const child = spawn(process.execPath, args, { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise((resolve) => child.on('close', resolve));
  try {
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { assertionResults: Result[] }[] };
    results = parsed.testResults.flatMap((file) => file.assertionResults);
  } catch (error) {
    throw new Error(`the child vitest left no report:\n${output.slice(-2000)}`, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

const of = (backend: string) => results.filter((r) => r.ancestorTitles[0] === `scoped database: ${backend}`);
const failed = (backend: string) => of(backend).filter((r) => r.status === 'failed');
const titles = (list: Result[]) => [...new Set(list.map((r) => r.title))];

describe('the database suite', () => {
  it('passes every test on the healthy backend, and generates no skipped ones', () => {
    expect(of('healthy').length).toBeGreaterThan(200);
    expect(of('healthy').filter((r) => r.status !== 'passed')).toEqual([]);
  });

  it('passes every test on a healthy backend that declares less than it supports, generating fewer', () => {
    const fewer = of('healthy, declaring less');
    expect(fewer.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(fewer.length).toBeGreaterThan(150);
    expect(fewer.length).toBeLessThan(of('healthy').length);
    expect(fewer.map((r) => r.ancestorTitles[1])).toContain('again, in scope null: the default scope');
  });

  it.each([
    ['getCount ignores limit and offset', ['applies offset, then limit', 'getCount counts what getKeys yields, for any options']],
    [
      'remove resolves true either way',
      [
        'removes in one scope only, reporting whether the key existed',
        'each remove resolves whether the key existed at its place; a put after a remove stays',
      ],
    ],
    ['clear also empties the default scope', ['clears one scope of one database and nothing else']],
    ['put throws instead of rejecting', ['B01 an empty scope name is EMPTY_SCOPE_NAME on every method']],
    [
      'range clear ignores its range',
      [
        'removes exactly what getRange with the same options visits, and counts it (clearSync)',
        'does the same in the next batch (clearAsync)',
        'B66 an option other than start, end, reverse and limit, or a bad limit or reverse, is INVALID_INPUT; nothing is removed',
      ],
    ],
    [
      'views ignore their scope',
      ['views are confined to their scope', 'applies start, end, inclusiveEnd and exclusiveStart as lmdb-js does'],
    ],
    [
      'transactions apply writes as they come',
      ['a callback that throws applies none of its writes; the transaction rejects with its error'],
    ],
    ['declares sync without a sync database', ['every handle carries the sync database of the same name']],
    ['stats count puts, not what they replace', ['count every write path in a named scope, and a recount finds the same']],
  ])('fails on a backend where %s', (backend, expected) => {
    expect(titles(failed(backend))).toEqual(expect.arrayContaining(expected));
  });

  it('fails on a scope whose id ends in ff or ffff only in its runs through those scopes (the edge runs catch a bound without carry)', () => {
    const failures = failed('ranges of scopes whose id ends in ff come back empty');
    expect(titles(failures)).toContain('walks string keys in UTF-8 byte order, not by length');
    const runs = new Set(failures.map((r) => r.ancestorTitles[1]));
    expect([...runs].sort()).toEqual([
      expect.stringMatching(/^again, through db\.scope\("carry-/),
      expect.stringMatching(/^again, through db\.scope\("carry2-/),
    ]);
  });
});
