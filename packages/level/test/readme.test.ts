// This README's TypeScript snippet, type-checked and run as a reader would paste it, on a fresh
// directory in place of './data'.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the package, so the snippet resolves the workspace packages as an installed app would.
const workDir = fileURLToPath(new URL('../.readme-snippets/', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'scoped-level-readme-'));

/** The README's TypeScript blocks, in order. */
const blocks = [...readFileSync(new URL('../README.md', import.meta.url), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (m) => m[1] ?? '',
);

beforeAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const [snippet] = blocks;
  expect(snippet, "the snippet opens './data'").toContain("'./data'");
  writeFileSync(join(workDir, 'level.ts'), `${snippet?.replace("'./data'", JSON.stringify(dataDir))}\nexport {};\n`);
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.source.json', include: ['*.ts'] }));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('README snippet', () => {
  it('is the one snippet the tests below run', () => {
    expect(blocks).toHaveLength(1);
  });

  it('type-checks', () => {
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', workDir], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 130_000);

  it('runs and prints what it says', () => {
    const result = spawnSync(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', join(workDir, 'level.ts')], {
      cwd: workDir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(["{ plan: 'pro' } { plan: 'free' }", "[ 'bob' ]", 'admin', '[] true']);
  }, 70_000);
});
