// This package's README, checked as a reader would use it: the session it shows is what the binary
// prints today (durations aside), and its TypeScript snippet type-checks and runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLmdbEnv } from './support/fixtures.js';
import { recordSession } from './support/session.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// Inside the package, so the snippet resolves the workspace packages as an installed app would.
const workDir = fileURLToPath(new URL('../.readme-snippets/', import.meta.url));
let envPath: string;

const blocks = (lang: string) => [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1] ?? '');
const withoutDurations = (text: string) => text.replace(/in \d+\.\ds/g, 'in #.#s');

beforeAll(async () => {
  envPath = await buildLmdbEnv();
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const [snippet] = blocks('ts');
  expect(snippet, "the snippet opens './data'").toContain("'./data'");
  writeFileSync(join(workDir, 'service.ts'), `${snippet?.replace("'./data'", JSON.stringify(envPath))}\nexport {};\n`);
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.source.json', include: ['*.ts'] }));
}, 60_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  rmSync(envPath, { recursive: true, force: true });
});

describe('README', () => {
  it('shows the session the binary prints today', async () => {
    const [shown] = blocks('console');
    expect(withoutDurations(shown ?? '')).toBe(withoutDurations(await recordSession()));
  }, 120_000);

  it('has a snippet that type-checks', () => {
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', workDir], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 130_000);

  it('has a snippet that runs and prints what the README says', () => {
    const result = spawnSync(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', join(workDir, 'service.ts')], {
      cwd: workDir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^acme 10$/m);
    expect(result.stdout).toContain("u1 { name: 'Ada', age: 36 }");
  }, 70_000);
});
