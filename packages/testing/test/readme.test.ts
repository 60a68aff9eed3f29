// This README's TypeScript snippets, as a reader would use them: all three type-checked; the vitest
// test file run by vitest with the README's config (its global setup shares one env across the run),
// and the node:test file run by `node --test`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the package, so the snippets resolve the workspace packages as an installed app would.
const workDir = fileURLToPath(new URL('../.readme-snippets/', import.meta.url));
const globalSetup = fileURLToPath(new URL('../src/global-setup.ts', import.meta.url));
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

/** The README's TypeScript blocks, in order: the vitest test file, its config, the node:test file. */
const blocks = [...readFileSync(new URL('../README.md', import.meta.url), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (m) => m[1] ?? '',
);
const [vitestFile, vitestConfig, nodeTestFile] = blocks;

beforeAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, 'test'), { recursive: true });
  expect(vitestConfig, 'the config names the global setup').toContain("'@scoped-lmdb/testing/global-setup'");
  writeFileSync(join(workDir, 'test/orders.test.ts'), `${vitestFile}\nexport {};\n`);
  // The package's sources rather than its build: the global setup by path, the packages by the source condition.
  writeFileSync(
    join(workDir, 'vitest.config.ts'),
    vitestConfig?.replace("'@scoped-lmdb/testing/global-setup'", JSON.stringify(globalSetup)) ?? '',
  );
  writeFileSync(
    join(workDir, 'vitest.run.config.ts'),
    [
      "import { mergeConfig } from 'vitest/config';",
      "import readme from './vitest.config.js';",
      "const conditions = ['@scoped-lmdb/source'];",
      'export default mergeConfig(readme, {',
      '  resolve: { conditions },',
      '  ssr: { resolve: { conditions, externalConditions: conditions } },',
      "  test: { include: ['test/*.test.ts'], reporters: ['default'] },",
      '});',
      '',
    ].join('\n'),
  );
  writeFileSync(join(workDir, 'orders.node-test.ts'), `${nodeTestFile}\nexport {};\n`);
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.source.json', include: ['*.ts', 'test/*.ts'] }),
  );
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('README snippets', () => {
  it('has the three snippets the tests below use', () => {
    expect(blocks).toHaveLength(3);
  });

  it('type-check', () => {
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', workDir], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 130_000);

  it('the vitest file passes under vitest, with the README config', () => {
    const result = spawnSync(process.execPath, [vitestCli, 'run', '--root', workDir, '--config', join(workDir, 'vitest.run.config.ts')], {
      cwd: workDir,
      encoding: 'utf8',
      timeout: 90_000,
      env,
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/Tests\s+2 passed \(2\)/);
  }, 100_000);

  it('the node:test file passes under node --test', () => {
    const result = spawnSync(
      process.execPath,
      ['--conditions=@scoped-lmdb/source', '--import', 'tsx', '--test', join(workDir, 'orders.node-test.ts')],
      { cwd: workDir, encoding: 'utf8', timeout: 60_000, env },
    );
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/^# pass 2$/m);
    expect(result.stdout).toMatch(/^# fail 0$/m);
  }, 70_000);
});
