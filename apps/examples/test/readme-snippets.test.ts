// The TypeScript snippets of the READMEs, type-checked and run as a reader would paste them,
// each on a fresh LMDB directory in place of './data'. What they print is checked too. A test
// file's snippet (`vitest: true`) runs under vitest instead, as the reader's test would.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisCluster, startCluster } from '@scoped-lmdb/redis/local-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Inside this app, so the snippets resolve the workspace packages as an installed app would.
const workDir = fileURLToPath(new URL('../.readme-snippets/', import.meta.url));
const dataRoot = mkdtempSync(join(tmpdir(), 'scoped-lmdb-readme-'));

/** Every README snippet that runs on its own, and what its output must contain. */
const snippets: Array<{ readme: string; redis?: boolean; vitest?: boolean; prints: Array<string | RegExp> }> = [
  { readme: 'README.md', prints: ["{ item: 'tea', qty: 2 }", "{ item: 'coffee', qty: 1 }", /^1$/m] },
  { readme: 'packages/core/README.md', prints: ["{ name: 'Ada' } 1", "[ 'u1' ]", /^true$/m] },
  { readme: 'packages/codec-msgpack/README.md', prints: [/at: \d{4}-\d\d-\d\dT/, "tags: Map(1) { 'x' => 1 }"] },
  { readme: 'packages/codec-cbor/README.md', prints: ["tags: Set(2) { 'a', 'b' }", 'raw: Uint8Array(2) [ 1, 2 ]'] },
  { readme: 'packages/codec-zod/README.md', prints: ["path: [ 'name' ]", "path: [ 'email' ]", /^1$/m] },
  {
    readme: 'packages/registry/README.md',
    prints: [
      "'(default)'",
      "[ 'tenant-a' ]",
      /^\d+n$/m,
      /^\[ '(tenant-a|tenant-c)', '(tenant-a|tenant-c)' \]$/m,
      "{ name: 'Grace' }",
      /^true 1$/m,
      /^1$/m,
      '{ entries: 1, databases: { orders: 1, users: 0 } }',
      '{ total: 3 }',
    ],
  },
  // On a 3-master cluster of its own, in place of the README's port 7000.
  { readme: 'packages/redis/README.md', redis: true, prints: ['{ total: 12 }', 'o-1 { total: 12 }', /^1$/m] },
  // The database suite on LMDB: every test it generates passes, none is skipped.
  { readme: 'packages/test-suite/README.md', vitest: true, prints: [/Tests\s+(\d{3}) passed \(\1\)/] },
];
let cluster: RedisCluster | undefined;
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

/** The README's first TypeScript block. */
function firstTsBlock(readme: string): string | undefined {
  const text = readFileSync(join(repo, readme), 'utf8');
  return /^```ts\n([\s\S]*?)^```$/m.exec(text)?.[1];
}

/** `packages/core/README.md` -> `packages-core-README`: a file and directory name per README. */
const slug = (readme: string) => readme.replaceAll('/', '-').replace(/\.md$/, '');
/** A vitest snippet goes under test/, where the examples' vitest config looks for test files. */
const fileFor = (readme: string, vitest = false) =>
  vitest ? join(workDir, 'test', `${slug(readme)}.test.ts`) : join(workDir, `${slug(readme)}.ts`);

beforeAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, 'test'), { recursive: true });
  cluster = await startCluster(3);
  for (const { readme, redis, vitest } of snippets) {
    let source = firstTsBlock(readme);
    if (source === undefined) throw new Error(`${readme} has no ts block`);
    if (redis) {
      expect(source, `${readme} should connect to port 7000`).toContain('port: 7000');
      source = source.replace('port: 7000', `port: ${cluster.nodes[0]?.port}`);
    } else if (!vitest) {
      expect(source, `${readme} should open './data'`).toContain("'./data'");
      source = source.replace("'./data'", JSON.stringify(join(dataRoot, slug(readme))));
    }
    writeFileSync(fileFor(readme, vitest), `${source}\nexport {};\n`);
  }
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.source.json', include: ['*.ts', 'test/*.ts'] }),
  );
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dataRoot, { recursive: true, force: true });
});

describe('README snippets', () => {
  it('type-check', () => {
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', workDir], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 130_000);

  for (const { readme, prints, vitest } of snippets) {
    it(`${readme} runs and prints what it says`, () => {
      const command = vitest
        ? [vitestCli, 'run', '--root', workDir, '--config', fileURLToPath(new URL('../vitest.config.ts', import.meta.url))]
        : ['--conditions=@scoped-lmdb/source', '--import', 'tsx', fileFor(readme)];
      const result = spawnSync(process.execPath, command, {
        cwd: workDir,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      for (const expected of prints) {
        if (typeof expected === 'string') expect(result.stdout).toContain(expected);
        else expect(result.stdout).toMatch(expected);
      }
    }, 70_000);
  }
});
