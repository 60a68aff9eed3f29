// This README's TypeScript snippets, type-checked and run as a reader would paste them: the LMDB one
// on a fresh directory in place of './data', the Redis one on a cluster of its own in place of port 7000.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisCluster, startCluster } from '@scoped-lmdb/redis/local-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the package, so the snippets resolve the workspace packages as an installed app would.
const workDir = fileURLToPath(new URL('../.readme-snippets/', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'scoped-keyv-readme-'));
let cluster: RedisCluster | undefined;

/** The README's TypeScript blocks, in order. */
const blocks = [...readFileSync(new URL('../README.md', import.meta.url), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (m) => m[1] ?? '',
);

beforeAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  cluster = await startCluster(3);
  const [lmdb, redis] = blocks;
  expect(lmdb, "the LMDB snippet opens './data'").toContain("'./data'");
  expect(redis, 'the Redis snippet connects to port 7000').toContain('port: 7000');
  writeFileSync(join(workDir, 'lmdb.ts'), `${lmdb?.replace("'./data'", JSON.stringify(dataDir))}\nexport {};\n`);
  writeFileSync(join(workDir, 'redis.ts'), `${redis?.replace('port: 7000', `port: ${cluster.nodes[0]?.port}`)}\nexport {};\n`);
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.source.json', include: ['*.ts'] }));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function run(file: string): { status: number | null; output: string; stdout: string } {
  const result = spawnSync(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', join(workDir, file)], {
    cwd: workDir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

describe('README snippets', () => {
  it('has the two snippets the tests below run', () => {
    expect(blocks).toHaveLength(2);
  });

  it('type-check', () => {
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', workDir], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 130_000);

  it('the LMDB snippet runs and prints what it says', () => {
    const { status, output, stdout } = run('lmdb.ts');
    expect(status, output).toBe(0);
    expect(stdout).toContain("undefined { text: 'bonjour' }");
    expect(stdout).toContain("greeting { text: 'bonjour' }");
    expect(stdout).toMatch(/^1$/m);
  }, 70_000);

  it('the Redis snippet runs on a cluster and prints what it says', () => {
    const { status, output, stdout } = run('redis.ts');
    expect(status, output).toBe(0);
    expect(stdout).toContain("{ user: 'ada' }");
  }, 70_000);
});
